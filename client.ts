/**
 * `WSClient`: a Rayforce client over WebSocket. It uses only the standard `WebSocket` API
 * and `ipc/`, so it runs in Deno, Bun, browsers and Node ≥ 22, against @rf/ws or any
 * server speaking Rayforce's handshake and IPC frames.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSServer } from "@rf/ws";
 * import { WSClient } from "@rf/ws/client";
 * await using server = new WSServer({ port: 18770, workers: 1 });
 * await server.start();
 * await using conn = await new WSClient("localhost", 18770).connect();
 * assert.equal(await conn.execute("(+ 1 2)"), 3n);
 * ```
 *
 * Results are plain JS values (`toJS`): i64 as `bigint`, f64 as `number`, symbols and
 * strings as `string`, vectors and lists as arrays, dicts as objects, tables as
 * `{columns: {name: [...]}}`, temporals as ISO strings. `executeRaw` returns the decoded
 * Rayforce object itself. A query the engine answers with an error rejects with the
 * `RayforceQueryError` subclass of its code (`RayforceTypeError`, …).
 *
 * @module
 */
import {
  decodeMessage,
  DEFAULT_MAX_SIZE,
  encodeHandshake,
  encodeMessage,
  ErrorCode,
  HEADER_SIZE,
  type JSValue,
  MsgType,
  queryError,
  RayforceWSError,
  type RayObject,
  RFWS_FLAG,
  str,
  symbols,
  toJS,
} from "./ipc/mod.ts";

import { EventClient, type EventClientOptions } from "./events/client.ts";

export * from "./ipc/mod.ts";
export {
  EventClient,
  type EventClientOptions,
  type EventClientState,
  type EventClientStats,
  EventError,
  type Listener,
} from "./events/client.ts";
export type { EventMessage, Target } from "./events/protocol.ts";
export {
  type Columns,
  LiveTable,
  type LiveTableChange,
  type LiveTableOptions,
} from "./events/live_table.ts";

/** A change to a followed table (`Connection.subscribe`). */
export interface TableUpdate {
  /** `append`: `value` holds the rows added; `replace`: the table's whole new value. */
  kind: "append" | "replace";
  /** The table's name. */
  table: string;
  /** The rows appended, or the whole new value. */
  value: RayObject;
  /** The commit's version (resume from it with `since`). */
  version: number;
}

/** Default port, as in the rayforce-py seeds. */
export const DEFAULT_PORT = 8765;

/** Options of {@link WSClient}. */
export interface WSClientOptions {
  /** Server host. Default `localhost`. */
  host?: string;
  /** Server port. Default 8765. */
  port?: number;
  /** Use `wss://`. */
  secure?: boolean;
  /** Path on the server. Default `/`. */
  path?: string;
  /** Token for a server started with one (sent in the handshake and as `?token=`). */
  token?: string;
  /** Time allowed to connect and complete the handshake, in ms. Default 5,000. */
  timeoutMs?: number;
  /**
   * Largest answer a call accepts, in bytes (header included): a larger one rejects that
   * call with a `RayforceLimitError` saying so, and the connection goes on. Default 256 MiB.
   * (Runtimes cap frames too: Deno's WebSocket fails the whole connection at 64 MiB, which
   * is why the server's own result limit defaults to just under that.)
   */
  maxAnswerBytes?: number;
}

/** The client's default largest answer: the decoder's default limit, with the header. */
const DEFAULT_MAX_ANSWER_BYTES = HEADER_SIZE + DEFAULT_MAX_SIZE;

/**
 * Where to connect. `new WSClient("localhost", 8765)`, `new WSClient({host, port})` or
 * `new WSClient("ws://host:port")`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const client = new WSClient("localhost", 8765);
 * assert.equal(String(client), "WSClient(ws://localhost:8765)");
 * ```
 */
export class WSClient {
  /** The WebSocket URL. */
  readonly url: string;
  /** The token presented in the handshake, if any. */
  readonly token: string | undefined;
  /** Time allowed for connecting and the handshake, in milliseconds. */
  readonly timeoutMs: number;
  /** Largest answer a call accepts, in bytes. */
  readonly maxAnswerBytes: number;

  /** `new WSClient("localhost", 8765)`, `new WSClient("localhost:8765")`, `new WSClient({host, port, token, timeoutMs})` or `new WSClient("ws://host:port")`. */
  constructor(target: string | WSClientOptions = {}, port?: number, options: WSClientOptions = {}) {
    let o: WSClientOptions;
    if (typeof target === "string" && /^wss?:\/\//.test(target)) {
      this.url = target.replace(/\/$/, "");
      o = options;
    } else {
      // "host:port" (and "[v6]:port") as well as a bare host; a bare IPv6 has several colons.
      const hostPort = typeof target === "string" && port === undefined
        ? target.match(/^\[([^\]]+)\]:(\d+)$|^([^:]+):(\d+)$/)
        : null;
      o = typeof target !== "string"
        ? target
        : hostPort
        ? { ...options, host: hostPort[1] ?? hostPort[3], port: Number(hostPort[2] ?? hostPort[4]) }
        : { ...options, host: target, port: port ?? options.port };
      const host = o.host ?? "localhost";
      this.url = `${o.secure ? "wss" : "ws"}://${host.includes(":") ? `[${host}]` : host}:${
        o.port ?? DEFAULT_PORT
      }${o.path && o.path !== "/" ? o.path : ""}`;
    }
    this.token = o.token;
    this.timeoutMs = o.timeoutMs ?? 5_000;
    this.maxAnswerBytes = o.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  }

  /** `WSClient(ws://localhost:8765)`. */
  toString(): string {
    return `WSClient(${this.url})`;
  }

  /** How Deno's `console.log` shows it: `WSClient(ws://host:port)`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** How Node's and Bun's `console.log` show it: `WSClient(ws://host:port)`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * A client of the server's `/events` JSON protocol (same host and token).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WSServer } from "./server.ts";
   * await using server = new WSServer({ port: 18771, workers: 1 });
   * await server.start();
   * const events = new WSClient("localhost", 18771).events({ reconnect: true });
   * await events.connect();
   * assert.equal(events.state, "open");
   * events.close();
   * ```
   */
  events(options: EventClientOptions = {}): EventClient {
    const base = this.url.replace(/^(wss?:\/\/[^/]+).*$/, "$1");
    return new EventClient(`${base}/events`, { token: this.token, ...options });
  }

  /** Opens a connection and performs the Rayforce handshake. */
  connect(): Promise<Connection> {
    const url = this.token
      ? `${this.url}${this.url.includes("?") ? "&" : "?"}token=${encodeURIComponent(this.token)}`
      : this.url;
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        reject(new RayforceWSError(`cannot connect to ${this.url}: ${(e as Error).message}`));
        return;
      }
      ws.binaryType = "arraybuffer";
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          ws.close();
        } catch { /* already closed */ }
        reject(new RayforceWSError(message));
      };
      const timer = setTimeout(
        () => fail(`handshake with ${this.url} timed out after ${this.timeoutMs} ms`),
        this.timeoutMs,
      );
      ws.onopen = () => ws.send(encodeHandshake(this.token ?? ""));
      ws.onerror = () => fail(`cannot connect to ${this.url}`);
      ws.onclose = (e) =>
        fail(
          `connection to ${this.url} closed during the handshake (${e.code}${
            e.reason ? `: ${e.reason}` : ""
          })`,
        );
      ws.onmessage = (e) => {
        if (settled) return;
        const bytes = e.data instanceof ArrayBuffer ? new Uint8Array(e.data) : undefined;
        if (!bytes || bytes.length < 1) return fail(`unexpected handshake reply from ${this.url}`);
        settled = true;
        clearTimeout(timer);
        resolve(
          new Connection(
            ws,
            this.url,
            bytes[0],
            bytes.length > 1 ? bytes.subarray(1) : undefined,
            this.maxAnswerBytes,
          ),
        );
      };
    });
  }
}

interface Pending {
  resolve: (x: RayObject) => void;
  reject: (e: Error) => void;
}

/**
 * Every message says it comes from @rf/ws's client: msgtype 0 is fire-and-forget, and error
 * objects may carry their message (`ipc/reply.ts`).
 */
const OURS = { flags: RFWS_FLAG } as const;

/**
 * An open Rayforce connection. Several `execute` calls may be in flight; they resolve in
 * the order they were sent.
 */
export class Connection {
  /** The protocol version byte the server answered. */
  readonly version: number;
  readonly #ws: WebSocket;
  readonly #url: string;
  /**
   * What is waiting for an answer, in send order. `{ skip }` counts `send`s whose answer,
   * if the server follows the seeds' convention and answers every message, is dropped.
   */
  readonly #pending: (Pending | { skip: number })[] = [];
  /** Whether the server answers every message (rayforce-py's `WSServer`), once known. */
  #answersAll: boolean | undefined;
  #closed = false;
  /** Set when the server sent a Windows-style 2-byte handshake reply. */
  #skipZero: boolean;
  readonly #maxAnswerBytes: number;
  /** Live-table subscriptions by table name (see `subscribe`). */
  readonly #subscriptions = new Map<string, (update: TableUpdate) => void>();

  /** Made by `WSClient.connect()` once the handshake is answered. */
  constructor(
    ws: WebSocket,
    url: string,
    version: number,
    rest?: Uint8Array,
    maxAnswerBytes: number = DEFAULT_MAX_ANSWER_BYTES,
  ) {
    this.#maxAnswerBytes = maxAnswerBytes;
    this.#ws = ws;
    this.#url = url;
    this.version = version;
    this.#skipZero = rest === undefined;
    ws.onmessage = (e) => this.#receive(e.data);
    ws.onclose = (e) =>
      this.#shutdown(`connection to ${url} closed (${e.code}${e.reason ? `: ${e.reason}` : ""})`);
    ws.onerror = () => this.#shutdown(`connection to ${url} failed`);
  }

  /** True once the connection is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** `Connection(ws://host:port)`. */
  toString(): string {
    return `Connection(${this.#url})`;
  }

  /**
   * Sends a query (Rayforce source, or any IPC object such as a quoted expression) and
   * resolves with the result as JS values.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WSServer } from "./server.ts";
   * await using server = new WSServer({ port: 18766, workers: 1 });
   * await server.start();
   * await using conn = await new WSClient("localhost", 18766).connect();
   * await conn.execute("(set t (table [sym qty] (list [a b] [5 20])))");
   * const rows = await conn.execute("(select {from: t where: (> qty 10)})");
   * assert.deepEqual(rows, { columns: { sym: ["b"], qty: [20n] } });
   * ```
   */
  async execute(query: string | RayObject): Promise<JSValue> {
    return toJS(await this.executeRaw(query));
  }

  /** As {@link execute}, resolving with the decoded Rayforce object. */
  executeRaw(query: string | RayObject): Promise<RayObject> {
    if (this.#closed) {
      return Promise.reject(new RayforceWSError(`connection to ${this.#url} is closed`));
    }
    const payload = typeof query === "string" ? str(query) : query;
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#ws.send(encodeMessage(payload, MsgType.SYNC, OURS));
    });
  }

  /**
   * Follows a table of an @rf/ws server over this connection, as a kdb+ tickerplant's
   * subscriber does: sends `(.u.sub "table" [syms])` and resolves with the snapshot (rows
   * whose `sym` is among `syms`, if given), its version and the server's epoch; then
   * `onUpdate` gets each change the server pushes: `append` (the rows added, a table) or
   * `replace` (the whole new value), with the commit's version. Given the `since` version and
   * `epoch` of an earlier subscription, it resumes: `recovered` is true, there is no snapshot,
   * and the changes missed since arrive first. Subscribing again to a table replaces the
   * subscription.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { toJS } from "./ipc/mod.ts";
   * import { WSServer } from "./server.ts";
   * await using server = new WSServer({ port: 18772, workers: 1 });
   * await server.start();
   * await using conn = await new WSClient("localhost", 18772).connect();
   * await conn.execute("(set trades (table [sym price] (list [AAPL MSFT] [1.0 2.0])))");
   * const updates: unknown[] = [];
   * const { snapshot, version } = await conn.subscribe("trades", { syms: ["AAPL"] }, (u) => {
   *   updates.push([u.kind, toJS(u.value)]);
   * });
   * assert.deepEqual(toJS(snapshot), { columns: { sym: ["AAPL"], price: [1] } });
   * assert.ok(version > 0);
   * await conn.execute("(insert 'trades (list 'AAPL 3.0))");
   * while (updates.length === 0) await new Promise((r) => setTimeout(r, 10));
   * assert.deepEqual(updates[0], ["append", { columns: { sym: ["AAPL"], price: [3] } }]);
   * ```
   */
  async subscribe(
    table: string,
    options: { syms?: string[]; since?: number; epoch?: string },
    onUpdate: (update: TableUpdate) => void,
  ): Promise<{ snapshot: RayObject; version: number; epoch: string; recovered: boolean }> {
    if (options.syms?.some((s) => !/^[A-Za-z_.][\w.]*$/.test(s))) {
      throw new RayforceWSError("syms of a subscription must be plain names");
    }
    this.#subscriptions.set(table, onUpdate);
    try {
      const syms = ` [${options.syms?.join(" ") ?? ""}]`;
      const resume = options.since !== undefined && options.epoch !== undefined
        ? ` ${Math.trunc(options.since)} ${JSON.stringify(options.epoch)}`
        : "";
      const answer = await this.executeRaw(`(.u.sub ${JSON.stringify(table)}${syms}${resume})`);
      const a = answer.type === 99 ? toJS(answer) as Record<string, unknown> : {};
      if (typeof a.version !== "bigint" || typeof a.epoch !== "string") {
        throw new RayforceWSError("this server does not serve live tables (.u.sub)");
      }
      const snapshot = (answer as { values: { items: RayObject[] } }).values.items[1];
      return {
        snapshot,
        version: Number(a.version),
        epoch: a.epoch,
        recovered: a.recovered === true,
      };
    } catch (e) {
      this.#subscriptions.delete(table);
      throw e;
    }
  }

  /**
   * Sends a query without waiting for (or receiving) an answer. @rf/ws does not answer it;
   * a server that answers every message (rayforce-py's) does, and the answer is dropped.
   */
  send(query: string | RayObject): void {
    if (this.#closed) throw new RayforceWSError(`connection to ${this.#url} is closed`);
    this.#ws.send(
      encodeMessage(typeof query === "string" ? str(query) : query, MsgType.ASYNC, OURS),
    );
    if (this.#answersAll === false) return;
    const last = this.#pending.at(-1);
    if (last && "skip" in last) last.skip++;
    else this.#pending.push({ skip: 1 });
  }

  /** Closes the connection; queries in flight reject with `RayforceWSError`. */
  close(): void {
    if (this.#closed) return;
    this.#ws.close(1000, "client closed");
    this.#shutdown(`connection to ${this.#url} closed by the client`);
  }

  /** `await using conn = await client.connect()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    const bytes = new Uint8Array(data);
    if (this.#skipZero && bytes.length === 1 && bytes[0] === 0) return; // Windows servers reply [version, 0]
    this.#skipZero = false;
    if (this.#subscriptions.size && bytes[7] === MsgType.ASYNC && this.#pushed(bytes)) return;
    // A response (msgtype 2) answers the oldest execute: sends are never answered. Any other
    // msgtype comes from a server that answers every message in order, sends included.
    this.#answersAll = bytes[7] !== MsgType.RESPONSE;
    let pending = this.#pending[0];
    if (pending && "skip" in pending) {
      if (this.#answersAll) {
        if (--pending.skip === 0) this.#pending.shift();
        return;
      }
      this.#pending.shift();
      pending = this.#pending[0];
    }
    if (!pending || "skip" in pending) return;
    this.#pending.shift();
    if (bytes.length > this.#maxAnswerBytes) {
      const message =
        `answer of ${bytes.length} bytes exceeds maxAnswerBytes (${this.#maxAnswerBytes})`;
      return pending.reject(queryError(ErrorCode.LIMIT, message));
    }
    try {
      const { value } = decodeMessage(bytes, { maxSize: this.#maxAnswerBytes });
      if (value.type === 127) pending.reject(queryError(value.code, value.message));
      else pending.resolve(value);
    } catch (e) {
      pending.reject(e as Error);
    }
  }

  /**
   * A change the server pushed to a subscription: an async message `(upd 'table rows version)`
   * or `(set 'table value version)`. False for any other message.
   */
  #pushed(bytes: Uint8Array): boolean {
    let value: RayObject;
    try {
      value = decodeMessage(bytes, { maxSize: this.#maxAnswerBytes }).value;
    } catch {
      return false;
    }
    if (value.type !== 0 || value.items.length !== 4) return false;
    const [verb, name, data, version] = value.items;
    if (verb.type !== -6 || name.type !== -6 || version.type !== -5) return false;
    const kind = symbols.text(verb.value as number);
    const table = symbols.text(name.value as number);
    const listener = this.#subscriptions.get(table);
    if (!listener || (kind !== "upd" && kind !== "set")) return false;
    listener({
      kind: kind === "upd" ? "append" : "replace",
      table,
      value: data,
      version: Number(version.value),
    });
    return true;
  }

  #shutdown(message: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pending.splice(0)) {
      if (!("skip" in p)) p.reject(new RayforceWSError(message));
    }
  }
}
