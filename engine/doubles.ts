/**
 * A numeric vector's values as a new `Float64Array` (from result_buffers.ts: a caller that
 * lets it out of sight gives it back with `releaseScratch`), for kernels that work in doubles
 * (`med`, `dev`): an i64 or timestamp through its 32-bit words (the value rounded once, as
 * `Number` rounds it), without a BigInt per element. Nulls become NaN when `nullsAsNaN`,
 * else stay the numbers they are (the i64 null is −2^63, the smallest).
 *
 * @example
 * ```ts
 * import { asDoubles } from "./doubles.ts";
 * const xs = asDoubles({ type: 5, data: BigInt64Array.of(3n, -(2n ** 63n)) }, true);
 * if (xs[0] !== 3 || !Number.isNaN(xs[1])) throw new Error();
 * ```
 *
 * @module
 */
import type { Vector } from "../ipc/mod.ts";
import { words } from "./int64.ts";
import { isNullValue } from "./values.ts";
import { Type } from "../ipc/mod.ts";
import { resultArray } from "./result_buffers.ts";

const TWO32 = 4294967296;
const NULL_HI = -2147483648;

export function asDoubles(v: Vector, nullsAsNaN: boolean): Float64Array {
  if (v.type === Type.I64 || v.type === Type.TIMESTAMP) {
    const d = v.data as BigInt64Array;
    const w = words(d);
    const out = resultArray(Type.F64, d.length); // every element written below
    if (!w) {
      for (let i = 0; i < d.length; i++) {
        out[i] = nullsAsNaN && isNullValue(5, d[i]) ? NaN : Number(d[i]);
      }
      return out;
    }
    for (let i = 0; i < out.length; i++) {
      const hi = w[2 * i + 1], lo = w[2 * i];
      out[i] = nullsAsNaN && hi === NULL_HI && lo === 0 ? NaN : hi * TWO32 + (lo >>> 0);
    }
    return out;
  }
  const src = v.data as ArrayLike<number>;
  const out = resultArray(Type.F64, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i];
  if (nullsAsNaN && v.type !== Type.F64) {
    for (let i = 0; i < out.length; i++) if (isNullValue(v.type, out[i])) out[i] = NaN;
  }
  return out;
}
