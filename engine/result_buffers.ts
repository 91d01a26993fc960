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
import { MIN_PARALLEL_ELEMENTS, sharesResults } from "./parallel.ts";

/** Smaller arrays are cheap to allocate: not worth tracking. */
export const MIN_REUSED_BYTES = 1 << 20;
/** Most bytes kept free per thread (the rest is let go to the collector). */
export const MAX_FREE_BYTES = 256 * 1024 * 1024;
/** Most objects walked to pin one global's value; past it, reuse stops in this thread. */
export const MAX_PIN_WALK = 100_000;
/** Most objects of a result walked to tell whether it holds a temporary's buffer. */
const MAX_HOLDS_WALK = 10_000;

/** Buffers made by {@link resultArray} (the only ones ever reused). */
const made = new WeakSet<ArrayBufferLike>();
/** Buffers a global held at some time: never reused. */
const pinned = new WeakSet<ArrayBufferLike>();
/** Free buffers by byte length, and the same set for membership. */
const free = new Map<number, ArrayBufferLike[]>();
/**
 * The key of a buffer's free list: its length, negated for shared memory (a result meant for
 * helper threads takes a shared buffer, another an ordinary one).
 */
const freeKey = (bytes: number, shared: boolean) => (shared ? -bytes : bytes);
const isFree = new WeakSet<ArrayBufferLike>();
/** The free buffers, least recently given back first (the first let go when full). */
const byAge = new Set<ArrayBufferLike>();
let freeBytes = 0;
/** Off for good once a global's value was too big to walk. */
let reuse = true;
/**
 * Most bytes of shared results made here that no global holds and the collector has not
 * freed (as far as this thread knows: their finalizers have not run). Deno's collector does
 * not count shared memory as memory pressure: 200 dropped 50 MB `SharedArrayBuffer`s grew
 * the process to 10 GB (Bun's stayed at 0.4). Past this bound the collector is prompted
 * ({@link nudgeCollector}) and results are ordinary buffers, whose loops run on this thread
 * alone, until finalizers report the loose ones freed.
 */
export const MAX_LOOSE_SHARED_BYTES = 512 * 1024 * 1024;
/**
 * A shared result buffer's size and state: `loose` (a result or a temporary: garbage, or
 * soon), `held` by a global (see {@link pinResult}), or `free` for reuse (bounded by
 * {@link MAX_FREE_BYTES}).
 */
interface SharedRecord {
  bytes: number;
  state: "loose" | "held" | "free";
}
const sharedRecords = new WeakMap<ArrayBufferLike, SharedRecord>();
/** Bytes of the shared result buffers made here that the collector has not freed yet. */
let sharedLive = 0;
/** The part of {@link sharedLive} that is loose. */
let sharedLoose = 0;
/** Whether the collector was prompted since {@link sharedLoose} last passed its bound. */
let nudged = false;
const sharedFreed = new FinalizationRegistry<SharedRecord>((r) => {
  sharedLive -= r.bytes;
  if (r.state === "loose") sharedLoose -= r.bytes;
});

/**
 * Prompts a collection: an ordinary buffer of 256 MiB, never touched (so never in memory), is
 * memory pressure the collector counts; it runs, and frees the loose shared buffers with the
 * rest (their count here drops later, when their finalizers run). Measured on Deno: 400
 * dropped 50 MB shared buffers, one prompt per 512 MB, and the process stayed at 140 MB.
 */
function nudgeCollector(): void {
  new ArrayBuffer(256 * 1024 * 1024);
}

/** Moves a shared result buffer (of those made here) to `state`, counting its loose bytes. */
function setSharedState(buffer: ArrayBufferLike, state: SharedRecord["state"]): void {
  const r = sharedRecords.get(buffer);
  if (!r || r.state === state) return;
  if (r.state === "loose") sharedLoose -= r.bytes;
  if (state === "loose") sharedLoose += r.bytes;
  r.state = state;
}

/**
 * Whether a new shared buffer of `bytes` keeps the loose ones within
 * {@link MAX_LOOSE_SHARED_BYTES}; the first time it would not, the collector is prompted.
 */
function withinLooseBound(bytes: number): boolean {
  if (sharedLoose + bytes <= MAX_LOOSE_SHARED_BYTES) {
    nudged = false;
    return true;
  }
  if (!nudged) nudgeCollector();
  nudged = true;
  return false;
}

/** An array of `n` elements of `type` for a result whose every element the caller writes. */
export function resultArray<T extends VectorType>(type: T, n: number): VectorDataMap[T] {
  // In memory a SYMBOL is an Int32Array of ids (its wire size is variable: 0 in the table).
  const bytes = n * (type === Type.SYMBOL ? 4 : ELEMENT_SIZE[type]);
  // Long enough for helper threads (engine/parallel.ts): in shared memory, so that they can
  // write it; never text (TextDecoder refuses shared memory) nor GUIDs.
  const shared = n >= MIN_PARALLEL_ELEMENTS && type !== Type.C8 && type !== Type.GUID &&
    sharesResults();
  if (bytes < MIN_REUSED_BYTES) {
    return shared && withinLooseBound(bytes) ? sharedView(type, bytes) : allocVector(type, n);
  }
  const buffer = free.get(freeKey(bytes, shared))?.pop();
  if (buffer) {
    isFree.delete(buffer);
    byAge.delete(buffer);
    freeBytes -= bytes;
    setSharedState(buffer, "loose");
    return view(type, buffer);
  }
  const data = shared && withinLooseBound(bytes) ? sharedView(type, bytes) : allocVector(type, n);
  made.add(data.buffer);
  return data;
}

/** A view of a new shared buffer of `bytes`, counted in {@link liveSharedResultBytes}. */
function sharedView<T extends VectorType>(type: T, bytes: number): VectorDataMap[T] {
  const buffer = new SharedArrayBuffer(bytes);
  const record: SharedRecord = { bytes, state: "loose" };
  sharedRecords.set(buffer, record);
  sharedLive += bytes;
  sharedLoose += bytes;
  sharedFreed.register(buffer, record);
  return view(type, buffer);
}

/**
 * Bytes of the results this thread made in shared memory and the collector has not freed:
 * memory a query grew that Deno's `memoryUsage().external` does not show.
 */
export function liveSharedResultBytes(): number {
  return sharedLive;
}

function view<T extends VectorType>(type: T, buffer: ArrayBufferLike): VectorDataMap[T] {
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
    pinned.add(data.buffer);
    setSharedState(data.buffer, "held");
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
    if (reusable(data)) keep(data.buffer);
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
  if (whole && !found) keep(buffer);
}

/**
 * A kernel's own temporary (from {@link resultArray}) that it never let out: kept for reuse
 * (`dev` of an i64 column gives back its column of doubles).
 */
export function releaseScratch(data: ArrayBufferView): void {
  if (reuse && reusable(data)) keep(data.buffer);
}

/**
 * Whether `data` may be kept for reuse: the whole of a buffer made here, that no global held
 * and that is not free already.
 */
function reusable(data: ArrayBufferView): boolean {
  const buffer = data.buffer;
  return made.has(buffer) && !pinned.has(buffer) &&
    !isFree.has(buffer) && data.byteOffset === 0 && data.byteLength === buffer.byteLength;
}

/**
 * Keeps `buffer` free, letting go of the least recently kept ones when that passes
 * {@link MAX_FREE_BYTES}: the sizes of the latest answers are the likeliest to come again (a
 * full list of older sizes would otherwise refuse them, and each run of the next query would
 * pay its page faults again).
 */
function keep(buffer: ArrayBufferLike): void {
  if (buffer.byteLength > MAX_FREE_BYTES) return;
  for (const old of byAge) {
    if (freeBytes + buffer.byteLength <= MAX_FREE_BYTES) break;
    forget(old);
  }
  setSharedState(buffer, "free");
  isFree.add(buffer);
  byAge.add(buffer);
  freeBytes += buffer.byteLength;
  const key = freeKey(buffer.byteLength, buffer instanceof SharedArrayBuffer);
  const list = free.get(key);
  if (list) list.push(buffer);
  else free.set(key, [buffer]);
}

function forget(buffer: ArrayBufferLike): void {
  const key = freeKey(buffer.byteLength, buffer instanceof SharedArrayBuffer);
  const list = free.get(key)!;
  list.splice(list.indexOf(buffer), 1);
  if (list.length === 0) free.delete(key);
  setSharedState(buffer, "loose");
  isFree.delete(buffer);
  byAge.delete(buffer);
  freeBytes -= buffer.byteLength;
}

/** Lets go of every free buffer (an idle worker's memory back to the collector). */
export function dropFreeResults(): void {
  for (const buffer of byAge) setSharedState(buffer, "loose");
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
