/**
 * Tight loops for the binary arithmetic of same-typed F64 and I64 operands (a vector with
 * a vector or an atom): no closure and no BigInt per element. Each loop computes what the
 * per-element functions of `arith.ts` compute (the general path, which runs when this
 * one declines), bit for bit: a float division by zero is NaN, an integer one the null;
 * `/` floors; `%` is `x - y * floor(x / y)`; a float vector divided by an atom is
 * multiplied by the reciprocal, as the engine does.
 *
 * @module
 */
import { arithSafe, divSafe } from "./int64.ts";
import { inRanges } from "./parallel.ts";
import type { ArithOp } from "./arith.ts";

const I64 = 5, F64 = 10;

/**
 * Fills `out` with `a op b` when the operand and result types have a loop here; false,
 * with `out` untouched, when they do not (or i64 values are beyond exact doubles).
 */
export function fastPath(
  op: ArithOp,
  ta: number,
  tb: number,
  rt: number,
  ad: ArrayLike<unknown> | undefined,
  bd: ArrayLike<unknown> | undefined,
  av: number | bigint | undefined,
  bv: number | bigint | undefined,
  out: Int32Array | Float64Array | BigInt64Array,
): boolean {
  if (rt === F64 && ta === F64 && tb === F64) {
    floatLoop(
      op,
      ad as Float64Array | undefined,
      av as number,
      bd as Float64Array | undefined,
      bv as number,
      out as Float64Array,
    );
    return true;
  }
  if (rt === I64 && ta === I64 && tb === I64) {
    const x = ad as BigInt64Array | undefined, y = bd as BigInt64Array | undefined;
    const xs = av as bigint, ys = bv as bigint;
    const o = out as BigInt64Array;
    if (op === "+" || op === "-" || op === "*") return arithSafe(op, x, xs, y, ys, o);
    if (op === "/" || op === "%") return divSafe(op, x, xs, y, ys, o);
  }
  return false;
}

function floatLoop(
  op: ArithOp,
  x: Float64Array | undefined,
  xs: number,
  y: Float64Array | undefined,
  ys: number,
  o: Float64Array,
): void {
  const n = o.length;
  switch (op) {
    case "+":
    case "-":
    case "*":
      // One loop per shape: a test of the operand kind per element costs more than the add.
      if (x && y) elementwise(op, x, y, o, n);
      else if (x) withAtom(op, x, ys, o, n, false);
      else withAtom(op, y!, xs, o, n, true);
      return;
    case "div":
      if (x && !y) {
        const r = 1 / ys;
        if (ys === 0) o.fill(NaN);
        else for (let i = 0; i < n; i++) o[i] = x[i] * r;
        return;
      }
      if (x && y) return quotients(x, y, o, n);
      for (let i = 0; i < n; i++) {
        const d = y ? y[i] : ys;
        o[i] = d === 0 ? NaN : (x ? x[i] : xs) / d;
      }
      return;
    case "/":
      for (let i = 0; i < n; i++) {
        const d = y ? y[i] : ys;
        o[i] = d === 0 ? NaN : Math.floor((x ? x[i] : xs) / d);
      }
      return;
    case "%":
      if (x && !y) {
        if (ys === 0) o.fill(NaN);
        else modByAtom(x, ys, o, n);
        return;
      }
      for (let i = 0; i < n; i++) {
        const d = y ? y[i] : ys, v = x ? x[i] : xs;
        o[i] = d === 0 ? NaN : v - d * Math.floor(v / d);
      }
      return;
  }
}

/** `x op y` of two vectors, element by element. */
function elementwise(
  op: "+" | "-" | "*",
  x: Float64Array,
  y: Float64Array,
  o: Float64Array,
  n: number,
) {
  if (op === "+") { for (let i = 0; i < n; i++) o[i] = x[i] + y[i]; }
  else if (op === "-") { for (let i = 0; i < n; i++) o[i] = x[i] - y[i]; }
  else for (let i = 0; i < n; i++) o[i] = x[i] * y[i];
}

/** `v op a` (or `a op v` when `atomFirst`) of a vector and an atom. */
function withAtom(
  op: "+" | "-" | "*",
  v: Float64Array,
  a: number,
  o: Float64Array,
  n: number,
  atomFirst: boolean,
) {
  if (op === "+") { for (let i = 0; i < n; i++) o[i] = v[i] + a; }
  else if (op === "*") { for (let i = 0; i < n; i++) o[i] = v[i] * a; }
  else if (atomFirst) { for (let i = 0; i < n; i++) o[i] = a - v[i]; }
  else for (let i = 0; i < n; i++) o[i] = v[i] - a;
}

/**
 * `div` of two vectors: the quotients, then NaN where a divisor was 0 in a second pass when
 * there was one. V8 ran a loop that chose per element between the quotient and NaN at 50–60
 * ms for 10,000,000 doubles; this one takes 15–16.
 */
function quotients(x: Float64Array, y: Float64Array, o: Float64Array, n: number) {
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i];
    o[i] = x[i] / d;
    zeros += +(d === 0);
  }
  if (zeros) { for (let i = 0; i < n; i++) if (y[i] === 0) o[i] = NaN; }
}

/**
 * `x % d` of a vector by a non-zero atom (`x - d * floor(x / d)`), in a function of its own:
 * JavaScriptCore optimizes this loop inside the many-armed `floatLoop` less well (204 ms
 * against 70–80 ms alone, 10,000,000 doubles).
 */
function modByAtom(x: Float64Array, d: number, o: Float64Array, n: number) {
  inRanges(floatRemaindersByAtom, [x, d, o], n);
}

/** `x % d` for elements `from … to − 1` (see {@link modByAtom}). */
export function floatRemaindersByAtom(
  x: Float64Array,
  d: number,
  o: Float64Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    const v = x[i];
    o[i] = v - d * Math.floor(v / d);
  }
}

/** `floor(x / q) * q` (`xbar` of a float vector by an atom) for elements `from … to − 1`. */
export function floatBarsByAtom(
  x: Float64Array,
  q: number,
  o: Float64Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) o[i] = Math.floor(x[i] / q) * q;
}

/**
 * `xbar` of 32-bit values (i64 words `wa`) by a positive int32 `d` below 2^30, for elements
 * `from … to − 1`, into the words `w`; the flag of a value that is not a 32-bit integer or is
 * too low (below −2^31 + d − 1, where `p - d + 1` would leave 32 bits): the general loops
 * then run.
 */
export function barsByAtom32(
  wa: Int32Array,
  d: number,
  w: Int32Array,
  from: number,
  to: number,
): number {
  const lowest = -(2 ** 31) + d - 1;
  let bad = 0;
  for (let i = 2 * from; i < 2 * to; i += 2) {
    const p = wa[i];
    bad |= (wa[i + 1] ^ (p >> 31)) | +(p < lowest);
    const m = (p % d) | 0; // integer remainder, the sign of p (| 0: never -0, a double)
    const r = m < 0 ? p - m - d : p - m; // the multiple of d at or below p
    w[i] = r;
    w[i + 1] = r >> 31;
  }
  return bad;
}
