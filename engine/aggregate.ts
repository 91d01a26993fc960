/**
 * Aggregates `sum avg med dev min max first last count` (`rayforce-language.md` §3.5):
 * nulls are skipped, a LIST is aggregated element by element, an atom is its own
 * aggregate.
 *
 * @module
 */
import {
  type Atom,
  isVector,
  isVectorOf,
  NULL,
  type RayObject,
  type Table,
  Type,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { type BuiltinFn, unary } from "./builtins.ts";
import { asDoubles } from "./doubles.ts";
import { deviationI64, extremeInt32, sumI64, sumInt32, words } from "./int64.ts";
import { selectKth } from "./select_kth.ts";
import { typeError } from "./errors.ts";
import {
  atom,
  collect,
  count,
  isNullValue,
  NULL_I64,
  nullValue,
  tableRows,
  vectorItem,
} from "./values.ts";
import { releaseScratch } from "./result_buffers.ts";

/**
 * Applies `f` to each typed vector or atom; LISTs map element-wise (an empty one gives null,
 * as in the engine); others are a type error.
 */
function aggregate(x: RayObject, f: (v: Atom | Vector) => RayObject): RayObject {
  if (x.type === Type.LIST) {
    if (x.items.length === 0) return NULL;
    return collect(x.items.map((i) => aggregate(i, f)));
  }
  if (x.type >= -12 && x.type <= 12) return f(x as Atom | Vector);
  throw typeError("LIST", x.type);
}

/**
 * The sum of the non-NaN elements and their count. Summed first without the test (V8 runs
 * a loop with a NaN branch several times slower): with no NaN the two sums are the same
 * additions in the same order; a NaN in the result sends it to the loop that skips them.
 */
export function floatSum(d: Float64Array): { sum: number; count: number } {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  if (s === s) return { sum: s, count: d.length };
  s = 0;
  let n = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (x === x) {
      s += x;
      n++;
    }
  }
  return { sum: s, count: n };
}

const SUMMABLE = new Set([2, 3, 4, 5, 8, 10]);

/** `sum`: I64/I16/U8 → i64, I32 → i32, F64 → f64, TIME → time. */
export function sum(x: RayObject): RayObject {
  return aggregate(x, (v) => {
    const t = Math.abs(v.type);
    if (v.type < 0) {
      // An atom is its own sum (a u8 or i16 as an i64; a date or timestamp too, as in the engine).
      if (t === Type.U8 || t === Type.I16) {
        const value = (v as Atom).value as number;
        return atom(5, isNullValue(t, value) ? NULL_I64 : BigInt(value));
      }
      if (SUMMABLE.has(t) || t === Type.DATE || t === Type.TIMESTAMP) return v;
    }
    if (!SUMMABLE.has(t)) throw typeError("LIST", v.type);
    const vec = v as Vector;
    if (t === Type.F64) return atom(10, floatSum(vec.data as Float64Array).sum);
    if (t === Type.I64) return atom(5, sumI64(vec.data as BigInt64Array));
    let s = 0;
    const d = vec.data as Int32Array;
    for (let i = 0; i < d.length; i++) if (!isNullValue(t, d[i])) s += d[i];
    if (t === Type.I32 || t === Type.TIME) return atom(t, s | 0);
    return atom(5, BigInt(s));
  });
}

const AVERAGEABLE = new Set([2, 3, 4, 5, 10]);
const DEVIABLE = new Set([2, 3, 4, 5, 7, 8, 9, 10]);

/** Mean of the non-null elements of a numeric vector, without copying it. */
function average(v: Vector): number {
  const t = v.type;
  let n = 0;
  if (t === Type.I64) {
    const d = v.data as BigInt64Array;
    const w = words(d);
    const small = w && sumInt32(w, d.length); // no null among 32-bit values
    if (small !== undefined) return d.length ? Number(small) / d.length : NaN;
    if (w) {
      for (let i = 0; i < d.length; i++) if (!(w[2 * i + 1] === -2147483648 && w[2 * i] === 0)) n++;
    } else {
      for (let i = 0; i < d.length; i++) if (d[i] !== NULL_I64) n++;
    }
    return n ? Number(sumI64(d)) / n : NaN;
  }
  let s = 0;
  if (t === Type.F64) {
    const { sum, count } = floatSum(v.data as Float64Array);
    s = sum;
    n = count;
  } else {
    const d = v.data as Int32Array;
    for (let i = 0; i < d.length; i++) {
      if (isNullValue(t, d[i])) continue;
      s += d[i];
      n++;
    }
  }
  return n ? s / n : NaN;
}

const ORDERED = new Set([2, 3, 4, 5, 7, 8, 9, 10]);

function extreme(name: string, less: boolean): BuiltinFn {
  return unary(name, (_e, x) =>
    aggregate(x, (v) => {
      const t = Math.abs(v.type);
      if (!ORDERED.has(t)) throw typeError("LIST", v.type);
      if (v.type < 0) return v;
      const d = (v as Vector).data;
      if (t === Type.I64 || t === Type.TIMESTAMP) {
        return atom(t, extremeI64(d as BigInt64Array, less));
      }
      // Numbers: skip the type's null (NaN for f64), keep the first of equal extremes.
      const nul = t === Type.U8 ? NaN : nullValue(t) as number; // a u8 has no null
      const xs = d as Float64Array;
      let best = NaN, seen = false;
      for (let i = 0; i < xs.length; i++) {
        const y = xs[i];
        if (y === nul || y !== y) {
          continue;
        }
        if (!seen || (less ? y < best : y > best)) {
          best = y;
          seen = true;
        }
      }
      return atom(t, seen ? best : nullValue(t));
    }));
}

/** The least or greatest non-null element of an i64 column (the null if none), by words. */
function extremeI64(d: BigInt64Array, less: boolean): bigint {
  const w = words(d);
  if (!w) {
    let best: bigint | undefined;
    for (const y of d) {
      if (y !== NULL_I64 && (best === undefined || (less ? y < best : y > best))) best = y;
    }
    return best ?? NULL_I64;
  }
  const small = extremeInt32(w, d.length, less);
  if (small !== undefined) return BigInt(small);
  let at = -1, hi = 0, lo = 0;
  for (let i = 0; i < d.length; i++) {
    const h = w[2 * i + 1], l = w[2 * i] >>> 0;
    if (h === -2147483648 && l === 0) continue;
    if (at < 0 || (less ? h < hi || (h === hi && l < lo) : h > hi || (h === hi && l > lo))) {
      at = i;
      hi = h;
      lo = l;
    }
  }
  return at < 0 ? NULL_I64 : d[at];
}

/**
 * The engine's median of `xs` (reordered): sorted with the nulls `nul` as numbers (so first),
 * the middle taken from the count of the others; NaN when there is none.
 */
function middle(xs: Float64Array, nul: number): number {
  let k = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] !== nul) k++;
  if (k === 0) return NaN;
  const m = k >> 1;
  const upper = selectKth(xs, m);
  if (k % 2) return upper;
  let lower = -Infinity; // the largest before the m-th: the (m-1)-th
  for (let i = 0; i < m; i++) if (xs[i] > lower) lower = xs[i];
  return (lower + upper) / 2;
}

/** A row of a table as a dict (its values always a LIST, as the engine builds it). */
export function tableRow(t: Table, i: number): RayObject {
  const columns = t.values.items;
  const values: RayObject[] = new Array(columns.length);
  for (let j = 0; j < columns.length; j++) {
    const c = columns[j];
    values[j] = c.type === Type.LIST ? c.items[i] ?? NULL : vectorItem(c as Vector, i);
  }
  return { type: 99, keys: t.keys, values: { type: 0, items: values } };
}

function endItem(x: RayObject, last: boolean): RayObject {
  if (x.type < 0 || x.type === Type.DICT || x.type === Type.NULL) return x;
  if (x.type === Type.LIST) return x.items.length ? x.items[last ? x.items.length - 1 : 0] : NULL;
  if (isVector(x)) {
    const v = x as Vector;
    const n = vectorLength(v);
    if (n === 0) return atom(v.type, nullValue(v.type));
    const item = vectorItem(v, last ? n - 1 : 0);
    // The engine returns a U8 vector's end element as a b8 atom (raw byte kept).
    return v.type === Type.U8 ? atom(1, item.value) : item;
  }
  if (x.type === Type.TABLE) {
    const n = tableRows(x as Table);
    return n ? tableRow(x as Table, last ? n - 1 : 0) : NULL;
  }
  return x;
}

/** The builtins defined here. */
export const AGGREGATE_BUILTINS: readonly BuiltinFn[] = [
  unary("sum", (_e, x) => sum(x)),
  unary("avg", (_e, x) =>
    aggregate(x, (v) => {
      const t = Math.abs(v.type);
      if (!AVERAGEABLE.has(t)) throw typeError("LIST", v.type);
      if (v.type < 0) {
        const value = (v as Atom).value;
        return atom(10, isNullValue(t, value) ? NaN : Number(value));
      }
      return atom(10, average(v as Vector));
    })),
  /**
   * `med`: I64, I16 and U8 vectors, as in the engine — nulls sort first and are not skipped,
   * but the middle is found from the count of the others (so `(med [1 0Nl 3])` averages the
   * null and 1); I32, F64 and temporal vectors are a type error; a number atom is itself, a
   * symbol, char or b8 atom 0Nf, a temporal atom a type error unless null (0Nf); other
   * values give 0Nf.
   */
  unary("med", (_e, x) => {
    if (x.type === Type.DICT || x.type === Type.TABLE) return atom(10, NaN);
    if (x.type === Type.LIST && x.items.length === 0) return NULL;
    return aggregate(x, (v) => {
      const t = Math.abs(v.type);
      if (
        t === Type.I32 || t === Type.F64 || t === Type.DATE || t === Type.TIME ||
        t === Type.TIMESTAMP
      ) {
        // A null temporal atom is checked as null first (session med-remove): 0Nf.
        const nullAtom = v.type < 0 && isNullValue(t, (v as Atom).value);
        if (v.type > 0 || t !== Type.I32 && t !== Type.F64 && !nullAtom) {
          throw typeError("LIST", v.type);
        }
      }
      if (v.type < 0) {
        if (t === Type.B8 || t === Type.SYMBOL || t === Type.C8) return atom(10, NaN);
        return atom(10, isNullValue(t, (v as Atom).value) ? NaN : Number((v as Atom).value));
      }
      if (t !== Type.U8 && t !== Type.I16 && t !== Type.I64) return atom(10, NaN);
      const xs = asDoubles(v as Vector, false);
      const median = middle(xs, t === Type.I64 ? -(2 ** 63) : t === Type.I16 ? -32768 : NaN);
      releaseScratch(xs);
      return atom(10, median);
    });
  }),
  unary("dev", (_e, x) => {
    if (x.type === Type.DICT || x.type === Type.TABLE) return atom(10, NaN);
    return aggregate(x, (v) => {
      if (v.type < 0) {
        // Of one value: 0, unless it is a null or not a number (b8, symbol, char): 0Nf.
        const t = -v.type;
        const numeric = DEVIABLE.has(t) && !isNullValue(t, (v as Atom).value);
        return atom(10, numeric ? 0 : NaN);
      }
      if (!DEVIABLE.has(v.type)) return atom(10, NaN);
      if ((isVectorOf(v, Type.I64) || isVectorOf(v, Type.TIMESTAMP)) && words(v.data)) {
        return atom(10, deviationI64(v.data, v.type === Type.I64)); // no copy as doubles
      }
      const xs = isVectorOf(v, Type.F64) ? v.data : asDoubles(v as Vector, true);
      const { sum, count: n } = floatSum(xs);
      // The engine forgets to subtract the mean for DATE and TIMESTAMP vectors (√mean(x²));
      // reproduced (tests/fixtures/conformance/sessions/dev-types.jsonl).
      const m = v.type === Type.DATE || v.type === Type.TIMESTAMP ? 0 : sum / n;
      let s = 0;
      if (n === xs.length) { for (let i = 0; i < xs.length; i++) s += (xs[i] - m) * (xs[i] - m); }
      else for (let i = 0; i < xs.length; i++) if (xs[i] === xs[i]) s += (xs[i] - m) * (xs[i] - m);
      if (!isVectorOf(v, Type.F64)) releaseScratch(xs); // a conversion of ours
      // One value deviates by 0 whatever the type (session dev-single): the uncentred DATE
      // and TIMESTAMP forms would give the value itself.
      return atom(10, n > 1 ? Math.sqrt(s / n) : n ? 0 : NaN);
    });
  }),
  extreme("min", true),
  extreme("max", false),
  unary("first", (_e, x) => endItem(x, false)),
  unary("last", (_e, x) => endItem(x, true)),
  unary("count", (_e, x) => atom(5, BigInt(count(x)))),
  /** `row`: in a grouped query, the row indices of the group; elsewhere the count. */
  unary("row", (e, x) => {
    if (e.groupRows) return { type: 5, data: BigInt64Array.from(Array.from(e.groupRows), BigInt) };
    return atom(5, BigInt(count(x)));
  }),
];
