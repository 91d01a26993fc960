/**
 * Gathers of fixed-width vectors by positions (`take`, `at`, the rows a `where:` keeps, the
 * first row of each group): one loop per element width, each over one kind of typed array,
 * because a loop that meets several kinds (Float64Array, Int32Array, Uint8Array …) becomes a
 * generic element access in V8 and runs several times slower. A position out of range gives
 * the type's null. i64 and timestamp elements move as two 32-bit words (no BigInt each).
 *
 * @example
 * ```ts
 * import { gather } from "./gather.ts";
 * const picked = gather({ type: 10, data: Float64Array.of(1.5, 2.5, 3.5) }, Int32Array.of(2, 0, 9));
 * if (picked.data[0] !== 3.5 || picked.data[1] !== 1.5 || !Number.isNaN(picked.data[2])) {
 *   throw new Error("gather");
 * }
 * ```
 *
 * @module
 */
import { NULLS, Type, type Vector } from "../ipc/mod.ts";
import { words } from "./int64.ts";
import { resultArray } from "./result_buffers.ts";

/**
 * The elements of `v` (any vector type but GUID) at positions `idx`, as a vector of the same
 * type; its array comes from `resultArray` (every element is written).
 */
export function gather(v: Vector, idx: ArrayLike<number>): Vector {
  const at = idx instanceof Int32Array ? idx : Int32Array.from(idx, inRange);
  const out = resultArray(v.type, at.length);
  const src = v.data;
  if (src instanceof BigInt64Array) gatherWords(src, at, out as BigInt64Array);
  else if (src instanceof Float64Array) gatherF64(src, at, out as Float64Array);
  else if (src instanceof Int32Array) {
    // I32, DATE and TIME have the 32-bit null; a SYMBOL's is id 0, the empty symbol
    gather32(src, at, out as Int32Array, v.type === Type.SYMBOL ? 0 : NULLS.i32);
  } else if (src instanceof Int16Array) gather16(src, at, out as Int16Array, NULLS.i16);
  // B8, U8 and C8: 0 out of range (U8 and C8 have no null; a B8 false)
  else gather8(src as Uint8Array, at, out as Uint8Array);
  return { type: v.type, data: out } as Vector;
}

/** A position as a 32-bit integer; one that is not (2^32, 1.5) is out of range: −1. */
const inRange = (j: number): number => (j === (j | 0) ? j : -1);

/**
 * A position out of range reads `undefined`, which is NaN, the f64 null: no choice per element
 * between the element and NaN, which V8 ran two to four times slower (a gather of 5,000,000
 * doubles: 25–45 ms against 8–11).
 */
function gatherF64(src: Float64Array, at: Int32Array, out: Float64Array): void {
  for (let i = 0; i < at.length; i++) out[i] = src[at[i]] ?? NaN;
}

function gather32(src: Int32Array, at: Int32Array, out: Int32Array, nul: number): void {
  const n = src.length;
  for (let i = 0; i < at.length; i++) {
    const j = at[i];
    out[i] = j >= 0 && j < n ? src[j] : nul;
  }
}

function gather16(src: Int16Array, at: Int32Array, out: Int16Array, nul: number): void {
  const n = src.length;
  for (let i = 0; i < at.length; i++) {
    const j = at[i];
    out[i] = j >= 0 && j < n ? src[j] : nul;
  }
}

function gather8(src: Uint8Array, at: Int32Array, out: Uint8Array): void {
  const n = src.length;
  for (let i = 0; i < at.length; i++) {
    const j = at[i];
    out[i] = j >= 0 && j < n ? src[j] : 0;
  }
}

/** 64-bit elements through 32-bit word views: no BigInt per element. */
function gatherWords(src: BigInt64Array, at: Int32Array, out: BigInt64Array): void {
  const from = words(src), to = words(out);
  if (!from || !to) {
    for (let i = 0; i < at.length; i++) out[i] = src[at[i]] ?? NULLS.i64;
    return;
  }
  const n = src.length;
  for (let i = 0; i < at.length; i++) {
    const j = at[i];
    if (j >= 0 && j < n) {
      to[2 * i] = from[2 * j];
      to[2 * i + 1] = from[2 * j + 1];
    } else {
      to[2 * i] = 0;
      to[2 * i + 1] = -2147483648; // the i64 null
    }
  }
}
