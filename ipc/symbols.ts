/**
 * The symbol intern table: symbol values are small integer ids, as in the engine, so
 * symbol columns are `Int32Array`s, equality is an integer compare and grouping can index
 * arrays by id. The table keeps each symbol's exact bytes (what goes on the wire, even
 * when they are not valid UTF-8) and its text.
 *
 * There is one table per JS realm (each worker has its own), so ids never cross a realm:
 * values move between realms as IPC bytes. Id 0 is the null symbol (empty text).
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
 * Interns symbol texts and byte strings into dense ids.
 *
 * @example
 * ```ts
 * const t = new SymbolTable();
 * const id = t.intern("AAPL");
 * t.text(id); // "AAPL"
 * ```
 */
export class SymbolTable {
  #texts: string[] = [""];
  #bytes: Uint8Array[] = [new Uint8Array(0)];
  #hashes: number[] = [hashBytes(new Uint8Array(0), 0, 0)];
  #byText = new Map<string, number>([["", 0]]);
  /** Open-addressed index from byte hash to id + 1 (0 = empty slot). */
  #slots = new Int32Array(1024);
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

  /** Number of interned symbols, the null symbol included. */
  get size(): number {
    return this.#texts.length;
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
    const t = this.#texts[id];
    if (t === undefined) throw new RangeError(`unknown symbol id ${id}`);
    return t;
  }

  /** The exact bytes of symbol `id`, without terminator. Do not modify. */
  bytes(id: number): Uint8Array {
    const b = this.#bytes[id];
    if (b === undefined) throw new RangeError(`unknown symbol id ${id}`);
    return b;
  }

  /**
   * The bytes of every symbol, indexed by id, for bulk readers such as the encoder
   * (one array read per element instead of a checked call). Do not modify.
   */
  byteTable(): readonly Uint8Array[] {
    return this.#bytes;
  }

  /** The id of `text` if it is interned, else `undefined`. */
  find(text: string): number | undefined {
    return this.#byText.get(text);
  }

  #internNew(bytes: Uint8Array, hash: number, text: string): number {
    const id = this.#texts.length;
    if (id >= this.limit) {
      throw new RayforceIPCError(
        `symbol table full: ${this.limit} symbols interned`,
        ErrorCode.LIMIT,
      );
    }
    this.#texts.push(text);
    this.#bytes.push(bytes);
    this.#hashes.push(hash);
    // Two different invalid byte strings may read as the same text: the first keeps it.
    if (!this.#byText.has(text)) this.#byText.set(text, id);
    if ((id + 1) * 2 > this.#slots.length) this.#rehash();
    else this.#index(id);
    return id;
  }

  #index(id: number): void {
    const mask = this.#slots.length - 1;
    let i = this.#hashes[id] & mask;
    while (this.#slots[i] !== 0) i = (i + 1) & mask;
    this.#slots[i] = id + 1;
  }

  #rehash(): void {
    this.#slots = new Int32Array(this.#slots.length * 2);
    for (let id = 0; id < this.#texts.length; id++) this.#index(id);
  }
}

/** The realm's symbol table, used by every vector and atom of type SYMBOL. */
export const symbols: SymbolTable = new SymbolTable();
