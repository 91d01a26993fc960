/**
 * Aggregates `sum avg med dev min max first last count` (`rayforce-language.md` §3.5):
 * nulls are skipped, a LIST is aggregated element by element, an atom is its own
 * aggregate.
 *
 * @module
 */
import {
  type Atom,
  NULL,
  type RayObject,
  type Table,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { unary } from "./builtins.ts";
import { sumI64, words } from "./int64.ts";
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

/**
 * Applies `f` to each typed vector or atom; LISTs map element-wise (an empty one gives null,
 * as in the engine); others are a type error.
 */
function aggregate(x: RayObject, f: (v: Atom | Vector) => RayObject): RayObject {
  if (x.type === 0) {
    if (x.items.length === 0) return NULL;
    return collect(x.items.map((i) => aggregate(i, f)));
  }
  if (x.type >= -12 && x.type <= 12) return f(x as Atom | Vector);
  throw typeError("LIST", x.type);
}

/** The non-null values of a numeric vector as numbers (i64 as numbers: sums use BigInt). */
function numbers(v: Vector): number[] {
  const out: number[] = [];
  const t = v.type;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i] as number | bigint;
    if (!isNullValue(t, x)) out.push(Number(x));
  }
  return out;
}

const SUMMABLE = new Set([2, 3, 4, 5, 8, 10]);

/** `sum`: I64/I16/U8 → i64, I32 → i32, F64 → f64, TIME → time. */
export function sum(x: RayObject): RayObject {
  return aggregate(x, (v) => {
    const t = Math.abs(v.type);
    if (v.type < 0) {
      // An atom is its own sum (a u8 or i16 as an i64; a date or timestamp too, as in the engine).
      if (t === 2 || t === 3) {
        const value = (v as Atom).value as number;
        return atom(5, isNullValue(t, value) ? NULL_I64 : BigInt(value));
      }
      if (SUMMABLE.has(t) || t === 7 || t === 9) return v;
    }
    if (!SUMMABLE.has(t)) throw typeError("LIST", v.type);
    const vec = v as Vector;
    if (t === 10) {
      let s = 0;
      const d = vec.data as Float64Array;
      for (let i = 0; i < d.length; i++) if (d[i] === d[i]) s += d[i];
      return atom(10, s);
    }
    if (t === 5) return atom(5, sumI64(vec.data as BigInt64Array));
    let s = 0;
    const d = vec.data as Int32Array;
    for (let i = 0; i < d.length; i++) if (!isNullValue(t, d[i])) s += d[i];
    if (t === 4 || t === 8) return atom(t, s | 0);
    return atom(5, BigInt(s));
  });
}

const AVERAGEABLE = new Set([2, 3, 4, 5, 10]);
const DEVIABLE = new Set([2, 3, 4, 5, 7, 8, 9, 10]);

/** Mean of the non-null elements of a numeric vector, without copying it. */
function average(v: Vector): number {
  const t = v.type;
  let n = 0;
  if (t === 5) {
    const d = v.data as BigInt64Array;
    const w = words(d);
    if (w) {
      for (let i = 0; i < d.length; i++) if (!(w[2 * i + 1] === -2147483648 && w[2 * i] === 0)) n++;
    } else {
      for (let i = 0; i < d.length; i++) if (d[i] !== NULL_I64) n++;
    }
    return n ? Number(sumI64(d)) / n : NaN;
  }
  let s = 0;
  if (t === 10) {
    const d = v.data as Float64Array;
    for (let i = 0; i < d.length; i++) {
      const x = d[i];
      if (x === x) {
        s += x;
        n++;
      }
    }
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

function mean(xs: number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

unary("sum", (_e, x) => sum(x));

unary("avg", (_e, x) =>
  aggregate(x, (v) => {
    const t = Math.abs(v.type);
    if (!AVERAGEABLE.has(t)) throw typeError("LIST", v.type);
    if (v.type < 0) {
      const value = (v as Atom).value;
      return atom(10, isNullValue(t, value) ? NaN : Number(value));
    }
    return atom(10, average(v as Vector));
  }));

/**
 * `med`: I64, I16 and U8 vectors, as in the engine — nulls sort first and are not skipped,
 * but the middle is found from the count of the others (so `(med [1 0Nl 3])` averages the
 * null and 1); I32, F64 and temporal vectors are a type error; a number atom is itself, a
 * symbol, char or b8 atom 0Nf, a temporal atom a type error; other values give 0Nf.
 */
unary("med", (_e, x) => {
  if (x.type === 99 || x.type === 98) return atom(10, NaN);
  if (x.type === 0 && x.items.length === 0) return NULL;
  return aggregate(x, (v) => {
    const t = Math.abs(v.type);
    if (t === 4 || t === 10 || t === 7 || t === 8 || t === 9) {
      if (v.type > 0 || t !== 4 && t !== 10) throw typeError("LIST", v.type);
    }
    if (v.type < 0) {
      if (t === 1 || t === 6 || t === 12) return atom(10, NaN);
      return atom(10, isNullValue(t, (v as Atom).value) ? NaN : Number((v as Atom).value));
    }
    if (t !== 2 && t !== 3 && t !== 5) return atom(10, NaN);
    const data = (v as Vector).data as ArrayLike<number | bigint>;
    const xs = Array.from(data, Number).sort((a, b) => a - b);
    let k = 0;
    for (let i = 0; i < data.length; i++) if (!isNullValue(t, data[i])) k++;
    if (k === 0) return atom(10, NaN);
    const m = k >> 1;
    return atom(10, k % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2);
  });
});

unary("dev", (_e, x) => {
  if (x.type === 99 || x.type === 98) return atom(10, NaN);
  return aggregate(x, (v) => {
    if (v.type < 0) {
      // Of one value: 0, unless it is a null or not a number (b8, symbol, char): 0Nf.
      const t = -v.type;
      const numeric = DEVIABLE.has(t) && !isNullValue(t, (v as Atom).value);
      return atom(10, numeric ? 0 : NaN);
    }
    if (!DEVIABLE.has(v.type)) return atom(10, NaN);
    const xs = numbers(v as Vector);
    // The engine forgets to subtract the mean for DATE vectors (√mean(x²)); reproduced.
    const m = v.type === 7 ? 0 : mean(xs);
    let s = 0;
    for (const y of xs) s += (y - m) * (y - m);
    return atom(10, xs.length ? Math.sqrt(s / xs.length) : NaN);
  });
});

const ORDERED = new Set([2, 3, 4, 5, 7, 8, 9, 10]);

function extreme(name: string, better: (a: number | bigint, b: number | bigint) => boolean): void {
  unary(name, (_e, x) =>
    aggregate(x, (v) => {
      const t = Math.abs(v.type);
      if (!ORDERED.has(t)) throw typeError("LIST", v.type);
      if (v.type < 0) return v;
      const d = (v as Vector).data;
      let best: number | bigint | undefined;
      for (let i = 0; i < d.length; i++) {
        const y = d[i] as number | bigint;
        if (isNullValue(t, y)) continue;
        if (best === undefined || better(y, best)) best = y;
      }
      return atom(t, best ?? nullValue(t));
    }));
}

extreme("min", (a, b) => a < b);
extreme("max", (a, b) => a > b);

/** A row of a table as a dict (its values always a LIST, as the engine builds it). */
export function tableRow(t: Table, i: number): RayObject {
  const values = t.values.items.map((
    c,
  ) => (c.type === 0 ? c.items[i] ?? NULL : vectorItem(c as Vector, i)));
  return { type: 99, keys: t.keys, values: { type: 0, items: values } };
}

function endItem(x: RayObject, last: boolean): RayObject {
  if (x.type < 0 || x.type === 99 || x.type === 126) return x;
  if (x.type === 0) return x.items.length ? x.items[last ? x.items.length - 1 : 0] : NULL;
  if (x.type >= 1 && x.type <= 12) {
    const v = x as Vector;
    const n = vectorLength(v);
    if (n === 0) return atom(v.type, nullValue(v.type));
    const item = vectorItem(v, last ? n - 1 : 0);
    // The engine returns a U8 vector's end element as a b8 atom (raw byte kept).
    return v.type === 2 ? atom(1, item.value) : item;
  }
  if (x.type === 98) {
    const n = tableRows(x as Table);
    return n ? tableRow(x as Table, last ? n - 1 : 0) : NULL;
  }
  return x;
}

unary("first", (_e, x) => endItem(x, false));
unary("last", (_e, x) => endItem(x, true));
unary("count", (_e, x) => atom(5, BigInt(count(x))));

/** `row`: in a grouped query, the row indices of the group; elsewhere the count. */
unary("row", (e, x) => {
  if (e.groupRows) return { type: 5, data: BigInt64Array.from(Array.from(e.groupRows), BigInt) };
  return atom(5, BigInt(count(x)));
});
