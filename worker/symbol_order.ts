/**
 * One interning order of symbols for the whole server. The engine compares symbols
 * (`<`, `>`, `distinct`, `union`) by the order in which it first met them; each worker of
 * the pool is an engine with its own intern table, so without a shared order the same query
 * could answer differently depending on the worker that runs it. This registry, in shared
 * memory, gives every symbol one server-wide rank: the first worker to meet a name assigns
 * the next rank, the others find it. It outlives workers, so a replacement worker keeps the
 * order.
 *
 * There is no lock, so a worker stopped at its time limit in the middle of ranking cannot
 * block the others: a new name reserves a rank with an atomic add, writes its bytes, and is
 * published by a compare-and-swap into the index after them; two threads ranking the same
 * name at once race for the same index slot and the loser takes the winner's rank (its
 * reservation stays unused: ranks are an order, gaps are harmless). The capacity is fixed
 * (shared memory cannot be reallocated behind the other threads' backs), but large: the
 * memory is reserved, not used, until names fill it (16M names and 512 MiB of their bytes
 * cost no resident memory when empty). Past it `rank` answers -1 and the engine refuses the
 * new name with a `limit` error, the same on every worker (ranking it locally made
 * comparisons answer by worker).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const order = new SymbolOrder(); // pool side; send order.buffers to workers
 * const mine = new SymbolOrder(order.buffers); // worker side
 * const aapl = new TextEncoder().encode("AAPL");
 * const rank = mine.rank(aapl);
 * assert.equal(order.rank(aapl), rank); // the same rank on every side
 * ```
 *
 * @module
 */
import { hashBytes } from "../ipc/symbols.ts";

/** The shared memory of a registry, sent to each worker. */
export interface SymbolOrderBuffers {
  /** ranks reserved, heap bytes reserved; then per rank: hash, heap offset, length; then the index. */
  table: SharedArrayBuffer;
  /** The names' bytes. */
  heap: SharedArrayBuffer;
}

/** Capacity of a registry. */
export interface SymbolOrderCapacity {
  /** Most names ranked server-wide. Default 16,777,216. */
  names?: number;
  /** Most bytes of names. Default 512 MiB. */
  bytes?: number;
}

const COUNT = 0, USED = 1, HEADER = 4;

/** A server-wide symbol order in shared memory. */
export class SymbolOrder {
  /** The shared memory, for {@link SymbolOrder} instances in other threads. */
  readonly buffers: SymbolOrderBuffers;
  /** Most names this registry ranks. */
  readonly capacity: number;
  #control: Int32Array;
  #hashes: Int32Array;
  #offsets: Int32Array;
  #lengths: Int32Array;
  /** Open-addressed index: rank + 1, 0 for an empty slot; twice the capacity. */
  #index: Int32Array;
  #heap: Uint8Array;

  /** A new registry, or a view of the one in `buffers`. */
  constructor(buffers?: SymbolOrderBuffers, capacity: SymbolOrderCapacity = {}) {
    if (!buffers) {
      const names = 2 ** Math.ceil(Math.log2(Math.max(16, capacity.names ?? 1 << 24)));
      buffers = {
        table: new SharedArrayBuffer((HEADER + 3 * names + 2 * names) * 4),
        heap: new SharedArrayBuffer(capacity.bytes ?? 512 << 20),
      };
    }
    this.buffers = buffers;
    const words = buffers.table.byteLength / 4;
    this.capacity = (words - HEADER) / 5;
    const n = this.capacity;
    this.#control = new Int32Array(buffers.table, 0, HEADER);
    this.#hashes = new Int32Array(buffers.table, HEADER * 4, n);
    this.#offsets = new Int32Array(buffers.table, (HEADER + n) * 4, n);
    this.#lengths = new Int32Array(buffers.table, (HEADER + 2 * n) * 4, n);
    this.#index = new Int32Array(buffers.table, (HEADER + 3 * n) * 4, 2 * n);
    this.#heap = new Uint8Array(buffers.heap);
  }

  /** Ranks given so far (a rank reserved by a thread that lost a race counts too). */
  get size(): number {
    return Math.min(this.capacity, Atomics.load(this.#control, COUNT));
  }

  /** The server-wide rank of the name with these bytes, assigning the next one when new; -1 when full. */
  rank(bytes: Uint8Array): number {
    const hash = hashBytes(bytes, 0, bytes.length) | 0;
    const mask = this.#index.length - 1;
    let i = hash & mask;
    let mine = -1; // the rank reserved for these bytes, once it is needed
    for (;;) {
      const slot = Atomics.load(this.#index, i);
      if (slot !== 0) {
        if (this.#holds(slot - 1, bytes, hash)) return slot - 1;
        i = (i + 1) & mask;
        continue;
      }
      // Not ranked: reserve a rank and room for the bytes, write them, then claim the empty
      // slot. If another thread claims it first (perhaps for the same name), look at what it
      // put there and go on probing. A thread stopped anywhere in this leaves at most an
      // unused rank and some unused bytes, never a lock held.
      if (mine < 0) {
        mine = this.#reserve(bytes, hash);
        if (mine < 0) return -1;
      }
      if (Atomics.compareExchange(this.#index, i, 0, mine + 1) === 0) return mine;
    }
  }

  /**
   * The bytes of the name ranked `rank` (a copy), or undefined for a rank not given. Only for
   * ranks met in a value: a thread publishes a rank after its bytes are written.
   */
  bytesOf(rank: number): Uint8Array | undefined {
    if (rank < 0 || rank >= this.size) return undefined;
    const at = this.#offsets[rank];
    return this.#heap.slice(at, at + this.#lengths[rank]);
  }

  /**
   * A registry whose first ranks are `names`, in their order: what a worker's symbol table
   * holds before it shares the registry (the null symbol, then the names its engine interns
   * at start), so that those ids stay what they are there.
   */
  static seeded(names: readonly string[], capacity?: SymbolOrderCapacity): SymbolOrder {
    const order = new SymbolOrder(undefined, capacity);
    const encoder = new TextEncoder();
    for (const name of names) order.rank(encoder.encode(name));
    return order;
  }

  /** Reserves the next rank and room for `bytes`, and writes them there; -1 when full. */
  #reserve(bytes: Uint8Array, hash: number): number {
    // Checked before adding too, so that calls past full do not push the counters on.
    if (Atomics.load(this.#control, COUNT) >= this.capacity) return -1;
    if (Atomics.load(this.#control, USED) + bytes.length > this.#heap.length) return -1;
    const at = Atomics.add(this.#control, USED, bytes.length);
    if (at + bytes.length > this.#heap.length) return -1;
    const rank = Atomics.add(this.#control, COUNT, 1);
    if (rank >= this.capacity) return -1;
    this.#heap.set(bytes, at);
    this.#hashes[rank] = hash;
    this.#offsets[rank] = at;
    this.#lengths[rank] = bytes.length;
    return rank;
  }

  /** Whether rank `rank` is the name with these bytes. */
  #holds(rank: number, bytes: Uint8Array, hash: number): boolean {
    if (this.#hashes[rank] !== hash || this.#lengths[rank] !== bytes.length) return false;
    const at = this.#offsets[rank];
    for (let k = 0; k < bytes.length; k++) if (this.#heap[at + k] !== bytes[k]) return false;
    return true;
  }
}
