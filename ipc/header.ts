/**
 * The handshake and the 16-byte message header (`rayforce-ipc.md` §2–3).
 *
 * @module
 */
import { ErrorCode, RayforceIPCError } from "./errors.ts";

/** Size of the message header in bytes. */
export const HEADER_SIZE = 16;
/** The header prefix `fa de fa ce` read as a little-endian u32. */
export const PREFIX = 0xcefadefa;
/** The only protocol version in existence. */
export const VERSION = 1;
/** Default upper bound of a payload accepted by the decoder: 256 MiB. */
export const DEFAULT_MAX_SIZE = 256 * 1024 * 1024;

/** Message types of the header's `msgtype` byte. */
export const MsgType = {
  /** Evaluate, never answer. */
  ASYNC: 0,
  /** Evaluate and answer with exactly one RESPONSE. */
  SYNC: 1,
  /** An answer to a SYNC message. */
  RESPONSE: 2,
} as const;
/**
 * Bit of the header's flags byte (which the engine neither defines nor reads) set by
 * @rf/ws's own client on every message: "msgtype 0 is fire-and-forget on every transport,
 * and I read error messages". Without it, a msgtype-0 message on WebSocket follows the
 * seeds' convention (rayforce-py's client sends only those, and its server answers each);
 * see `ipc/reply.ts`.
 */
export const RFWS_FLAG = 0x80;

/** A message type: 0 async, 1 sync, 2 response. */
export type MsgType = typeof MsgType[keyof typeof MsgType];

/** A decoded message header. */
export interface Header {
  /** Protocol version (1). */
  version: number;
  /** Flags byte (0). */
  flags: number;
  /** Byte order (0: little-endian, the only one accepted). */
  endian: number;
  /** 0 async, 1 sync, 2 response. */
  msgtype: MsgType;
  /** Number of payload bytes after the header. */
  size: number;
}

/**
 * Writes a header for a payload of `size` bytes into `target` at `offset` (a new
 * 16-byte array when omitted), with the flags byte `flags` (0 unless {@link RFWS_FLAG}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   encodeHeader(MsgType.SYNC, 17),
 *   Uint8Array.of(0xfa, 0xde, 0xfa, 0xce, 1, 0, 0, 1, 17, 0, 0, 0, 0, 0, 0, 0),
 * );
 * ```
 */
export function encodeHeader(
  msgtype: MsgType,
  size: number,
  target: Uint8Array = new Uint8Array(HEADER_SIZE),
  offset = 0,
  flags = 0,
): Uint8Array {
  const view = new DataView(target.buffer, target.byteOffset + offset, HEADER_SIZE);
  view.setUint32(0, PREFIX, true);
  view.setUint8(4, VERSION);
  view.setUint8(5, flags);
  view.setUint8(6, 0);
  view.setUint8(7, msgtype);
  view.setBigInt64(8, BigInt(size), true);
  return target;
}

/**
 * Reads and validates the header at the start of `bytes`: prefix `fa de fa ce`, endian 0,
 * msgtype 0–2, a size between 0 and `maxSize`. Anything else throws
 * {@link RayforceIPCError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = decodeHeader(encodeHeader(MsgType.SYNC, 17));
 * assert.equal(h.msgtype, MsgType.SYNC);
 * assert.equal(h.size, 17);
 * ```
 */
export function decodeHeader(bytes: Uint8Array, maxSize = DEFAULT_MAX_SIZE): Header {
  if (bytes.length < HEADER_SIZE) {
    throw new RayforceIPCError(`truncated header: ${bytes.length} of ${HEADER_SIZE} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  const prefix = view.getUint32(0, true);
  if (prefix !== PREFIX) {
    throw new RayforceIPCError(
      `bad header prefix 0x${prefix.toString(16).padStart(8, "0")} (expected fa de fa ce)`,
    );
  }
  const version = view.getUint8(4);
  const flags = view.getUint8(5);
  const endian = view.getUint8(6);
  const msgtype = view.getUint8(7);
  if (endian !== 0) throw new RayforceIPCError(`unsupported endian ${endian} (only 0 = little)`);
  if (msgtype > 2) {
    throw new RayforceIPCError(`bad msgtype ${msgtype} (0 async, 1 sync, 2 response)`);
  }
  // Read the i64 as two words: no BigInt per frame on the hot path.
  const lo = view.getUint32(8, true);
  const hi = view.getInt32(12, true);
  if (hi < 0) throw new RayforceIPCError(`negative payload size ${view.getBigInt64(8, true)}`);
  const size = hi * 4294967296 + lo;
  if (size > maxSize) {
    throw new RayforceIPCError(
      `payload size ${
        hi > 2097151 ? view.getBigInt64(8, true) : size
      } exceeds the limit of ${maxSize} bytes`,
      ErrorCode.LIMIT,
    );
  }
  return { version, flags, endian, msgtype: msgtype as MsgType, size };
}

// ---------------------------------------------------------------- handshake

/** The server's handshake reply: the single version byte `01`. */
export const HANDSHAKE_REPLY: Uint8Array = Uint8Array.of(VERSION);

/** A parsed client handshake. */
export interface Handshake {
  /** The version byte the client sent. */
  version: number;
  /** The text before the version byte (`user:password`), empty when none. */
  credentials: string;
  /** `credentials` before the first `:`. */
  user: string;
  /** `credentials` after the first `:`, empty when there is no `:`. */
  password: string;
}

/**
 * The client's handshake: `[user:password] version 00`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(encodeHandshake(), Uint8Array.of(1, 0));
 * assert.deepEqual(encodeHandshake("a:b"), Uint8Array.of(0x61, 0x3a, 0x62, 1, 0));
 * ```
 */
export function encodeHandshake(credentials = ""): Uint8Array {
  const text = new TextEncoder().encode(credentials);
  const out = new Uint8Array(text.length + 2);
  out.set(text);
  out[text.length] = VERSION;
  return out;
}

/**
 * Parses a handshake: at least 2 bytes, ending in `00`, no other `00` byte after
 * position 1 (the engine ends the handshake at the first `00` at position ≥ 2).
 * Returns `undefined` when `bytes` is not a handshake.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = parseHandshake(Uint8Array.of(0x61, 0x3a, 0x62, 1, 0));
 * assert.equal(h?.version, 1);
 * assert.equal(h?.credentials, "a:b");
 * ```
 */
export function parseHandshake(bytes: Uint8Array): Handshake | undefined {
  const n = bytes.length;
  if (n < 2 || bytes[n - 1] !== 0) return undefined;
  for (let i = 2; i < n - 1; i++) if (bytes[i] === 0) return undefined;
  const version = bytes[n - 2];
  const credentials = new TextDecoder().decode(bytes.subarray(0, n - 2));
  const colon = credentials.indexOf(":");
  return {
    version,
    credentials,
    user: colon < 0 ? credentials : credentials.slice(0, colon),
    password: colon < 0 ? "" : credentials.slice(colon + 1),
  };
}
