/**
 * Serialization of Rayforce objects to the wire format (`rayforce-ipc.md` §5).
 *
 * Two passes: {@link encodedSize} computes the exact byte count, then the object is
 * written into a single buffer. Numeric vectors are copied with one `Uint8Array.set` of
 * their backing bytes on little-endian hosts (all supported ones), so encoding a column
 * runs at memory-copy speed.
 *
 * Deliberate differences from the engine, invisible to conforming peers: I16 vectors are
 * serialized (the engine writes a zero-size payload); lambdas carry no trailing junk bytes.
 * Error objects are the engine's bytes (`7f code` + 8 context bytes, and an empty
 * NUL-terminated message for user errors) unless `errorMessages` asks for the text.
 *
 * @module
 */
import { ErrorCode, RayforceIPCError } from "./errors.ts";
import { encodeHeader, HEADER_SIZE, MsgType } from "./header.ts";
import { symbols } from "./symbols.ts";
import {
  type Atom,
  ELEMENT_SIZE,
  type ErrorValue,
  QUOTED_SYMBOL,
  type RayObject,
  typeName,
  type Vector,
  type VectorType,
} from "./types.ts";

/** Options of the encoder. */
export interface EncodeOptions {
  /** Deepest nesting written before a {@link RayforceIPCError} (guards against cycles). Default 1024. */
  maxDepth?: number;
  /**
   * Write what only passes between two @rf/ws engines (the worker pool's replication), which
   * Rayforce's wire format cannot carry: a parse-tree symbol atom flagged `quoted` (`'x` in a
   * lambda body) under type code {@link QUOTED_SYMBOL}, a lambda's name (attrs byte 1, the
   * name after the body), and an ENUM (type 20: its domain's name, positions and symbols).
   * The engine knows none of these, so such bytes are never sent to a peer. Default false.
   */
  replica?: boolean;
  /**
   * Write a top-level error's message after its 8 context bytes (NUL-terminated), for peers
   * that asked for it (@rf/ws's own client, see `ipc/reply.ts`). Without it an error object
   * is byte-identical to the engine's, which carries no message: v1 engine clients copy the
   * bytes after the context into their error state and crash on the next error. Default
   * false (true with `replica`).
   */
  errorMessages?: boolean;
  /** The header's flags byte, for {@link encodeMessage} (for example `RFWS_FLAG`). Default 0. */
  flags?: number;
}

/**
 * How deep {@link encode} nests by default, and how deep the workers' replicas decode: a
 * value one worker could commit must be readable by every other one.
 */
export const MAX_ENCODE_DEPTH = 1024;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const encoder = new TextEncoder();

function atomSize(type: number): number {
  switch (type) {
    case -1:
    case -2:
    case -12:
      return 1;
    case -3:
      return 2;
    case -4:
    case -7:
    case -8:
      return 4;
    case -5:
    case -9:
    case -10:
      return 8;
    case -11:
      return 16;
  }
  return 0;
}

const NO_BYTES = new Uint8Array(0);

/** What follows an error's context bytes, before its NUL: see `EncodeOptions.errorMessages`. */
function errorMessageBytes(e: ErrorValue, withMessage: boolean): Uint8Array | undefined {
  if (withMessage && e.message !== "") return encoder.encode(e.message);
  return e.code === ErrorCode.USER ? NO_BYTES : undefined;
}

function notSerializable(x: RayObject): never {
  throw new RayforceIPCError(`cannot serialize ${typeName(x.type)}`, ErrorCode.TYPE);
}

/**
 * The exact number of bytes {@link encode} writes for `x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { i64 } from "./types.ts";
 * assert.equal(encodedSize(i64(1n)), 9);
 * ```
 */
export function encodedSize(x: RayObject, options: EncodeOptions = {}): number {
  const replica = options.replica ?? false;
  const messages = options.errorMessages ?? replica;
  return sizeOf(x, 0, options.maxDepth ?? MAX_ENCODE_DEPTH, messages, replica);
}

function sizeOf(
  x: RayObject,
  depth: number,
  maxDepth: number,
  /** Whether an error here carries its message: only at the top, and when asked. */
  messages: boolean,
  replica: boolean,
): number {
  if (depth > maxDepth) {
    throw new RayforceIPCError(`object nested deeper than ${maxDepth} levels`, ErrorCode.LIMIT);
  }
  const t = x.type;
  if (t < 0) {
    if (t === -6) return 2 + symbols.bytes(x.value as number).length;
    const n = atomSize(t);
    if (n === 0) notSerializable(x);
    return 1 + n;
  }
  if (t >= 1 && t <= 12) {
    const v = x as Vector;
    if (t === 6) {
      const ids = v.data as Int32Array;
      const table = symbols.byteTable();
      let n = 10 + ids.length;
      for (let i = 0; i < ids.length; i++) n += (table[ids[i]] ?? symbols.bytes(ids[i])).length;
      return n;
    }
    return 10 + v.data.length * (t === 11 ? 1 : ELEMENT_SIZE[t as VectorType]);
  }
  switch (t) {
    case 0: {
      let n = 10;
      for (const item of x.items) n += sizeOf(item, depth + 1, maxDepth, false, replica);
      return n;
    }
    case 98:
    case 99:
      return 2 + sizeOf(x.keys, depth + 1, maxDepth, false, replica) +
        sizeOf(x.values, depth + 1, maxDepth, false, replica);
    case 100:
      return 2 + sizeOf(x.args, depth + 1, maxDepth, false, replica) +
        sizeOf(x.body, depth + 1, maxDepth, false, replica) +
        (replica && x.name !== undefined ? encoder.encode(x.name).length + 1 : 0);
    case 20:
      if (!replica) return notSerializable(x);
      return 2 + encoder.encode(x.domain).length + 1 + 10 + 4 * x.data.length +
        (x.symbols ? sizeOf({ type: 6, data: x.symbols }, depth + 1, maxDepth, false, true) : 0);
    case 101:
    case 102:
    case 103:
      return 2 + encoder.encode(x.name).length;
    case 126:
      return 1;
    case 127: {
      const msg = errorMessageBytes(x, messages);
      return 10 + (msg ? msg.length + 1 : 0);
    }
  }
  return notSerializable(x);
}

class Writer {
  pos: number;
  readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    offset: number,
    readonly replica = false,
    readonly errorMessages = replica,
  ) {
    this.pos = offset;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** type ‖ attrs 00 ‖ len:i64 */
  vectorHead(type: number, len: number): void {
    this.buf[this.pos] = type;
    this.buf[this.pos + 1] = 0;
    this.view.setBigInt64(this.pos + 2, BigInt(len), true);
    this.pos += 10;
  }

  atom(x: Atom): void {
    const { view } = this;
    const p = this.pos;
    view.setInt8(p, x.type);
    const v = x.value;
    switch (x.type) {
      case -1:
      case -2:
      case -12:
        view.setUint8(p + 1, v as number);
        this.pos += 2;
        return;
      case -3:
        view.setInt16(p + 1, v as number, true);
        this.pos += 3;
        return;
      case -4:
      case -7:
      case -8:
        view.setInt32(p + 1, v as number, true);
        this.pos += 5;
        return;
      case -5:
      case -9:
        view.setBigInt64(p + 1, v as bigint, true);
        this.pos += 9;
        return;
      case -10:
        view.setFloat64(p + 1, v as number, true);
        this.pos += 9;
        return;
      case -11:
        this.buf.set(v as Uint8Array, p + 1);
        this.pos += 17;
        return;
      case -6: {
        if (this.replica && (x as { quoted?: boolean }).quoted) view.setInt8(p, QUOTED_SYMBOL);
        this.pos += 1;
        this.bytes(symbols.bytes(v as number));
        this.buf[this.pos++] = 0;
        return;
      }
    }
  }

  vector(v: Vector): void {
    const t = v.type;
    if (t === 6) {
      const ids = v.data as Int32Array;
      this.vectorHead(t, ids.length);
      const buf = this.buf;
      const table = symbols.byteTable();
      let p = this.pos;
      for (let i = 0; i < ids.length; i++) {
        const b = table[ids[i]] ?? symbols.bytes(ids[i]); // a name not used here yet (shared)
        // Short symbols are the common case: a byte loop beats set()'s call overhead.
        if (b.length < 16) { for (let k = 0; k < b.length; k++) buf[p + k] = b[k]; }
        else buf.set(b, p);
        p += b.length;
        buf[p++] = 0;
      }
      this.pos = p;
      return;
    }
    const data = v.data;
    this.vectorHead(t, t === 11 ? data.length / 16 : data.length);
    if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
      this.bytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    this.#bigEndianElements(v);
  }

  #bigEndianElements(v: Vector): void {
    const { view } = this;
    const data = v.data;
    const size = data.BYTES_PER_ELEMENT;
    for (let i = 0; i < data.length; i++, this.pos += size) {
      const x = data[i];
      if (typeof x === "bigint") view.setBigInt64(this.pos, x, true);
      else if (size === 8) view.setFloat64(this.pos, x, true);
      else if (size === 4) view.setInt32(this.pos, x, true);
      else view.setInt16(this.pos, x, true);
    }
  }

  object(x: RayObject, top: boolean): void {
    const t = x.type;
    if (t < 0) return this.atom(x as Atom);
    if (t >= 1 && t <= 12) return this.vector(x as Vector);
    const buf = this.buf;
    switch (t) {
      case 0:
        this.vectorHead(0, x.items.length);
        for (const item of x.items) this.object(item, false);
        return;
      case 98:
      case 99:
        buf[this.pos++] = t;
        buf[this.pos++] = 0;
        this.object(x.keys, false);
        this.object(x.values, false);
        return;
      case 100: {
        const named = this.replica && x.name !== undefined;
        buf[this.pos++] = t;
        buf[this.pos++] = named ? 1 : 0;
        this.object(x.args, false);
        this.object(x.body, false);
        if (named) {
          this.bytes(encoder.encode(x.name));
          buf[this.pos++] = 0;
        }
        return;
      }
      case 20:
        if (!this.replica) break;
        buf[this.pos++] = t;
        buf[this.pos++] = x.symbols ? 1 : 0;
        this.bytes(encoder.encode(x.domain));
        buf[this.pos++] = 0;
        this.vector({ type: 4, data: x.data });
        if (x.symbols) this.vector({ type: 6, data: x.symbols });
        return;
      case 101:
      case 102:
      case 103:
        buf[this.pos++] = t;
        this.bytes(encoder.encode(x.name));
        buf[this.pos++] = 0;
        return;
      case 126:
        buf[this.pos++] = t;
        return;
      case 127: {
        buf[this.pos++] = t;
        buf[this.pos++] = x.code;
        buf.fill(0, this.pos, this.pos + 8);
        if (x.context) buf.set(x.context.subarray(0, 8), this.pos);
        this.pos += 8;
        const msg = errorMessageBytes(x, top && this.errorMessages);
        if (msg) {
          this.bytes(msg);
          buf[this.pos++] = 0;
        }
        return;
      }
    }
    notSerializable(x);
  }
}

/**
 * Serializes `x` to its payload bytes (no header).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { i64 } from "./types.ts";
 * assert.deepEqual(encode(i64(3n)), Uint8Array.of(0xfb, 3, 0, 0, 0, 0, 0, 0, 0));
 * ```
 */
export function encode(x: RayObject, options: EncodeOptions = {}): Uint8Array {
  const size = encodedSize(x, options);
  const out = new Uint8Array(size);
  writer(out, 0, options).object(x, true);
  return out;
}

/**
 * Serializes `x` as a complete message: the 16-byte header with `msgtype` and the
 * payload, in one buffer (ready to send as a WebSocket binary frame).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MsgType } from "./header.ts";
 * import { str } from "./types.ts";
 * const frame = encodeMessage(str("(+ 1 2)"), MsgType.SYNC); // what socket.send takes
 * assert.equal(frame.length, 16 + 1 + 1 + 8 + 7); // header, type, attrs, length, text
 * assert.equal(frame[7], MsgType.SYNC);
 * ```
 */
export function encodeMessage(
  x: RayObject,
  msgtype: MsgType = MsgType.SYNC,
  options: EncodeOptions = {},
): Uint8Array {
  const size = encodedSize(x, options);
  const out = new Uint8Array(HEADER_SIZE + size);
  encodeHeader(msgtype, size, out, 0, options.flags);
  writer(out, HEADER_SIZE, options).object(x, true);
  return out;
}

function writer(out: Uint8Array, offset: number, options: EncodeOptions): Writer {
  const replica = options.replica ?? false;
  return new Writer(out, offset, replica, options.errorMessages ?? replica);
}
