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
import {
  allocVector,
  AtomType,
  type RayObject,
  type Table,
  Type,
  type Vector,
  type VectorType,
} from "../ipc/mod.ts";
import type { Engine } from "./engine.ts";
import { fromDoubles, words } from "./int64.ts";
import type { SymbolNode } from "./reader.ts";
import type { Groups } from "./grouping.ts";
import { typeError } from "./errors.ts";
import { nullValue, tableColumn, take } from "./values.ts";
import {
  inRanges,
  MIN_PARALLEL_ELEMENTS,
  RANGE_ELEMENTS,
  scratchBuffer,
  sharesResults,
} from "./parallel.ts";

const U8 = 2, I16 = 3, I32 = 4, I64 = 5, DATE = 7, TIME = 8, TS = 9, F64 = 10;
const SUMMABLE = new Set([U8, I16, I32, I64, TIME, F64]);
const AVERAGEABLE = new Set([U8, I16, I32, I64, DATE, TIME, F64]); // days, ms as numbers
const ORDERED = new Set([U8, I16, I32, I64, DATE, TIME, TS, F64]);
/** The null of each integer type as a number (the i64 one as `integerValues` gives it). */
const NULL_NUMBER: Record<number, number> = {
  [I16]: -32768,
  [I32]: -2147483648,
  [DATE]: -2147483648,
  [TIME]: -2147483648,
  [I64]: -(2 ** 63),
  [TS]: -(2 ** 63),
};

type Kernel = (col: Vector, t: number, g: Groups) => Vector | undefined;

const B8 = 1, SYMBOL = 6;
/**
 * The column types the engine's grouped aggregation refuses (a `type` error), per aggregate,
 * found by asking it for every aggregate and column type (session grouped-aggregates). Only
 * `(agg column)` takes this path there: `(sum (* x 2i))` of an I32 column is summed.
 */
const REFUSED: Record<string, Set<number>> = {
  sum: new Set([B8, U8, I32, DATE, TIME, TS, SYMBOL]),
  min: new Set([B8, U8, I32, SYMBOL]),
  max: new Set([B8, U8, I32, SYMBOL]),
  avg: new Set([B8, U8, TS, SYMBOL]),
  last: new Set([B8, U8]),
  count: new Set([B8, U8, I16]),
};

function checkGroupedType(name: string, t: number): void {
  if (groupedAggregate(name, t) === "refused") throw typeError("LIST", "LIST");
}

/** The empty column `(name column)` gives for no group: sums and counts i64, means f64. */
function emptyAggregate(name: string, t: number): Vector {
  const type = name === "count" || (name === "sum" && t !== F64)
    ? I64
    : name === "avg" || name === "med" || name === "dev"
    ? F64
    : t;
  return { type, data: allocVector(type as VectorType, 0) } as Vector;
}

/**
 * What the engine's grouped aggregation does with `(name column)` of a column of type `t`:
 * refuses it, answers a null per group (`med`, `dev`), or computes it.
 */
export function groupedAggregate(name: string, t: number): "refused" | "null" | "computed" {
  if (REFUSED[name]?.has(t)) return "refused";
  return name === "med" || name === "dev" ? "null" : "computed";
}

/**
 * The column of one value per group for `form` when it is an aggregate of a column of
 * `t`, as the engine's grouped aggregation answers it (its refused types a `type` error,
 * `med` and `dev` nulls); undefined when no kernel covers it.
 */
export function aggregateByGroup(
  e: Engine,
  t: Table,
  g: Groups,
  form: RayObject,
): Vector | undefined {
  if (form.type !== Type.LIST || form.items.length !== 2) return undefined;
  const [head, arg] = form.items;
  if (arg.type !== AtomType.SYMBOL || (arg as SymbolNode).quoted) return undefined;
  const id = (arg as SymbolNode).value;
  if (e.frames.some((f) => f.vars.has(id))) return undefined; // a local, not the column
  const col = tableColumn(t, id);
  if (!col || col.type < 1 || col.type > 12) return undefined;
  const name = KERNELS.find(([n]) => e.builtins.get(n) === head)?.[0];
  if (name === undefined) return undefined;
  checkGroupedType(name, col.type);
  // No group (an empty table): an empty column of the aggregate's type.
  if (g.count === 0) return emptyAggregate(name, col.type as number);
  if (groupedAggregate(name, col.type) === "null") {
    return { type: F64, data: new Float64Array(g.count).fill(NaN) };
  }
  if (name === "count") return sizes(g);
  if (name === "first" || name === "last") return ends(col as Vector, g, name === "last");
  const kernel = KERNELS.find(([n]) => n === name)?.[1];
  return kernel?.(col as Vector, col.type, g);
}

const CHUNK = 1 << 16;
const TWO32 = 4294967296;

/**
 * One pass of a kernel over a chunk: elements `lo…hi-1` of `values` are rows `base + lo…`,
 * in group `groupOf[row]`; `nul` is the column's null as a number (NaN for f64, which
 * `v !== v` catches too); `a` and `b` are the kernel's own. Returns the largest
 * magnitude met, when the kernel keeps it. (Everything comes as a parameter, not in an
 * object: JavaScriptCore runs a loop that reads its arrays from an object parameter
 * several times slower when it is called chunk after chunk.)
 */
type Visit = (
  values: Float64Array,
  lo: number,
  hi: number,
  base: number,
  groupOf: Int32Array,
  nul: number,
  a: Float64Array,
  b: Float64Array,
) => number;

/**
 * A kernel's pass over an i64 column's words when every value is a 32-bit integer (its high
 * word is its low word's sign): rows `from…to-1`, row `i`'s value `w[2i]`, in group
 * `groupOf[i]`, into the `groups` slots of `a` and `b` that begin at `groups · r`, r the
 * range's number (engine/parallel.ts: ranges run on helper threads, each into slots of its
 * own; one range over every row uses the first slots). Returns a bound on the magnitudes met
 * (as {@link Visit} does), or -1 when a value is not a 32-bit integer (a null included): `a`
 * and `b` then hold partial results, which {@link scan} sets back before its general pass.
 * One read of each word and no conversion to doubles: half the time of the general pass for
 * the common keys, counts and prices in cents. The order of the additions does not matter:
 * they are of integers, exact (the caller checks that sums stay below 2^53).
 */
type Visit32 = (
  w: Int32Array,
  groupOf: Int32Array,
  a: Float64Array,
  b: Float64Array,
  groups: number,
  from: number,
  to: number,
) => number;

/**
 * A kernel: its general pass, its 32-bit pass, the start values of its `a` and `b`, and how
 * two ranges' slots of `a` and of `b` combine.
 */
interface Pass {
  visit: Visit;
  visit32: Visit32;
  a0: number;
  b0: number;
  mergeA: (x: number, y: number) => number;
  mergeB: (x: number, y: number) => number;
}

/** Most partial slots (ranges × groups) a 32-bit pass is split into ranges with. */
const MAX_PARTIAL_SLOTS = 1 << 21;

/** The slots of range `r` of `groups` groups in `a` (see {@link Visit32}). */
function slotsOf(a: Float64Array, groups: number, from: number): Float64Array {
  const r = (from / RANGE_ELEMENTS) | 0;
  return r === 0 && a.length === groups ? a : a.subarray(r * groups, r * groups + groups);
}

/**
 * The 32-bit pass of `pass` over `n` rows into `a` and `b`: in ranges on helper threads when
 * they are long and few groups (each range into slots of its own, merged here in range
 * order), in one pass otherwise.
 */
function pass32(
  pass: Pass,
  w: Int32Array,
  n: number,
  groupOf: Int32Array,
  a: Float64Array,
  b: Float64Array,
): number {
  const groups = a.length;
  const ranges = Math.ceil(n / RANGE_ELEMENTS);
  if (!sharesResults() || n < MIN_PARALLEL_ELEMENTS || ranges * groups > MAX_PARTIAL_SLOTS) {
    return pass.visit32(w, groupOf, a, b, groups, 0, n);
  }
  const pa = new Float64Array(scratchBuffer(8 * ranges * groups)).fill(pass.a0);
  const pb = new Float64Array(scratchBuffer(8 * ranges * groups)).fill(pass.b0);
  const got = inRanges(pass.visit32, [w, groupOf, pa, pb, groups], n);
  let bound = 0;
  for (const g of got) {
    if (g < 0) return -1;
    if (g > bound) bound = g;
  }
  const { mergeA, mergeB } = pass;
  for (let r = 0; r < ranges; r++) {
    const base = r * groups;
    for (let k = 0; k < groups; k++) {
      a[k] = mergeA(a[k], pa[base + k]);
      b[k] = mergeB(b[k], pb[base + k]);
    }
  }
  return bound;
}

/**
 * Runs a kernel over the column's values as doubles, in row order: an f64 column as it is,
 * an i64 one through its 32-bit pass first, other numbers (and i64 values beyond 32 bits)
 * in chunks copied into doubles (i64 from its words, the null as −2^63); no column-sized
 * copy is made, and `visit` sees one kind of array only. Returns the largest magnitude the
 * kernel reports, or -1 when the column is not numeric or holds a 64-bit value beyond 2^53.
 */
function scan(
  col: Vector,
  pass: Pass,
  groupOf: Int32Array,
  nul: number,
  a: Float64Array,
  b: Float64Array,
): number {
  if (col.type < 1 || col.type > 10 || col.type === Type.SYMBOL || col.type === Type.B8) return -1;
  const { visit } = pass;
  const n = col.data.length;
  if (col.type === F64) return visit(col.data as Float64Array, 0, n, 0, groupOf, nul, a, b);
  const w = col.type === I64 || col.type === TS ? words(col.data as BigInt64Array) : undefined;
  if ((col.type === I64 || col.type === TS) && !w) return -1;
  if (w) {
    const got = pass32(pass, w, n, groupOf, a, b);
    if (got >= 0) return got;
    a.fill(pass.a0);
    b.fill(pass.b0);
  }
  const chunk = new Float64Array(Math.min(CHUNK, n));
  let max = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const m = Math.min(CHUNK, n - start);
    if (!w) chunk.set((col.data as Int32Array).subarray(start, start + m));
    else {
      for (let j = 0, i = 2 * start; j < m; j++, i += 2) {
        const hi = w[i + 1];
        if (hi >= 2097152 || hi < -2097152) {
          if (hi !== -2147483648 || w[i] !== 0) return -1;
          chunk[j] = NULL_NUMBER[I64];
        } else chunk[j] = hi * TWO32 + (w[i] >>> 0);
      }
    }
    const got = visit(chunk, 0, m, start, groupOf, nul, a, b);
    if (got > max) max = got;
  }
  return max;
}

/** `count`: the group sizes. */
function sizes(g: Groups): Vector {
  const out = new Float64Array(g.count);
  for (let i = 0; i < g.groupOf.length; i++) out[g.groupOf[i]]++;
  return { type: I64, data: fromDoubles(out) };
}

/** `first` and `last`: the element at each group's first or last row (a U8 one as a b8). */
function ends(col: Vector, g: Groups, last: boolean): Vector {
  let at = g.firsts;
  if (last) {
    at = new Int32Array(g.count);
    for (let i = 0; i < g.groupOf.length; i++) at[g.groupOf[i]] = i;
  }
  return take(col, at) as Vector; // a U8 column stays U8 here (its per-row first is a b8)
}

const addUp: Visit = (values, lo, hi, base, groupOf, nul, sums, counts) => {
  let max = 0;
  for (let j = lo; j < hi; j++) {
    const v = values[j];
    if (v === nul || v !== v) continue;
    const k = groupOf[base + j];
    sums[k] += v;
    counts[k]++;
    if (v > max) max = v;
    else if (-v > max) max = -v;
  }
  return max;
};

/**
 * {@link addUp} of 32-bit values: the bound it returns is one more than the OR of the
 * values' magnitudes less one (`v ^ (v >> 31)`), kept without a branch.
 */
export const addUp32: Visit32 = (w, groupOf, a, b, groups, from, to) => {
  const sums = slotsOf(a, groups, from), counts = slotsOf(b, groups, from);
  let bad = 0, bits = 0;
  for (let i = from; i < to; i++) {
    const v = w[2 * i];
    bad |= w[2 * i + 1] ^ (v >> 31);
    bits |= v ^ (v >> 31);
    const k = groupOf[i];
    sums[k] += v;
    counts[k]++;
  }
  return bad === 0 ? bits + 1 : -1;
};

/** The column type's null as a number (NaN for f64 and for types without a null). */
const nullOf = (t: number) => NULL_NUMBER[t] ?? NaN;

/** {@link addUp32} without the counts, which `sum` does not need. */
export const sumUp32: Visit32 = (w, groupOf, a, _b, groups, from, to) => {
  const sums = slotsOf(a, groups, from);
  let bad = 0, bits = 0;
  for (let i = from; i < to; i++) {
    const v = w[2 * i];
    bad |= w[2 * i + 1] ^ (v >> 31);
    bits |= v ^ (v >> 31);
    sums[groupOf[i]] += v;
  }
  return bad === 0 ? bits + 1 : -1;
};

const add = (x: number, y: number) => x + y;
const ADD_UP: Pass = { visit: addUp, visit32: addUp32, a0: 0, b0: 0, mergeA: add, mergeB: add };
const SUM_UP: Pass = { visit: addUp, visit32: sumUp32, a0: 0, b0: 0, mergeA: add, mergeB: add };

/**
 * Per-group sums and counts of the non-null values, in row order; undefined when an i64
 * sum might pass 2^53 (|value| × rows), where doubles would no longer be exact. (The
 * counts are not kept by `SUM_UP` when the 32-bit pass serves.)
 */
function sumsAndCounts(col: Vector, t: number, g: Groups, pass = ADD_UP) {
  const sums = new Float64Array(g.count), counts = new Float64Array(g.count);
  const max = scan(col, pass, g.groupOf, nullOf(t), sums, counts);
  if (max < 0 || ((t === I64 || t === TS) && max * g.groupOf.length >= 2 ** 53)) return undefined;
  return { sums, counts };
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

const sum: Kernel = (col, t, g) => {
  if (!SUMMABLE.has(t)) return undefined;
  const totals = sumsAndCounts(col, t, g, SUM_UP); // counts not kept
  if (!totals) return undefined;
  // As `sum`: an i32 or time sum wraps to its type; u8 and i16 sum into an i64.
  if (t === I32 || t === TIME) return { type: t, data: Int32Array.from(totals.sums, (s) => s | 0) };
  return typed(t === U8 || t === I16 ? I64 : t, totals.sums);
};

const avg: Kernel = (col, t, g) => {
  if (!AVERAGEABLE.has(t)) return undefined;
  const totals = sumsAndCounts(col, t, g);
  if (!totals) return undefined;
  const { sums, counts } = totals;
  return { type: F64, data: sums.map((s, k) => (counts[k] ? s / counts[k] : NaN)) };
};

/**
 * The least (`pickLeast`) or greatest (`pickMost`) value per group, into `best` (filled with
 * +∞ or −∞ first), marking `seen` the groups with a value: one loop per direction, and the
 * mark written without a test (a strict comparison keeps the first of equal extremes).
 */
const pickLeast: Visit = (values, lo, hi, base, groupOf, nul, best, seen) => {
  for (let j = lo; j < hi; j++) {
    const v = values[j];
    if (v === nul || v !== v) continue;
    const k = groupOf[base + j];
    seen[k] = 1;
    if (v < best[k]) best[k] = v;
  }
  return 0;
};

const pickMost: Visit = (values, lo, hi, base, groupOf, nul, best, seen) => {
  for (let j = lo; j < hi; j++) {
    const v = values[j];
    if (v === nul || v !== v) continue;
    const k = groupOf[base + j];
    seen[k] = 1;
    if (v > best[k]) best[k] = v;
  }
  return 0;
};

// The 32-bit passes of pickLeast and pickMost: one function per direction, as those (a
// comparison chosen per element runs slower in both JITs).
export const pickLeast32: Visit32 = (w, groupOf, a, b, groups, from, to) => {
  const best = slotsOf(a, groups, from), seen = slotsOf(b, groups, from);
  let bad = 0;
  for (let i = from; i < to; i++) {
    const v = w[2 * i];
    bad |= w[2 * i + 1] ^ (v >> 31);
    const k = groupOf[i];
    seen[k] = 1;
    if (v < best[k]) best[k] = v;
  }
  return bad === 0 ? 0 : -1;
};

export const pickMost32: Visit32 = (w, groupOf, a, b, groups, from, to) => {
  const best = slotsOf(a, groups, from), seen = slotsOf(b, groups, from);
  let bad = 0;
  for (let i = from; i < to; i++) {
    const v = w[2 * i];
    bad |= w[2 * i + 1] ^ (v >> 31);
    const k = groupOf[i];
    seen[k] = 1;
    if (v > best[k]) best[k] = v;
  }
  return bad === 0 ? 0 : -1;
};

// `a` the extreme, `b` whether the group had a value (0 or 1).
const LEAST: Pass = {
  visit: pickLeast,
  visit32: pickLeast32,
  a0: Infinity,
  b0: 0,
  mergeA: Math.min,
  mergeB: Math.max,
};
const MOST: Pass = {
  visit: pickMost,
  visit32: pickMost32,
  a0: -Infinity,
  b0: 0,
  mergeA: Math.max,
  mergeB: Math.max,
};

function extreme(less: boolean): Kernel {
  return (col, t, g) => {
    if (!ORDERED.has(t)) return undefined;
    const best = new Float64Array(g.count).fill(less ? Infinity : -Infinity);
    const seen = new Float64Array(g.count);
    if (scan(col, less ? LEAST : MOST, g.groupOf, nullOf(t), best, seen) < 0) {
      return undefined;
    }
    if (t === F64) { for (let k = 0; k < g.count; k++) if (!seen[k]) best[k] = NaN; }
    return typed(t, best, seen);
  };
}

const KERNELS: [string, Kernel | undefined][] = [
  ["sum", sum],
  ["avg", avg],
  ["min", extreme(true)],
  ["max", extreme(false)],
  ["dev", undefined], // nulls (aggregateByGroup)
  ["med", undefined],
  ["count", undefined],
  ["first", undefined],
  ["last", undefined],
];

/**
 * `form` with every `(agg column)` inside it (the engine's grouped aggregation, which also
 * answers inside an expression: `(+ (med x) 1)` is a null per group) replaced by a name that
 * `values` binds to one value per group.
 */
export function withGroupedAggregates(
  e: Engine,
  t: Table,
  g: Groups,
  form: RayObject,
): { form: RayObject; values: Map<number, Vector> } {
  const values = new Map<number, Vector>();
  const walk = (f: RayObject): RayObject => {
    if (f.type !== Type.LIST) return f;
    const fused = aggregateByGroup(e, t, g, f);
    if (fused) {
      const id = e.intern(` grouped ${values.size}`); // no query can name it
      values.set(id, fused);
      return { type: -6, value: id } as RayObject;
    }
    const items = f.items.map((item, i) => (i === 0 ? item : walk(item)));
    return items.every((item, i) => item === f.items[i]) ? f : { type: 0, items };
  };
  return { form: walk(form), values };
}
