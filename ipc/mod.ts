/**
 * The Rayforce IPC codec: the object model, the handshake, the 16-byte header, the
 * serializer and deserializer, message framing and the JSON mapping. Used by the client,
 * the server, the worker pool and the engine; depends on nothing else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeMessage, encodeMessage, MsgType, str, toJSON } from "@rf/ws/ipc";
 * const frame = encodeMessage(str("(+ 1 2)"), MsgType.SYNC); // socket.send(frame)
 * // socket.onmessage = (e) => toJSON(decodeMessage(new Uint8Array(e.data)).value)
 * assert.equal(toJSON(decodeMessage(frame).value), "(+ 1 2)");
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./header.ts";
export { encode, encodedSize, encodeMessage, type EncodeOptions } from "./encode.ts";
export { decode, type DecodeOptions, DEFAULT_MAX_DEPTH } from "./decode.ts";
export { decodeMessage, type Frame, FrameReader, splitMessage } from "./frame.ts";
export {
  encodeReply,
  type ReplyStyle,
  replyStyle,
  seedsErrorText,
  type Transport,
} from "./reply.ts";
export { type JSONValue, type JSValue, toJS, toJSON } from "./json.ts";
export { type SharedSymbols, symbols, SymbolTable } from "./symbols.ts";
export * from "./temporal.ts";
