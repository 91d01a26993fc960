/**
 * The positions of the set bytes of a B8 mask — `where`, and the rows a `select`'s `where:`
 * keeps — in two passes over ranges (engine/parallel.ts): each range's count, then each
 * range writes its positions from where the counts before it end. Both passes may run on
 * helper threads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskPositions32 } from "./mask_positions.ts";
 * assert.deepEqual([...maskPositions32(Uint8Array.of(0, 1, 1, 0, 1))], [1, 2, 4]);
 * ```
 *
 * @module
 */
import { Type } from "../ipc/mod.ts";
import { words } from "./int64.ts";
import { inRanges, RANGE_ELEMENTS, scratchBuffer } from "./parallel.ts";
import { resultArray } from "./result_buffers.ts";

/**
 * 1 for a non-zero byte, else 0, in arithmetic: V8 and JavaScriptCore compile `b ? 1 : 0`
 * to a branch, mispredicted half the time on a mask of random bits (a loop over 10M such
 * bytes: 40–50 ms with the branch, 5–11 without).
 */
function set(b: number): number {
  return (b | -b) >>> 31;
}

/** The number of non-zero bytes among `from … to − 1`. */
export function countSet(mask: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n += set(mask[i]);
  return n;
}

/** Where each range's positions start in the output: the counts of the ranges before it. */
function rangeStarts(mask: Uint8Array): { starts: Float64Array; total: number } {
  const counts = inRanges(countSet, [mask], mask.length);
  const starts = new Float64Array(scratchBuffer(8 * counts.length));
  let total = 0;
  for (let r = 0; r < counts.length; r++) {
    starts[r] = total;
    total += counts[r];
  }
  return { starts, total };
}

/** The last non-zero byte among `from … to − 1`, or `from − 1`. */
function lastSet(mask: Uint8Array, from: number, to: number): number {
  let i = to - 1;
  while (i >= from && mask[i] === 0) i--;
  return i;
}

/**
 * Writes the positions of the set bytes among `from … to − 1` into `out` from
 * `starts[range]`. Without a branch on the mask: each position is written at the next free
 * slot, which moves on by `set(byte)`; up to the range's last set byte, so that no write
 * passes the range's own slots.
 */
export function writePositions32(
  mask: Uint8Array,
  starts: Float64Array,
  out: Int32Array,
  from: number,
  to: number,
): void {
  const last = lastSet(mask, from, to);
  // An int32 slot (a double one slows the stores in JavaScriptCore); below 2^31, as positions.
  for (let i = from, j = starts[from / RANGE_ELEMENTS] | 0; i <= last; i++) {
    out[j] = i;
    j += set(mask[i]);
  }
}

/** {@link writePositions32} into the words of an i64 vector (the high words 0). */
export function writePositions64(
  mask: Uint8Array,
  starts: Float64Array,
  out: Int32Array,
  from: number,
  to: number,
): void {
  const last = lastSet(mask, from, to);
  for (let i = from, j = (2 * starts[from / RANGE_ELEMENTS]) | 0; i <= last; i++) {
    out[j] = i;
    out[j + 1] = 0;
    j += 2 * set(mask[i]);
  }
}

/** The positions of the set bytes of `mask`, as 32-bit integers. */
export function maskPositions32(mask: Uint8Array): Int32Array {
  const { starts, total } = rangeStarts(mask);
  const out = resultArray(Type.I32, total); // every element written
  inRanges(writePositions32, [mask, starts, out], mask.length);
  return out;
}

/**
 * The positions of the set bytes of `mask` as an i64 vector's data (`where`), or undefined
 * on a big-endian host (no word view).
 */
export function maskPositions64(mask: Uint8Array): BigInt64Array | undefined {
  const { starts, total } = rangeStarts(mask);
  const out = resultArray(Type.I64, total); // every word written
  const w = words(out);
  if (!w) return undefined;
  inRanges(writePositions64, [mask, starts, w], mask.length);
  return out;
}
