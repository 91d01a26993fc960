/**
 * `insert` and `upsert` (`rayforce-language.md` §4): rows appended to a table, or updated by
 * key; a quoted table name changes the global in place.
 *
 * @module
 */
import { appendVector } from "./append.ts";
import {
  AtomType,
  type Dict,
  isAtomOf,
  isCollection,
  NULL,
  type RayObject,
  type Table,
  Type,
  type Vector,
} from "../ipc/mod.ts";
import { type BuiltinFn, vary } from "./builtins.ts";
import { objectKey } from "./collections.ts";
import { domainError, lengthError, typeError, valueError } from "./errors.ts";
import { atom, collect, count, items, listOf, nullValue, tableRows } from "./values.ts";
import { changeInPlace } from "./in_place.ts";
import { asTable, setColumn, writeRows } from "./tables.ts";

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
  if (rows.type === Type.DICT || rows.type === Type.TABLE) {
    const d = rows as Dict | Table;
    const keys = Array.from((d.keys as Vector<6>).data);
    if (keys.length > ncols) throw lengthError();
    if (keys.some((k) => !names.includes(k))) throw valueError(); // the engine names none
    const vals = items(d.values);
    let nrows = 1;
    let cells = (v: RayObject) => [v];
    if (rows.type === Type.TABLE) {
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
  if (rows.type !== Type.LIST) throw typeError("LIST", rows.type);
  if (rows.items.length !== ncols) throw lengthError();
  const allAtoms = rows.items.every((x) =>
    x.type < 0 || x.type === Type.NULL || x.type === Type.C8
  );
  if (allAtoms) return rows.items.map((x) => [x]);
  const n = count(rows.items.find(isCollection)!);
  return rows.items.map((x, c) => columnOfRows(t.values.items[c], x, n));
}

/** The rows of `v`, given for column `col` as a vector of `n` items of its type. */
function columnOfRows(col: RayObject, v: RayObject, n: number): RayObject[] {
  if (!isCollection(v)) throw lengthError();
  if (col.type !== Type.LIST && v.type !== col.type) throw typeError(col.type, v.type);
  if (count(v) !== n) throw lengthError();
  return items(v);
}

/** Checks an upsert's value against its column's type: exactly that type (`type` error otherwise). */
function fitColumn(col: RayObject, x: RayObject): RayObject {
  if (col.type === Type.LIST || x.type === -col.type) return x;
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
    if (col.type === Type.LIST) return listOf([...col.items, ...values]);
    let list = false;
    for (const x of values) {
      if (x.type === -col.type) continue;
      const integral = col.type === Type.I16 || col.type === Type.I32 || col.type === Type.I64;
      if (mixed && (x.type === col.type || (x.type === AtomType.F64 && integral))) list = true;
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

/** The builtins defined here. */
export const INSERT_BUILTINS: readonly BuiltinFn[] = [
  vary("insert", (e, args) => {
    if (args.length !== 2) throw lengthError();
    return changeInPlace(e, args[0], (value) => {
      const table = asTable(value);
      const cols = incomingRows(table, args[1]);
      return appendRows(table, cols, true);
    });
  }),
  vary("upsert", (e, args) => {
    if (args.length !== 3) throw lengthError();
    return changeInPlace(e, args[0], (value) => {
      const table = asTable(value);
      const k = args[1];
      if (!isAtomOf(k, AtomType.I64) || k.value < 1n) {
        throw domainError("upsert needs 1 or more key columns");
      }
      const nkeys = Number(k.value);
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
      return t;
    });
  }),
];
