/**
 * The symbol intern table: symbol values are small integer ids, as in the engine, so
 * symbol columns are `Int32Array`s, equality is an integer compare and grouping can index
 * arrays by id. The table keeps each symbol's exact bytes (what goes on the wire, even
 * when they are not valid UTF-8) and its text.
 *
 * There is one table per JS realm (each worker has its own). On its own, a table's ids are
 * its own and values move between realms as IPC bytes. Shared ({@link SymbolTable.share}),
 * its ids are the ranks of a registry several realms share (the worker pool's symbol order),
 * so that a SYMBOL column in shared memory means the same names in every worker: a name
 * another realm ranked is learned from the registry on first use. Id 0 is the null symbol
 * (empty text).
 *
 * @module
 */

import { ErrorCode, RayforceIPCError } from "./errors.ts";

/** Default capacity of a symbol table: 16 million symbols. */
export const DEFAULT_SYMBOL_LIMIT = 16_000_000;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** FNV-1a over bytes `[start, end)` of `buf` (the decoder computes the same while scanning). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h >>> 0;
}

/**
 * A registry of names that several symbol tables share (the worker pool's `SymbolOrder`):
 * one id per name, the same in every table attached to it.
 */
export interface SharedSymbols {
  /** The id of the name with these bytes, assigning the next one when new; -1 when full. */
  rank(bytes: Uint8Array): number;
  /** The bytes of the name with id `rank` (a copy), or undefined for an id not given. */
  bytesOf(rank: number): Uint8Array | undefined;
  /** Ids it can give; past them a new name is refused. */
  readonly capacity: number;
}

/**
 * Interns symbol texts and byte strings into dense ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = new SymbolTable();
 * const id = t.intern("AAPL");
 * assert.equal(t.text(id), "AAPL");
 * assert.equal(t.intern("AAPL"), id);
 * ```
 */
export class SymbolTable {
  #texts: string[] = [""];
  #bytes: Uint8Array[] = [new Uint8Array(0)];
  #hashes: number[] = [hashBytes(new Uint8Array(0), 0, 0)];
  #byText = new Map<string, number>([["", 0]]);
  /** Open-addressed index from byte hash to id + 1 (0 = empty slot). */
  #slots = new Int32Array(1024);
  /** Names known here (in a shared table, ids may have gaps: names no one here used yet). */
  #known = 1;
  /** The registry this table takes its ids from, once shared. */
  #shared: SharedSymbols | undefined;
  /**
   * Most symbols this table will hold. Symbols are never freed (as in the engine), so a
   * peer sending endless unique names would otherwise grow it without bound.
   */
  readonly limit: number;

  /** An empty table (the null symbol only) holding at most `limit` symbols. */
  constructor(limit = DEFAULT_SYMBOL_LIMIT) {
    this.limit = limit;
    this.#index(0);
  }

  /** Number of interned symbols, the null symbol included (known here, when shared). */
  get size(): number {
    return this.#known;
  }

  /**
   * From now on, takes ids from `registry`, shared with other tables. The names interned so
   * far must have there the ids they have here (the registry was seeded with the same names
   * in the same order): otherwise values already holding them would change meaning, and this
   * throws.
   */
  share(registry: SharedSymbols): void {
    for (let id = 0; id < this.#texts.length; id++) {
      const b = this.#bytes[id];
      if (b !== undefined && registry.rank(b) !== id) {
        throw new Error(
          `symbol '${this.#texts[id]}' has id ${id} here but not in the shared registry`,
        );
      }
    }
    this.#shared = registry;
  }

  /** The id of `text`, interning it when new. */
  intern(text: string): number {
    const known = this.#byText.get(text);
    if (known !== undefined) return known;
    const bytes = encoder.encode(text);
    return this.#internNew(bytes, hashBytes(bytes, 0, bytes.length), text);
  }

  /**
   * The id of the symbol whose bytes are `buf[start, end)`, interning a copy when new.
   * This is the decoder's path: repeated symbols cost a hash and a compare, no string.
   */
  internBytes(buf: Uint8Array, start: number, end: number, hash?: number): number {
    const h = hash ?? hashBytes(buf, start, end);
    const mask = this.#slots.length - 1;
    const len = end - start;
    for (let i = h & mask;; i = (i + 1) & mask) {
      const slot = this.#slots[i];
      if (slot === 0) break;
      const id = slot - 1;
      if (this.#hashes[id] !== h) continue;
      const b = this.#bytes[id];
      if (b.length !== len) continue;
      let same = true;
      for (let k = 0; k < len; k++) {
        if (b[k] !== buf[start + k]) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
    const bytes = buf.slice(start, end);
    return this.#internNew(bytes, h, decoder.decode(bytes));
  }

  /** The text of symbol `id` (invalid UTF-8 bytes read as U+FFFD). */
  text(id: number): string {
    const t = this.#texts[id] ?? this.#learn(id);
    if (t === undefined) throw new RangeError(`unknown symbol id ${id}`);
    return t;
  }

  /** The exact bytes of symbol `id`, without terminator. Do not modify. */
  bytes(id: number): Uint8Array {
    if (this.#bytes[id] === undefined) this.#learn(id);
    const b = this.#bytes[id];
    if (b === undefined) throw new RangeError(`unknown symbol id ${id}`);
    return b;
  }

  /**
   * The bytes of every symbol, indexed by id, for bulk readers such as the encoder
   * (one array read per element instead of a checked call). Do not modify. In a shared table
   * an id no one here used yet has no entry: read it with {@link SymbolTable.bytes}, which
   * fills it in.
   */
  byteTable(): readonly Uint8Array[] {
    return this.#bytes;
  }

  /** The id of `text` if it is interned, else `undefined`. */
  find(text: string): number | undefined {
    return this.#byText.get(text);
  }

  #internNew(bytes: Uint8Array, hash: number, text: string): number {
    const id = this.#shared ? this.#shared.rank(bytes) : this.#texts.length;
    if (id < 0 || (!this.#shared && id >= this.limit)) {
      const limit = this.#shared ? this.#shared.capacity : this.limit;
      throw new RayforceIPCError(`symbol table full: ${limit} symbols interned`, ErrorCode.LIMIT);
    }
    // Another thread of a shared registry may have given this name its id before this
    // table met it (decoded first as bytes, now as text): it is known here already.
    if (this.#bytes[id] !== undefined) return id;
    this.#remember(id, bytes, hash, text);
    return id;
  }

  /** The text of id `id` of the shared registry, learned here; undefined if never given. */
  #learn(id: number): string | undefined {
    const bytes = this.#shared?.bytesOf(id);
    if (bytes === undefined) return undefined;
    const text = decoder.decode(bytes);
    this.#remember(id, bytes, hashBytes(bytes, 0, bytes.length), text);
    return text;
  }

  #remember(id: number, bytes: Uint8Array, hash: number, text: string): void {
    // Filled up to `id` one element at a time: the arrays stay dense (fast) in a shared
    // table whose ids arrive out of order.
    while (this.#texts.length <= id) {
      this.#texts.push(undefined as unknown as string);
      this.#bytes.push(undefined as unknown as Uint8Array);
      this.#hashes.push(0);
    }
    this.#texts[id] = text;
    this.#bytes[id] = bytes;
    this.#hashes[id] = hash;
    this.#known++;
    // Two different invalid byte strings may read as the same text: the first keeps it.
    if (!this.#byText.has(text)) this.#byText.set(text, id);
    if (this.#known * 2 > this.#slots.length) this.#rehash();
    else this.#index(id);
  }

  #index(id: number): void {
    const mask = this.#slots.length - 1;
    let i = this.#hashes[id] & mask;
    while (this.#slots[i] !== 0) i = (i + 1) & mask;
    this.#slots[i] = id + 1;
  }

  #rehash(): void {
    this.#slots = new Int32Array(this.#slots.length * 2);
    for (let id = 0; id < this.#texts.length; id++) {
      if (this.#bytes[id] !== undefined) this.#index(id);
    }
  }
}

/** The realm's symbol table, used by every vector and atom of type SYMBOL. */
export const symbols: SymbolTable = new SymbolTable();
