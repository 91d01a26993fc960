/**
 * A hash of integer-like values by number, for `in`, `find` and grouping: the elements of
 * a B8, U8, I16, I32, SYMBOL, DATE, TIME or C8 vector are numbers already, and an I64 or
 * TIMESTAMP vector whose values are safe integers (or nulls) is read through its 32-bit
 * words into doubles, so no BigInt or string is made per element. A small value range
 * (at most 2^20, or twice the length) is a direct-address table; a wider one a `Map`.
 *
 * @example
 * ```ts
 * import { firstPositions, integerValues } from "./integer_index.ts";
 * const table = integerValues({ type: 5, data: BigInt64Array.of(7n, 3n, 7n) })!;
 * const index = firstPositions(table);
 * if (index.get(7) !== 0 || index.get(3) !== 1 || index.get(4) !== -1) throw new Error();
 * ```
 *
 * @module
 */
import type { Vector } from "../ipc/mod.ts";
import { int32Values, words } from "./int64.ts";
import { allRanges, inRanges, scratchBuffer } from "./parallel.ts";
import { Type } from "../ipc/mod.ts";

const TWO32 = 4294967296;
const NULL_HI = -2147483648;
/** The i64 null as a double: exact, and no safe integer equals it. */
const NULL_AS_NUMBER = -(2 ** 63);
const NUMBER_TYPED = new Set([1, 2, 3, 4, 6, 7, 8, 12]);

/**
 * The elements of an integer-like vector as exact numbers (the i64 null as -2^63), or
 * undefined for other types and for 64-bit values of 2^53 or more in magnitude.
 */
export function integerValues(v: Vector): ArrayLike<number> | undefined {
  if (NUMBER_TYPED.has(v.type)) return v.data as ArrayLike<number>;
  if (v.type !== Type.I64 && v.type !== Type.TIMESTAMP) return undefined;
  const small = int32Values(v.data as BigInt64Array);
  if (small) return small.values;
  const w = words(v.data as BigInt64Array);
  if (!w) return undefined;
  const n = w.length >> 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hi = w[2 * i + 1];
    if (hi >= 2097152 || hi < -2097152) {
      if (hi === NULL_HI && w[2 * i] === 0) {
        out[i] = NULL_AS_NUMBER;
        continue;
      }
      return undefined;
    }
    out[i] = hi * TWO32 + (w[2 * i] >>> 0);
  }
  return out;
}

/** Where each value first occurs in the indexed column. */
export interface PositionIndex {
  /** The first position of `value`, or -1. */
  get(value: number): number;
}

/** A direct-address table: `slots[value - min]` is the first position or -1. */
class DirectIndex implements PositionIndex {
  constructor(readonly min: number, readonly slots: Int32Array) {}
  get(value: number): number {
    const s = value - this.min;
    return s >= 0 && s < this.slots.length ? this.slots[s] : -1;
  }
}

class HashIndex implements PositionIndex {
  constructor(readonly map: Map<number, number>) {}
  get(value: number): number {
    return this.map.get(value) ?? -1;
  }
}

/** Indexes `values` by first occurrence: a direct-address table when the range is small. */
export function firstPositions(values: ArrayLike<number>): PositionIndex {
  const n = values.length;
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    const y = values[i];
    if (y < min) min = y;
    if (y > max) max = y;
  }
  const range = max - min + 1;
  if (n > 0 && range <= Math.max(1 << 20, 2 * n)) {
    // In shared memory when this thread has helpers: loops that probe it may run there.
    const slots = new Int32Array(scratchBuffer(4 * range)).fill(-1);
    for (let i = n - 1; i >= 0; i--) slots[values[i] - min] = i;
    return new DirectIndex(min, slots);
  }
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!map.has(values[i])) map.set(values[i], i);
  return new HashIndex(map);
}

/** Whether the elements of two vectors of these types compare by number in a key map. */
export function sameKeyDomain(a: number, b: number): boolean {
  const wide = (t: number) => t === Type.I64 || t === Type.TIMESTAMP;
  return wide(a) === wide(b);
}

/**
 * For each element of vector `x` (integer-like, its keys in the index's domain), the
 * position `index` gives (or -1) into an Int32Array `out`, or whether it has one (1 or 0)
 * into a Uint8Array `out`; false (and `out` of no use) when `x` is not integer-like or
 * holds 64-bit values beyond 2^53. An i64 is read from its words, without a column of
 * doubles in between.
 */
export function probe(x: Vector, index: PositionIndex, out: Int32Array | Uint8Array): boolean {
  const n = out.length;
  const mask = out instanceof Uint8Array;
  if (NUMBER_TYPED.has(x.type)) {
    const d = x.data as ArrayLike<number>;
    if (index instanceof DirectIndex) {
      const { min, slots } = index;
      for (let i = 0; i < n; i++) {
        const s = d[i] - min;
        const p = s >= 0 && s < slots.length ? slots[s] : -1;
        out[i] = mask ? (p >= 0 ? 1 : 0) : p;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p = index.get(d[i]);
        out[i] = mask ? (p >= 0 ? 1 : 0) : p;
      }
    }
    return true;
  }
  if (x.type !== Type.I64 && x.type !== Type.TIMESTAMP) return false;
  const w = words(x.data as BigInt64Array);
  if (!w) return false;
  if (index instanceof DirectIndex) {
    // 32-bit values straight into the table, in ranges (engine/parallel.ts); when one is not,
    // every value through `get` below.
    const loop = mask ? probeWordsFound : probeWordsPositions;
    if (allRanges(loop, [w, index.min, index.slots, out], n)) return true;
  }
  for (let i = 0; i < n; i++) {
    const hi = w[2 * i + 1];
    let p: number;
    if (hi < 2097152 && hi >= -2097152) p = index.get(hi * TWO32 + (w[2 * i] >>> 0));
    else if (hi === NULL_HI && w[2 * i] === 0) p = index.get(NULL_AS_NUMBER);
    else return false;
    out[i] = mask ? (p >= 0 ? 1 : 0) : p;
  }
  return true;
}

/**
 * Whether each element `from … to − 1` (i64 words `w`) is in the direct-address table
 * `slots` from `min` (1 or 0 into `out`); the flag of a value that is not a 32-bit integer.
 */
export function probeWordsFound(
  w: Int32Array,
  min: number,
  slots: Int32Array,
  out: Uint8Array,
  from: number,
  to: number,
): number {
  const size = slots.length;
  let bad = 0;
  for (let i = from; i < to; i++) {
    const lo = w[2 * i];
    bad |= w[2 * i + 1] ^ (lo >> 31);
    const s = lo - min;
    // found (a position ≥ 0) is 1, in arithmetic rather than a branch
    out[i] = ((s >= 0 && s < size ? slots[s] : -1) >>> 31) ^ 1;
  }
  return bad;
}

/** {@link probeWordsFound}, writing each element's first position (or -1) into `out`. */
export function probeWordsPositions(
  w: Int32Array,
  min: number,
  slots: Int32Array,
  out: Int32Array,
  from: number,
  to: number,
): number {
  const size = slots.length;
  let bad = 0;
  for (let i = from; i < to; i++) {
    const lo = w[2 * i];
    bad |= w[2 * i + 1] ^ (lo >> 31);
    const s = lo - min;
    out[i] = s >= 0 && s < size ? slots[s] : -1;
  }
  return bad;
}

/**
 * Marks in `seen` the slot of each element `from … to − 1` (`values[i · stride] − offset`,
 * stride 1 or 2 as `IntegerRange` has them). Threads marking the same slot write the same 1,
 * and only a slot not yet marked is written
 * (a store to a line another core reads costs both: always writing took `distinct` of 100
 * symbols on two threads from 26 to 42 ms).
 */
export function markSlots(
  values: Int32Array,
  stride: number,
  offset: number,
  seen: Uint8Array,
  from: number,
  to: number,
): void {
  // One loop per stride: a constant stride keeps the index arithmetic out of the way.
  if (stride === 1) {
    for (let i = from; i < to; i++) {
      const s = values[i] - offset;
      if (seen[s] === 0) seen[s] = 1;
    }
  } else {
    for (let i = 2 * from; i < 2 * to; i += 2) {
      const s = values[i] - offset;
      if (seen[s] === 0) seen[s] = 1;
    }
  }
}

/**
 * Which slots (`value − offset`, `0 … range − 1`) the `n` values of `values` (every
 * `stride`-th) fill: 1 or 0 each; marked in ranges (on helper threads when there are any).
 */
export function filledSlots(
  values: Int32Array,
  stride: number,
  offset: number,
  range: number,
  n: number,
): Uint8Array {
  const seen = new Uint8Array(scratchBuffer(range));
  inRanges(markSlots, [values, stride, offset, seen], n);
  return seen;
}
