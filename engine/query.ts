/**
 * Dicts, tables and queries: `dict table select update insert upsert`
 * (`rayforce-language.md` §4). A query is a dict whose values are unevaluated forms;
 * they are evaluated with the table's columns in scope. Grouped expressions are evaluated
 * once per group with the group's rows in scope, which gives the engine's results: an
 * aggregate yields one value per group, any other expression a per-group vector.
 *
 * @module
 */
import { appendVector } from "./append.ts";
import { typeName } from "../ipc/mod.ts";
import {
  type Atom,
  type Dict,
  NULL,
  type RayObject,
  symbols,
  type Table,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { binary, type BuiltinFn, unary, vary } from "./builtins.ts";
import { concat, elementKeys, objectKey, sliceRows, takeN, trueIndexes } from "./collections.ts";
import { aggregateByGroup, withGroupedAggregates } from "./grouped_aggregates.ts";
import { groupRows, type Groups, groupsOf } from "./grouping.ts";
import type { Engine } from "./engine.ts";
import {
  arityError,
  domainError,
  indexError,
  lengthError,
  typeError,
  valueError,
} from "./errors.ts";
import type { SymbolNode } from "./reader.ts";
import {
  atom,
  collect,
  count,
  itemAt,
  items,
  listOf,
  nullValue,
  tableColumn,
  tableRows,
  take,
} from "./values.ts";

const RESERVED = new Set(["from", "where", "by", "take", "fn", "do", "set", "self", "let", "sym"]);

/** `(table names columns)`: equal-length vectors or LISTs; atom columns are broadcast. */
export function makeTable(names: RayObject, columns: RayObject): Table {
  if (names.type !== 6) throw typeError("SYMBOL", names.type);
  const cols = columns.type === 0 ? columns.items : [columns];
  if (cols.length !== vectorLength(names as Vector)) {
    // One value (not a LIST) for several names: the engine's arity error; else a length one.
    if (columns.type !== 0) throw arityError(vectorLength(names as Vector), 1);
    throw lengthError();
  }
  let rows = -1;
  for (const c of cols) {
    if (c.type >= 0 && c.type <= 12) {
      const n = count(c);
      if (rows >= 0 && n !== rows) throw lengthError();
      rows = n;
    }
  }
  if (rows < 0) rows = 1;
  const values = cols.map((c) => (c.type >= 0 && c.type <= 12 ? c : broadcast(c, rows)));
  return { type: 98, keys: names as Vector<6>, values: listOf(values) };
}

/** An atom repeated `n` times as a vector (any other value: a LIST of n copies). */
function broadcast(x: RayObject, n: number): RayObject {
  if (x.type < 0 && x.type >= -12) {
    return take({ type: -x.type, data: vectorOfOne(x as Atom) } as Vector, new Int32Array(n));
  }
  return listOf(Array.from({ length: n }, () => x));
}

function vectorOfOne(a: Atom): Vector["data"] {
  return (collect([a]) as Vector).data;
}

interface Entry {
  id: number;
  name: string;
  form: RayObject;
}

function entries(q: RayObject): Entry[] {
  if (q.type !== 99 || q.keys.type !== 6) throw typeError("DICT", q.type);
  const ids = (q.keys as Vector<6>).data;
  const forms = items(q.values);
  return Array.from(ids, (id, i) => ({ id, name: symbols.text(id), form: forms[i] }));
}

/** Column scope of a table: name → column. */
function scopeOf(t: Table): Map<number, RayObject> {
  const m = new Map<number, RayObject>();
  t.keys.data.forEach((id, i) => m.set(id, t.values.items[i]));
  return m;
}

/** The symbol ids a form refers to (to slice only the columns an expression uses). */
function referencedNames(form: RayObject, out: Set<number> = new Set()): Set<number> {
  if (form.type === -6 && !(form as SymbolNode).quoted) out.add((form as Atom).value as number);
  else if (form.type === 0) { for (const f of form.items) referencedNames(f, out); }
  else if (form.type === 99) referencedNames(form.values, out);
  return out;
}

interface Grouping {
  names: number[];
  columns: RayObject[];
  groups: Groups;
}

/** Key types the engine's `by:` refuses (a `type` error): I32, DATE and TIME. */
const UNGROUPABLE = new Set([4, 7, 8]);

/** Resolves `by:` against table `t`: a column name, a dict of expressions, or an expression. */
function grouping(e: Engine, t: Table, by: RayObject): Grouping {
  const g = keysOf(e, t, by);
  if (g.columns.some((c) => UNGROUPABLE.has(c.type))) throw typeError("LIST", "LIST");
  return g;
}

function keysOf(e: Engine, t: Table, by: RayObject): Grouping {
  const n = tableRows(t);
  const scope = scopeOf(t);
  if (by.type === -6 && !(by as SymbolNode).quoted) {
    const id = (by as Atom).value as number;
    const col = scope.get(id) ?? e.eval(by);
    return { names: [id], columns: [col], groups: groupRows([col], n) };
  }
  if (by.type === 99 && by.keys.type === 6) {
    const names = Array.from((by.keys as Vector<6>).data);
    const columns = items(by.values).map((f) => e.withScope(scope, () => e.eval(f)));
    return { names, columns, groups: groupRows(columns, n) };
  }
  const values = e.withScope(scope, () => e.eval(by));
  if (!(values.type >= 0 && values.type <= 12) || count(values) !== n) {
    throw typeError("LIST", values.type);
  }
  const refs = [...referencedNames(by)].filter((id) => scope.has(id));
  const groups = groupRows([values], n);
  if (refs.length) return { names: [refs[0]], columns: [scope.get(refs[0])!], groups };
  return { names: [symbols.intern("By")], columns: [values], groups };
}

/**
 * One value per group of `form`: an aggregate of a column in one pass when a kernel covers
 * it, else `form` evaluated once per group with that group's rows of the referenced
 * columns in scope.
 */
function perGroup(e: Engine, t: Table, groups: Groups, form: RayObject): RayObject {
  const fused = aggregateByGroup(e, t, groups, form);
  if (fused) return fused;
  const inner = withGroupedAggregates(e, t, groups, form);
  const refs = [...referencedNames(inner.form)].filter((id) => tableColumn(t, id));
  const results = groupsOf(groups).map((rows, k) => {
    const scope = new Map<number, RayObject>();
    for (const id of refs) scope.set(id, take(tableColumn(t, id)!, rows));
    for (const [id, v] of inner.values) scope.set(id, itemAt(v, k));
    e.groupRows = rows;
    try {
      return e.withScope(scope, () => e.eval(inner.form));
    } finally {
      e.groupRows = undefined;
    }
  });
  return collect(results);
}

function whereRows(e: Engine, t: Table, form: RayObject): Int32Array {
  const mask = e.withScope(scopeOf(t), () => e.eval(form));
  if (mask.type !== 1) throw typeError("B8", mask.type);
  const d = (mask as Vector<1>).data;
  if (d.length !== tableRows(t)) throw lengthError();
  return trueIndexes(d);
}

function get(entries: Entry[], name: string): Entry | undefined {
  return entries.find((x) => x.name === name);
}

/** Writes `value` into column `col` at `rows`, keeping the column's type (f64 into integers truncates). */
function writeRows(
  col: RayObject | undefined,
  rows: number[],
  n: number,
  value: RayObject,
): RayObject {
  // A list into some rows of a typed column: the engine answers `expected LIST, got LIST`
  // (rayforce-py's `update(name="zed")` sends one).
  if (value.type === 0 && col && col.type !== 0) throw typeError("LIST", "LIST");
  const values = value.type < 0 || value.type >= 13 ? rows.map(() => value) : items(value);
  const perRow = values.length === rows.length
    ? values
    : values.length === n
    ? rows.map((r) => values[r])
    : undefined;
  if (!perRow) throw lengthError();
  if (!col) {
    const t = value.type < 0 ? -value.type : value.type;
    if (t >= 1 && t <= 12) {
      const base = broadcast(atom(t, nullValue(t)), n) as Vector;
      return writeRows(base, rows, n, value);
    }
    const out = Array.from({ length: n }, () => NULL as RayObject);
    rows.forEach((r, i) => (out[r] = perRow[i]));
    return listOf(out);
  }
  if (col.type === 0) {
    const out = [...col.items];
    rows.forEach((r, i) => (out[r] = perRow[i]));
    return listOf(out);
  }
  const v = col as Vector;
  const data = v.data.slice();
  rows.forEach((r, i) => {
    const x = perRow[i];
    if (x.type !== -v.type) {
      const integral = v.type === 4 || v.type === 5 || v.type === 3;
      if (
        !(x.type === -10 && integral) &&
        !(integral && (x.type === -5 || x.type === -4 || x.type === -3))
      ) {
        throw typeError(-v.type, x.type);
      }
      const f = Number((x as Atom).value);
      if (v.type === 5) (data as BigInt64Array)[r] = BigInt(Math.trunc(f));
      else (data as Int32Array)[r] = Math.trunc(f);
      return;
    }
    if (v.type === 11) (data as Uint8Array).set((x as Atom).value as Uint8Array, r * 16);
    else (data as Int32Array)[r] = (x as Atom).value as number;
  });
  return { type: v.type, data } as Vector;
}

function setColumn(t: Table, id: number, col: RayObject): Table {
  const i = t.keys.data.indexOf(id);
  if (i >= 0) {
    const cols = [...t.values.items];
    cols[i] = col;
    return { type: 98, keys: t.keys, values: listOf(cols) };
  }
  const keys = new Int32Array(t.keys.data.length + 1);
  keys.set(t.keys.data);
  keys[t.keys.data.length] = id;
  return { type: 98, keys: { type: 6, data: keys }, values: listOf([...t.values.items, col]) };
}

/** The table a mutation works on: a value, or a quoted symbol naming a global (in place). */
function target(e: Engine, x: RayObject): { table: Table; name?: number } {
  if (x.type === -6) {
    const id = (x as Atom).value as number;
    const t = e.lookup(id);
    if (t.type !== 98) throw typeError("TABLE", t.type);
    return { table: t as Table, name: id };
  }
  if (x.type !== 98) throw typeError("TABLE", x.type);
  return { table: x as Table };
}

function finish(e: Engine, result: Table, name: number | undefined): RayObject {
  if (name === undefined) return result;
  e.setGlobal(name, result);
  return { type: -6, value: name };
}

/**
 * Normalizes insert/upsert input into per-column value lists (missing columns: typed nulls),
 * as the engine reads it:
 * - a list: one value per column, each an atom (one row) or, when every item is a vector or
 *   a string, a column of rows;
 * - a dict or a table: its names must be columns (more names than columns: `length`; an
 *   unknown name: `value`), in any order. A table gives its rows; a dict gives one row
 *   when its first value is an atom (a vector elsewhere is that row's cell), or as many rows
 *   as its first value has items, when every value is a vector of that length (`length`
 *   otherwise; an empty one too). rayforce-py sends `{id: [..] age: [..]}` for its inserts.
 */
function incomingRows(t: Table, rows: RayObject): RayObject[][] {
  const names = Array.from(t.keys.data);
  const ncols = names.length;
  if (rows.type === 99 || rows.type === 98) {
    const d = rows as Dict | Table;
    const keys = Array.from((d.keys as Vector<6>).data);
    if (keys.length > ncols) throw lengthError();
    if (keys.some((k) => !names.includes(k))) throw valueError(); // the engine names none
    const vals = items(d.values);
    let nrows = 1;
    let cells = (v: RayObject) => [v];
    if (rows.type === 98) {
      nrows = tableRows(rows as Table);
      cells = items;
    } else if (vals.length && isCollection(vals[0])) {
      nrows = count(vals[0]);
      if (nrows === 0) throw lengthError();
      keys.forEach((id, k) => columnOfRows(t.values.items[names.indexOf(id)], vals[k], nrows));
      cells = items;
    }
    return names.map((id, c) => {
      const k = keys.indexOf(id);
      if (k >= 0) return cells(vals[k]);
      const ty = t.values.items[c].type;
      return Array.from(
        { length: nrows },
        () => (ty >= 1 && ty <= 12 ? atom(ty, nullValue(ty)) : NULL),
      );
    });
  }
  if (rows.type !== 0) throw typeError("LIST", rows.type);
  if (rows.items.length !== ncols) throw lengthError();
  const allAtoms = rows.items.every((x) => x.type < 0 || x.type === 126 || x.type === 12);
  if (allAtoms) return rows.items.map((x) => [x]);
  const n = count(rows.items.find(isCollection)!);
  return rows.items.map((x, c) => columnOfRows(t.values.items[c], x, n));
}

/** The rows of `v`, given for column `col` as a vector of `n` items of its type. */
function columnOfRows(col: RayObject, v: RayObject, n: number): RayObject[] {
  if (!isCollection(v)) throw lengthError();
  if (col.type !== 0 && v.type !== col.type) throw typeError(col.type, v.type);
  if (count(v) !== n) throw lengthError();
  return items(v);
}

function isCollection(x: RayObject): boolean {
  return x.type >= 0 && x.type <= 12;
}

/** Checks an upsert's value against its column's type: exactly that type (`type` error otherwise). */
function fitColumn(col: RayObject, x: RayObject): RayObject {
  if (col.type === 0 || x.type === -col.type) return x;
  throw typeError(-col.type, x.type);
}

/**
 * Appends rows to each column. A value of the column's type is appended; as in the engine's
 * `insert` (`mixed`), a vector of that type, or an f64 into an integer column, turns the
 * column into a list holding it; anything else is a `type` error.
 */
function appendRows(t: Table, columns: RayObject[][], mixed = false): Table {
  const cols = t.values.items.map((col, c) => {
    const values = columns[c];
    if (col.type === 0) return listOf([...col.items, ...values]);
    let list = false;
    for (const x of values) {
      if (x.type === -col.type) continue;
      const integral = col.type === 3 || col.type === 4 || col.type === 5;
      if (mixed && (x.type === col.type || (x.type === -10 && integral))) list = true;
      else throw typeError(-col.type, x.type);
    }
    return list ? listOf([...items(col), ...values]) : collectInto(col as Vector, values);
  });
  return { type: 98, keys: t.keys, values: listOf(cols) };
}

/** `col` with `values` (atoms of its type) appended, in its spare capacity (append.ts). */
function collectInto(col: Vector, values: RayObject[]): RayObject {
  if (values.length === 0) return col;
  const more = collect(values);
  if (more.type === col.type) return appendVector(col, more as Vector);
  return listOf([...items(col), ...values]);
}

function metaDict(e: Engine, x: RayObject): RayObject {
  const sym = (text: string): RayObject => ({ type: -6, value: e.intern(text) });
  const i64 = (n: number): RayObject => ({ type: -5, value: BigInt(n) });
  const name = (t: number) => t === 0 ? "LIST" : typeName(t);
  let fields: [string, RayObject][];
  if (x.type < 0 && x.type >= -12) {
    fields = [["type", sym(typeName(x.type))], ["mmod", i64(255)], ["attrs", i64(0)]];
  } else if (x.type >= 1 && x.type <= 12) {
    fields = [["type", sym(typeName(x.type))], ["len", i64(count(x))], ["mmod", i64(255)], [
      "attrs",
      i64(0),
    ]];
  } else if (x.type === 0) {
    const elems = Int32Array.from(x.items, (i) => e.intern(name(i.type)));
    fields = [["type", sym("LIST")], ["len", i64(x.items.length)], ["mmod", i64(255)], [
      "elem_types",
      { type: 6, data: elems },
    ]];
  } else if (x.type === 99) {
    const d = x as Dict;
    fields = [
      ["type", sym("DICT")],
      ["len", i64(count(d.keys))],
      ["key_type", sym(name(d.keys.type))],
      ["val_type", sym(name(d.values.type))],
      ["keys", d.keys],
    ];
  } else throw typeError("TABLE", x.type);
  return {
    type: 99,
    keys: { type: 6, data: Int32Array.from(fields, ([k]) => e.intern(k)) },
    values: listOf(fields.map(([, v]) => v)),
  } as Dict;
}

/** The type name `meta` shows for a column: its vector type's, LIST for anything else. */
function typeNameOf(c: RayObject): string {
  return c.type >= 1 && c.type <= 12 ? typeName(c.type) : "LIST";
}

/** `f` applied to an element and a value; `set`/`let` store the value. */
function combine(e: Engine, f: RayObject, old: RayObject, value: RayObject): RayObject {
  const name = (f as { name: string }).name;
  return name === "set" || name === "let" ? value : e.apply(f, [old, value]);
}

/** A copy of `current` whose element at `index` (position, dict key, table column) is `change(old)`. */
function alterAt(
  current: RayObject,
  index: RayObject,
  change: (old: RayObject) => RayObject,
): RayObject {
  if (current.type === 98) {
    if (index.type !== -6) throw typeError("symbol", index.type);
    const id = (index as Atom).value as number;
    const col = tableColumn(current as Table, id);
    if (!col) throw valueError(symbols.text(id));
    return setColumn(current as Table, id, change(col));
  }
  if (current.type === 99) {
    const keys = elementKeys(current.keys);
    const k = keys.indexOf(objectKey(index) as never);
    const vals = items(current.values);
    if (k < 0) {
      // A new key: its value is the change applied to the values' null (so `+` gives null).
      const t = current.values.type;
      const blank = t >= 1 && t <= 12 ? atom(t, nullValue(t)) : NULL;
      return {
        type: 99,
        keys: concat(current.keys, index),
        values: collect([...vals, change(blank)]),
      };
    }
    vals[k] = change(vals[k]);
    return { type: 99, keys: current.keys, values: collect(vals) };
  }
  if (current.type >= 0 && current.type <= 12 && index.type === 5) {
    // Several positions: each changed in turn.
    return Array.from((index as Vector<5>).data).reduce(
      (acc: RayObject, k) => alterAt(acc, { type: -5, value: k } as Atom, change),
      current,
    );
  }
  if (current.type >= 0 && current.type <= 12) {
    if (index.type !== -5 && index.type !== -4) throw typeError("i64", index.type);
    const n = count(current);
    const k = Number((index as Atom).value);
    if (k < 0 || k >= n) throw indexError(k, n - 1);
    const vals = items(current);
    vals[k] = change(vals[k]);
    if (current.type === 0) return listOf(vals);
    const typed = collect(vals);
    return typed.type === current.type ? typed : listOf(vals);
  }
  throw typeError("LIST", current.type);
}

/** The builtins defined here. */
export const QUERY_BUILTINS: readonly BuiltinFn[] = [
  binary("dict", (_e, keys, values) => {
    if (!(keys.type >= 0 && keys.type <= 12)) throw typeError("LIST", keys.type);
    if (!(values.type >= 0 && values.type <= 12)) throw typeError("LIST", values.type);
    if (count(keys) !== count(values)) throw lengthError();
    return { type: 99, keys, values };
  }),
  binary("table", (_e, names, columns) => makeTable(names, columns)),
  unary("select", (e, q) => {
    const ent = entries(q);
    const from = get(ent, "from");
    if (!from) throw valueError("from");
    const source = e.eval(from.form);
    if (source.type !== 98) throw typeError("TABLE", source.type);
    let t = source as Table;
    const where = get(ent, "where");
    if (where) t = sliceRows(t, whereRows(e, t, where.form)) as Table;
    const mappings = ent.filter((x) => !RESERVED.has(x.name));
    const by = get(ent, "by");
    let result: Table;
    if (by) {
      const g = grouping(e, t, by.form);
      const firsts = g.groups.firsts;
      const names = [...g.names];
      const columns = g.columns.map((c) => take(c, firsts));
      if (mappings.length) {
        for (const m of mappings) {
          names.push(m.id);
          columns.push(perGroup(e, t, g.groups, m.form));
        }
      } else {
        t.keys.data.forEach((id, i) => {
          if (names.includes(id)) return;
          names.push(id);
          columns.push(take(t.values.items[i], firsts));
        });
      }
      result = {
        type: 98,
        keys: { type: 6, data: Int32Array.from(names) },
        values: listOf(columns),
      };
    } else if (mappings.length) {
      const scope = scopeOf(t);
      const values = mappings.map((m) => e.withScope(scope, () => e.eval(m.form)));
      const vectorLen = values.find((v) => v.type >= 0 && v.type <= 12);
      const n = vectorLen ? count(vectorLen) : 1;
      result = {
        type: 98,
        keys: { type: 6, data: Int32Array.from(mappings, (m) => m.id) },
        values: listOf(values.map((v) => (v.type >= 0 && v.type <= 12 ? v : broadcast(v, n)))),
      };
    } else {
      result = t;
    }
    const takeEntry = get(ent, "take");
    if (takeEntry) return takeN(result, e.eval(takeEntry.form));
    return result;
  }),
  unary("update", (e, q) => {
    // As the engine: anything but a dict naming `from` is a `length` error.
    if (q.type !== 99 || (q as Dict).keys.type !== 6) throw lengthError();
    const ent = entries(q);
    const from = get(ent, "from");
    if (!from) throw lengthError();
    const src = from.form.type === -6 && (from.form as SymbolNode).quoted
      ? target(e, { type: -6, value: (from.form as Atom).value })
      : target(e, e.eval(from.form));
    let t = src.table;
    const n = tableRows(t);
    const where = get(ent, "where");
    const rows = where
      ? Array.from(whereRows(e, t, where.form))
      : Array.from({ length: n }, (_, i) => i);
    const by = get(ent, "by");
    const mappings = ent.filter((x) => !RESERVED.has(x.name));
    if (mappings.length === 0) throw valueError("update needs a column");
    const view = where ? sliceRows(t, rows) as Table : t;
    const grouped = by ? grouping(e, view, by.form).groups : undefined;
    const groups = grouped ? groupsOf(grouped) : undefined;
    for (const m of mappings) {
      const existing = tableColumn(t, m.id);
      let col: RayObject;
      if (groups) {
        const inner = withGroupedAggregates(e, view, grouped!, m.form);
        const perGroupValues = groups.map((g, k) => {
          const scope = new Map<number, RayObject>();
          view.keys.data.forEach((id, i) => scope.set(id, take(view.values.items[i], g)));
          for (const [id, v] of inner.values) scope.set(id, itemAt(v, k));
          return e.withScope(scope, () => e.eval(inner.form));
        });
        const full: RayObject[] = new Array(rows.length);
        groups.forEach((g, gi) => {
          const v = perGroupValues[gi];
          Array.from(g).forEach((
            r,
            k,
          ) => (full[r] = v.type < 0 || v.type > 12 ? v : items(v)[k] ?? NULL));
        });
        col = writeRows(existing, rows, n, collect(full));
      } else {
        const value = e.withScope(scopeOf(view), () => e.eval(m.form));
        if (!where) {
          if (value.type >= 0 && value.type <= 12) {
            if (count(value) !== n) throw lengthError(n, count(value));
            col = value;
          } else col = broadcast(value, n);
        } else col = writeRows(existing, rows, n, value);
      }
      t = setColumn(t, m.id, col);
    }
    return finish(e, t, src.name);
  }),
  vary("insert", (e, args) => {
    if (args.length !== 2) throw lengthError();
    const { table, name } = target(e, args[0]);
    const cols = incomingRows(table, args[1]);
    return finish(e, appendRows(table, cols, true), name);
  }),
  vary("upsert", (e, args) => {
    if (args.length !== 3) throw lengthError();
    const { table, name } = target(e, args[0]);
    const k = args[1];
    if (k.type !== -5 || (k as Atom).value as bigint < 1n) {
      throw domainError("upsert needs 1 or more key columns");
    }
    const nkeys = Number((k as Atom).value);
    const incoming = incomingRows(table, args[2]);
    const n = tableRows(table);
    const keyOf = (cols: RayObject[][] | RayObject[], r: number, fromTable: boolean): string =>
      Array.from(
        { length: nkeys },
        (_, c) =>
          String(
            objectKey(
              fromTable ? items((cols as RayObject[])[c])[r] : (cols as RayObject[][])[c][r],
            ),
          ),
      ).join("\u0001");
    const existing = new Map<string, number>();
    for (let r = 0; r < n; r++) {
      const key = keyOf(table.values.items, r, true);
      if (!existing.has(key)) existing.set(key, r); // the first matching row is the one updated
    }
    let t = table;
    const appended: RayObject[][] = t.values.items.map(() => []);
    const rowsIn = incoming[0]?.length ?? 0;
    for (let r = 0; r < rowsIn; r++) {
      const key = keyOf(incoming, r, false);
      const at = existing.get(key);
      if (at === undefined) {
        incoming.forEach((col, c) => appended[c].push(col[r]));
        continue;
      }
      t.keys.data.forEach((id, c) => {
        if (c < nkeys) return;
        t = setColumn(
          t,
          id,
          writeRows(t.values.items[c], [at], n, fitColumn(t.values.items[c], incoming[c][r])),
        );
      });
    }
    if (appended[0].length) t = appendRows(t, appended);
    return finish(e, t, name);
  }),
  /**
   * `(meta x)`: a table's schema as a table `name type mmod attrs`; for anything else a dict
   * describing it, as the engine gives it: `type mmod attrs` for an atom, `type len mmod attrs`
   * for a vector, `type len mmod elem_types` for a LIST, `type len key_type val_type keys`
   * for a dict (`mmod` is always 255 and `attrs` 0 here: no memory-mapped values).
   */
  unary("meta", (e, t) => {
    if (t.type !== 98) return metaDict(e, t);
    const n = t.keys.data.length;
    return makeTable(
      { type: 6, data: Int32Array.from(["name", "type", "mmod", "attrs"], (x) => e.intern(x)) },
      listOf([
        t.keys,
        { type: 6, data: Int32Array.from(t.values.items, (c) => e.intern(typeNameOf(c))) },
        { type: 5, data: new BigInt64Array(n).fill(255n) },
        { type: 5, data: new BigInt64Array(n) },
      ]),
    );
  }),
  /**
   * `(modify obj f path value)`: `alter` through a nested path of indexes (a LIST or
   * vector); a quoted symbol `obj` names a global changed in place. (It crashed the engine
   * on nested lists; here it is an ordinary update.)
   */
  vary("modify", (e, args) => {
    if (args.length !== 4) throw arityError(4, args.length);
    const [obj, f, path, value] = args;
    if (f.type < 101 || f.type > 103) throw typeError("BINARY", f.type);
    const steps = path.type >= 0 && path.type <= 12 ? items(path) : [path];
    if (steps.length === 0) throw lengthError();
    const named = obj.type === -6 ? (obj as Atom).value as number : undefined;
    const current = named === undefined ? obj : e.lookup(named);
    const walk = (x: RayObject, i: number): RayObject =>
      alterAt(
        x,
        steps[i],
        (old) => (i === steps.length - 1 ? combine(e, f, old, value) : walk(old, i + 1)),
      );
    const result = walk(current, 0);
    if (named === undefined) return result;
    e.setGlobal(named, result);
    return obj;
  }),
  /**
   * `(alter obj f index value)`: applies binary `f` to the element at `index` (position, dict
   * key or table column) and `value`; `set` stores, `concat` appends, `remove` removes. A
   * quoted symbol `obj` names a global changed in place.
   */
  vary("alter", (e, args) => {
    if (args.length < 3 || args.length > 4) throw lengthError();
    if (args.length === 3) {
      const [obj, f, value] = args;
      if (f.type < 101 || f.type > 103) throw typeError("BINARY", f.type);
      const named = obj.type === -6 ? (obj as Atom).value as number : undefined;
      const current = named === undefined ? obj : e.lookup(named);
      if ((f as { name: string }).name !== "concat" && (f as { name: string }).name !== "remove") {
        throw typeError("LIST", current.type);
      }
      const result = e.apply(f, [current, value]);
      if (named === undefined) return result;
      e.setGlobal(named, result);
      return obj;
    }
    const [obj, f, index, value] = args;
    if (f.type < 101 || f.type > 103) throw typeError("BINARY", f.type);
    const named = obj.type === -6 ? (obj as Atom).value as number : undefined;
    const current = named === undefined ? obj : e.lookup(named);
    const result = alterAt(current, index, (old) => combine(e, f, old, value));
    if (named === undefined) return result;
    e.setGlobal(named, result);
    return obj;
  }),
];
