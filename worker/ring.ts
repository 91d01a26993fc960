/**
 * A ring of byte records in a `SharedArrayBuffer`, for one writer thread and one reader
 * thread: the pool's hand-off of small tasks to a worker and of their answers back, without
 * a `postMessage` (whose round trip costs Deno about 120–230 µs, against 50–80 µs for a
 * store and an `Atomics.notify`; bench/handoff.ts).
 *
 * A record is written whole at the writer's position and then published by one atomic store
 * of the position after it, so a reader never sees part of a record, and a writer that dies
 * in mid-write leaves the ring as it was before that record (the pool replaces the worker and
 * its rings anyway). Positions count bytes for ever (modulo 2^32); a record that would run
 * past the end of the buffer starts again at its beginning, after a wrap mark. When a record
 * does not fit in the free space, `write` says so and the caller sends it another way.
 *
 * @example
 * ```ts
 * import { Ring } from "./ring.ts";
 * const ring = Ring.create(1024);
 * const reader = new Ring(ring.buffer);               // e.g. in another thread
 * ring.write(3, (bytes, at) => bytes.set([1, 2, 3], at));
 * const record = reader.read()!;
 * if (record.length !== 3 || record[2] !== 3) throw new Error("not the record written");
 * ```
 *
 * @module
 */

/** Words of the header: the writer's position, the reader's, the reader's sleep flag. */
const HEAD = 0, TAIL = 1, ASLEEP = 2;
const HEADER_BYTES = 64;
/** A record's length prefix; a prefix of WRAP sends the reader to the buffer's start. */
const PREFIX = 4;
const WRAP = 0xffffffff;

/** A single-writer, single-reader ring of byte records in shared memory. */
export class Ring {
  /** The shared memory, for the other thread's {@link Ring}. */
  readonly buffer: SharedArrayBuffer;
  /** Bytes of records it holds at most (a power of two). */
  readonly capacity: number;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  /** Asynchronous waits begun: only the latest one's end lowers the sleep flag. */
  #waits = 0;

  /** The ring in `buffer` (made by {@link Ring.create}). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.capacity = buffer.byteLength - HEADER_BYTES;
    this.#words = new Int32Array(buffer, 0, 4);
    this.#bytes = new Uint8Array(buffer, HEADER_BYTES);
    this.#view = new DataView(buffer, HEADER_BYTES);
  }

  /** A new, empty ring of `capacity` bytes (rounded up to a power of two). */
  static create(capacity: number): Ring {
    const size = 2 ** Math.ceil(Math.log2(Math.max(64, capacity)));
    return new Ring(new SharedArrayBuffer(HEADER_BYTES + size));
  }

  /** The largest record that can ever be written. */
  get maxRecord(): number {
    return this.capacity / 4;
  }

  /**
   * Writes a record of `size` bytes, filled by `fill` at offset `at` of `bytes` (a view of
   * the whole buffer), and publishes it; false, writing nothing, when it does not fit now.
   */
  write(size: number, fill: (bytes: Uint8Array, at: number, view: DataView) => void): boolean {
    if (size > this.maxRecord) return false;
    const head = Atomics.load(this.#words, HEAD) >>> 0;
    const tail = Atomics.load(this.#words, TAIL) >>> 0;
    const used = (head - tail) >>> 0;
    let at = head & (this.capacity - 1);
    const need = PREFIX + align(size);
    let skip = 0;
    if (at + need > this.capacity) skip = this.capacity - at; // wrap to the start
    if (used + skip + need > this.capacity) return false;
    if (skip) {
      if (skip >= PREFIX) this.#view.setUint32(at, WRAP, true);
      at = 0;
    }
    this.#view.setUint32(at, size, true);
    fill(this.#bytes, at + PREFIX, this.#view);
    Atomics.store(this.#words, HEAD, (head + skip + need) | 0);
    // Only a reader that said it sleeps is woken: a notify costs the writer a lock and, on a
    // VM, microseconds (a third of the accept loop's time at 16 queries in flight, profiled),
    // and a reader that is awake reads the record anyway. The reader raises its flag before
    // it looks at the position a last time, and the writer looks at the flag after storing
    // the position (both sequentially consistent), so one of them sees the other.
    if (Atomics.load(this.#words, ASLEEP) !== 0) Atomics.notify(this.#words, HEAD);
    return true;
  }

  /** The next record (a copy), or undefined when there is none yet. */
  read(): Uint8Array | undefined {
    const head = Atomics.load(this.#words, HEAD) >>> 0;
    let tail = Atomics.load(this.#words, TAIL) >>> 0;
    if (head === tail) return undefined;
    let at = tail & (this.capacity - 1);
    if (this.capacity - at < PREFIX || this.#view.getUint32(at, true) === WRAP) {
      tail = (tail + (this.capacity - at)) >>> 0;
      at = 0;
    }
    const size = this.#view.getUint32(at, true);
    const record = this.#bytes.slice(at + PREFIX, at + PREFIX + size);
    Atomics.store(this.#words, TAIL, (tail + PREFIX + align(size)) | 0);
    return record;
  }

  /** Wakes a reader waiting in {@link Ring.wait}, whether or not a record is waiting. */
  wake(): void {
    Atomics.notify(this.#words, HEAD);
  }

  /** Whether a record is waiting to be read (without reading it). */
  get waiting(): boolean {
    return Atomics.load(this.#words, HEAD) !== Atomics.load(this.#words, TAIL);
  }

  /**
   * The position to wait on when the ring is empty, with the reader's sleep flag raised
   * (see {@link Ring.write}); undefined, the flag down, when a record is waiting.
   */
  #sleepAt(): number | undefined {
    const seen = Atomics.load(this.#words, HEAD);
    if (seen !== Atomics.load(this.#words, TAIL)) return undefined;
    Atomics.store(this.#words, ASLEEP, 1);
    if (Atomics.load(this.#words, HEAD) === seen) return seen;
    Atomics.store(this.#words, ASLEEP, 0);
    return undefined;
  }

  /** Blocks the calling thread until a record may be waiting or `timeoutMs` passes. */
  wait(timeoutMs = Infinity): void {
    const seen = this.#sleepAt();
    if (seen === undefined) return;
    Atomics.wait(this.#words, HEAD, seen, timeoutMs);
    Atomics.store(this.#words, ASLEEP, 0);
  }

  /**
   * Resolves when a record may be waiting, or after about `timeoutMs` — where the runtime
   * keeps that time-out (Deno's wait does not keep its event loop alive, and Bun 1.4.5's lost
   * some wake-ups): a caller that must not hang resolves it itself through `wake`.
   */
  waitAsync(timeoutMs: number): Promise<unknown> {
    const seen = this.#sleepAt();
    if (seen === undefined) return Promise.resolve();
    const w = waitAsync(this.#words, HEAD, seen, timeoutMs);
    if (!w.async) {
      Atomics.store(this.#words, ASLEEP, 0);
      return Promise.resolve();
    }
    const wait = ++this.#waits;
    return w.value.then(() => {
      if (wait === this.#waits) Atomics.store(this.#words, ASLEEP, 0);
    });
  }
}

/** Records start at multiples of 4 (the length prefix is read as one word). */
function align(n: number): number {
  return (n + 3) & ~3;
}

type WaitAsync = (
  a: Int32Array,
  i: number,
  v: number,
  timeoutMs: number,
) => { async: boolean; value: Promise<unknown> };

/** `Atomics.waitAsync`, or a poll of `timeoutMs` where the runtime has none. */
const waitAsync: WaitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync ??
  ((_a, _i, _v, timeoutMs) => ({
    async: true,
    value: new Promise((r) => setTimeout(r, Math.min(timeoutMs, 1))),
  }));
