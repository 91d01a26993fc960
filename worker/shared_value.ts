/**
 * Committed values in shared memory: a worker commits a vector, or a table, dict or list of
 * them, as the same objects with every column's elements in a `SharedArrayBuffer`, and every
 * worker holds those objects — `postMessage` shares a `SharedArrayBuffer` instead of copying
 * it, so a 10,000,000-row table is in memory once, whatever the number of workers.
 *
 * A column already in shared memory (one the task read from a commit, or grew from one by
 * appending in its spare capacity, engine/append.ts) is not copied again: an insert into a
 * shared table commits views of the same buffers, longer by the rows it added. Readers see a
 * consistent snapshot because values never change: a committed vector is a view of its first
 * `n` elements, and writers only ever write after the end of every committed view.
 *
 * Symbols in shared columns are ids of the pool's symbol registry, the same in every worker
 * (ipc/symbols.ts `SymbolTable.share`). What is not data — lambdas (their parse trees hold
 * builtins), enums, errors — and values of very many objects (a list of a million strings
 * would cost a million objects per worker to clone) travel as IPC bytes, as before.
 *
 * @example
 * ```ts
 * import { adoptShared, toShared } from "./shared_value.ts";
 * const v = { type: 10, data: new Float64Array(4096).fill(2.5) } as const;
 * const shared = toShared(v)!;
 * if (!(shared.data.buffer instanceof SharedArrayBuffer) || shared.data[4095] !== 2.5) {
 *   throw new Error("not in shared memory");
 * }
 * adoptShared(shared); // what the receiving worker does
 * ```
 *
 * @module
 */
import {
  allocVector,
  ELEMENT_SIZE,
  type RayObject,
  type Table,
  type Vector,
  type VectorData,
  type VectorDataMap,
  type VectorType,
} from "../ipc/mod.ts";
import {
  adoptSharedBuffer,
  allocShared,
  GROWTH,
  isSharedColumn,
  sharedBufferName,
  sharedCopy,
  typedColumnPairs,
} from "../engine/append.ts";

/** Most objects in a value committed in shared memory; a larger one travels as IPC bytes. */
export const MAX_SHARED_OBJECTS = 4096;
/**
 * Vectors smaller than this are cloned into each worker rather than put in shared memory:
 * a buffer of its own costs more than a copy of a few elements.
 */
export const MIN_SHARED_BYTES = 16 * 1024;

/**
 * `value` with every vector of {@link MIN_SHARED_BYTES} or more in shared memory (copied
 * unless it is already there), or undefined when it is not data, has more than
 * {@link MAX_SHARED_OBJECTS} objects, no vector that large, or no room for the copy.
 */
export function toShared<T extends RayObject>(value: T): T | undefined {
  const budget = { left: MAX_SHARED_OBJECTS, shared: false };
  let out: T | undefined;
  try {
    out = share(value, budget) as T | undefined;
  } catch {
    return undefined; // no room for a shared buffer: the value replicates by its bytes
  }
  // A value with no large vector gains nothing: its IPC bytes replicate it as cheaply.
  return budget.shared ? out : undefined;
}

/**
 * `x` in shared memory; `spare`: it is a table's column, copied with room to grow by a
 * quarter, so that the first insert into a table appends in place instead of copying it
 * (and leaving a copy of the table as garbage in every worker until each collects it).
 */
function share(
  x: RayObject,
  budget: { left: number; shared: boolean },
  spare = false,
): RayObject | undefined {
  if (--budget.left < 0) return undefined;
  const t = x.type;
  if (t < 0 && t >= -12) return x; // an atom is cloned by value
  if (t >= 1 && t <= 12) {
    const data = (x as Vector).data as VectorData;
    if (isSharedColumn(data)) {
      budget.shared = true;
      return x;
    }
    if (data.byteLength >= MIN_SHARED_BYTES) {
      budget.shared = true;
      const capacity = spare ? Math.ceil(GROWTH * data.length) : data.length;
      return { type: t, data: sharedCopy(data, capacity) } as Vector;
    }
    // Cloning a view clones its whole buffer: a short view of a long one is copied first.
    return data.byteLength === data.buffer.byteLength
      ? x
      : { type: t, data: data.slice() } as Vector;
  }
  if (t === 0) {
    if (x.items.length > budget.left) return undefined;
    const items: RayObject[] = [];
    for (const item of x.items) {
      const s = share(item, budget, spare);
      if (!s) return undefined;
      items.push(s);
    }
    return { type: 0, items };
  }
  if (t === 98 || t === 99) {
    const keys = share(x.keys, budget);
    const values = keys && share(x.values, budget, t === 98);
    if (!values) return undefined;
    return { type: t, keys, values } as RayObject;
  }
  return undefined;
}

/**
 * How a table extends, in place, the table in shared memory it was made from: `rows` rows
 * appended to every column, whose buffers are named `buffers`. Such a commit needs no value:
 * a replica holding those buffers makes the longer views itself, and no buffer is posted
 * again (posting a large `SharedArrayBuffer` costs Bun ~100 µs, whatever it holds).
 */
export interface Extension {
  /** Rows appended. */
  rows: number;
  /** The name of each column's buffer (`sharedBufferName`), in column order. */
  buffers: number[];
}

/** How `after` extends `before` in place in shared memory (see {@link Extension}), if it does. */
export function extensionOf(
  before: RayObject | undefined,
  after: RayObject,
): Extension | undefined {
  if (before?.type !== 98 || after.type !== 98) return undefined;
  const pairs = typedColumnPairs(before, after);
  if (!pairs) return undefined;
  let rows = -1;
  const buffers: number[] = [];
  for (const [od, ad, width] of pairs) {
    const name = sharedBufferName(ad);
    if (!name || ad.buffer !== od.buffer || ad.byteOffset !== od.byteOffset) return undefined;
    const r = (ad.length - od.length) / width;
    if (r <= 0 || (rows >= 0 && r !== rows)) return undefined;
    rows = r;
    buffers.push(name);
  }
  return rows > 0 ? { rows, buffers } : undefined;
}

/**
 * `current` with the rows of `ext` appended in place — views of the same buffers, longer —
 * or undefined when `current`'s columns are not those buffers (the caller then applies the
 * commit's bytes). The rows were written before the commit was sent, after every view.
 */
export function extendShared(current: RayObject | undefined, ext: Extension): Table | undefined {
  if (current?.type !== 98 || current.values.items.length !== ext.buffers.length) return undefined;
  const items: RayObject[] = [];
  for (let c = 0; c < ext.buffers.length; c++) {
    const col = current.values.items[c];
    if (col.type < 1 || col.type > 12) return undefined;
    const data = (col as Vector).data as VectorData;
    if (sharedBufferName(data) !== ext.buffers[c]) return undefined;
    const length = data.length + ext.rows * (col.type === 11 ? 16 : 1);
    if (data.byteOffset + length * data.BYTES_PER_ELEMENT > data.buffer.byteLength) {
      return undefined;
    }
    const Ctor = data.constructor as new (b: ArrayBufferLike, o: number, n: number) => VectorData;
    items.push({ type: col.type, data: new Ctor(data.buffer, data.byteOffset, length) } as Vector);
  }
  return { type: 98, keys: current.keys, values: { type: 0, items } };
}

/**
 * The decoder's allocator for values bound for shared memory: a vector of at least
 * {@link MIN_SHARED_BYTES} is decoded straight into a shared column buffer (a value loaded
 * from disk is then never held twice by the worker that decodes it).
 */
export function allocateForSharing<T extends VectorType>(
  type: T,
  length: number,
): VectorDataMap[T] {
  const bytes = length * (type === 6 ? 4 : ELEMENT_SIZE[type]);
  return bytes >= MIN_SHARED_BYTES ? allocShared(type, length) : allocVector(type, length);
}

/** Registers the shared buffers of a value received from another worker (see append.ts). */
export function adoptShared(x: RayObject): void {
  const t = x.type;
  if (t >= 1 && t <= 12) {
    const buffer = (x as Vector).data.buffer;
    if (buffer instanceof SharedArrayBuffer) adoptSharedBuffer(buffer);
  } else if (t === 0) {
    for (const item of x.items) adoptShared(item);
  } else if (t === 98 || t === 99) {
    adoptShared(x.keys);
    adoptShared(x.values);
  }
}
