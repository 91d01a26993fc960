/**
 * Whole messages: one WebSocket binary frame holds one message, a TCP stream holds many
 * back to back in arbitrary chunks ({@link FrameReader}).
 *
 * @module
 */
import { decode, type DecodeOptions } from "./decode.ts";
import { RayforceIPCError } from "./errors.ts";
import { decodeHeader, DEFAULT_MAX_SIZE, type Header, HEADER_SIZE } from "./header.ts";
import type { RayObject } from "./types.ts";

export { encodeMessage } from "./encode.ts";

/** A framed message: its header and its payload bytes. */
export interface Frame {
  /** The decoded 16-byte header. */
  header: Header;
  /** The payload bytes (`header.size` of them). */
  payload: Uint8Array;
}

/**
 * Splits a complete message (header + payload) and checks that the header's size is
 * exactly the number of bytes that follow it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMessage } from "./encode.ts";
 * import { MsgType } from "./header.ts";
 * import { i64 } from "./types.ts";
 * const { header, payload } = splitMessage(encodeMessage(i64(3n), MsgType.SYNC));
 * assert.equal(header.msgtype, MsgType.SYNC);
 * assert.equal(payload.length, 9);
 * ```
 */
export function splitMessage(bytes: Uint8Array, maxSize = DEFAULT_MAX_SIZE): Frame {
  const header = decodeHeader(bytes, maxSize);
  const have = bytes.length - HEADER_SIZE;
  if (header.size !== have) {
    throw new RayforceIPCError(
      `header announces ${header.size} payload bytes but the frame carries ${have}`,
    );
  }
  return { header, payload: bytes.subarray(HEADER_SIZE) };
}

/**
 * Decodes a complete message (header + payload) into its header and object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMessage } from "./encode.ts";
 * import { MsgType } from "./header.ts";
 * import { i64 } from "./types.ts";
 * const { header, value } = decodeMessage(encodeMessage(i64(3n), MsgType.RESPONSE));
 * assert.equal(header.msgtype, MsgType.RESPONSE);
 * assert.deepEqual(value, i64(3n));
 * ```
 */
export function decodeMessage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): { header: Header; value: RayObject } {
  const { header, payload } = splitMessage(bytes, options.maxSize);
  return { header, value: decode(payload, options) };
}

/**
 * Reassembles messages from a byte stream delivered in arbitrary chunks (TCP).
 * Push chunks in, take complete frames out; a bad header throws
 * {@link RayforceIPCError} and the stream should then be closed (its framing is lost).
 * A payload is never buffered beyond `maxSize`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMessage } from "./encode.ts";
 * import { MsgType } from "./header.ts";
 * import { i64 } from "./types.ts";
 * const reader = new FrameReader();
 * const bytes = encodeMessage(i64(3n), MsgType.SYNC); // a stream cuts frames anywhere
 * assert.equal(reader.push(bytes.subarray(0, 5)).length, 0);
 * const frames = reader.push(bytes.subarray(5));
 * assert.equal(frames.length, 1);
 * ```
 */
export class FrameReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #header: Header | undefined;
  readonly #maxSize: number;

  /** A reader refusing payloads over `maxSize` bytes (default 256 MiB). */
  constructor(options: { maxSize?: number } = {}) {
    this.#maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Adds a chunk and returns every frame it completes (possibly none). */
  push(chunk: Uint8Array): Frame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (!this.#header) {
        if (this.#buffered < HEADER_SIZE) break;
        this.#header = decodeHeader(this.#take(HEADER_SIZE), this.#maxSize);
      }
      if (this.#buffered < this.#header.size) break;
      frames.push({ header: this.#header, payload: this.#take(this.#header.size) });
      this.#header = undefined;
    }
    return frames;
  }

  /** Removes and returns the first `n` buffered bytes (one copy, none when a chunk suffices). */
  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0];
      const k = Math.min(c.length, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#buffered -= n;
    return out;
  }
}
