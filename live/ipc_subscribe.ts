/**
 * Recognizes a live-table subscription among a session's IPC messages: the source
 * `(.u.sub 'trades)` or `(.u.sub 'trades [AAPL MSFT])` (rows whose `sym` is one of those, a
 * kdb+ tickerplant's convention; `[]` for all), then optionally the version and epoch to
 * resume from, `(.u.sub 'trades [] 41 "epoch")`, sent as a string. The session answers it itself, in its
 * place among the answers, instead of evaluating it (live/table_feed.ts `subscribeIpc`).
 * Only the message's first bytes are looked at for any other message.
 *
 * @example
 * ```ts
 * import { subscribeCall } from "./ipc_subscribe.ts";
 * import { encodeMessage, MsgType, str } from "../ipc/mod.ts";
 * import assert from "node:assert/strict";
 * const frame = encodeMessage(str("(.u.sub 'trades [AAPL])"), MsgType.SYNC);
 * assert.deepEqual(subscribeCall(frame), { table: "trades", where: { sym: ["AAPL"] } });
 * assert.equal(subscribeCall(encodeMessage(str("(+ 1 2)"), MsgType.SYNC)), undefined);
 * ```
 *
 * @module
 */
import { HEADER_SIZE, type JSONValue, type RayObject, symbols, type Vector } from "../ipc/mod.ts";
import { read } from "../engine/reader.ts";

/** A subscription asked for by IPC. */
export interface SubscribeCall {
  table: string;
  where?: Record<string, JSONValue[]>;
  /** Resume after this version of this epoch. */
  since?: number;
  epoch?: string;
}

const PREFIX = "(.u.sub";
const decoder = new TextDecoder();

/**
 * The subscription `frame` (a whole IPC message) asks for; undefined when it is not one; an
 * Error for a malformed one (answered as an error).
 */
export function subscribeCall(frame: Uint8Array): SubscribeCall | Error | undefined {
  // A C8 vector: type 12, attributes, 8-byte length, the text.
  const start = HEADER_SIZE + 10;
  if (frame.length < start + PREFIX.length || frame[HEADER_SIZE] !== 12) return undefined;
  let i = start;
  while (i < frame.length && (frame[i] === 0x20 || frame[i] === 0x0a || frame[i] === 0x09)) i++;
  for (let k = 0; k < PREFIX.length; k++) {
    if (frame[i + k] !== PREFIX.charCodeAt(k)) return undefined;
  }
  const next = frame[i + PREFIX.length];
  if (next !== 0x20 && next !== 0x29 && next !== 0x0a && next !== 0x09) return undefined;
  const source = decoder.decode(frame.subarray(start));
  let tree: RayObject;
  try {
    tree = read(source, () => undefined);
  } catch (e) {
    return new Error(`.u.sub: ${(e as Error).message}`);
  }
  const args = tree.type === 0 ? tree.items.slice(1) : [];
  const [name, syms, since, epoch] = args;
  const table = textOf(name);
  const noSyms = !syms || (syms.type === 0 && syms.items.length === 0) ||
    (syms.type >= 1 && syms.type <= 12 && (syms as Vector).data.length === 0);
  if (
    !table || args.length > 4 || (!noSyms && syms.type !== 6) ||
    (since && (since.type !== -5 || (since.value as bigint) < 0n)) ||
    (epoch && textOf(epoch) === undefined)
  ) {
    return new Error(
      ".u.sub takes a table name, optionally a vector of syms, a version and an epoch: " +
        "(.u.sub 'trades [AAPL]), (.u.sub 'trades [] 41 \"epoch\")",
    );
  }
  return {
    table,
    ...(noSyms ? {} : {
      where: { sym: Array.from((syms as Vector).data as Int32Array, (id) => symbols.text(id)) },
    }),
    ...(since ? { since: Number(since.value) } : {}),
    ...(epoch ? { epoch: textOf(epoch) } : {}),
  };
}

/** The text of a symbol or a string in a parse tree. */
function textOf(x: RayObject | undefined): string | undefined {
  if (x?.type === -6) return symbols.text(x.value as number);
  if (x?.type === 12) return decoder.decode(x.data as Uint8Array);
  return undefined;
}
