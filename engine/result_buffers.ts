/**
 * Large result arrays, reused. A fresh 80 MB typed array costs its page faults on first write
 * — 45–85 ms for 10,000,000 doubles, more than the C engine's whole `(+ f 1.5)` — while the
 * engine reuses its own heap. So an element-wise kernel takes its output from
 * {@link resultArray}, and a host that is done with an answer (the worker, once the answer is
 * encoded) gives it back with {@link releaseResult}: its large buffers serve the next results
 * of the same size, already mapped.
 *
 * A buffer is reused only when nothing can still see it:
 * - it was made here (never a buffer decoded, read from a file, shared, or a parse tree's);
 * - no global ever held it ({@link pinResult}, called by `Engine.setGlobal`, marks every buffer
 *   of a value set as a global, for good — also one it shares through a view);
 * - the released vector covers it whole (no other view of it was handed out with it);
 * - it is not already free (a value holding it twice gives it back once).
 * A value set as a global whose walk would pass {@link MAX_PIN_WALK} objects turns reuse off in
 * this thread (a conservative answer, instead of an unbounded walk per insert).
 *
 * Reused arrays are not zeroed: {@link resultArray} is for kernels that write every element.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { releaseResult, resultArray } from "./result_buffers.ts";
 * const a = resultArray(10, 1 << 18); // 2 MiB of doubles
 * releaseResult({ type: 10, data: a });
 * const b = resultArray(10, 1 << 18);
 * assert.equal(b.buffer, a.buffer); // the same memory, reused
 * assert.notEqual(resultArray(10, 1 << 18).buffer, a.buffer); // it was taken: a new one
 * ```
 *
 * @module
 */
import {
  allocVector,
  AtomType,
  ELEMENT_SIZE,
  isVector,
  type RayObject,
  Type,
  type VectorDataMap,
  type VectorType,
} from "../ipc/mod.ts";

/** Smaller arrays are cheap to allocate: not worth tracking. */
export const MIN_REUSED_BYTES = 1 << 20;
/** Most bytes kept free per thread (the rest is let go to the collector). */
export const MAX_FREE_BYTES = 256 * 1024 * 1024;
/** Most objects walked to pin one global's value; past it, reuse stops in this thread. */
export const MAX_PIN_WALK = 100_000;
/** Most objects of a result walked to tell whether it holds a temporary's buffer. */
const MAX_HOLDS_WALK = 10_000;

/** Buffers made by {@link resultArray} (the only ones ever reused). */
const made = new WeakSet<ArrayBuffer>();
/** Buffers a global held at some time: never reused. */
const pinned = new WeakSet<ArrayBuffer>();
/** Free buffers by byte length, and the same set for membership. */
const free = new Map<number, ArrayBuffer[]>();
const isFree = new WeakSet<ArrayBuffer>();
/** The free buffers, least recently given back first (the first let go when full). */
const byAge = new Set<ArrayBuffer>();
let freeBytes = 0;
/** Off for good once a global's value was too big to walk. */
let reuse = true;

/** An array of `n` elements of `type` for a result whose every element the caller writes. */
export function resultArray<T extends VectorType>(type: T, n: number): VectorDataMap[T] {
  // In memory a SYMBOL is an Int32Array of ids (its wire size is variable: 0 in the table).
  const bytes = n * (type === Type.SYMBOL ? 4 : ELEMENT_SIZE[type]);
  if (bytes < MIN_REUSED_BYTES) return allocVector(type, n);
  const buffer = free.get(bytes)?.pop();
  if (buffer) {
    isFree.delete(buffer);
    byAge.delete(buffer);
    freeBytes -= bytes;
    return view(type, buffer);
  }
  const data = allocVector(type, n);
  made.add(data.buffer as ArrayBuffer);
  return data;
}

function view<T extends VectorType>(type: T, buffer: ArrayBuffer): VectorDataMap[T] {
  switch (type) {
    case Type.I16:
      return new Int16Array(buffer) as VectorDataMap[T];
    case Type.I32:
    case Type.SYMBOL:
    case Type.DATE:
    case Type.TIME:
      return new Int32Array(buffer) as VectorDataMap[T];
    case Type.I64:
    case Type.TIMESTAMP:
      return new BigInt64Array(buffer) as VectorDataMap[T];
    case Type.F64:
      return new Float64Array(buffer) as VectorDataMap[T];
  }
  return new Uint8Array(buffer) as VectorDataMap[T];
}

/** Marks every buffer of `value` (set as a global) as never to be reused. */
export function pinResult(value: RayObject): void {
  if (!reuse) return;
  const whole = walk(value, MAX_PIN_WALK, (data) => {
    pinned.add(data.buffer as ArrayBuffer);
    return false;
  });
  if (!whole) {
    reuse = false;
    dropFreeResults();
  }
}

/**
 * The host is done with `value`, an answer of this thread's engines: the large buffers that
 * only it held are kept for later results of the same size.
 */
export function releaseResult(value: RayObject): void {
  if (!reuse) return;
  walk(value, MAX_PIN_WALK, (data) => {
    if (reusable(data)) keep(data.buffer as ArrayBuffer);
    return false;
  });
}

/**
 * `temp` was the new value of a `fresh` call given as an argument to a call that answered
 * `result`: unless `result` holds its buffer, nothing else can, and it is kept for reuse
 * (`(div f (+ f 1.0))` gives back the array of `(+ f 1.0)` once `div` is done).
 */
export function releaseTemporary(temp: RayObject, result: RayObject): void {
  if (!reuse || !isVector(temp) || !reusable(temp.data)) return;
  const buffer = temp.data.buffer;
  let found = false;
  // Too big to tell counts as holding it.
  const whole = walk(result, MAX_HOLDS_WALK, (data) => (found = data.buffer === buffer));
  if (whole && !found) keep(buffer as ArrayBuffer);
}

/**
 * A kernel's own temporary (from {@link resultArray}) that it never let out: kept for reuse
 * (`dev` of an i64 column gives back its column of doubles).
 */
export function releaseScratch(data: ArrayBufferView): void {
  if (reuse && reusable(data)) keep(data.buffer as ArrayBuffer);
}

/**
 * Whether `data` may be kept for reuse: the whole of a buffer made here, that no global held
 * and that is not free already.
 */
function reusable(data: ArrayBufferView): boolean {
  const buffer = data.buffer;
  return buffer instanceof ArrayBuffer && made.has(buffer) && !pinned.has(buffer) &&
    !isFree.has(buffer) && data.byteOffset === 0 && data.byteLength === buffer.byteLength;
}

/**
 * Keeps `buffer` free, letting go of the least recently kept ones when that passes
 * {@link MAX_FREE_BYTES}: the sizes of the latest answers are the likeliest to come again (a
 * full list of older sizes would otherwise refuse them, and each run of the next query would
 * pay its page faults again).
 */
function keep(buffer: ArrayBuffer): void {
  if (buffer.byteLength > MAX_FREE_BYTES) return;
  for (const old of byAge) {
    if (freeBytes + buffer.byteLength <= MAX_FREE_BYTES) break;
    forget(old);
  }
  isFree.add(buffer);
  byAge.add(buffer);
  freeBytes += buffer.byteLength;
  const list = free.get(buffer.byteLength);
  if (list) list.push(buffer);
  else free.set(buffer.byteLength, [buffer]);
}

function forget(buffer: ArrayBuffer): void {
  const list = free.get(buffer.byteLength)!;
  list.splice(list.indexOf(buffer), 1);
  if (list.length === 0) free.delete(buffer.byteLength);
  isFree.delete(buffer);
  byAge.delete(buffer);
  freeBytes -= buffer.byteLength;
}

/** Lets go of every free buffer (an idle worker's memory back to the collector). */
export function dropFreeResults(): void {
  free.clear();
  byAge.clear();
  freeBytes = 0;
}

/** Bytes held free for reuse in this thread. */
export function freeResultBytes(): number {
  return freeBytes;
}

/**
 * Calls `visit` with each typed array of `value` and of what it holds, until `visit` answers
 * true; false when `limit` objects were walked before the end (the walk stops there).
 */
function walk(
  value: RayObject,
  limit: number,
  visit: (data: ArrayBufferView) => boolean,
): boolean {
  const stack: RayObject[] = [value];
  let walked = 0;
  while (stack.length) {
    if (++walked > limit) return false;
    const x = stack.pop()!;
    if (isVector(x)) {
      if (visit(x.data)) return true;
      continue;
    }
    switch (x.type) {
      case AtomType.GUID: // 16 bytes, maybe a view of a GUID vector
        if (visit(x.value)) return true;
        break;
      case Type.LIST:
        for (const item of x.items) stack.push(item);
        break;
      case Type.DICT:
      case Type.TABLE:
        stack.push(x.keys, x.values);
        break;
      case Type.LAMBDA:
        stack.push(x.args, x.body);
        break;
      case Type.ENUM:
        if (visit(x.data) || (x.symbols && visit(x.symbols))) return true;
        break;
    }
  }
  return true;
}
