/**
 * Dicts and tables as values: `dict` and `table`, and the column operations the queries and
 * mutations share (a column broadcast from an atom, written at some rows, set in a table).
 *
 * @module
 */
import {
  type Atom,
  AtomType,
  isCollection,
  isVector,
  NULL,
  type RayObject,
  type Table,
  Type,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { binary, type BuiltinFn } from "./builtins.ts";
import { arityError, lengthError, typeError } from "./errors.ts";
import { atom, collect, count, items, listOf, nullValue, take } from "./values.ts";
import { highWord, lowWord, words } from "./int64.ts";
import { resultArray } from "./result_buffers.ts";

/** `(table names columns)`: equal-length vectors or LISTs; atom columns are broadcast. */
export function makeTable(names: RayObject, columns: RayObject): Table {
  if (names.type !== Type.SYMBOL) throw typeError("SYMBOL", names.type);
  const cols = columns.type === Type.LIST ? columns.items : [columns];
  if (cols.length !== vectorLength(names as Vector)) {
    // One value (not a LIST) for several names: the engine's arity error; else a length one.
    if (columns.type !== Type.LIST) throw arityError(vectorLength(names as Vector), 1);
    throw lengthError();
  }
  let rows = -1;
  for (const c of cols) {
    if (isCollection(c)) {
      const n = count(c);
      if (rows >= 0 && n !== rows) throw lengthError();
      rows = n;
    }
  }
  if (rows < 0) rows = 1;
  const values = cols.map((c) => (isCollection(c) ? c : broadcast(c, rows)));
  return { type: 98, keys: names as Vector<6>, values: listOf(values) };
}

/** An atom repeated `n` times as a vector (any other value: a LIST of n copies). */
export function broadcast(x: RayObject, n: number): RayObject {
  if (x.type < 0 && x.type >= -12) {
    return take({ type: -x.type, data: vectorOfOne(x as Atom) } as Vector, new Int32Array(n));
  }
  return listOf(Array.from({ length: n }, () => x));
}

function vectorOfOne(a: Atom): Vector["data"] {
  return (collect([a]) as Vector).data;
}

/** Writes `value` into column `col` at `rows`, keeping the column's type (f64 into integers truncates). */
export function writeRows(
  col: RayObject | undefined,
  rows: ArrayLike<number>,
  n: number,
  value: RayObject,
): RayObject {
  // A list into some rows of a typed column: the engine answers `expected LIST, got LIST`
  // (rayforce-py's `update(name="zed")` sends one).
  if (value.type === Type.LIST && col && col.type !== Type.LIST) throw typeError("LIST", "LIST");
  // An atom of the column's own type (`update {x: 0 … where: …}`): the column copied, the
  // value written at the rows, with no object per row.
  if (col && isVector(col) && col.type !== Type.GUID && value.type === -col.type) {
    return fillRows(col, rows, (value as Atom).value as number | bigint);
  }
  const m = rows.length;
  const values = value.type < 0 || value.type >= 13 ? undefined : items(value);
  const perRow = (i: number): RayObject =>
    values === undefined ? value : values.length === m ? values[i] : values[rows[i]];
  if (values !== undefined && values.length !== m && values.length !== n) throw lengthError();
  if (!col) {
    const t = value.type < 0 ? -value.type : value.type;
    if (t >= 1 && t <= 12) {
      const base = broadcast(atom(t, nullValue(t)), n) as Vector;
      return writeRows(base, rows, n, value);
    }
    const out = Array.from({ length: n }, () => NULL as RayObject);
    for (let i = 0; i < m; i++) out[rows[i]] = perRow(i);
    return listOf(out);
  }
  if (col.type === Type.LIST) {
    const out = [...col.items];
    for (let i = 0; i < m; i++) out[rows[i]] = perRow(i);
    return listOf(out);
  }
  const v = col as Vector;
  const data = v.data.slice();
  for (let i = 0; i < m; i++) {
    const r = rows[i];
    const x = perRow(i);
    if (x.type !== -v.type) {
      const integral = v.type === Type.I32 || v.type === Type.I64 || v.type === Type.I16;
      if (
        !(x.type === AtomType.F64 && integral) &&
        !(integral &&
          (x.type === AtomType.I64 || x.type === AtomType.I32 || x.type === AtomType.I16))
      ) {
        throw typeError(-v.type, x.type);
      }
      const f = Number(x.value);
      if (v.type === Type.I64) (data as BigInt64Array)[r] = BigInt(Math.trunc(f));
      else (data as Int32Array)[r] = Math.trunc(f);
      continue;
    }
    if (v.type === Type.GUID) (data as Uint8Array).set((x as Atom).value as Uint8Array, r * 16);
    else (data as Int32Array)[r] = (x as Atom).value as number;
  }
  return { type: v.type, data } as Vector;
}

/** A copy of `col` (from the reused result arrays) with `x` at `rows`. */
function fillRows(col: Vector, rows: ArrayLike<number>, x: number | bigint): Vector {
  const data = resultArray(col.type, col.data.length); // every element written below
  (data as Int32Array).set(col.data as Int32Array);
  const w = typeof x === "bigint" ? words(data as BigInt64Array) : undefined;
  if (w) {
    // Each i64 row as two words: no BigInt written per row.
    const lo = lowWord(x as bigint), hi = highWord(x as bigint);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      w[2 * r] = lo;
      w[2 * r + 1] = hi;
    }
  } else {
    for (let i = 0; i < rows.length; i++) (data as BigInt64Array)[rows[i]] = x as bigint;
  }
  return { type: col.type, data } as Vector;
}

/** `t` with column `id` replaced, or added last. */
export function setColumn(t: Table, id: number, col: RayObject): Table {
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

/** The table a mutation works on: `x` itself, or a `type` error. */
export function asTable(x: RayObject): Table {
  if (x.type !== Type.TABLE) throw typeError("TABLE", x.type);
  return x as Table;
}

/** The builtins defined here. */
export const TABLES_BUILTINS: readonly BuiltinFn[] = [
  binary("dict", (_e, keys, values) => {
    if (!isCollection(keys)) throw typeError("LIST", keys.type);
    if (!isCollection(values)) throw typeError("LIST", values.type);
    if (count(keys) !== count(values)) throw lengthError();
    return { type: 99, keys, values };
  }),
  binary("table", (_e, names, columns) => makeTable(names, columns)),
];
