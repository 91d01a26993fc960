/**
 * The JSON event protocol spoken on `/events` (DESIGN.md): every message is one JSON
 * object `{event_name, payload?, to?, from?, message?, id?}` in a text frame.
 *
 * @module
 */

/**
 * The `from` of every message the server itself sends (`connected`, `error`, handler
 * replies). Client ids are UUIDs, and the hub stamps every relayed message with its
 * sender's id, so no client can send a message that carries it.
 */
export const SERVER_FROM = "server";

/**
 * Event names only the server sends: a client's message with one of these names is refused
 * rather than relayed, so that no client can pose as the server to another.
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connected",
  "error",
  "pong",
  "subscribed",
  "unsubscribed",
  "table_subscribed",
  "table_unsubscribed",
  "table_update",
]);

/** Where a message goes: every client, every client but the sender, or one client id. */
export type Target = "all" | "others" | string;

/** One event message. */
export interface EventMessage {
  /** What the message is: a handler name, or a built-in event (`ping`, `subscribe`, …). */
  event_name: string;
  /** Any JSON value. */
  payload?: unknown;
  /** Default `"others"`. */
  to?: Target;
  /** Set by the server to the sender's client id. */
  from?: string;
  /** Human-readable text, used by `error` events. */
  message?: string;
  /** Correlates a reply with its request. */
  id?: string | number;
}

/** The result of parsing one frame: a message, or why it is not one. */
export type Parsed = { ok: true; message: EventMessage } | { ok: false; error: string };

/**
 * Parses and validates one text frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const event = parseEvent('{"event_name": "sum_event", "payload": {"numbers": [1, 2, 3]}}');
 * assert.deepEqual(event, {
 *   ok: true,
 *   message: { event_name: "sum_event", payload: { numbers: [1, 2, 3] } },
 * });
 * assert.equal(parseEvent("[1]").ok, false);
 * ```
 */
export function parseEvent(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `invalid JSON: ${(e as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: "an event must be a JSON object" };
  }
  const m = value as Record<string, unknown>;
  if (typeof m.event_name !== "string" || m.event_name === "") {
    return { ok: false, error: "missing event_name" };
  }
  if (m.to !== undefined && typeof m.to !== "string") {
    return { ok: false, error: "to must be a string" };
  }
  if (m.id !== undefined && typeof m.id !== "string" && typeof m.id !== "number") {
    return { ok: false, error: "id must be a string or a number" };
  }
  return { ok: true, message: m as unknown as EventMessage };
}

/**
 * A payload that is JSON text already (a query result the worker serialized): the server
 * puts it in the message as it is, without parsing and re-serializing it on the accept loop,
 * where that work would grow with the result and stall every other client.
 *
 * @example
 * ```ts
 * import { JsonText, stringifyEvent } from "./protocol.ts";
 * const text = stringifyEvent({ event_name: "query", payload: new JsonText("[1,2,3]") });
 * if (JSON.parse(text).payload[2] !== 3) throw new Error("not spliced");
 * ```
 */
export class JsonText {
  /** `text` must be valid JSON (the output of `JSON.stringify`). */
  constructor(readonly text: string) {}
}

const bigintAsString = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

/** JSON text of a message (bigints as strings, so a handler's result always serializes). */
export function stringifyEvent(message: EventMessage): string {
  if (!(message.payload instanceof JsonText)) return JSON.stringify(message, bigintAsString);
  const { payload, ...rest } = message;
  const head = JSON.stringify(rest, bigintAsString);
  // Concatenation makes a rope in both engines: the payload's characters are not copied here.
  return `${head.slice(0, -1)}${head.length > 2 ? "," : ""}"payload":${payload.text}}`;
}
