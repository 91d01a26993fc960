/**
 * The loops that may run on helper threads, by name: a helper runs a loop it is sent by
 * name, so both sides must know the same ones. A {@link RangeLoop} not listed here runs on
 * its caller's thread alone.
 *
 * @module
 */
import type { RangeLoop } from "./parallel.ts";
import { equalFloats, greaterFloats, notLessFloats } from "./compare_loops.ts";
import {
  atomLess32,
  atomProduct32,
  compareWordPairs,
  compareWordsToAtom,
  equal32,
  equalPairs32,
  floorQuotientsByAtom32,
  greater32,
  greaterPairs32,
  greatestInt32,
  greatestOf32,
  leastInt32,
  leastOf32,
  less32,
  pairFloorQuotients32,
  pairProduct32,
  pairRemainders32,
  pairSum32,
  plusAtom32,
  remaindersByAtom32,
  smallAtomProduct32,
  sumInt32Range,
} from "./int64.ts";
import { barsByAtom32, floatBarsByAtom, floatRemaindersByAtom } from "./arith_fast.ts";
import { countSet, writePositions32, writePositions64 } from "./mask_positions.ts";
import { markSlots, probeWordsFound, probeWordsPositions } from "./integer_index.ts";
import { addUp32, pickLeast32, pickMost32, sumUp32 } from "./grouped_aggregates.ts";

/** Every loop a helper can run, by name. */
export const RANGE_LOOPS: Readonly<Record<string, RangeLoop>> = Object.freeze({
  equalFloats,
  greaterFloats,
  notLessFloats,
  atomLess32,
  atomProduct32,
  compareWordPairs,
  compareWordsToAtom,
  equal32,
  equalPairs32,
  floorQuotientsByAtom32,
  greater32,
  greaterPairs32,
  greatestInt32,
  greatestOf32,
  leastInt32,
  leastOf32,
  less32,
  pairFloorQuotients32,
  pairProduct32,
  pairRemainders32,
  pairSum32,
  plusAtom32,
  remaindersByAtom32,
  smallAtomProduct32,
  sumInt32Range,
  floatRemaindersByAtom,
  floatBarsByAtom,
  barsByAtom32,
  countSet,
  writePositions32,
  writePositions64,
  probeWordsFound,
  probeWordsPositions,
  markSlots,
  addUp32,
  sumUp32,
  pickLeast32,
  pickMost32,
});
