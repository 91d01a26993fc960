/**
 * Deserialization of the wire format (`rayforce-ipc.md` §5) into the object model.
 *
 * Hostile bytes are expected: every length is checked against the bytes that remain
 * before anything is allocated (so a claimed size never becomes an allocation), nesting
 * is bounded, and every failure is a {@link RayforceIPCError} — never another exception,
 * a hang or an out-of-memory.
 *
 * Beyond the engine: I16 vectors are accepted; a top-level error may carry a message for
 * any code; a LAMBDA ends where its body ends (the engine's 8 trailing junk bytes are
 * ignored, like any bytes after the object).
 *
 * @module
 */
import { ErrorCode, RayforceIPCError } from "./errors.ts";
import { DEFAULT_MAX_SIZE } from "./header.ts";
import { symbols } from "./symbols.ts";
import {
  allocVector,
  type Atom,
  type Builtin,
  type BuiltinType,
  ELEMENT_SIZE,
  type Enum,
  NULL,
  QUOTED_SYMBOL,
  type RayObject,
  typeName,
  type Vector,
  type VectorDataMap,
  type VectorType,
} from "./types.ts";

/** Options of the decoder. */
export interface DecodeOptions {
  /** Deepest nesting accepted. Default 64. */
  maxDepth?: number;
  /** Largest payload accepted, in bytes. Default 256 MiB. */
  maxSize?: number;
  /**
   * Maps a builtin received by name to the object to use (the engine passes its own
   * builtins; unknown names become null as in the engine). Default: a plain
   * `{type, name}` reference.
   */
  resolveBuiltin?: (type: BuiltinType, name: string) => RayObject;
  /**
   * Read what only passes between two @rf/ws engines (written with the encoder's `replica`):
   * {@link QUOTED_SYMBOL} atoms as symbol atoms flagged `quoted`, lambda names, ENUMs. Off by
   * default: none of these exists on Rayforce's wire.
   */
  replica?: boolean;
  /**
   * Allocates the elements of each vector decoded (`allocVector`'s contract: `length`
   * elements, 16 bytes each for GUIDs). Default `allocVector`; the worker pool passes one that
   * puts large vectors in shared memory, so that a value loaded from disk is decoded once,
   * straight to where every worker reads it.
   */
  allocate?: <T extends VectorType>(type: T, length: number) => VectorDataMap[T];
}

/** Default nesting limit of the decoder. */
export const DEFAULT_MAX_DEPTH = 64;

const decoder = new TextDecoder();
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

class Reader {
  pos = 0;
  readonly view: DataView;
  readonly end: number;
  constructor(
    readonly buf: Uint8Array,
    readonly maxDepth: number,
    readonly resolveBuiltin: ((type: BuiltinType, name: string) => RayObject) | undefined,
    readonly replica = false,
    readonly allocate: <T extends VectorType>(type: T, length: number) => VectorDataMap[T] =
      allocVector,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.end = buf.length;
  }

  need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new RayforceIPCError(
        `truncated ${what} at byte ${this.pos}: need ${n} bytes, have ${this.end - this.pos}`,
      );
    }
  }

  /** Reads a vector length and checks that `len * minBytes` bytes can follow. */
  length(minBytes: number, what: string): number {
    this.need(8, `${what} length`);
    const len = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    if (len < 0n) throw new RayforceIPCError(`negative ${what} length ${len}`);
    const remaining = this.end - this.pos;
    if (len * BigInt(minBytes) > BigInt(remaining)) {
      throw new RayforceIPCError(
        `${what} length ${len} needs ${len * BigInt(minBytes)} bytes, only ${remaining} remain`,
      );
    }
    return Number(len);
  }

  /** Index of the NUL that ends the string starting at `pos`. */
  terminator(what: string): number {
    const i = this.buf.indexOf(0, this.pos);
    if (i < 0) throw new RayforceIPCError(`${what} without NUL terminator at byte ${this.pos}`);
    return i;
  }

  string(what: string): string {
    const nul = this.terminator(what);
    const s = decoder.decode(this.buf.subarray(this.pos, nul));
    this.pos = nul + 1;
    return s;
  }

  /** Reads a NUL-terminated symbol, hashing while it scans (one pass over the bytes). */
  symbolId(): number {
    const buf = this.buf;
    const start = this.pos;
    const end = this.end;
    let h = 0x811c9dc5;
    let i = start;
    for (; i < end; i++) {
      const b = buf[i];
      if (b === 0) break;
      h = Math.imul(h ^ b, 0x01000193);
    }
    if (i === end) throw new RayforceIPCError(`symbol without NUL terminator at byte ${start}`);
    this.pos = i + 1;
    return symbols.internBytes(buf, start, i, h >>> 0);
  }

  object(depth: number): RayObject {
    if (depth > this.maxDepth) {
      throw new RayforceIPCError(
        `object nested deeper than ${this.maxDepth} levels`,
        ErrorCode.LIMIT,
      );
    }
    this.need(1, "type byte");
    const t = this.view.getInt8(this.pos++);
    if (t < 0) return this.atom(t);
    if (t >= 1 && t <= 12) return this.vector(t as VectorType);
    switch (t) {
      case 0: {
        this.need(1, "list attrs");
        this.pos++;
        const n = this.length(1, "LIST");
        const items: RayObject[] = new Array(n);
        for (let i = 0; i < n; i++) items[i] = this.object(depth + 1);
        return { type: 0, items };
      }
      case 98:
      case 99: {
        this.need(1, `${typeName(t)} attrs`);
        this.pos++;
        const keys = this.object(depth + 1);
        const values = this.object(depth + 1);
        return t === 98 ? checkTable(keys, values) : checkDict(keys, values);
      }
      case 100: {
        this.need(1, "LAMBDA attrs");
        const named = this.replica && this.buf[this.pos] === 1;
        this.pos++;
        const args = this.object(depth + 1);
        const body = this.object(depth + 1);
        if (args.type !== 6) {
          throw new RayforceIPCError(
            `LAMBDA parameters must be a SYMBOL vector, got ${typeName(args.type)}`,
            ErrorCode.TYPE,
          );
        }
        if (named) return { type: 100, args, body, name: this.string("lambda name") };
        return { type: 100, args, body };
      }
      case 20: {
        if (!this.replica) break;
        this.need(1, "ENUM attrs");
        const withSymbols = this.buf[this.pos++] === 1;
        const domain = this.string("enum domain");
        const data = this.object(depth + 1);
        const syms = withSymbols ? this.object(depth + 1) : undefined;
        if (data.type !== 4 || (syms && (syms.type !== 6 || countOf(syms) !== countOf(data)))) {
          throw new RayforceIPCError("malformed ENUM", ErrorCode.TYPE);
        }
        return {
          type: 20,
          domain,
          data: data.data,
          symbols: syms && syms.data,
        } as Enum;
      }
      case 101:
      case 102:
      case 103: {
        const name = this.string("builtin name");
        if (this.resolveBuiltin) return this.resolveBuiltin(t, name);
        return { type: t, name } as Builtin;
      }
      case 126:
        return NULL;
      case 127: {
        this.need(9, "ERROR");
        const code = this.buf[this.pos];
        const context = this.buf.slice(this.pos + 1, this.pos + 9);
        this.pos += 9;
        let message = "";
        if (code === ErrorCode.USER) {
          message = this.pos < this.end ? this.string("error message") : "";
        } else if (depth === 0 && this.pos < this.end) {
          // @rf/ws sends a message for every code; peers that do not simply end here.
          const nul = this.buf.indexOf(0, this.pos);
          const stop = nul < 0 ? this.end : nul;
          message = decoder.decode(this.buf.subarray(this.pos, stop));
          this.pos = nul < 0 ? this.end : nul + 1;
        }
        return { type: 127, code, context, message };
      }
    }
    throw new RayforceIPCError(`unknown type code ${t}`, ErrorCode.TYPE);
  }

  atom(t: number): RayObject {
    const { view } = this;
    const p = this.pos;
    switch (t) {
      case -1:
      case -2:
      case -12:
        this.need(1, typeName(t));
        this.pos += 1;
        return { type: t, value: this.buf[p] };
      case -3:
        this.need(2, "i16");
        this.pos += 2;
        return { type: t, value: view.getInt16(p, true) };
      case -4:
      case -7:
      case -8:
        this.need(4, typeName(t));
        this.pos += 4;
        return { type: t, value: view.getInt32(p, true) };
      case -5:
      case -9:
        this.need(8, typeName(t));
        this.pos += 8;
        return { type: t, value: view.getBigInt64(p, true) };
      case -10:
        this.need(8, "f64");
        this.pos += 8;
        return { type: t, value: view.getFloat64(p, true) };
      case -11:
        this.need(16, "guid");
        this.pos += 16;
        return { type: t, value: this.buf.slice(p, p + 16) };
      case -6:
        return { type: t, value: this.symbolId() };
      case QUOTED_SYMBOL:
        if (this.replica) return { type: -6, value: this.symbolId(), quoted: true } as Atom;
    }
    throw new RayforceIPCError(`unknown type code ${t}`, ErrorCode.TYPE);
  }

  vector(t: VectorType): Vector {
    this.need(1, `${typeName(t)} attrs`);
    this.pos++;
    if (t === 6) {
      const n = this.length(1, "SYMBOL");
      const ids = this.allocate(6, n);
      for (let i = 0; i < n; i++) ids[i] = this.symbolId();
      return { type: 6, data: ids };
    }
    const size = ELEMENT_SIZE[t];
    const n = this.length(size, typeName(t));
    const bytes = n * size;
    const src = this.buf.subarray(this.pos, this.pos + bytes);
    this.pos += bytes;
    const data = this.allocate(t, n);
    if (size === 1 || t === 11) {
      // B8 bytes stay as sent: the engine keeps non-canonical booleans (`ff 05`) too.
      (data as Uint8Array).set(src);
      return { type: t, data } as Vector;
    }
    if (LITTLE_ENDIAN) {
      // One aligned copy: the payload offset is rarely a multiple of the element size. Into
      // the array's own bytes: an allocator may give a view that does not start its buffer
      // (a shared column starts after its header).
      new Uint8Array(data.buffer, data.byteOffset, bytes).set(src);
    } else {
      const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
      for (let i = 0; i < n; i++) {
        if (size === 2) (data as Int16Array)[i] = view.getInt16(i * 2, true);
        else if (size === 4) (data as Int32Array)[i] = view.getInt32(i * 4, true);
        else if (t === 10) (data as Float64Array)[i] = view.getFloat64(i * 8, true);
        else (data as BigInt64Array)[i] = view.getBigInt64(i * 8, true);
      }
    }
    return { type: t, data } as Vector;
  }
}

/** Element count of a vector or LIST (NULL: 0, the keys of `{}`), `-1` for anything else. */
function countOf(x: RayObject): number {
  if (x.type === 0) return x.items.length;
  if (x.type === 126) return 0;
  if (x.type >= 1 && x.type <= 12) {
    const v = x as Vector;
    return v.type === 11 ? v.data.length / 16 : v.data.length;
  }
  return -1;
}

function checkDict(keys: RayObject, values: RayObject): RayObject {
  const nk = countOf(keys);
  const nv = countOf(values);
  if (nk < 0 || nv < 0) {
    throw new RayforceIPCError(
      `DICT keys and values must be vectors or lists, got ${typeName(keys.type)} and ${
        typeName(values.type)
      }`,
      ErrorCode.TYPE,
    );
  }
  if (nk !== nv) {
    throw new RayforceIPCError(`DICT has ${nk} keys but ${nv} values`, ErrorCode.LENGTH);
  }
  return { type: 99, keys, values };
}

function checkTable(keys: RayObject, values: RayObject): RayObject {
  if (keys.type !== 6 || values.type !== 0) {
    throw new RayforceIPCError(
      `TABLE needs a SYMBOL vector of names and a LIST of columns, got ${typeName(keys.type)} and ${
        typeName(values.type)
      }`,
      ErrorCode.TYPE,
    );
  }
  const names = keys as Vector<6>;
  if (names.data.length !== values.items.length) {
    throw new RayforceIPCError(
      `TABLE has ${names.data.length} names but ${values.items.length} columns`,
      ErrorCode.LENGTH,
    );
  }
  let rows = -1;
  for (const col of values.items) {
    const n = countOf(col);
    if (n < 0) {
      throw new RayforceIPCError(`TABLE column of type ${typeName(col.type)}`, ErrorCode.TYPE);
    }
    if (rows >= 0 && n !== rows) {
      throw new RayforceIPCError(
        `TABLE columns of different lengths (${rows} and ${n})`,
        ErrorCode.LENGTH,
      );
    }
    rows = n;
  }
  return { type: 98, keys: names, values };
}

/**
 * Decodes one object from the payload `bytes` (no header). Bytes after the object are
 * ignored, as by the engine. Throws {@link RayforceIPCError} on anything malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(decode(Uint8Array.of(0xfb, 3, 0, 0, 0, 0, 0, 0, 0)), { type: -5, value: 3n });
 * ```
 */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): RayObject {
  const maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
  if (bytes.length === 0) {
    throw new RayforceIPCError(
      "empty payload (the peer could not serialize its result)",
      ErrorCode.DOMAIN,
    );
  }
  if (bytes.length > maxSize) {
    throw new RayforceIPCError(
      `payload of ${bytes.length} bytes exceeds the limit of ${maxSize}`,
      ErrorCode.LIMIT,
    );
  }
  const reader = new Reader(
    bytes,
    options.maxDepth ?? DEFAULT_MAX_DEPTH,
    options.resolveBuiltin,
    options.replica,
    options.allocate,
  );
  try {
    return reader.object(0);
  } catch (e) {
    if (e instanceof RayforceIPCError) throw e;
    // Defensive: nothing above should throw anything else, but if it does the caller
    // still gets the one error type the contract promises.
    throw new RayforceIPCError(`malformed payload: ${(e as Error).message}`);
  }
}
