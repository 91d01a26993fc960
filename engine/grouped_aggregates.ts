/**
 * `(sum x)`, `(avg x)`, `(min x)`, `(max x)`, `(count x)`, `(dev x)`, `(med x)`,
 * `(first x)` and `(last x)` of a column, for every group of a `by:` in one pass over the
 * rows, instead of a gather and an evaluation per group. The answers are those of the
 * builtins in `aggregate.ts` applied group by group, bit for bit: each group's values are
 * met in row order, as the group's own vector would give them, and the same arithmetic
 * runs on them. A form, column type or value range the kernels do not cover (a column
 * shadowed by a lambda's local, 64-bit values beyond 2^53, an aggregate that would be an
 * error) answers undefined, and the query evaluates it per group as before.
 *
 * @module
 */
import type { RayObject, Table, Vector } from "../ipc/mod.ts";
import { BUILTINS } from "./builtins.ts";
import type { Engine } from "./engine.ts";
import { fromDoubles, words } from "./int64.ts";
import { integerValues } from "./integer_index.ts";
import type { SymbolNode } from "./reader.ts";
import type { Groups } from "./grouping.ts";
import { nullValue, tableColumn, take } from "./values.ts";

const U8 = 2, I16 = 3, I32 = 4, I64 = 5, DATE = 7, TIME = 8, TS = 9, F64 = 10;
const SUMMABLE = new Set([U8, I16, I32, I64, TIME, F64]);
const AVERAGEABLE = new Set([U8, I16, I32, I64, F64]);
const ORDERED = new Set([U8, I16, I32, I64, DATE, TIME, TS, F64]);
const DEVIABLE = ORDERED;
const MEDIAN = new Set([U8, I16, I64]);
/** The null of each integer type as a number (the i64 one as `integerValues` gives it). */
const NULL_NUMBER: Record<number, number> = {
  [I16]: -32768,
  [I32]: -2147483648,
  [DATE]: -2147483648,
  [TIME]: -2147483648,
  [I64]: -(2 ** 63),
  [TS]: -(2 ** 63),
};

type Kernel = (values: ArrayLike<number>, t: number, g: Groups) => Vector | undefined;

/**
 * The column of one value per group for `form` when it is an aggregate of a column of
 * `t` that a kernel covers; undefined otherwise.
 */
export function aggregateByGroup(
  e: Engine,
  t: Table,
  g: Groups,
  form: RayObject,
): Vector | undefined {
  if (form.type !== 0 || form.items.length !== 2 || g.count === 0) return undefined;
  const [head, arg] = form.items;
  if (arg.type !== -6 || (arg as SymbolNode).quoted) return undefined;
  const id = (arg as SymbolNode).value;
  if (e.frames.some((f) => f.vars.has(id))) return undefined; // a local, not the column
  const col = tableColumn(t, id);
  if (!col || col.type < 1 || col.type > 12) return undefined;
  const name = KERNELS.find(([n]) => BUILTINS.get(n) === head)?.[0];
  if (name === "count") return sizes(g);
  if (name === "first" || name === "last") return ends(col as Vector, g, name === "last");
  const kernel = KERNELS.find(([n]) => n === name)?.[1];
  if (!kernel) return undefined;
  const values = integerValues(col as Vector) ??
    (col.type === F64 ? (col as Vector).data as Float64Array : undefined);
  return values && kernel(values, col.type, g);
}

/** `count`: the group sizes. */
function sizes(g: Groups): Vector {
  const out = new Float64Array(g.count);
  for (let k = 0; k < g.count; k++) out[k] = g.starts[k + 1] - g.starts[k];
  return { type: I64, data: fromDoubles(out) };
}

/** `first` and `last`: the element at each group's first or last row (a U8 one as a b8). */
function ends(col: Vector, g: Groups, last: boolean): Vector {
  const at = last ? Int32Array.from(g.starts.subarray(1), (s) => g.rows[s - 1]) : g.firsts;
  const picked = take(col, at) as Vector;
  return col.type === U8 ? { type: 1, data: picked.data } : picked;
}

/** Per-group sums and counts of the non-null values, in row order. */
function sumsAndCounts(values: ArrayLike<number>, t: number, g: Groups) {
  const nul = NULL_NUMBER[t] ?? NaN;
  const sums = new Float64Array(g.count), counts = new Float64Array(g.count);
  const groupOf = g.groupOf;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === nul || v !== v) continue;
    const k = groupOf[i];
    sums[k] += v;
    counts[k]++;
  }
  return { sums, counts };
}

/** Whether sums of this i64 column stay exact in doubles (|value| × rows < 2^53). */
function exactSums(values: ArrayLike<number>, t: number): boolean {
  if (t !== I64 && t !== TS) return true;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== NULL_NUMBER[I64] && Math.abs(v) > max) max = Math.abs(v);
  }
  return max * values.length < 2 ** 53;
}

/** A vector of type t from per-group doubles (a group whose `seen[k]` is 0 gets the null). */
function typed(t: number, xs: Float64Array, seen?: Float64Array): Vector {
  if (t === F64) return { type: F64, data: xs };
  if (t === I64 || t === TS) {
    const data = fromDoubles(xs.map((x, k) => (seen && !seen[k] ? 0 : x)));
    if (seen) {
      const w = words(data)!;
      for (let k = 0; k < xs.length; k++) if (!seen[k]) w[2 * k + 1] = -2147483648;
    }
    return { type: t, data } as Vector;
  }
  const data = t === U8
    ? new Uint8Array(xs.length)
    : t === I16
    ? new Int16Array(xs.length)
    : new Int32Array(xs.length);
  const nul = nullValue(t) as number;
  for (let k = 0; k < xs.length; k++) data[k] = seen && !seen[k] ? nul : xs[k];
  return { type: t, data } as Vector;
}

const sum: Kernel = (values, t, g) => {
  if (!SUMMABLE.has(t) || !exactSums(values, t)) return undefined;
  const { sums } = sumsAndCounts(values, t, g);
  // As `sum`: an i32 or time sum wraps to its type; u8 and i16 sum into an i64.
  if (t === I32 || t === TIME) return { type: t, data: Int32Array.from(sums, (s) => s | 0) };
  return typed(t === U8 || t === I16 ? I64 : t, sums);
};

const avg: Kernel = (values, t, g) => {
  if (!AVERAGEABLE.has(t) || !exactSums(values, t)) return undefined;
  const { sums, counts } = sumsAndCounts(values, t, g);
  return { type: F64, data: sums.map((s, k) => (counts[k] ? s / counts[k] : NaN)) };
};

function extreme(less: boolean): Kernel {
  return (values, t, g) => {
    if (!ORDERED.has(t)) return undefined;
    const nul = NULL_NUMBER[t] ?? NaN;
    const best = new Float64Array(g.count), seen = new Float64Array(g.count);
    const groupOf = g.groupOf;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === nul || v !== v) continue;
      const k = groupOf[i];
      if (!seen[k]) {
        seen[k] = 1;
        best[k] = v;
      } else if (less ? v < best[k] : v > best[k]) best[k] = v;
    }
    if (t === F64) { for (let k = 0; k < g.count; k++) if (!seen[k]) best[k] = NaN; }
    return typed(t, best, seen);
  };
}

/** `dev`: the mean of each group first, then the squares, both in row order. */
const dev: Kernel = (values, t, g) => {
  if (!DEVIABLE.has(t)) return undefined;
  const { sums, counts } = sumsAndCounts(values, t, g);
  // The engine forgets to subtract the mean for DATE vectors (√mean(x²)), as `dev` does.
  const means = t === DATE ? new Float64Array(g.count) : sums.map((s, k) => s / counts[k]);
  const nul = NULL_NUMBER[t] ?? NaN;
  const squares = new Float64Array(g.count);
  const groupOf = g.groupOf;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === nul || v !== v) continue;
    const k = groupOf[i];
    squares[k] += (v - means[k]) * (v - means[k]);
  }
  return {
    type: F64,
    data: squares.map((s, k) => (counts[k] ? Math.sqrt(s / counts[k]) : NaN)),
  };
};

/**
 * `med`: each group's values (nulls included, as numbers, so first) sorted, the middle
 * found from the count of the non-null ones — `med`'s own reading of the engine.
 */
const med: Kernel = (values, t, g) => {
  if (!MEDIAN.has(t)) return undefined;
  const nul = NULL_NUMBER[t] ?? NaN;
  const laid = new Float64Array(values.length);
  for (let j = 0; j < laid.length; j++) laid[j] = values[g.rows[j]];
  const out = new Float64Array(g.count);
  for (let k = 0; k < g.count; k++) {
    const xs = laid.subarray(g.starts[k], g.starts[k + 1]).sort();
    let n = 0;
    for (let j = 0; j < xs.length; j++) if (xs[j] !== nul) n++;
    const m = n >> 1;
    out[k] = n === 0 ? NaN : n % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
  }
  return { type: F64, data: out };
};

const KERNELS: [string, Kernel | undefined][] = [
  ["sum", sum],
  ["avg", avg],
  ["min", extreme(true)],
  ["max", extreme(false)],
  ["dev", dev],
  ["med", med],
  ["count", undefined],
  ["first", undefined],
  ["last", undefined],
];
