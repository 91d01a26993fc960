/**
 * How a server answers one IPC message: the rule that lets the engine's clients, rayforce-py's
 * WebSocket client and @rf/ws's own client share one port, each getting the answer it reads.
 *
 * | message | transport | answer |
 * | --- | --- | --- |
 * | msgtype 1 (sync) | any | msgtype 2; an error is the engine's error object, byte for byte |
 * | msgtype 1 with {@link RFWS_FLAG} | any | msgtype 2; an error object carries its message |
 * | msgtype 0 | WebSocket | the seeds' convention: msgtype 0, a failure as a string (below) |
 * | msgtype 0 with {@link RFWS_FLAG} | WebSocket | none (fire-and-forget) |
 * | msgtype 0 or 2 | TCP | none, as the engine |
 * | msgtype 2 | WebSocket | none, as the engine |
 *
 * The seeds are rayforce-py's `WSServer`/`WSClient`: its client sends every message with
 * msgtype 0 and cannot decode an error object, and its server answers every message with
 * msgtype 0 and a failed query with the string of the Python exception rayforce-py raises
 * for it ({@link seedsErrorText}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMessage, MsgType, RFWS_FLAG, str } from "./mod.ts";
 * import { replyStyle } from "./reply.ts";
 * assert.equal(replyStyle(encodeMessage(str("x"), MsgType.ASYNC), "websocket"), "seeds");
 * assert.equal(
 *   replyStyle(encodeMessage(str("x"), MsgType.ASYNC, { flags: RFWS_FLAG }), "websocket"),
 *   "none",
 * );
 * ```
 *
 * @module
 */
import { encodeMessage } from "./encode.ts";
import { errorName } from "./errors.ts";
import { MsgType, RFWS_FLAG } from "./header.ts";
import { type RayObject, str } from "./types.ts";

/**
 * The form of a message's answer: none; the engine's (`engine`); the engine's with error
 * messages (`rich`, @rf/ws's client); rayforce-py's WebSocket server's (`seeds`).
 */
export type ReplyStyle = "none" | "engine" | "rich" | "seeds";

/** The transport a message arrived on: the conventions differ only for msgtype 0. */
export type Transport = "websocket" | "tcp";

/**
 * The answer a message (its header is enough: 16 bytes) gets on `transport`, by the table
 * of this module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMessage, MsgType, str } from "./mod.ts";
 * assert.equal(replyStyle(encodeMessage(str("(+ 1 2)"), MsgType.SYNC), "tcp"), "engine");
 * ```
 */
export function replyStyle(message: Uint8Array, transport: Transport): ReplyStyle {
  const ours = (message[5] & RFWS_FLAG) !== 0;
  switch (message[7]) {
    case MsgType.SYNC:
      return ours ? "rich" : "engine";
    case MsgType.ASYNC:
      return transport === "websocket" && !ours ? "seeds" : "none";
  }
  return "none";
}

/**
 * The answer message for `value` in `style` (null for `none`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeMessage, errorValue } from "./mod.ts";
 * const engine = encodeReply(errorValue(6, "'x' not found"), "engine")!;
 * assert.deepEqual(engine.subarray(16, 18), Uint8Array.of(0x7f, 6)); // an error object, code 6
 * const seeds = decodeMessage(encodeReply(errorValue(6, "'x' not found"), "seeds")!);
 * assert.equal(seeds.header.msgtype, 0);
 * assert.equal(seeds.value.type, 12); // a string
 * ```
 */
export function encodeReply(value: RayObject, style: ReplyStyle): Uint8Array | null {
  switch (style) {
    case "none":
      return null;
    case "engine":
      return encodeMessage(value, MsgType.RESPONSE);
    case "rich":
      return encodeMessage(value, MsgType.RESPONSE, { errorMessages: true });
    case "seeds":
      return encodeMessage(
        value.type === 127 ? str(seedsErrorText(value.code, value.message)) : value,
        MsgType.ASYNC,
      );
  }
}

/** Detail lines of the engine (`engine/errors.ts`) → rayforce-py's text of the same fields. */
const SEEDS_DETAILS: Record<number, [RegExp, (m: RegExpMatchArray) => string]> = {
  1: [/^expected (\S+), got (\S+)/, (m) => `expected: ${m[1]}, got: ${m[2]}`],
  2: [/^expected (\d+) arguments?, got (\d+)/, (m) => `expected: ${m[1]}, got: ${m[2]}`],
  3: [/^need (-?\d+), have (-?\d+)/, (m) => `need: ${m[1]}, given: ${m[2]}`],
  5: [/^index (\S+) not in \[0 (\S+)\]/, (m) => `index: ${m[1]}, bound: ${m[2]}`],
  6: [/^'(.*)' not found$/s, (m) => `name: ${m[1]}`],
  7: [/^limit (\d+) exceeded$|^(.+)$/s, (m) => `limit: ${m[1] ?? m[2]}`],
  8: [/^(.+)/s, (m) => `message: ${m[1]}`],
  10: [/^for type (\S+)/, (m) => `{'code': 'nyi', 'type': '${m[1]}'}`],
};

/**
 * The string rayforce-py's `WSServer` sends for a failed query: the text of the exception
 * rayforce-py raises for the engine's error (`rayforce/errors.py`), for example
 * `expected: i64, got: symbol` (type), `name: x` (value), `{'code': 'domain'}` (codes whose
 * exception prints the error's fields). `message` is the engine's detail line; where it is
 * empty or has another form, the fields rayforce-py would print are the code's alone. Our
 * server's own refusals are `limit` errors and keep their text (`limit: server busy: …`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(seedsErrorText(1, "expected i64, got symbol"), "expected: i64, got: symbol");
 * assert.equal(seedsErrorText(4, ""), "{'code': 'domain'}");
 * ```
 */
export function seedsErrorText(code: number, message: string): string {
  const rule = SEEDS_DETAILS[code];
  const m = rule && message.match(rule[0]);
  return m ? rule[1](m) : `{'code': '${errorName(code)}'}`;
}
