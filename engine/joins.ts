/**
 * Joins (`rayforce-language.md` §4.6): `left-join inner-join asof-join window-join
 * window-join1`. Keys are a SYMBOL vector; tables are values.
 *
 * @module
 */
import {
  type Atom,
  AtomType,
  isAtomOf,
  isVectorOf,
  NULL,
  type RayObject,
  type Table,
  Type,
  type Vector,
} from "../ipc/mod.ts";
import { type BuiltinFn, vary } from "./builtins.ts";
import { objectKey } from "./collections.ts";
import { compare } from "./compare.ts";
import type { Engine } from "./engine.ts";
import { arityError, lengthError, typeError } from "./errors.ts";
import { allSafe, toDoubles } from "./int64.ts";
import { collect, count, itemAt, items, listOf, tableColumn, tableRows, take } from "./values.ts";

function keysOf(x: RayObject): number[] {
  if (isVectorOf(x, Type.SYMBOL)) return Array.from(x.data);
  if (isAtomOf(x, AtomType.SYMBOL)) return [x.value];
  throw typeError("SYMBOL", x.type);
}

function tableArg(x: RayObject): Table {
  if (x.type !== Type.TABLE) throw typeError("TABLE", x.type);
  return x as Table;
}

/** The composite key of row `r` over key columns. */
function rowKey(columns: RayObject[], r: number): string {
  return columns.map((c) => String(objectKey(itemAt(c, r)))).join("\u0001");
}

/** First row of `right` per key. */
function index(right: Table, keys: number[]): Map<string, number> {
  const cols = keys.map((k) => tableColumn(right, k) ?? NULL);
  const m = new Map<string, number>();
  for (let r = 0; r < tableRows(right); r++) {
    const k = rowKey(cols, r);
    if (!m.has(k)) m.set(k, r);
  }
  return m;
}

/** Key columns first, then the other names of both tables in interning order. */
function joinedNames(e: Engine, keys: number[], left: Table, right: Table): number[] {
  const others = new Set<number>();
  for (const id of [...left.keys.data, ...right.keys.data]) if (!keys.includes(id)) others.add(id);
  return [...keys, ...[...others].sort((a, b) => e.rank(a) - e.rank(b))];
}

function join(e: Engine, args: RayObject[], inner: boolean): RayObject {
  if (args.length !== 3) throw arityError(3, args.length);
  const keys = keysOf(args[0]);
  const left = tableArg(args[1]);
  const right = tableArg(args[2]);
  for (const k of keys) {
    if (!tableColumn(left, k) || !tableColumn(right, k)) throw typeError("TABLE", 98);
  }
  if (!inner && (tableRows(left) === 0 || tableRows(right) === 0)) return left;
  const byKey = index(right, keys);
  const leftKeys = keys.map((k) => tableColumn(left, k)!);
  const matches: number[] = [];
  const leftRows: number[] = [];
  for (let r = 0; r < tableRows(left); r++) {
    const m = byKey.get(rowKey(leftKeys, r));
    if (m === undefined && inner) continue;
    leftRows.push(r);
    matches.push(m ?? -1);
  }
  const names = joinedNames(e, keys, left, right);
  const columns = names.map((id) => {
    const l = tableColumn(left, id);
    const rc = keys.includes(id) ? undefined : tableColumn(right, id);
    if (!rc) return take(l!, leftRows);
    // Matched rows take the right value; unmatched keep the left one, or Null.
    const out: RayObject[] = leftRows.map((lr, i) =>
      matches[i] >= 0 ? itemAt(rc, matches[i]) : l ? itemAt(l, lr) : NULL
    );
    return matches.every((m) => m >= 0) || l ? collect(out) : listOf(out);
  });
  return { type: 98, keys: { type: 6, data: Int32Array.from(names) }, values: listOf(columns) };
}

/** Numeric sort keys of a time column (nulls first), or undefined for other types. */
function timeKeys(col: RayObject): Float64Array | undefined {
  if (col.type === Type.I64 || col.type === Type.TIMESTAMP) {
    const d = col.data;
    return allSafe(d) ? toDoubles(d) : undefined;
  }
  if ([2, 3, 4, 7, 8, 10].includes(col.type)) {
    const keys = Float64Array.from((col as Vector<4>).data as ArrayLike<number>);
    if (col.type === Type.F64) {
      for (let i = 0; i < keys.length; i++) if (keys[i] !== keys[i]) keys[i] = -Infinity;
    }
    return keys;
  }
  return undefined;
}

/** Group keys of rows: one string per row, or the raw values for one integer-like column. */
function groupKeys(columns: RayObject[], n: number): ArrayLike<unknown> {
  if (columns.length === 0) return new Uint8Array(n);
  if (
    columns.length === 1 && columns[0].type >= 1 && columns[0].type <= 9 &&
    columns[0].type !== Type.I64
  ) {
    return (columns[0] as Vector<4>).data;
  }
  return Array.from({ length: n }, (_, r) => rowKey(columns, r));
}

/** A time line: right rows grouped by all keys but the last, each group sorted by time. */
interface Timeline {
  groups: Map<unknown, number[]>;
  time: RayObject;
  /** Numeric times when the column has them (typed binary search). */
  keys: Float64Array | undefined;
}

function timeline(e: Engine, right: Table, keys: number[]): Timeline {
  const groupCols = keys.slice(0, -1).map((k) => tableColumn(right, k) ?? NULL);
  const time = tableColumn(right, keys[keys.length - 1]);
  if (!time) throw typeError("TABLE", 98);
  const n = tableRows(right);
  const gk = groupKeys(groupCols, n);
  const groups = new Map<unknown, number[]>();
  for (let r = 0; r < n; r++) {
    let g = groups.get(gk[r]);
    if (!g) groups.set(gk[r], g = []);
    g.push(r);
  }
  const tk = timeKeys(time);
  if (tk) {
    for (const g of groups.values()) {
      let sorted = true;
      for (let i = 1; i < g.length && sorted; i++) if (tk[g[i - 1]] > tk[g[i]]) sorted = false;
      if (!sorted) g.sort((a, b) => tk[a] - tk[b] || a - b);
    }
    return { groups, time, keys: tk };
  }
  const lt = (a: number, b: number) =>
    (compare(e, "<", itemAt(time, a), itemAt(time, b)) as Atom).value === 1;
  for (const g of groups.values()) g.sort((a, b) => (lt(a, b) ? -1 : lt(b, a) ? 1 : a - b));
  return { groups, time, keys: undefined };
}

/**
 * Position in `rows` (sorted by time) of the last row with time ≤ t (−1 if none);
 * `strict`: < t. `t` is row `i` of `leftTime`, whose numeric keys are `leftKeys`.
 */
function lastAtOrBefore(
  e: Engine,
  line: Timeline,
  rows: number[],
  leftTime: RayObject,
  leftKeys: Float64Array | undefined,
  i: number,
  strict = false,
): number {
  let lo = 0, hi = rows.length;
  if (line.keys && leftKeys) {
    const t = leftKeys[i], k = line.keys;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? k[rows[mid]] < t : k[rows[mid]] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
  const t = itemAt(leftTime, i);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = (compare(e, strict ? "<" : "<=", itemAt(line.time, rows[mid]), t) as Atom).value;
    if (c === 1) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Numeric keys for the left side only when both sides have the same kind of time. */
function leftTimeKeys(line: Timeline, leftTime: RayObject): Float64Array | undefined {
  return line.keys && leftTime.type === line.time.type ? timeKeys(leftTime) : undefined;
}

function windowJoin(prevailing: boolean) {
  return (e: Engine, args: RayObject[]): RayObject => {
    if (args.length !== 5) throw arityError(5, args.length);
    const keys = keysOf(args[0]);
    const bounds = args[1];
    const left = tableArg(args[2]);
    const right = tableArg(args[3]);
    const aggs = args[4];
    if (bounds.type !== Type.LIST || bounds.items.length !== 2) {
      throw typeError("LIST", bounds.type);
    }
    if (aggs.type !== Type.DICT || aggs.keys.type !== Type.SYMBOL) {
      throw typeError("DICT", aggs.type);
    }
    const [lo, hi] = bounds.items;
    const n = tableRows(left);
    if (count(lo) !== n || count(hi) !== n) throw lengthError();
    const line = timeline(e, right, keys);
    const leftGroupCols = keys.slice(0, -1).map((k) => tableColumn(left, k) ?? NULL);
    const aggNames = Array.from((aggs.keys as Vector<6>).data);
    const forms = items(aggs.values);
    const results: RayObject[][] = aggNames.map(() => []);
    const loKeys = leftTimeKeys(line, lo), hiKeys = leftTimeKeys(line, hi);
    const lg = groupKeys(leftGroupCols, n);
    for (let r = 0; r < n; r++) {
      const rows = line.groups.get(lg[r]) ?? [];
      const start = lastAtOrBefore(e, line, rows, lo, loKeys, r, !prevailing) +
        (prevailing ? 0 : 1);
      const end = lastAtOrBefore(e, line, rows, hi, hiKeys, r);
      const from = prevailing ? Math.max(0, start) : start;
      const inWindow = end >= from ? rows.slice(from, end + 1) : [];
      const scope = new Map<number, RayObject>();
      right.keys.data.forEach((id, c) => scope.set(id, take(right.values.items[c], inWindow)));
      forms.forEach((f, i) => results[i].push(e.withScope(scope, () => e.eval(f))));
    }
    return {
      type: 98,
      keys: { type: 6, data: Int32Array.from([...left.keys.data, ...aggNames]) },
      values: listOf([...left.values.items, ...results.map(collect)]),
    };
  };
}

/** The builtins defined here. */
export const JOINS_BUILTINS: readonly BuiltinFn[] = [
  vary("left-join", (e, args) => join(e, args, false)),
  vary("inner-join", (e, args) => join(e, args, true)),
  vary("asof-join", (e, args) => {
    if (args.length !== 3) throw arityError(3, args.length);
    const keys = keysOf(args[0]);
    const left = tableArg(args[1]);
    const right = tableArg(args[2]);
    const line = timeline(e, right, keys);
    const leftGroupCols = keys.slice(0, -1).map((k) => tableColumn(left, k) ?? NULL);
    const leftTime = tableColumn(left, keys[keys.length - 1]);
    if (!leftTime) throw typeError("TABLE", 98);
    const n = tableRows(left);
    const lk = leftTimeKeys(line, leftTime);
    const lg = groupKeys(leftGroupCols, n);
    const match = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const rows = line.groups.get(lg[r]) ?? [];
      const p = lastAtOrBefore(e, line, rows, leftTime, lk, r);
      match[r] = p >= 0 ? rows[p] : -1;
    }
    const names = [...left.keys.data];
    const columns = [...left.values.items];
    right.keys.data.forEach((id, c) => {
      if (keys.includes(id)) return;
      const col = right.values.items[c];
      // Every row matched: a typed gather; otherwise a LIST with Null where none qualified.
      const merged = match.every((m) => m >= 0)
        ? take(col, match)
        : listOf(Array.from(match, (m) => (m >= 0 ? itemAt(col, m) : NULL)));
      const li = names.indexOf(id);
      if (li >= 0) columns[li] = merged;
      else {
        names.push(id);
        columns.push(merged);
      }
    });
    return { type: 98, keys: { type: 6, data: Int32Array.from(names) }, values: listOf(columns) };
  }),
  vary("window-join", windowJoin(true)),
  vary("window-join1", windowJoin(false)),
];
