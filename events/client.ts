/**
 * `EventClient`: the client side of the `/events` JSON protocol, on the standard
 * `WebSocket` API only (Deno, Bun, browsers, Node ≥ 22).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSServer } from "../server.ts";
 * await using server = new WSServer({ port: 18768, workers: 1 });
 * await server.start();
 * const events = new EventClient("ws://127.0.0.1:18768/events", { reconnect: true });
 * await events.connect();
 * const { payload } = await events.request("sum_event", { numbers: [1, 2, 3] });
 * assert.deepEqual(payload, { sum: 6 });
 * events.close();
 * ```
 *
 * @module
 */
import { type EventMessage, SERVER_FROM, type Target } from "./protocol.ts";
import { LiveTable, type LiveTableChange, type LiveTableOptions } from "./live_table.ts";

/** Connection state of an {@link EventClient}. */
export type EventClientState = "connecting" | "open" | "closing" | "closed" | "reconnecting";

/** Options of {@link EventClient}. */
export interface EventClientOptions {
  /** Reconnect with exponential backoff when the connection drops. Default false. */
  reconnect?: boolean;
  /** First reconnect delay, doubled after each failure. Default 100 ms. */
  initialBackoffMs?: number;
  /** Longest reconnect delay. Default 5,000 ms. */
  maxBackoffMs?: number;
  /** Interval of `ping` heartbeats; a connection silent for twice as long is dropped. Default 15,000 ms; 0 disables. */
  heartbeatMs?: number;
  /** Time a `request` waits for its reply. Default 10,000 ms. */
  requestTimeoutMs?: number;
  /** Token for a server started with one (sent as `?token=`). */
  token?: string;
}

/** Counters of an {@link EventClient}. */
export interface EventClientStats {
  /** Messages received. */
  messagesIn: number;
  /** Messages sent. */
  messagesOut: number;
  /** Bytes received. */
  bytesIn: number;
  /** Bytes sent. */
  bytesOut: number;
  /** Heartbeat replies (`pong`) received. */
  heartbeats: number;
  /** Successful reconnections. */
  reconnects: number;
}

/** A function called with each event message received. */
export type Listener = (message: EventMessage) => void;

/** An error event received in reply to a request. */
export class EventError extends Error {
  /** Always `"EventError"`. */
  override name = "EventError";
  /** The error event the server answered with (`reply`). */
  constructor(readonly reply: EventMessage) {
    super(reply.message ?? "error event");
  }
}

const encoder = new TextEncoder();

/** A client of the `/events` protocol with state, reconnection and request/reply. */
export class EventClient {
  /** The `/events` URL, with the token if one was given. */
  readonly url: string;
  /** This client's id, announced by the server on connect (a new one after a reconnect). */
  id: string | undefined;
  #state: EventClientState = "closed";
  #ws: WebSocket | undefined;
  #wantOpen = false;
  #backoff: number;
  #nextId = 1;
  /**
   * A random prefix of this client's request ids: ids another client cannot guess. (Replies
   * are also accepted only from whom the request went to, see #receive.)
   */
  readonly #idPrefix = Array.from(
    crypto.getRandomValues(new Uint8Array(8)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastSeen = 0;
  readonly #options: Required<Omit<EventClientOptions, "token">>;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #stateListeners = new Set<(s: EventClientState) => void>();
  readonly #pending = new Map<
    string | number,
    {
      resolve: Listener;
      reject: (e: Error) => void;
      timer: ReturnType<typeof setTimeout>;
      /** Who may answer: the server, also the client the request was sent to, or anyone. */
      from: (from: string | undefined) => boolean;
    }
  >();
  readonly #topics = new Set<string>();
  /** Followed tables by name (resumed after a reconnection). */
  readonly #tables = new Map<string, LiveTable>();
  readonly #stats: EventClientStats = {
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    heartbeats: 0,
    reconnects: 0,
  };
  #connected: { resolve: () => void; reject: (e: Error) => void } | undefined;

  /** A client for `url` (`ws://host:port/events`); `connect()` opens it. */
  constructor(url: string, options: EventClientOptions = {}) {
    this.url = options.token
      ? `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(options.token)}`
      : url;
    this.#options = {
      reconnect: options.reconnect ?? false,
      initialBackoffMs: options.initialBackoffMs ?? 100,
      maxBackoffMs: options.maxBackoffMs ?? 5_000,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    };
    this.#backoff = this.#options.initialBackoffMs;
  }

  /** The connection state. */
  get state(): EventClientState {
    return this.#state;
  }

  /** Copies of the counters. */
  stats(): EventClientStats {
    return { ...this.#stats };
  }

  /** Connects; resolves once the server has announced this client's id. */
  connect(): Promise<void> {
    this.#wantOpen = true;
    return new Promise((resolve, reject) => {
      this.#connected = { resolve, reject };
      this.#open("connecting");
    });
  }

  /** Listens to an event name (`"*"`: every message). Returns a function that stops listening. */
  on(eventName: string, listener: Listener): () => void {
    let set = this.#listeners.get(eventName);
    if (!set) this.#listeners.set(eventName, set = new Set());
    set.add(listener);
    return () => set!.delete(listener);
  }

  /** Listens to state changes. Returns a function that stops listening. */
  onState(listener: (state: EventClientState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Sends an event (`to` defaults to `"others"` on the server). */
  send(
    eventName: string,
    payload?: unknown,
    options: { to?: Target; id?: string | number } = {},
  ): void {
    this.#write({ event_name: eventName, payload, ...options });
  }

  /** Sends an event and resolves with the reply carrying the same `id`; an error event rejects. */
  request(
    eventName: string,
    payload?: unknown,
    options: { to?: Target; timeoutMs?: number } = {},
  ): Promise<EventMessage> {
    const id = `r${this.#idPrefix}-${this.#nextId++}`;
    const to = options.to;
    const from = to === "all" || to === "others"
      ? () => true
      : (f: string | undefined) => f === SERVER_FROM || (to !== undefined && f === to);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new Error(
            `no reply to ${eventName} within ${
              options.timeoutMs ?? this.#options.requestTimeoutMs
            } ms`,
          ),
        );
      }, options.timeoutMs ?? this.#options.requestTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer, from });
      try {
        this.#write({
          event_name: eventName,
          payload,
          id,
          ...(options.to ? { to: options.to } : {}),
        });
      } catch (e) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(e);
      }
    });
  }

  /** Subscribes to a topic (kept across reconnections). */
  async subscribe(topic: string): Promise<void> {
    this.#topics.add(topic);
    await this.request("subscribe", topic);
  }

  /**
   * Follows a table (live/table_events.ts): resolves once the snapshot (or the resumed state)
   * is in; `listener` is told of the snapshot and of each change. Kept across reconnections,
   * resuming from the last version. `stop()` on the answer ends it.
   */
  async subscribeTable(
    table: string,
    options: LiveTableOptions,
    listener: (t: LiveTable, change: LiveTableChange) => void,
  ): Promise<LiveTable> {
    this.#tables.get(table)?.stop();
    const live = new LiveTable(table, options, listener, {
      request: (name, payload) => this.request(name, payload),
      send: (name, payload) => this.send(name, payload),
    });
    this.#tables.set(table, live);
    await live.start();
    return live;
  }

  /** Unsubscribes from a topic. */
  async unsubscribe(topic: string): Promise<void> {
    this.#topics.delete(topic);
    await this.request("unsubscribe", topic);
  }

  /** Closes for good (no reconnection). */
  close(): void {
    this.#wantOpen = false;
    clearInterval(this.#heartbeat);
    if (this.#ws && this.#ws.readyState <= WebSocket.OPEN) {
      this.#setState("closing");
      this.#ws.close(1000, "client closed");
    } else {
      this.#setState("closed");
    }
  }

  #setState(s: EventClientState): void {
    if (this.#state === s) return;
    this.#state = s;
    for (const l of this.#stateListeners) l(s);
  }

  #write(message: EventMessage): void {
    if (!this.#ws || this.#ws.readyState !== WebSocket.OPEN) {
      throw new Error(`event connection is ${this.#state}`);
    }
    const text = JSON.stringify(message);
    this.#stats.messagesOut++;
    this.#stats.bytesOut += encoder.encode(text).length;
    this.#ws.send(text);
  }

  #open(state: "connecting" | "reconnecting"): void {
    this.#setState(state);
    const ws = new WebSocket(this.url);
    this.#ws = ws;
    ws.onmessage = (e) => this.#receive(ws, String(e.data), state === "reconnecting");
    ws.onclose = () => this.#dropped(ws);
    ws.onerror = () => {};
  }

  #receive(ws: WebSocket, text: string, reconnected: boolean): void {
    this.#stats.messagesIn++;
    this.#stats.bytesIn += encoder.encode(text).length;
    this.#lastSeen = Date.now();
    let m: EventMessage;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (m.event_name === "connected" && m.from === SERVER_FROM && ws === this.#ws) {
      this.id = (m.payload as { client_id: string }).client_id;
      this.#backoff = this.#options.initialBackoffMs;
      this.#setState("open");
      if (reconnected) {
        this.#stats.reconnects++;
        for (const t of this.#topics) this.request("subscribe", t).catch(() => {});
        for (const [name, t] of this.#tables) {
          if (t.active) t.start().catch(() => {});
          else this.#tables.delete(name);
        }
      }
      this.#startHeartbeat();
      this.#connected?.resolve();
      this.#connected = undefined;
    }
    if (m.event_name === "pong") this.#stats.heartbeats++;
    if (m.event_name === "table_update" && m.from === SERVER_FROM) {
      const p = m.payload as Parameters<LiveTable["apply"]>[0] & { table: string };
      this.#tables.get(p.table)?.apply(p);
    }
    if (m.id !== undefined) {
      const p = this.#pending.get(m.id);
      if (p && p.from(m.from)) {
        this.#pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.event_name === "error") p.reject(new EventError(m));
        else p.resolve(m);
      }
    }
    for (const key of [m.event_name, "*"]) for (const l of this.#listeners.get(key) ?? []) l(m);
  }

  #startHeartbeat(): void {
    clearInterval(this.#heartbeat);
    const ms = this.#options.heartbeatMs;
    if (!ms) return;
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastSeen > 2 * ms) {
        this.#ws?.close(4000, "heartbeat missed"); // reconnects if asked to
        return;
      }
      try {
        this.#write({ event_name: "ping" });
      } catch { /* closing */ }
    }, ms);
  }

  #dropped(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    clearInterval(this.#heartbeat);
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Error("event connection closed"));
      this.#pending.delete(id);
    }
    if (this.#wantOpen && this.#options.reconnect) {
      this.#setState("reconnecting");
      const delay = this.#backoff;
      this.#backoff = Math.min(this.#backoff * 2, this.#options.maxBackoffMs);
      setTimeout(() => {
        if (this.#wantOpen) this.#open("reconnecting");
      }, delay);
      return;
    }
    this.#setState("closed");
    this.#connected?.reject(new Error(`cannot connect to ${this.url}`));
    this.#connected = undefined;
  }
}
