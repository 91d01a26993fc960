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
import {
  allocVector,
  type Table,
  Type,
  type Vector,
  type VectorData,
  type VectorDataMap,
  type VectorType,
} from "../ipc/mod.ts";

/** For buffers grown by appends: how many elements (bytes for GUIDs) are in use. */
const inUse = new WeakMap<ArrayBufferLike, number>();
/**
 * For a buffer an append copied a vector into: that vector's data, which the buffer begins
 * with (values never change, so it stays so). The first insert into a table made otherwise
 * copies its columns; this lets that insert still commit as the rows it added.
 */
const origin = new WeakMap<ArrayBufferLike, VectorData>();

/**
 * Bytes before the elements in a column buffer in shared memory: an Int32 that claims its
 * elements in use (the `inUse` of a buffer every worker appends into), and an Int32 that
 * names the buffer (random, so that threads can tell whether they hold the same one).
 */
export const SHARED_HEADER = 8;
/** The header words (claim, name) of each shared column buffer this thread has met. */
const claimWords = new WeakMap<ArrayBufferLike, Int32Array>();

/**
 * One claim of a shared buffer's spare capacity by a task: elements `from` to `to` are its.
 * Released (`to` back to `from`) by the pool when the task's writes do not commit.
 */
export interface Claim {
  /** The buffer's claim word. */
  cell: Int32Array;
  /** Elements in use before the claim. */
  from: number;
  /** Elements in use after it. */
  to: number;
}

/**
 * The claims of the running task (set by the worker around each task): `copy` — when
 * another task claimed a buffer's spare capacity first, copy into a new buffer (when the
 * task runs alone, the claim is a stale one); otherwise note it as lost: that other task
 * appended to the same version and this one will have to run again after it commits.
 */
let task: { claims: Claim[]; copy: boolean; lost: boolean } | undefined;

/** Starts recording the claims of a task (see {@link endClaims}). */
export function beginClaims(copyOnLost: boolean): void {
  task = { claims: [], copy: copyOnLost, lost: false };
}

/** The claims of the task since {@link beginClaims}, and whether it lost one. */
export function endClaims(): { claims: Claim[]; lost: boolean } {
  const t = task ?? { claims: [], lost: false };
  task = undefined;
  return t;
}

/**
 * Gives back claims whose task's writes did not commit, so that the next append to those
 * versions need not copy; a claim someone has since moved on is left alone.
 */
export function releaseClaims(claims: readonly Claim[] | undefined): void {
  for (const c of claims ?? []) Atomics.compareExchange(c.cell, 0, c.to, c.from);
}

/**
 * Thrown by an append that lost its claim to another task's (see {@link beginClaims}): the
 * task's answer is void, it runs again. Not an `EvalError`, so `try` does not catch it.
 */
export class ClaimLost extends Error {
  /** Always `"ClaimLost"`. */
  override name = "ClaimLost";
}

/**
 * Registers `buffer` as a shared column buffer (its first {@link SHARED_HEADER} bytes are its
 * claim word): what a worker does for each buffer of a value it receives in shared memory.
 */
export function adoptSharedBuffer(buffer: SharedArrayBuffer): void {
  if (!claimWords.has(buffer)) claimWords.set(buffer, new Int32Array(buffer, 0, 2));
}

/** The name of the shared column buffer `data` lives in, or 0 when it is not in one. */
export function sharedBufferName(data: VectorData): number {
  return claimWords.get(data.buffer)?.[1] ?? 0;
}

/** True when `data` lives in a shared column buffer. */
export function isSharedColumn(data: VectorData): boolean {
  return claimWords.has(data.buffer);
}

/** A copy of `data` in a new shared column buffer with room for `capacity` elements. */
export function sharedCopy<T extends VectorData>(data: T, capacity = data.length): T {
  const view = sharedData(data.constructor as TypedArrayConstructor, data.length, capacity);
  view.set(data);
  return view as unknown as T;
}

/** The elements of a new vector of `type` and `length` (as `allocVector`), in shared memory. */
export function allocShared<T extends VectorType>(type: T, length: number): VectorDataMap[T] {
  const Ctor = allocVector(type, 0).constructor as TypedArrayConstructor;
  const n = type === 11 ? 16 * length : length;
  return sharedData(Ctor, n, n) as unknown as VectorDataMap[T];
}

/** A view of `length` elements at the start of a new shared column buffer of `capacity`. */
function sharedData(Ctor: TypedArrayConstructor, length: number, capacity: number): TypedData {
  const probe = new Ctor(0);
  const buffer = new SharedArrayBuffer(SHARED_HEADER + capacity * probe.BYTES_PER_ELEMENT);
  const word = new Int32Array(buffer, 0, 2);
  word[0] = length;
  word[1] = (Math.random() * 0x7fffffff | 0) + 1;
  claimWords.set(buffer, word);
  return new Ctor(buffer, SHARED_HEADER, length);
}

/** Smallest capacity given to a vector that starts appending, in elements. */
const MIN_CAPACITY = 16;
/**
 * How much a full buffer grows: by a quarter, so that a 10,000,000-row column wastes at most
 * 25% (doubling would hold up to twice the table), while an element is still copied about
 * four times in all as a column grows (amortized constant time).
 */
export const GROWTH = 1.25;

/** `col` followed by the elements of `more` (same type), sharing `col`'s buffer when it can. */
export function appendVector<V extends Vector>(col: V, more: Vector): V {
  const data = col.data as VectorData;
  const add = more.data as VectorData;
  const n = data.length;
  const k = add.length;
  if (k === 0) return col;
  const buffer = data.buffer;
  const Ctor = data.constructor as TypedArrayConstructor;
  const word = claimWords.get(buffer);
  const start = word ? SHARED_HEADER : 0;
  const room = n + k <= (buffer.byteLength - start) / data.BYTES_PER_ELEMENT;
  if (data.byteOffset === start && room) {
    // Shared: the elements after `n` are this task's if it moves the claim from `n` (other
    // workers read the same buffer, and may be appending to the same version).
    let mine: boolean;
    if (word) {
      mine = Atomics.compareExchange(word, 0, n, n + k) === n;
      if (mine) task?.claims.push({ cell: word, from: n, to: n + k });
      else if (task && !task.copy && Atomics.load(word, 0) > n) {
        task.lost = true;
        throw new ClaimLost("another task appended to this version first");
      }
    } else mine = inUse.get(buffer) === n;
    if (mine) {
      const view = new Ctor(buffer, start, n + k);
      view.set(add, n);
      if (!word) inUse.set(buffer, n + k);
      return { type: col.type, data: view } as V;
    }
  }
  const capacity = Math.max(MIN_CAPACITY, Math.ceil(GROWTH * (n + k)));
  let grown: TypedData;
  if (word) {
    // The column is in shared memory: its successor is too, so that committing it copies
    // nothing (the claim of a new buffer is its writer's until the value is committed).
    grown = sharedCopy(data, capacity) as TypedData;
    grown = new Ctor(grown.buffer, SHARED_HEADER, n + k);
    Atomics.store(claimWords.get(grown.buffer)!, 0, n + k);
  } else {
    grown = new Ctor(capacity).subarray(0, n + k) as TypedData;
    grown.set(data);
    inUse.set(grown.buffer, n + k);
  }
  grown.set(add, n);
  origin.set(grown.buffer, data);
  return { type: col.type, data: grown } as V;
}

/** The constructor of one of the typed arrays vectors hold. */
interface TypedArrayConstructor {
  new (length: number): TypedData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedData;
}

/** A vector's typed array, with `set` typed loosely enough for every element kind. */
type TypedData = VectorData & { set(array: ArrayLike<unknown>, offset?: number): void };

/**
 * The columns of two tables with the same names in the same order, each a typed vector of
 * the same type in both, as pairs (before, after, elements per row); undefined otherwise.
 */
export function typedColumnPairs(
  before: Table,
  after: Table,
): [VectorData, VectorData, number][] | undefined {
  const names = before.keys.data;
  const next = after.keys.data;
  if (names.length !== next.length || names.some((id, i) => id !== next[i])) return undefined;
  const now = after.values.items;
  const pairs: [VectorData, VectorData, number][] = [];
  for (const [c, o] of before.values.items.entries()) {
    const a = now[c];
    if (o.type !== a.type || o.type < 1 || o.type > 12) return undefined;
    pairs.push([(o as Vector).data, (a as Vector).data, o.type === Type.GUID ? 16 : 1]);
  }
  return pairs;
}

/**
 * The rows `after` has beyond `before` when `after` is `before` with rows appended in place
 * (every column a typed vector extending the same buffer): a table of those rows; otherwise
 * undefined (the change is not an append, and the whole value must be committed).
 */
export function appendedRows(before: Table, after: Table): Table | undefined {
  const pairs = typedColumnPairs(before, after);
  if (!pairs) return undefined;
  let rows = -1;
  const added: Vector[] = [];
  for (const [c, [od, ad, width]] of pairs.entries()) {
    const start = claimWords.has(ad.buffer) ? SHARED_HEADER : 0;
    if (ad.byteOffset !== start || ad.length < od.length) return undefined;
    const extends_ = od.byteOffset === start && od.buffer === ad.buffer;
    if (!extends_ && origin.get(ad.buffer) !== od) return undefined;
    const r = (ad.length - od.length) / width;
    if (rows >= 0 && r !== rows) return undefined;
    rows = r;
    added.push({ type: before.values.items[c].type, data: ad.subarray(od.length) } as Vector);
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
