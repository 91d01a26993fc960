/**
 * Appending to a vector in amortized constant time per element, without changing any value
 * that exists: the vector's data is a view of the first `n` elements of a larger buffer, and
 * rows are written into the spare capacity after them. Values never change in place in this
 * engine, so a view of the first `n` elements stays what it was while others append after
 * it — as long as only one value appends into each buffer: a buffer remembers how many of its
 * elements are in use, and only a view that ends there may grow in place (any other, such as
 * the older of two values sharing the buffer, copies into a buffer of its own).
 *
 * That is what makes `insert` cost what it adds, and what lets a commit carry only the rows
 * appended (`appendedRows`: the new value's columns extend the old value's buffers).
 *
 * @example
 * ```ts
 * import { appendVector } from "./append.ts";
 * const a = { type: 5, data: BigInt64Array.of(1n, 2n) } as const;
 * const b = appendVector(a, { type: 5, data: BigInt64Array.of(3n) });
 * const c = appendVector(b, { type: 5, data: BigInt64Array.of(4n) });   // in place: b ends the buffer
 * const d = appendVector(b, { type: 5, data: BigInt64Array.of(5n) });   // a copy: c grew b's buffer
 * if (c.data[2] !== 3n || c.data[3] !== 4n || d.data[3] !== 5n || b.data.length !== 3) {
 *   throw new Error("appends changed an existing value");
 * }
 * ```
 *
 * @module
 */
import type { Table, Vector, VectorData } from "../ipc/mod.ts";

/** For buffers grown by appends: how many elements (bytes for GUIDs) are in use. */
const inUse = new WeakMap<ArrayBufferLike, number>();
/**
 * For a buffer an append copied a vector into: that vector's data, which the buffer begins
 * with (values never change, so it stays so). The first insert into a table made some other
 * way copies its columns; this lets that insert still commit as the rows it added.
 */
const origin = new WeakMap<ArrayBufferLike, VectorData>();

/** Smallest capacity given to a vector that starts appending, in elements. */
const MIN_CAPACITY = 16;
/**
 * How much a full buffer grows: by a quarter, so that a 10,000,000-row column wastes at most
 * 25% (doubling would hold up to twice the table per replica), while an element is still
 * copied about four times in all as a column grows (amortized constant time).
 */
const GROWTH = 1.25;

/** `col` followed by the elements of `more` (same type), sharing `col`'s buffer when it can. */
export function appendVector<V extends Vector>(col: V, more: Vector): V {
  const data = col.data as VectorData;
  const add = more.data as VectorData;
  const n = data.length;
  const k = add.length;
  if (k === 0) return col;
  const buffer = data.buffer;
  const Ctor = data.constructor as TypedArrayConstructor;
  if (
    data.byteOffset === 0 && inUse.get(buffer) === n &&
    n + k <= buffer.byteLength / data.BYTES_PER_ELEMENT
  ) {
    const view = new Ctor(buffer, 0, n + k);
    view.set(add, n);
    inUse.set(buffer, n + k);
    return { type: col.type, data: view } as V;
  }
  const grown = new Ctor(Math.max(MIN_CAPACITY, Math.ceil(GROWTH * (n + k))));
  grown.set(data);
  grown.set(add, n);
  inUse.set(grown.buffer, n + k);
  origin.set(grown.buffer, data);
  return { type: col.type, data: grown.subarray(0, n + k) } as V;
}

/** The constructor of one of the typed arrays vectors hold. */
interface TypedArrayConstructor {
  new (length: number): TypedData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedData;
}

/** A vector's typed array, with `set` typed loosely enough for every element kind. */
type TypedData = VectorData & { set(array: ArrayLike<unknown>, offset?: number): void };

/**
 * The rows `after` has beyond `before` when `after` is `before` with rows appended in place
 * (every column a typed vector extending the same buffer): a table of those rows; otherwise
 * undefined (the change is not an append, and the whole value must be committed).
 */
export function appendedRows(before: Table, after: Table): Table | undefined {
  const names = before.keys.data;
  const next = after.keys.data;
  if (names.length !== next.length || names.some((id, i) => id !== next[i])) return undefined;
  const old = before.values.items;
  const now = after.values.items;
  let rows = -1;
  const added: Vector[] = [];
  for (let c = 0; c < old.length; c++) {
    const o = old[c];
    const a = now[c];
    if (o.type !== a.type || o.type < 1 || o.type > 12) return undefined;
    const od = (o as Vector).data as VectorData;
    const ad = (a as Vector).data as VectorData;
    if (ad.byteOffset !== 0 || ad.length < od.length) return undefined;
    const extends_ = od.byteOffset === 0 && od.buffer === ad.buffer;
    if (!extends_ && origin.get(ad.buffer) !== od) return undefined;
    const width = o.type === 11 ? 16 : 1;
    const r = (ad.length - od.length) / width;
    if (rows >= 0 && r !== rows) return undefined;
    rows = r;
    added.push({ type: o.type, data: ad.subarray(od.length) } as Vector);
  }
  if (rows <= 0) return undefined;
  return { type: 98, keys: after.keys, values: { type: 0, items: added } };
}

/** `t` with the rows of `rows` (a table of the same columns) appended. */
export function appendTable(t: Table, rows: Table): Table {
  const cols = t.values.items.map((c, i) =>
    appendVector(c as Vector, rows.values.items[i] as Vector)
  );
  return { type: 98, keys: t.keys, values: { type: 0, items: cols } };
}
