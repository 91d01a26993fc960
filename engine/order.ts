/**
 * Ordering builtins `asc desc iasc idesc xasc xdesc` (`rayforce-language.md` §3.8): stable
 * sorts; nulls first; symbols alphabetically by text (unlike comparisons, which use
 * interning order).
 *
 * @module
 */
import {
  type Atom,
  AtomType,
  isAtomOf,
  isCollection,
  isVector,
  isVectorOf,
  type RayObject,
  symbols,
  type Table,
  Type,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { binary, type BuiltinFn, unary } from "./builtins.ts";
import { sliceRows } from "./collections.ts";
import { domainError, limitError, typeError } from "./errors.ts";
import { gradeKeys } from "./grade.ts";
import { allSafe, fromDoubles, toDoubles } from "./int64.ts";
import { count, isNullValue, itemAt, listOf, tableColumn, take } from "./values.ts";

/** Orders two scalars of base type `t` (nulls first, symbols by text). */
function scalarOrder(
  t: number,
  a: number | bigint | Uint8Array,
  b: number | bigint | Uint8Array,
): number {
  const na = isNullValue(t, a), nb = isNullValue(t, b);
  if (na || nb) return na === nb ? 0 : na ? -1 : 1;
  if (t === Type.SYMBOL) {
    const x = symbols.text(a as number), y = symbols.text(b as number);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (t === Type.GUID) {
    const x = a as Uint8Array, y = b as Uint8Array;
    for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two objects: atoms by value, atoms before vectors, vectors element by element. */
export function objectOrder(a: RayObject, b: RayObject): number {
  const aa = a.type < 0, ba = b.type < 0;
  if (aa && ba) {
    if (a.type !== b.type) return a.type - b.type;
    return scalarOrder(-a.type, (a as Atom).value, (b as Atom).value);
  }
  if (aa !== ba) return aa ? -1 : 1;
  const n = Math.min(count(a), count(b));
  for (let i = 0; i < n; i++) {
    const c = objectOrder(itemAt(a, i), itemAt(b, i));
    if (c) return c;
  }
  return count(a) - count(b);
}

const NUMERIC = new Set([1, 2, 3, 4, 5, 7, 8, 9, 10, 12]);

/**
 * Sort keys of a numeric or symbol vector as doubles (NaN → −∞, so nulls come first; a
 * symbol by the rank of its text among the vector's symbols), or undefined.
 */
function numericKeys(v: Vector): Float64Array | undefined {
  if (v.type === Type.SYMBOL) return symbolKeys(v.data as Int32Array);
  if (!NUMERIC.has(v.type)) return undefined;
  if (v.type === Type.I64 || v.type === Type.TIMESTAMP) {
    const d = v.data as BigInt64Array;
    if (!allSafe(d)) return undefined;
    return toDoubles(d);
  }
  const keys = Float64Array.from(v.data as ArrayLike<number>);
  if (v.type === Type.F64) {
    for (let i = 0; i < keys.length; i++) if (keys[i] !== keys[i]) keys[i] = -Infinity;
  }
  return keys;
}

/** Each symbol's rank by text among the distinct symbols of `ids` (the null, id 0, first). */
function symbolKeys(ids: Int32Array): Float64Array {
  const rankOf = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) if (!rankOf.has(ids[i])) rankOf.set(ids[i], 0);
  const distinct = [...rankOf.keys()].map((id) => ({ id, text: id === 0 ? "" : symbols.text(id) }));
  distinct.sort((
    a,
    b,
  ) => (a.id === 0 ? -1 : b.id === 0 ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  distinct.forEach((d, r) => rankOf.set(d.id, r));
  const keys = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) keys[i] = rankOf.get(ids[i])!;
  return keys;
}

/** The stable ascending permutation of a vector or LIST (descending when `desc`). */
export function gradeOf(x: RayObject, desc: boolean): ArrayLike<number> {
  const keys = isVector(x) ? numericKeys(x as Vector) : undefined;
  if (keys) return gradeKeys(keys, desc);
  return gradeGeneric(x, desc);
}

/** A sorted copy of a numeric vector by the runtime's native typed-array sort, or undefined. */
function nativeSorted(v: Vector, desc: boolean): Vector | undefined {
  if (!NUMERIC.has(v.type) || v.type === Type.GUID) return undefined;
  const d = v.data.slice() as Float64Array;
  d.sort();
  if (v.type === Type.F64) {
    // Typed-array sort puts NaN last; the engine's nulls come first.
    let nan = 0;
    while (nan < d.length && Number.isNaN(d[d.length - 1 - nan])) nan++;
    if (nan) d.copyWithin(nan, 0, d.length - nan).fill(NaN, 0, nan);
  }
  if (desc) d.reverse();
  return { type: v.type, data: d } as Vector;
}

function gradeGeneric(x: RayObject, desc: boolean): number[] {
  const n = count(x);
  const idx = Array.from({ length: n }, (_, i) => i);
  let cmp: (i: number, j: number) => number;
  if (x.type === Type.LIST) {
    cmp = (i, j) => objectOrder(x.items[i], x.items[j]);
  } else {
    const v = x as Vector;
    const d = v.data;
    if (v.type === Type.GUID) {
      cmp = (i, j) =>
        scalarOrder(
          11,
          d.subarray(i * 16, i * 16 + 16) as Uint8Array,
          d.subarray(j * 16, j * 16 + 16) as Uint8Array,
        );
    } else cmp = (i, j) => scalarOrder(v.type, d[i] as number, d[j] as number);
  }
  idx.sort(desc ? (i, j) => cmp(j, i) || i - j : (i, j) => cmp(i, j) || i - j);
  return idx;
}

function sortable(x: RayObject): void {
  if (!isCollection(x)) throw typeError("LIST", "LIST");
}

function grade(desc: boolean) {
  return (_e: unknown, x: RayObject): RayObject => {
    if (x.type === Type.DICT) return take(x.keys, gradeOf(x.values, desc));
    sortable(x);
    return { type: 5, data: fromDoubles(Float64Array.from(gradeOf(x, desc))) };
  };
}

function sorted(desc: boolean) {
  return (_e: unknown, x: RayObject): RayObject => {
    if (x.type === Type.DICT) {
      const p = gradeOf(x.values, desc);
      return { type: 99, keys: take(x.keys, p), values: take(x.values, p) };
    }
    sortable(x);
    if (x.type !== Type.LIST) {
      const fast = nativeSorted(x as Vector, desc);
      if (fast) return fast;
    }
    return take(x, gradeOf(x, desc));
  };
}

/** Atom types `xrank` takes as its bucket count. */
const BUCKET_COUNTS = new Set([-5, -4, -3, -2]);

/** Sorts table rows by one or more columns (the first column most significant). */
function sortTable(t: RayObject, cols: RayObject, desc: boolean): RayObject {
  if (t.type !== Type.TABLE) throw typeError("TABLE", t.type);
  const ids = isAtomOf(cols, AtomType.SYMBOL)
    ? [cols.value]
    : isVectorOf(cols, Type.SYMBOL)
    ? Array.from(cols.data)
    : undefined;
  // No columns (an empty vector, which `[]` reads as): the table as it is.
  if (cols.type === Type.I64 && vectorLength(cols as Vector) === 0) return t;
  if (!ids) throw typeError("SYMBOL", cols.type);
  const table = t as Table;
  const n = count(table.values.items[0] ?? listOf([]));
  let perm = Array.from({ length: n }, (_, i) => i);
  for (let k = ids.length - 1; k >= 0; k--) {
    const col = tableColumn(table, ids[k]);
    // The engine's details for a column the table lacks.
    if (!col) {
      throw cols.type === AtomType.SYMBOL ? typeError("LIST", "LIST") : typeError("NULL", "I64");
    }
    const sortedCol = take(col, perm);
    const p = gradeOf(sortedCol, desc);
    perm = Array.from(p, (i) => perm[i]);
  }
  return sliceRows(t, perm);
}

/** The builtins defined here. */
export const ORDER_BUILTINS: readonly BuiltinFn[] = [
  /** `rank`: the position of each element in the sorted order (ties by position). */
  unary("rank", (_e, x) => {
    sortable(x);
    const perm = gradeOf(x, false);
    const ranks = new Float64Array(perm.length);
    for (let i = 0; i < perm.length; i++) ranks[perm[i]] = i;
    return { type: 5, data: fromDoubles(ranks) };
  }),
  /**
   * `(xrank x n)`: each element's bucket 0…n−1 by rank. The engine's order of checks: n a whole
   * number (any width), then positive (a null is not), then x a collection (an f64 atom is a
   * `limit` error there).
   */
  binary("xrank", (_e, x, n) => {
    if (!BUCKET_COUNTS.has(n.type)) throw typeError("LIST", "LIST");
    const buckets = Number((n as Atom).value);
    if (!(buckets > 0)) throw domainError("xrank needs a positive count"); // nulls are negative
    if (x.type === AtomType.F64) throw limitError(0);
    sortable(x);
    const perm = gradeOf(x, false);
    const out = new Float64Array(perm.length);
    for (let i = 0; i < perm.length; i++) out[perm[i]] = Math.floor((i * buckets) / perm.length);
    return { type: 5, data: fromDoubles(out) };
  }),
  unary("iasc", grade(false)),
  unary("idesc", grade(true)),
  unary("asc", sorted(false)),
  unary("desc", sorted(true)),
  binary("xasc", (_e, t, c) => sortTable(t, c, false)),
  binary("xdesc", (_e, t, c) => sortTable(t, c, true)),
];
