/**
 * Collection builtins (`rayforce-language.md` §3.6): `til reverse distinct group where key
 * value at take concat filter in find except union sect enlist list raze`.
 *
 * @module
 */
import {
  allocVector,
  type Atom,
  AtomType,
  type Dict,
  ELEMENT_SIZE,
  ErrorCode,
  errorValue,
  isAtom,
  isAtomOf,
  isCollection,
  isVector,
  isVectorOf,
  NULL,
  NULLS,
  type RayObject,
  symbols,
  type Table,
  Type,
  type Vector,
  vectorLength,
  type VectorType,
} from "../ipc/mod.ts";
import { tableRow } from "./aggregate.ts";
import { hashOrderDistinct, negativeProbeCost } from "./hash_order.ts";
import { binary, type BuiltinFn, unary, vary } from "./builtins.ts";
import type { Engine } from "./engine.ts";
import { domainError, lengthError, nyiError, typeError, valueError } from "./errors.ts";
import { fromDoubles, integerRange, iota, positions, toDoubles, words } from "./int64.ts";
import {
  filledSlots,
  firstPositions,
  integerValues,
  probe,
  sameKeyDomain,
} from "./integer_index.ts";
import { checkExcept, checkFind, checkSect } from "./argument_types.ts";
import {
  atom,
  checkVectorSize,
  collect,
  count,
  isTyped,
  items,
  listOf,
  NULL_I64,
  nullValue,
  tableColumn,
  tableRows,
  take as pick,
  vectorItem,
} from "./values.ts";
import { releaseScratch, resultArray } from "./result_buffers.ts";
import { maskPositions32, maskPositions64 } from "./mask_positions.ts";

/** A key that identifies an element for hashing: the value itself, or a text for compound values. */
export type ElementKey = number | bigint | string;

/** The hash keys of the elements of a vector or LIST. */
export function elementKeys(x: RayObject): ElementKey[] {
  if (x.type === Type.LIST) return x.items.map(objectKey);
  const v = x as Vector;
  if (v.type === Type.GUID) {
    const out: string[] = [];
    const d = v.data as Uint8Array;
    for (let i = 0; i < vectorLength(v); i++) {
      out.push("g" + Array.from(d.subarray(i * 16, i * 16 + 16)).join(","));
    }
    return out;
  }
  return Array.from(v.data as ArrayLike<number | bigint>);
}

/** The hash key of one object (an atom's value; compound values by type and content). */
export function objectKey(x: RayObject): ElementKey {
  if (isAtomOf(x, AtomType.GUID)) return "g" + Array.from(x.value).join(",");
  if (isAtom(x)) return x.value as number | bigint; // not a guid: a number or a bigint
  if (isVector(x)) return `v${x.type}:` + elementKeys(x).join(",");
  if (x.type === Type.LIST) return "l(" + x.items.map((i) => String(objectKey(i))).join(" ") + ")";
  return `t${x.type}`;
}

/** Positions of the first occurrence of each distinct element, in first-occurrence order. */
function firstOccurrences(keys: ElementKey[]): number[] {
  const seen = new Map<ElementKey, number>();
  const out: number[] = [];
  keys.forEach((k, i) => {
    if (!seen.has(k)) {
      seen.set(k, i);
      out.push(i);
    }
  });
  return out;
}

/**
 * `distinct`: integer-like vectors come out sorted by value (symbols by interning order)
 * as the engine's small-range path does; LISTs keep first-occurrence order; F64 is nyi.
 */
export function distinct(e: Engine, x: RayObject): RayObject {
  if (x.type === Type.F64 || x.type < 0 || !isCollection(x)) throw nyiError(x.type);
  // A null in an i64 vector makes its range too wide for the small-range path, so the
  // null check runs only when that path declines (it costs a pass over the vector).
  const small = smallRangeDistinct(x) ?? nullSpanDistinct(x) ?? symbolDistinct(e, x) ??
    hashDistinct(x);
  if (small) return small;
  // A LIST's atoms are told apart by their type too: 1, 1i and 1.0 are three items.
  const keys = x.type === Type.LIST
    ? x.items.map((i) => (i.type < 0 ? `${i.type}:${String(objectKey(i))}` : objectKey(i)))
    : elementKeys(x);
  const firsts = firstOccurrences(keys);
  if (x.type !== Type.LIST && x.type !== Type.GUID) {
    const sortKey = x.type === Type.SYMBOL
      ? (i: number) => e.rank(keys[i] as number)
      : (i: number) => keys[i];
    firsts.sort((a, b) => {
      const p = sortKey(a), q = sortKey(b);
      return p < q ? -1 : p > q ? 1 : 0;
    });
  }
  return pick(x, firsts);
}

const COUNTABLE = new Set([1, 2, 3, 4, 5, 7, 8, 9, 12]);

/**
 * The engine's small-range path of `distinct`: when max − min is at most 2^20 (or the
 * length), mark the values present in a bitmap and read them back in ascending order.
 */
function smallRangeDistinct(x: RayObject): RayObject | undefined {
  if (!COUNTABLE.has(x.type)) return undefined;
  const v = x as Vector;
  const n = vectorLength(v);
  if (n === 0) return x;
  const r = integerRange(v.type, v.data as ArrayLike<number>, Math.max(1 << 20, n));
  if (!r) return undefined;
  const { values, stride, offset, min, range } = r;
  const seen = filledSlots(values, stride, offset, range, n);
  let count = 0;
  for (let s = 0; s < range; s++) count += seen[s];
  const out = new Float64Array(count);
  for (let s = 0, j = 0; s < range; s++) if (seen[s]) out[j++] = s + min;
  if (v.type === Type.I64 || v.type === Type.TIMESTAMP) {
    return { type: v.type, data: fromDoubles(out) };
  }
  const data = allocVector(v.type, count);
  (data as Int32Array).set(out);
  return { type: v.type, data } as Vector;
}

/**
 * An i64 vector with a null and a value ≥ 0: the engine's range (max − min + 1, with the null
 * as the minimum) overflows to a negative number, which takes its small-range path with no
 * room: the answer is empty (`(distinct [1 0Nl 3])` is `[]`; all nulls give `[0Nl]`).
 */
function nullSpanDistinct(x: RayObject): RayObject | undefined {
  if (x.type !== Type.I64 && x.type !== Type.TIMESTAMP) return undefined;
  const data = x.data as BigInt64Array;
  let hasNull = false, nonNegative = false;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === NULLS.i64) hasNull = true;
    else if (data[i] >= 0n) nonNegative = true;
  }
  if (!hasNull) return undefined;
  if (nonNegative) return { type: x.type, data: new BigInt64Array(0) } as Vector;
  // Only nulls (a range of one): the small-range path keeps the null.
  if (data.every((v) => v === NULLS.i64)) {
    return { type: x.type, data: BigInt64Array.of(NULLS.i64) } as Vector;
  }
  return undefined;
}

const HASHED = new Set([4, 5, 7, 8, 9]);
/** The i64 null as a double (exact: a power of two). */
const I64_NULL = Number(NULLS.i64);

/**
 * `distinct` of integer-like values spanning more than the small-range path takes: the
 * engine's hash-table order, nulls left out (engine/hash_order.ts). Vectors with so many
 * negative values that the table would be probed quadratically keep the sorted order.
 */
function hashDistinct(x: RayObject): RayObject | undefined {
  if (!HASHED.has(x.type)) return undefined;
  const v = x as Vector;
  const wide = v.type === Type.I64 || v.type === Type.TIMESTAMP;
  // Many negative values: quadratic probing, and an engine answer that is not reliable anyway.
  const probes = negativeProbeCost(
    v.data as ArrayLike<number | bigint>,
    wide ? NULLS.i64 : NULLS.i32,
  );
  if (probes > 5e7) return undefined;
  if (wide) {
    const data = v.data as BigInt64Array;
    const values = toDoubles(data);
    if (!values.every((n) => Number.isSafeInteger(n) || n === I64_NULL)) {
      // Beyond 2^53: the same table over bigints (slower, exact).
      return { type: v.type, data: BigInt64Array.from(hashOrderDistinct(data, NULLS.i64)) };
    }
    return {
      type: v.type,
      data: fromDoubles(Float64Array.from(hashOrderDistinct(values, I64_NULL))),
    };
  }
  const out = hashOrderDistinct(v.data as Int32Array, NULLS.i32);
  return { type: v.type, data: Int32Array.from(out) } as Vector;
}

/**
 * `distinct` of symbols whose ids span a small range: the ids present, marked in a
 * bitmap, in interning order (the engine's order, `Engine.rank`).
 */
function symbolDistinct(e: Engine, x: RayObject): RayObject | undefined {
  if (!isVectorOf(x, Type.SYMBOL)) return undefined;
  const ids = x.data;
  const r = integerRange(6, ids, Math.max(1 << 20, ids.length));
  if (!r) return undefined;
  // The ids present, in any order: the answer's is the interning order.
  const seen = filledSlots(r.values, r.stride, r.offset, r.range, ids.length);
  const found: number[] = [];
  for (let s = 0; s < r.range; s++) if (seen[s]) found.push(s + r.min);
  found.sort((a, b) => e.rank(a) - e.rank(b));
  return { type: 6, data: Int32Array.from(found) };
}

/** Position of a dict key, or −1. */
function dictIndex(d: Dict, k: RayObject): number {
  const keys = elementKeys(d.keys.type === Type.NULL ? listOf([]) : d.keys);
  const key = objectKey(k);
  return keys.findIndex((x) =>
    x === key || (typeof x !== "string" && typeof key !== "string" && x == key)
  );
}

/** `(at x i)`: by position, dict key, table column name or row number. */
/** Vector types whose element at a null index is null itself (the engine's answers). */
const NULL_AT_NULL = new Set([2, 3, 4, 7, 8]);

export function at(x: RayObject, i: RayObject): RayObject {
  // No position at all: whatever it indexes, the engine answers the null of the index's type,
  // the generic null where a null position picks null itself and for a LIST (session
  // at-table-rows).
  if (isCollection(i) && count(i) === 0) {
    return i.type === Type.LIST || NULL_AT_NULL.has(i.type)
      ? NULL
      : atom(i.type, nullValue(i.type));
  }
  if (x.type === Type.DICT) {
    // A vector or LIST of keys looks each up (the engine's answer even when the keys are
    // of the key vector's own type).
    if (isCollection(i)) return collect(items(i).map((k) => at(x, k)));
    const j = dictIndex(x as Dict, i);
    if (j < 0) {
      return x.values.type === Type.LIST ? NULL : atom(x.values.type, nullValue(x.values.type));
    }
    return x.values.type === Type.LIST ? x.values.items[j] : vectorItem(x.values as Vector, j);
  }
  if (x.type === Type.TABLE) {
    const t = x as Table;
    if (isAtomOf(i, AtomType.SYMBOL)) return tableColumn(t, i.value) ?? NULL;
    if (isVectorOf(i, Type.SYMBOL)) {
      return listOf(Array.from(i.data, (id) => tableColumn(t, id) ?? NULL));
    }
    if (i.type === AtomType.I64) {
      let k = Number(i.value);
      const n = tableRows(t);
      if (k < 0) k += n;
      if (k >= 0 && k < n) return tableRow(t, k);
      // Past the end: a row of nulls (a null index: null), as the engine answers.
      return i.value === NULL_I64 ? NULL : nullRow(t);
    }
    if (i.type === Type.I64) return rowsAt(t, i as Vector<5>);
    if (i.type === Type.LIST) return listOf(items(i).map((k) => at(x, k)));
    throw typeError(x.type, indexType(i));
  }
  if (!isCollection(x)) throw typeError("LIST", x.type);
  if (i.type === Type.LIST) return collect(i.items.map((k) => at(x, k)));
  // As the engine: positions are i64 (atoms or vectors); other integers are a `type` error.
  if (i.type !== AtomType.I64 && i.type !== Type.I64) throw typeError(x.type, indexType(i));
  const n = count(x);
  /** A position, counted from the end when negative; -1 when null or out of range. */
  const position = (v: number) => {
    const k = v < 0 ? v + n : v;
    return k >= 0 && k < n ? k : -1;
  };
  if (i.type === AtomType.I64) {
    const k = position(Number(i.value));
    if (x.type === Type.LIST) return k < 0 ? NULL : x.items[k];
    if (k >= 0) return vectorItem(x as Vector, k);
    // A null index picks null itself from U8, I16, I32, DATE and TIME vectors (the others
    // answer their type's null); out of range, the type's null (for a U8 vector a b8 false).
    if (i.value === NULL_I64 && NULL_AT_NULL.has(x.type)) return NULL;
    if (x.type === Type.U8) return atom(1, 0);
    return atom(x.type, nullValue(x.type));
  }
  const at64 = i.data;
  if (NULL_AT_NULL.has(x.type) && at64.includes(NULL_I64)) {
    // Null indexes pick null itself, so the answer is a LIST.
    return listOf(Array.from(at64, (v) => at(x, { type: -5, value: v } as Atom)));
  }
  const picked = pick(x, positions(at64, n));
  // Picked from a LIST, atoms of one type become a typed vector, as `unify` makes them
  // (session at-split-list: `(at (list 1 2.5 3) [0])` is [1]).
  if (picked.type === Type.LIST) return collect(picked.items);
  // A U8 vector's elements are b8 to the engine, and so is what is picked from it.
  return x.type === Type.U8 ? { type: 1, data: (picked as Vector<2>).data } : picked;
}

/**
 * `(at t positions)`: a LIST of the rows, as `(at t k)` gives each (a row of nulls past the
 * end, the null for a null position), from the positions read once as numbers: no atom and
 * no BigInt per position (1,000,000 rows: the rows themselves are the answer's cost).
 */
function rowsAt(t: Table, idx: Vector<5>): RayObject {
  const n = tableRows(t);
  const pos = positions(idx.data, n);
  const rows: RayObject[] = new Array(pos.length);
  for (let j = 0; j < pos.length; j++) {
    const k = pos[j];
    if (k >= 0) rows[j] = tableRow(t, k);
    else if (idx.data[j] === NULL_I64) rows[j] = NULL;
    else rows[j] = nullRow(t);
  }
  return listOf(rows);
}

/**
 * The row the engine answers past a table's end: the generic null for a LIST column and for
 * the types whose element at a null index is null itself (u8, i16, i32, date, time), the
 * type's null for the others (a b8 false, the empty symbol, a NUL char).
 */
function nullRow(t: Table): RayObject {
  const nulls = t.values.items.map((c) =>
    c.type === Type.LIST || NULL_AT_NULL.has(c.type) ? NULL : atom(c.type, nullValue(c.type))
  );
  return { type: 99, keys: t.keys, values: listOf(nulls) };
}

/** The type an index error names: an atom's, or a vector's element type (b8 for U8, as there). */
function indexType(i: RayObject): number {
  if (i.type === Type.U8) return -1;
  return i.type > 0 && i.type <= 12 ? -i.type : i.type;
}

/** `(take x n)`: first n (cyclic), last n when negative, `[start count]` a slice, atom → n copies. */
export function takeN(x: RayObject, n: RayObject): RayObject {
  if (isVectorOf(n, Type.I64) && vectorLength(n as Vector) === 2) {
    const [start, c] = Array.from(n.data, Number);
    // Of an atom, `[start count]` is count copies (as the engine); of a collection, the rows
    // from start (counted from the end when negative) for count.
    if (x.type < 0) return takeN(x, { type: -5, value: BigInt(Math.max(0, c)) } as Atom);
    const len = count(x);
    const s = start < 0 ? Math.max(0, start + len) : start;
    const idx: number[] = [];
    for (let i = s; i < Math.min(len, s + c); i++) idx.push(i);
    return sliceRows(x, idx);
  }
  if (n.type !== AtomType.I64 && n.type !== AtomType.I32 && n.type !== AtomType.I16) {
    throw typeError("i64", n.type);
  }
  const k = Number(n.value);
  if (x.type < 0) {
    return pick(
      { type: -x.type as VectorType, data: allocFrom(x as Atom) } as Vector,
      new Int32Array(Math.abs(k)),
    );
  }
  const len = count(x);
  const m = Math.abs(k);
  if (len > 0 && (x.type === Type.TABLE || (isVector(x)))) {
    // The rows from the start (or the last m), wrapping round: copies of runs, not a gather.
    return cyclicRows(x, k >= 0 ? 0 : (((len - m) % len) + len) % len, m);
  }
  const idx = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    idx[i] = len === 0 ? -1 : k >= 0 ? i % len : ((len - m + i) % len + len) % len;
  }
  return sliceRows(x, idx);
}

/** Rows `start, start+1, …` of a vector or table, `m` of them, wrapping round past the end. */
function cyclicRows(x: RayObject, start: number, m: number): RayObject {
  if (x.type === Type.TABLE) {
    return { ...x, values: listOf(x.values.items.map((c) => cyclicRows(c, start, m))) };
  }
  if (x.type === Type.LIST) {
    return listOf(Array.from({ length: m }, (_, i) => x.items[(start + i) % x.items.length]));
  }
  const v = x as Vector;
  const len = vectorLength(v);
  const width = v.type === Type.GUID ? 16 : 1; // a GUID is 16 bytes of its Uint8Array
  const src = v.data as Uint8Array;
  const out = resultArray(v.type, m) as Uint8Array; // every element copied below
  for (let done = 0, from = start; done < m; from = 0) {
    const run = Math.min(m - done, len - from);
    out.set(src.subarray(from * width, (from + run) * width), done * width);
    done += run;
  }
  return { type: v.type, data: out } as Vector;
}

function allocFrom(a: Atom): Vector["data"] {
  const t = -a.type as VectorType;
  const d = allocVector(t, 1);
  if (t === Type.GUID) (d as Uint8Array).set(a.value as Uint8Array);
  else (d as Int32Array)[0] = a.value as number;
  return d;
}

/** Rows `idx` of a vector, LIST, dict (by position) or table. */
export function sliceRows(x: RayObject, idx: ArrayLike<number>): RayObject {
  if (x.type === Type.TABLE) {
    return {
      type: 98,
      keys: x.keys,
      values: listOf(x.values.items.map((c) => pick(c, idx))),
    };
  }
  if (x.type === Type.DICT) {
    return { type: 99, keys: pick(x.keys, idx), values: pick(x.values, idx) };
  }
  return pick(x, idx);
}

/**
 * Rows of `y` after the rows of `x`, column by column by name (y's order does not matter, its
 * other columns are ignored): a column y lacks is a `value` error, a column of another type a
 * `type` error, as the engine answers.
 */
function concatTables(x: Table, y: Table, maxBytes: number): Table {
  const names = (x.keys as Vector<6>).data;
  const cols = Array.from(names, (name, i) => {
    const other = tableColumn(y, name);
    if (!other) throw valueError(symbols.text(name));
    const mine = x.values.items[i];
    if (mine.type !== other.type) throw typeError(mine.type, other.type);
    return concat(mine, other, maxBytes);
  });
  return { type: 98, keys: x.keys, values: listOf(cols) };
}

/**
 * `concat` of two dicts merges them: y's value replaces x's under the same key, y's other
 * keys follow x's, in y's order. The engine answers so for LIST values (and crashes on typed
 * ones, which merge the same way here).
 */
function mergeDicts(x: Dict, y: Dict, maxBytes: number): Dict {
  if (x.keys.type !== y.keys.type) throw typeError(x.keys.type, y.keys.type);
  const keys = items(x.keys), values = items(x.values);
  const at = new Map<ElementKey, number>();
  keys.forEach((k, i) => at.set(objectKey(k), i));
  const yValues = items(y.values);
  const added: RayObject[] = [];
  items(y.keys).forEach((k, j) => {
    const i = at.get(objectKey(k));
    if (i !== undefined) values[i] = yValues[j] ?? NULL;
    else {
      added.push(k);
      values.push(yValues[j] ?? NULL);
    }
  });
  checkVectorSize(maxBytes, values.length, 8);
  const allKeys = added.length ? concat(x.keys, collect(added), maxBytes) : x.keys;
  const sameType = x.values.type !== Type.LIST && values.every((v) => v.type === -x.values.type);
  return { type: 99, keys: allKeys, values: sameType ? collect(values) : listOf(values) };
}

/**
 * `concat`: vectors and atoms of one type join into a vector; other mixes make a LIST. What
 * it builds is held to `maxBytes` (the engine's `maxVectorBytes`; a LIST item counts 8):
 * doubling a vector in a loop must end in a `limit` error, not in an out-of-memory abort.
 */
export function concat(x: RayObject, y: RayObject, maxBytes = Infinity): RayObject {
  if (x.type === Type.TABLE && y.type === Type.TABLE) return concatTables(x, y, maxBytes);
  if (x.type === Type.DICT && y.type === Type.DICT) {
    // The empty dict `{}` (keys null) joins as nothing; the engine answers garbage.
    if (x.keys.type === Type.NULL) return y;
    if (y.keys.type === Type.NULL) return x;
    return mergeDicts(x, y, maxBytes);
  }
  const joined = joinTyped([x, y], maxBytes);
  if (joined) return joined;
  // With a LIST, a vector joins as one item: `(concat (list 1 2) [3 4])` is `(1 2 [3 4])`.
  const part = (z: RayObject) => (z.type === Type.LIST ? z.items : [z]);
  if (x.type === Type.LIST || y.type === Type.LIST) {
    checkVectorSize(maxBytes, part(x).length + part(y).length, 8);
    return listOf([...part(x), ...part(y)]);
  }
  return listOf([x, y]);
}

/** A set of element keys of a vector, LIST or atom. */
function keySet(y: RayObject): Set<ElementKey> {
  return new Set(y.type < 0 ? [objectKey(y)] : elementKeys(y));
}

/**
 * Between an x vector and a y vector of another type, the types whose elements `in` compares
 * by value: x's type → y's types (the engine's answers, session in-types; asymmetric as they
 * are: i16 and i64 find themselves in a U8, i32 does not). Any other pair never matches.
 */
const BY_VALUE: Record<number, Set<number>> = {
  [Type.B8]: new Set([Type.I16, Type.I32, Type.I64]),
  [Type.U8]: new Set([Type.B8, Type.I16, Type.I32, Type.I64]),
  [Type.I16]: new Set([Type.U8, Type.I32, Type.I64]),
  [Type.I32]: new Set([Type.I16, Type.I64]),
  [Type.I64]: new Set([Type.U8, Type.I16, Type.I32]),
};
/** An atom x matches by value in a y vector of another type only among these. */
const WHOLE = new Set<number>([Type.I16, Type.I32, Type.I64]);
/**
 * Against the items of a LIST, atoms match by value within a class: b8 with u8, and the
 * numbers i16, i32, i64 and f64 (`(in [1.0 2.0] (list 1 'a))` finds 1.0); others only
 * within their own type.
 */
const LIST_CLASS: Record<number, string> = {
  [Type.B8]: "b",
  [Type.U8]: "b",
  [Type.I16]: "n",
  [Type.I32]: "n",
  [Type.I64]: "n",
  [Type.F64]: "n",
};

/**
 * A key for `in`: `"vector"`, between vectors whose types {@link BY_VALUE} pairs, integer
 * elements by value; `"list"`, against a LIST's items, by value within a {@link LIST_CLASS};
 * otherwise (and for anything else) within its own type; compound items by content.
 */
function memberKey(x: RayObject, mode: "vector" | "list" | "strict"): string {
  const t = x.type;
  if (t < 0 && mode !== "strict") {
    const v = (x as Atom).value as number | bigint;
    if (mode === "vector" && -t <= Type.I64) return "i" + String(v);
    const c = mode === "list" ? LIST_CLASS[-t] : undefined;
    // An integral double is written as the integer it is (1.0 as 1); the i64 null stays apart.
    if (c) {
      return c +
        (typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 2 ** 63
          ? BigInt(v).toString()
          : String(v));
    }
  }
  if (t < 0) return `${t}:${objectKey(x)}`;
  return "o" + String(objectKey(x));
}

/**
 * `(in x y)`, as the engine answers it (asked: sessions/in-shapes.jsonl): an atom gives a
 * b8; a vector a B8, or, when empty, the null of its type against an atom and an empty B8
 * against a collection; a LIST the answers for its items (a B8 when y is empty); a dict or
 * table false. Against an atom, only its own type matches; between vectors, whole numbers
 * of every width match by value.
 */
function member(x: RayObject, y: RayObject): RayObject {
  if (x.type === Type.DICT || x.type === Type.TABLE) return atom(1, 0);
  const yAtom = y.type < 0 || y.type > 12;
  if (!yAtom && count(y) === 0) {
    if (x.type < 0) return atom(1, 0);
    return { type: 1, data: new Uint8Array(count(x)) };
  }
  if (x.type === Type.LIST) return listOf(x.items.map((i) => member(i, y)));
  if (!isCollection(x) && x.type >= 0) throw typeError("LIST", x.type);
  if (x.type > 0 && count(x) === 0) {
    // An empty B8 only against a vector of whole numbers (u8 to i64); else x's null.
    const whole = !yAtom && y.type >= 2 && y.type <= 5;
    return whole ? { type: 1, data: new Uint8Array(0) } : atom(x.type, nullValue(x.type));
  }
  if (x.type > 0 && !yAtom && (x.type === y.type || BY_VALUE[x.type]?.has(y.type))) {
    const fast = memberByNumber(x as Vector, y as Vector);
    if (fast) return fast;
  }
  if (y.type === x.type) {
    // The same type: raw element keys, one hash each.
    const set = keySet(y);
    if (x.type < 0) return atom(1, set.has(objectKey(x)) ? 1 : 0);
    return { type: 1, data: Uint8Array.from(elementKeys(x), (k) => (set.has(k) ? 1 : 0)) };
  }
  // Against a typed vector of another type: an atom x matches by value among whole numbers
  // (i16, i32, i64), a vector x as BY_VALUE says; anything else matches nothing.
  const typedY = isVector(y);
  if (typedY && Math.abs(x.type) !== y.type) {
    const byValue = x.type < 0
      ? WHOLE.has(-x.type) && WHOLE.has(y.type)
      : BY_VALUE[x.type]?.has(y.type) ?? false;
    if (!byValue) return x.type < 0 ? atom(1, 0) : { type: 1, data: new Uint8Array(count(x)) };
  }
  const mode = yAtom ? "strict" : typedY ? "vector" : "list";
  const set = new Set(yAtom ? [memberKey(y, mode)] : items(y).map((i) => memberKey(i, mode)));
  if (x.type < 0) return atom(1, set.has(memberKey(x, mode)) ? 1 : 0);
  return {
    type: 1,
    data: Uint8Array.from(items(x), (i) => (set.has(memberKey(i, mode)) ? 1 : 0)),
  };
}

/**
 * `in` between integer-like vectors whose elements match by value (the same type, or whole
 * numbers of any width): by number, without a key per element; undefined when a side is
 * not integer-like or holds 64-bit values beyond 2^53.
 */
function memberByNumber(x: Vector, y: Vector): Vector | undefined {
  const ys = integerValues(y);
  if (!ys) return undefined;
  const out = resultArray(Type.B8, count(x)); // every element written by probe, or dropped
  if (probe(x, firstPositions(ys), out)) return { type: 1, data: out };
  releaseScratch(out);
  return undefined;
}

/**
 * `find` of an integer-like vector in another whose keys compare by number (see
 * `sameKeyDomain`): positions written as 32-bit words, no BigInt per element.
 */
function findByNumber(x: Vector, y: Vector): Vector | undefined {
  if (!sameKeyDomain(x.type, y.type)) return undefined;
  const xs = integerValues(x);
  if (!xs) return undefined;
  const positions = resultArray(Type.I32, count(y)); // every element written by probe
  if (!probe(y, firstPositions(xs), positions)) {
    releaseScratch(positions);
    return undefined;
  }
  const out = resultArray(Type.I64, positions.length);
  const w = words(out);
  if (!w) return undefined;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    // A miss is the null: high word 0x80000000, low word 0.
    w[2 * i] = p < 0 ? 0 : p;
    w[2 * i + 1] = p < 0 ? -2147483648 : 0;
  }
  releaseScratch(positions);
  return { type: 5, data: out };
}

/** Atoms a LIST's items must be for `except` to compare them: i16, i32, i64, f64. */
const NUMBER_ATOMS = new Set([-3, -4, -5, -10]);

/**
 * Vectors and atoms of one type joined into one vector (`concat` of two, `raze` of many):
 * one allocation, checked once against `maxBytes` (joining many pair by pair copied the
 * result so far for each: quadratic). Undefined for any other mix.
 */
function joinTyped(parts: RayObject[], maxBytes: number): Vector | undefined {
  const t = Math.abs(parts[0].type);
  const datas: Vector["data"][] = [];
  let n = 0, bytes = 0;
  for (const p of parts) {
    if (!isTyped(p) || Math.abs(p.type) !== t) return undefined;
    const data = p.type < 0 ? allocFrom(p as Atom) : (p as Vector).data;
    datas.push(data);
    bytes += data.byteLength;
  }
  // Elements, not array slots: a GUID is 16 bytes of a Uint8Array.
  n = t === Type.GUID ? bytes / 16 : datas.reduce((sum, d) => sum + d.length, 0);
  checkVectorSize(maxBytes, n, bytes / Math.max(1, n));
  const out = resultArray(t as VectorType, n); // every element copied below
  let at = 0;
  for (const data of datas) {
    (out as Uint8Array).set(data as Uint8Array, at);
    at += data.length;
  }
  return { type: t as VectorType, data: out } as Vector;
}

/** The builtins defined here. */
export const COLLECTIONS_BUILTINS: readonly BuiltinFn[] = [
  unary("til", (e, n) => {
    if (!isAtomOf(n, AtomType.I64)) throw typeError("i64", n.type);
    const k = n.value;
    if (k < 0n) throw domainError("til of a negative number");
    const len = Number(k);
    checkVectorSize(e.maxVectorBytes, len, 8);
    return { type: 5, data: iota(len) };
  }, { fresh: true }),
  unary("reverse", (_e, x) => {
    if (x.type === Type.LIST) return listOf([...x.items].reverse());
    if (isVector(x)) {
      const n = count(x);
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = n - 1 - i;
      return pick(x, idx);
    }
    throw typeError("LIST", x.type);
  }),
  unary("distinct", (e, x) => distinct(e, x)),
  unary("group", (_e, x) => {
    if (!isCollection(x)) throw typeError("LIST", x.type);
    const keys = elementKeys(x);
    const groups = new Map<ElementKey, number[]>();
    const order: number[] = [];
    keys.forEach((k, i) => {
      let g = groups.get(k);
      if (!g) {
        groups.set(k, g = []);
        order.push(i);
      }
      g.push(i);
    });
    const values = order.map((i) => ({
      type: 5 as const,
      data: BigInt64Array.from(groups.get(keys[i])!, BigInt),
    }));
    return { type: 99, keys: pick(x, order), values: listOf(values) };
  }),
  unary("where", (_e, x) => {
    if (x.type === Type.LIST && x.items.length === 0) return NULL; // the engine's answer for (list)
    if (!isVectorOf(x, Type.B8)) throw typeError("B8", x.type);
    const mask = x.data;
    const out = maskPositions64(mask) ??
      fromDoubles(Float64Array.from(maskPositions32(mask)));
    return { type: 5, data: out };
  }),
  unary("key", (_e, x) => (x.type === Type.DICT || x.type === Type.TABLE ? x.keys : x)),
  unary("value", (_e, x) => {
    if (x.type === Type.DICT || x.type === Type.TABLE) return x.values;
    if (x.type === Type.ENUM && x.symbols) return { type: 6, data: x.symbols.slice() };
    return x;
  }),
  binary("at", (_e, x, i) => at(x, i)),
  binary("take", (e, x, n) => {
    if (n.type === AtomType.I64 || n.type === AtomType.I32 || n.type === AtomType.I16) {
      const k = Math.abs(Number(n.value));
      const width = isVector(x) ? (ELEMENT_SIZE[x.type as VectorType] || 8) : 8;
      checkVectorSize(
        e.maxVectorBytes,
        k,
        x.type === Type.TABLE ? 8 * x.values.items.length : width,
      );
    }
    return takeN(x, n);
  }),
  binary("concat", (e, x, y) => concat(x, y, e.maxVectorBytes)),
  binary("filter", (_e, x, mask) => {
    // As the engine: anything but a collection or a table, or a mask that is not B8, is a
    // type error naming what it got (session filter-find).
    if (!isCollection(x) && x.type !== Type.TABLE) throw typeError("LIST", x.type);
    if (!isVectorOf(mask, Type.B8)) throw typeError("LIST", mask.type);
    const m = mask.data;
    const n = x.type === Type.TABLE ? tableRows(x as Table) : count(x);
    if (m.length !== n) throw lengthError();
    const idx: number[] = [];
    for (let i = 0; i < m.length; i++) if (m[i]) idx.push(i);
    return sliceRows(x, idx);
  }),
  binary("in", (_e, x, y) => member(x, y)),
  binary("find", (_e, x, y) => {
    checkFind(x, y);
    if (x.type > 0 && y.type > 0 && count(x) > 0) {
      const fast = findByNumber(x as Vector, y as Vector);
      if (fast) return fast;
    }
    const pos = new Map<ElementKey, number>();
    elementKeys(x).forEach((k, i) => pos.has(k) || pos.set(k, i));
    const one = (k: ElementKey) => {
      const p = pos.get(k);
      return p === undefined ? -(2n ** 63n) : BigInt(p);
    };
    if (y.type < 0 || (x.type === Type.LIST && y.type !== Type.LIST)) {
      return atom(5, one(objectKey(y)));
    }
    // Nothing to find in: an empty vector finds nothing at all, an empty LIST a null per item.
    if (count(x) === 0 && x.type !== Type.LIST) return { type: 5, data: new BigInt64Array(0) };
    return { type: 5, data: BigInt64Array.from(elementKeys(y), one) };
  }),
  binary("except", (_e, x, y) => {
    if (x.type === Type.TABLE) {
      // A table drops the columns y names; anything but names is refused.
      if (y.type !== AtomType.SYMBOL && y.type !== Type.SYMBOL) throw typeError("TABLE", y.type);
      const drop = keySet(y);
      const keep: number[] = [];
      x.keys.data.forEach((id, i) => drop.has(id) || keep.push(i));
      return {
        type: 98,
        keys: pick(x.keys, keep) as Vector<6>,
        values: listOf(keep.map((i) => x.values.items[i])),
      };
    }
    // An empty LIST has nothing to drop, whatever y is but a LIST (session except-misc).
    if (x.type === Type.LIST && x.items.length === 0 && y.type !== Type.LIST) return x;
    // A LIST drops by comparing each item with y: an item that is a vector (not a string) is
    // refused, an empty string drops nothing, an item that is not a number is refused.
    if (x.type === Type.LIST) {
      if (x.items.some((i) => i.type >= 0 && i.type !== Type.C8)) throw typeError("LIST", "LIST");
      if (y.type === Type.C8 && count(y) === 0) return x;
      if (!x.items.every((i) => NUMBER_ATOMS.has(i.type))) throw typeError("LIST", "LIST");
    }
    checkExcept(x, y);
    if (x.type === Type.LIST) {
      // As the engine: a vector drops every item of a LIST (unless empty); an atom drops the
      // items equal to it as numbers.
      if (y.type > 0) return count(y) ? listOf([]) : x;
      const v = Number((y as Atom).value);
      return listOf(x.items.filter((i) => !(i.type < 0 && Number((i as Atom).value) === v)));
    }
    const drop = keySet(y);
    const idx: number[] = [];
    elementKeys(x).forEach((k, i) => drop.has(k) || idx.push(i));
    return pick(x, idx);
  }),
  /**
   * `(union x y)`: the distinct elements of both when they are of one type; of two types (and
   * no LIST), the engine answers the two-item list `(y x)` as they are.
   */
  binary("union", (e, x, y) => {
    const typed = (v: RayObject) => v.type >= -12 && v.type <= 12 && v.type !== Type.LIST;
    if (typed(x) && typed(y) && Math.abs(x.type) !== Math.abs(y.type)) return listOf([y, x]);
    return distinct(e, concat(x, y));
  }),
  binary("sect", (_e, x, y) => {
    checkSect(x, y);
    const keep = keySet(y);
    const idx: number[] = [];
    elementKeys(x).forEach((k, i) => keep.has(k) && idx.push(i));
    return pick(x, idx);
  }),
  /**
   * `enlist`: a vector of the items' type, or a LIST. The engine builds the vector of the
   * first item's type and turns it into a LIST at the first item of another, reading what it
   * holds as `at` reads a vector: leading u8 atoms come out as b8 atoms with the same byte
   * (session except-misc: `(enlist 0x05 1)` is `(true 1)`).
   */
  vary("enlist", (_e, args) => {
    const r = collect(args);
    if (r.type !== Type.LIST) return r;
    let k = 0;
    while (k < args.length && args[k].type === AtomType.U8) k++;
    if (k === 0) return r;
    return listOf(r.items.map((x, i) => (i < k ? atom(Type.B8, (x as Atom).value) : x)));
  }),
  /**
   * `unify`: a LIST of atoms of one type → a typed vector; anything else unchanged, except
   * what the engine has no case for (session at-split-list): a DATE or TIME vector is `nyi`,
   * and a symbol atom reads as the i64 0 (here and in `diverse`, for any symbol).
   */
  unary("unify", (_e, x) => {
    if (x.type === Type.LIST) return collect(x.items);
    if (x.type === Type.DATE || x.type === Type.TIME) throw nyiError(x.type);
    return x.type === AtomType.SYMBOL ? atom(Type.I64, 0n) : x;
  }),
  /** `diverse`: a typed vector → a LIST of its atoms. */
  unary("diverse", (_e, x) => {
    // The engine has no DATE or TIME case: it answers a list of one `nyi` error object. An
    // atom, a dict or a table is enlisted.
    if (x.type === Type.DATE || x.type === Type.TIME) return listOf([errorValue(ErrorCode.NYI)]);
    if (isVector(x)) return listOf(items(x));
    if (x.type === AtomType.SYMBOL) return listOf([atom(Type.I64, 0n)]);
    if (
      x.type < 0 || x.type === Type.TABLE || x.type === Type.DICT
    ) {
      return listOf([x]);
    }
    return x;
  }),
  vary("list", (_e, args) => listOf(args)),
  /**
   * `raze` flattens one level, as the engine does: a vector gives its atoms, a LIST its items,
   * anything else (atom, dict, table) itself; atoms of one type then make a vector. It is
   * not `concat` folded over the items: `(raze (list (list 1 2) [3 4]))` is `[1 2 3 4]`.
   */
  unary("raze", (e, x) => {
    if (x.type !== Type.LIST) return x;
    if (x.items.length === 0) return NULL;
    const joined = joinTyped(x.items, e.maxVectorBytes);
    if (joined) return joined;
    let n = 0;
    for (const p of x.items) n += isCollection(p) ? count(p) : 1;
    checkVectorSize(e.maxVectorBytes, n, 8);
    const flat: RayObject[] = [];
    for (const p of x.items) {
      if (p.type === Type.LIST) { for (const item of p.items) flat.push(item); }
      else if (isVector(p)) { for (const item of items(p)) flat.push(item); }
      else flat.push(p);
    }
    return collect(flat);
  }),
];
