/**
 * `(xbar x n)`: x rounded down to a multiple of n, as the engine computes it (asked:
 * `sessions/xbar-float.jsonl`, `sessions/xbar-negative.jsonl`).
 *
 * - With an f64 on either side, x and n of i32, i64 or f64: `floor(x / n) * n` as f64; an
 *   integer null is a NaN, and n = 0 gives a NaN.
 * - Else x of i32, i64, date, time or timestamp and n of i32 or i64: the engine's integer
 *   rounding, `x / n` truncated toward zero for x ≥ 0 and `(x - n + 1) / n` truncated for x
 *   < 0, times n. That is the floor for n > 0; for n < 0 it is what the engine answers
 *   (`(xbar 7 -2)` is 6, `(xbar -7 -2)` is -4). n = 0 and nulls give the null. The result
 *   keeps x's type for dates, times and timestamps; an i32 by an i32 stays i32, else i64.
 *   A time n also rounds a time, or a timestamp (n in nanoseconds). The engine's atom
 *   path answers a timestamp by a null or zero time with garbage (`2000.01.01D00:00…`,
 *   `1999.12.31D23:59:57.852516352`); we answer the null its vector path gives.
 * - Anything else (i16, u8, b8, symbols, a temporal x with an f64 n) is a `type` error
 *   naming x's type and n's.
 *
 * Vectors of safe integers run in doubles, without a BigInt per element; the BigInt loop
 * is the exact fallback.
 *
 * @module
 */
import {
  type Atom,
  type RayObject,
  type Vector,
  vectorLength,
  type VectorType,
} from "../ipc/mod.ts";
import { checkLengths, refuseEmptyList } from "./arith.ts";
import { atomic2 } from "./atomic.ts";
import { binary, type BuiltinFn } from "./builtins.ts";
import { typeError } from "./errors.ts";
import { words } from "./int64.ts";
import { atom, NULL_I32, NULL_I64 } from "./values.ts";
import { resultArray } from "./result_buffers.ts";
import { barsByAtom32, floatBarsByAtom } from "./arith_fast.ts";
import { allRanges, inRanges } from "./parallel.ts";

const I32 = 4, I64 = 5, DATE = 7, TIME = 8, TS = 9, F64 = 10;
const INTEGRAL_X = new Set([I32, I64, DATE, TIME, TS]);
const INTEGRAL_N = new Set([I32, I64]);
const FLOAT_SIDE = new Set([I32, I64, F64]);
const TWO32 = 4294967296;
/** Below this magnitude `x - n + 1` and the quotient stay exact in doubles. */
const EXACT = 2 ** 52;

/** One operand as a function of the index: a number (NaN for a null) per element. */
function doubles(x: Atom | Vector): (i: number) => number {
  if (x.type < 0) {
    const v = (x as Atom).value as number | bigint;
    const d = v === NULL_I64 || v === NULL_I32 ? NaN : Number(v);
    return () => d;
  }
  const data = (x as Vector).data;
  if (data instanceof Float64Array) return (i) => data[i];
  if (data instanceof Int32Array) return (i) => (data[i] === NULL_I32 ? NaN : data[i]);
  const big = data as BigInt64Array;
  const w = words(big);
  if (!w) return (i) => (big[i] === NULL_I64 ? NaN : Number(big[i]));
  // A double of the 64-bit value (rounded, as the engine's conversion), the null as NaN.
  return (i) => {
    const hi = w[2 * i + 1], lo = w[2 * i];
    return hi === NULL_I32 && lo === 0 ? NaN : hi * TWO32 + (lo >>> 0);
  };
}

function floatXbar(a: Atom | Vector, b: Atom | Vector): RayObject {
  const x = doubles(a), n = doubles(b);
  if (a.type < 0 && b.type < 0) return atom(F64, Math.floor(x(0) / n(0)) * n(0));
  // An f64 vector by an atom, the common case: one tight loop, no accessor per element.
  if (a.type === F64 && b.type < 0) {
    const xs = a.data, q = n(0);
    const out = resultArray(F64, xs.length);
    inRanges(floatBarsByAtom, [xs, q, out], xs.length);
    return { type: F64, data: out } as Vector;
  }
  const len = vectorLength((a.type > 0 ? a : b) as Vector);
  const out = resultArray(F64, len); // every element written below
  for (let i = 0; i < len; i++) {
    const p = x(i), q = n(i);
    out[i] = Math.floor(p / q) * q;
  }
  return { type: F64, data: out } as Vector;
}

/** The engine's integer rounding of one value (BigInt, exact). */
function roundBig(x: bigint, n: bigint): bigint {
  const q = x >= 0n ? x / n : (x - n + 1n) / n; // BigInt division truncates, as C's
  return q * n;
}

function integerXbar(a: Atom | Vector, b: Atom | Vector, rt: number): RayObject {
  const wide = rt === I64 || rt === TS;
  const nullOf = (v: number | bigint) => v === NULL_I64 || v === NULL_I32;
  if (a.type < 0 && b.type < 0) {
    const x = (a as Atom).value as number | bigint, n = (b as Atom).value as number | bigint;
    if (nullOf(x) || nullOf(n) || BigInt(n) === 0n) return atom(rt, wide ? NULL_I64 : NULL_I32);
    const r = roundBig(BigInt(x), BigInt(n));
    return atom(rt, wide ? BigInt.asIntN(64, r) : Number(BigInt.asIntN(32, r)));
  }
  const len = vectorLength((a.type > 0 ? a : b) as Vector);
  const out = resultArray(rt as VectorType, len) as Int32Array | BigInt64Array; // all written
  if (!xbarSmall(a, b, out) && !xbarInDoubles(a, b, out)) {
    const x = bigs(a), n = bigs(b);
    const nul = wide ? NULL_I64 : BigInt(NULL_I32);
    for (let i = 0; i < len; i++) {
      const p = x(i), q = n(i);
      const r = p === undefined || q === undefined || q === 0n ? nul : roundBig(p, q);
      if (wide) (out as BigInt64Array)[i] = r;
      else (out as Int32Array)[i] = r === nul ? NULL_I32 : Number(BigInt.asIntN(32, r));
    }
  }
  return { type: rt as VectorType, data: out } as Vector;
}

/**
 * An i64 vector by a positive i64 or i32 atom when every value is a 32-bit integer (no
 * null): each value its low word, each result (a multiple of n no larger in magnitude than
 * x - n + 1) written with its sign. False when the shape or the values do not fit.
 */
function xbarSmall(a: Atom | Vector, b: Atom | Vector, out: Int32Array | BigInt64Array): boolean {
  if (a.type !== I64 || !(out instanceof BigInt64Array) || (b.type !== -I64 && b.type !== -I32)) {
    return false;
  }
  const q = Number((b as Atom).value);
  if (!(q > 0 && q < 2 ** 30)) return false;
  const wa = words(a.data as BigInt64Array);
  const w = words(out);
  if (!wa || !w) return false;
  // An int32 divisor: the runtimes then divide in integers, not fmod.
  return allRanges(barsByAtom32, [wa, q | 0, w], wa.length / 2);
}

/** One operand as exact BigInts per element, undefined for a null. */
function bigs(x: Atom | Vector): (i: number) => bigint | undefined {
  if (x.type < 0) {
    const v = (x as Atom).value as number | bigint;
    const b = v === NULL_I64 || v === NULL_I32 ? undefined : BigInt(v);
    return () => b;
  }
  const data = (x as Vector).data as Int32Array | BigInt64Array;
  if (data instanceof Int32Array) {
    return (i) => (data[i] === NULL_I32 ? undefined : BigInt(data[i]));
  }
  return (i) => (data[i] === NULL_I64 ? undefined : data[i]);
}

/**
 * The integer rounding in doubles when every operand is below 2^52 in magnitude (so the
 * quotient and the product are exact); false, with `out` untouched, otherwise.
 */
function xbarInDoubles(a: Atom | Vector, b: Atom | Vector, out: Int32Array | BigInt64Array) {
  if (a.type === I64 && b.type < 0 && out instanceof BigInt64Array) {
    return i64ByAtom(
      a.data as BigInt64Array,
      (b as Atom).value as number | bigint,
      out,
    );
  }
  const x = doubles(a), n = doubles(b);
  const len = out.length;
  for (const side of [a, b]) {
    if (side.type < 0) {
      const v = (side as Atom).value as number | bigint;
      if (v !== NULL_I64 && v !== NULL_I32 && Math.abs(Number(v)) >= EXACT) return false;
    } else if ((side as Vector).data instanceof BigInt64Array) {
      const f = side === a ? x : n;
      for (let i = 0; i < len; i++) if (Math.abs(f(i)) >= EXACT) return false;
    }
  }
  const w = out instanceof BigInt64Array ? words(out) : undefined;
  if (out instanceof BigInt64Array && !w) return false;
  for (let i = 0; i < len; i++) {
    const p = x(i), q = n(i);
    let r: number;
    if (p !== p || q !== q || q === 0) r = NaN;
    else r = Math.trunc((p >= 0 ? p : p - q + 1) / q) * q;
    if (w) {
      if (r !== r) {
        w[2 * i] = 0;
        w[2 * i + 1] = NULL_I32;
      } else {
        const hi = Math.floor(r / TWO32);
        w[2 * i] = r - hi * TWO32;
        w[2 * i + 1] = hi;
      }
    } else (out as Int32Array)[i] = r !== r ? NULL_I32 : r | 0;
  }
  return true;
}

/** A time atom or vector (milliseconds) as i64 nanoseconds, nulls kept. */
function inNanoseconds(t: Atom | Vector): Atom | Vector {
  const ns = (ms: number) => (ms === NULL_I32 ? NULL_I64 : BigInt(ms) * 1_000_000n);
  if (t.type < 0) return atom(I64, ns((t as Atom).value as number));
  const data = (t as Vector).data as Int32Array;
  return { type: I64, data: BigInt64Array.from(data, ns) } as Vector;
}

/** An i64 column by an integer atom, through words: the common `(xbar ts 60000000000)`. */
function i64ByAtom(x: BigInt64Array, bar: number | bigint, out: BigInt64Array): boolean {
  const wx = words(x), wo = words(out);
  if (!wx || !wo || bar === NULL_I64 || bar === NULL_I32) return false;
  const n = Number(bar);
  if (Math.abs(n) >= EXACT) return false;
  for (let i = 0; i < wx.length; i += 2) {
    const hi = wx[i + 1];
    if (hi === NULL_I32 && wx[i] === 0 || n === 0) {
      wo[i] = 0;
      wo[i + 1] = NULL_I32;
      continue;
    }
    if (hi >= 1048576 || hi < -1048576) return false; // |x| ≥ 2^52: the exact path
    const p = hi * TWO32 + (wx[i] >>> 0);
    const r = Math.trunc((p >= 0 ? p : p - n + 1) / n) * n;
    const rh = Math.floor(r / TWO32);
    wo[i] = r - rh * TWO32;
    wo[i + 1] = rh;
  }
  return true;
}

/** The builtins defined here. */
export const XBAR_BUILTINS: readonly BuiltinFn[] = [
  binary("xbar", (_e, x, n) => {
    refuseEmptyList(x, n);
    return atomic2(x, n, (a, b) => {
      checkLengths(a, b);
      const ta = Math.abs(a.type), tb = Math.abs(b.type);
      if (ta === F64 || tb === F64) {
        if (!FLOAT_SIDE.has(ta) || !FLOAT_SIDE.has(tb)) throw typeError(a.type, b.type);
        return floatXbar(a, b);
      }
      // A time bar rounds a time, or a timestamp (the bar in nanoseconds).
      const timeBar = tb === TIME && (ta === TIME || ta === TS);
      if (!INTEGRAL_X.has(ta) || !(INTEGRAL_N.has(tb) || timeBar)) throw typeError(a.type, b.type);
      const rt = ta === I32 ? (tb === I32 ? I32 : I64) : ta;
      return integerXbar(a, timeBar && ta === TS ? inNanoseconds(b) : b, rt);
    });
  }, { fresh: true }),
];
