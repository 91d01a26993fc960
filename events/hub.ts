/**
 * `EventHub`: the clients of `/events`, the handler registry, routing and topics.
 *
 * A message whose `event_name` has a handler goes to the handler, which may return a
 * message routed by its `to`; a message without a handler is relayed as is (with `from`
 * set) to its `to`: `"all"`, `"others"` (the default) or one client id. Invalid JSON, a
 * missing `event_name`, an unknown target or a handler that throws answer the sender
 * `{event_name: "error", message, to: sender}`; the connection stays up.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import {
  type EventMessage,
  parseEvent,
  RESERVED_EVENTS,
  SERVER_FROM,
  stringifyEvent,
  type Target,
} from "./protocol.ts";

/** What a handler can do besides returning a reply. */
export interface EventContext {
  /** The sender's client id. */
  clientId: string;
  /** Sends a message to the sender. */
  send(message: EventMessage): void;
  /** Routes a message by `to` (default `"all"`) on behalf of the sender. */
  broadcast(message: EventMessage, to?: Target): void;
  /** The hub (client ids, topics). */
  hub: EventHub;
}

/** An event handler: may return (or resolve to) a message, routed by its `to`. */
export type EventHandler = (
  message: EventMessage,
  context: EventContext,
) => EventMessage | undefined | void | Promise<EventMessage | undefined | void>;

/** One connected client, as the hub sees it. */
export interface EventPeer {
  /** The client id. */
  id: string;
  /** Sends a text frame to it. */
  send(text: string): void;
  /**
   * A native publish (which bypasses `send`) reached it: lets the server apply its
   * flow-control policy to what waits unsent.
   */
  sent?(): void;
  /** Native pub/sub of the runtime (Bun), used for topics when present. */
  subscribe?(topic: string): void;
  /** Leaves a native topic. */
  unsubscribe?(topic: string): void;
}

/** Topic names in the runtime's pub/sub namespace. */
const nativeTopic = (topic: string) => `events:${topic}`;

/**
 * Routes event messages between connected clients.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Logger } from "../log.ts";
 * import type { EventMessage } from "./protocol.ts";
 * const hub = new EventHub(new Logger("error"));
 * const greet = (_m: EventMessage, ctx: EventContext): EventMessage => ({
 *   event_name: "greeting",
 *   payload: `hello ${ctx.clientId}`,
 *   to: ctx.clientId,
 * });
 * assert.equal(hub.on("greet", greet), hub);
 * ```
 */
export class EventHub {
  readonly #peers = new Map<string, EventPeer>();
  readonly #handlers = new Map<string, EventHandler>();
  readonly #topics = new Map<string, Set<string>>();
  readonly #log: Logger;
  /** Messages delivered to clients. */
  delivered = 0;
  /** The runtime's publish (Bun), set by the server once it listens. */
  nativePublish: ((topic: string, text: string) => void) | undefined;

  /** A hub with no clients, logging to `log`. */
  constructor(log: Logger) {
    this.#log = log;
  }

  /** Registers (or replaces) the handler of an event name. */
  on(eventName: string, handler: EventHandler): this {
    this.#handlers.set(eventName, handler);
    return this;
  }

  /** Removes the handler of an event name. */
  off(eventName: string): this {
    this.#handlers.delete(eventName);
    return this;
  }

  /** Connected client ids. */
  clients(): string[] {
    return [...this.#peers.keys()];
  }

  /** Adds a client and announces its id to it. */
  join(peer: EventPeer): void {
    this.#peers.set(peer.id, peer);
    this.#deliver(peer, { event_name: "connected", payload: { client_id: peer.id }, to: peer.id });
  }

  /** Removes a client and its subscriptions. */
  leave(id: string): void {
    this.#peers.delete(id);
    for (const subs of this.#topics.values()) subs.delete(id);
  }

  /** Subscribes a client to a topic. */
  subscribe(id: string, topic: string): void {
    let subs = this.#topics.get(topic);
    if (!subs) this.#topics.set(topic, subs = new Set());
    subs.add(id);
    this.#peers.get(id)?.subscribe?.(nativeTopic(topic));
  }

  /** Unsubscribes a client from a topic. */
  unsubscribe(id: string, topic: string): void {
    this.#topics.get(topic)?.delete(id);
    this.#peers.get(id)?.unsubscribe?.(nativeTopic(topic));
  }

  /** Sends a message to every subscriber of `topic`; returns how many received it. */
  publish(topic: string, message: EventMessage): number {
    const subs = this.#topics.get(topic);
    if (!subs) return 0;
    const text = stringifyEvent({ ...message, payload: message.payload, to: undefined });
    // One native call on Bun; a loop over the subscribers elsewhere.
    if (this.nativePublish) {
      this.nativePublish(nativeTopic(topic), text);
      for (const id of subs) this.#peers.get(id)?.sent?.();
    } else for (const id of subs) this.#peers.get(id)?.send(text);
    this.delivered += subs.size;
    return subs.size;
  }

  /** Handles one text frame from client `from`. */
  async receive(from: string, text: string): Promise<void> {
    const peer = this.#peers.get(from);
    if (!peer) return;
    const parsed = parseEvent(text);
    if (!parsed.ok) return this.#error(peer, parsed.error);
    const message: EventMessage = { ...parsed.message, from };
    const handler = this.#handlers.get(message.event_name);
    if (!handler && RESERVED_EVENTS.has(message.event_name)) {
      return this.#error(
        peer,
        `event name ${message.event_name} is reserved for the server`,
        message.id,
      );
    }
    if (!handler) return this.route(message, from);
    const context: EventContext = {
      clientId: from,
      send: (m) => this.#deliver(peer, m),
      broadcast: (m, to = "all") => this.route({ ...m, from, to }, from),
      hub: this,
    };
    try {
      const reply = await handler(message, context);
      if (reply) {
        this.route({ ...reply, from: SERVER_FROM, id: reply.id ?? message.id }, from);
      }
    } catch (e) {
      this.#error(
        peer,
        `handler for ${message.event_name} failed: ${(e as Error).message}`,
        message.id,
      );
    }
  }

  /** Sends an event already in its JSON text to one client; false if it is not connected. */
  sendText(id: string, text: string): boolean {
    const peer = this.#peers.get(id);
    if (!peer) return false;
    peer.send(text);
    this.delivered++;
    return true;
  }

  /** Routes a message by its `to` on behalf of client `from`. */
  route(message: EventMessage, from: string): void {
    const to = message.to ?? "others";
    const text = stringifyEvent(message);
    if (to === "all" || to === "others") {
      for (const p of this.#peers.values()) {
        if (to === "others" && p.id === from) continue;
        p.send(text);
        this.delivered++;
      }
      return;
    }
    const target = this.#peers.get(to);
    if (target) {
      target.send(text);
      this.delivered++;
      return;
    }
    const sender = this.#peers.get(from);
    if (sender) this.#error(sender, `unknown client id ${to}`, message.id);
  }

  #deliver(peer: EventPeer, message: EventMessage): void {
    peer.send(stringifyEvent({ ...message, from: SERVER_FROM }));
    this.delivered++;
  }

  #error(peer: EventPeer, text: string, id?: string | number): void {
    this.#log.warn("event error", { client: peer.id, error: text });
    this.#deliver(peer, {
      event_name: "error",
      message: text,
      to: peer.id,
      ...(id !== undefined ? { id } : {}),
    });
  }
}
