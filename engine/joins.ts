/**
 * Joins (`rayforce-language.md` §4.6): `left-join inner-join asof-join window-join
 * window-join1`. Keys are a SYMBOL vector; tables are values.
 *
 * @module
 */
import { type Atom, NULL, type RayObject, type Table, type Vector } from "../ipc/mod.ts";
import { vary } from "./builtins.ts";
import { objectKey } from "./collections.ts";
import { compare } from "./compare.ts";
import type { Engine } from "./engine.ts";
import { arityError, lengthError, typeError } from "./errors.ts";
import { collect, count, itemAt, items, listOf, tableColumn, tableRows, take } from "./values.ts";

function keysOf(x: RayObject): number[] {
  if (x.type === 6) return Array.from((x as Vector<6>).data);
  if (x.type === -6) return [(x as Atom).value as number];
  throw typeError("SYMBOL", x.type);
}

function tableArg(x: RayObject): Table {
  if (x.type !== 98) throw typeError("TABLE", x.type);
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

vary("left-join", (e, args) => join(e, args, false));
vary("inner-join", (e, args) => join(e, args, true));

/** Right rows grouped by all keys but the last, each group sorted by the last key. */
function timeline(
  e: Engine,
  right: Table,
  keys: number[],
): { groups: Map<string, number[]>; time: RayObject } {
  const groupCols = keys.slice(0, -1).map((k) => tableColumn(right, k) ?? NULL);
  const time = tableColumn(right, keys[keys.length - 1]);
  if (!time) throw typeError("TABLE", 98);
  const groups = new Map<string, number[]>();
  for (let r = 0; r < tableRows(right); r++) {
    const k = rowKey(groupCols, r);
    let g = groups.get(k);
    if (!g) groups.set(k, g = []);
    g.push(r);
  }
  const lt = (a: number, b: number) =>
    (compare(e, "<", itemAt(time, a), itemAt(time, b)) as Atom).value === 1;
  for (const g of groups.values()) g.sort((a, b) => (lt(a, b) ? -1 : lt(b, a) ? 1 : a - b));
  return { groups, time };
}

/** Position in `rows` (sorted by time) of the last row with time ≤ t (−1 if none); `strict`: < t. */
function lastAtOrBefore(
  e: Engine,
  rows: number[],
  time: RayObject,
  t: RayObject,
  strict = false,
): number {
  let lo = 0, hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = (compare(e, strict ? "<" : "<=", itemAt(time, rows[mid]), t) as Atom).value;
    if (c === 1) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

vary("asof-join", (e, args) => {
  if (args.length !== 3) throw arityError(3, args.length);
  const keys = keysOf(args[0]);
  const left = tableArg(args[1]);
  const right = tableArg(args[2]);
  const { groups, time } = timeline(e, right, keys);
  const leftGroupCols = keys.slice(0, -1).map((k) => tableColumn(left, k) ?? NULL);
  const leftTime = tableColumn(left, keys[keys.length - 1]);
  if (!leftTime) throw typeError("TABLE", 98);
  const n = tableRows(left);
  const match: number[] = [];
  for (let r = 0; r < n; r++) {
    const rows = groups.get(rowKey(leftGroupCols, r)) ?? [];
    const p = lastAtOrBefore(e, rows, time, itemAt(leftTime, r));
    match.push(p >= 0 ? rows[p] : -1);
  }
  const names = [...left.keys.data];
  const columns = [...left.values.items];
  right.keys.data.forEach((id, c) => {
    if (keys.includes(id)) return;
    const col = right.values.items[c];
    const out = match.map((m) => (m >= 0 ? itemAt(col, m) : NULL));
    const li = names.indexOf(id);
    const merged = match.every((m) => m >= 0) ? collect(out) : listOf(out);
    if (li >= 0) columns[li] = merged;
    else {
      names.push(id);
      columns.push(merged);
    }
  });
  return { type: 98, keys: { type: 6, data: Int32Array.from(names) }, values: listOf(columns) };
});

function windowJoin(prevailing: boolean) {
  return (e: Engine, args: RayObject[]): RayObject => {
    if (args.length !== 5) throw arityError(5, args.length);
    const keys = keysOf(args[0]);
    const bounds = args[1];
    const left = tableArg(args[2]);
    const right = tableArg(args[3]);
    const aggs = args[4];
    if (bounds.type !== 0 || bounds.items.length !== 2) throw typeError("LIST", bounds.type);
    if (aggs.type !== 99 || aggs.keys.type !== 6) throw typeError("DICT", aggs.type);
    const [lo, hi] = bounds.items;
    const n = tableRows(left);
    if (count(lo) !== n || count(hi) !== n) throw lengthError(n, count(lo));
    const { groups, time } = timeline(e, right, keys);
    const leftGroupCols = keys.slice(0, -1).map((k) => tableColumn(left, k) ?? NULL);
    const aggNames = Array.from((aggs.keys as Vector<6>).data);
    const forms = items(aggs.values);
    const results: RayObject[][] = aggNames.map(() => []);
    for (let r = 0; r < n; r++) {
      const rows = groups.get(rowKey(leftGroupCols, r)) ?? [];
      const start = lastAtOrBefore(e, rows, time, itemAt(lo, r), !prevailing) +
        (prevailing ? 0 : 1);
      const end = lastAtOrBefore(e, rows, time, itemAt(hi, r));
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

vary("window-join", windowJoin(true));
vary("window-join1", windowJoin(false));
