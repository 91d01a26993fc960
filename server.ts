/**
 * `WSServer`: Rayforce over WebSocket on the runtime's native server (`Deno.serve` /
 * `Bun.serve`). One port serves (DESIGN.md, "Protocols on one port"):
 *
 * - Rayforce IPC: a first binary frame `[user:password] version 00` is the handshake,
 *   answered with the single byte `01`; then each binary frame is one IPC message,
 *   evaluated in the worker pool; sync messages are answered (msgtype 2) in order, async
 *   ones are not.
 * - Text: a first frame of text puts the connection in text mode; each text frame is
 *   Rayforce source, answered with the REPL display (or the REPL error block).
 * - `/events`: the JSON event protocol (events/hub.ts).
 * - HTTP: `GET /health` (JSON liveness), `GET /metrics` (Prometheus text), `GET /`
 *   (server/http.ts).
 *
 * Each Rayforce connection, WebSocket or TCP (`tcpPort`), is a `RayforceSession`
 * (session/rayforce_session.ts): handshake, token, limits, order, flow control, hooks.
 * This file is the WebSocket adapter over it, and the server's life cycle.
 *
 * Protocol violations close only the offending connection, with a close code and reason:
 * 1002 for a bad handshake or malformed frame, 1008 for a missing or wrong token or a slow
 * consumer, 1009 for a frame over `maxPayload`.
 *
 * @module
 */
import process from "node:process";
import { ErrorCode, RayforceWSError } from "./ipc/mod.ts";
import { Logger } from "./log.ts";
import { registerBuiltins } from "./events/builtins.ts";
import { type EventHandler, EventHub } from "./events/hub.ts";
import { TableFeed } from "./live/table_feed.ts";
import { registerTableEvents } from "./live/table_events.ts";
import type { EventMessage } from "./events/protocol.ts";
import {
  type NativeServer,
  onShutdownSignal,
  serveNative,
  type ServerSocket,
} from "./runtime/mod.ts";
import { VERSION } from "./version.ts";
import { failureResult } from "./worker/failure.ts";
import { type PoolStats, type TaskRequest, type TaskResult, WorkerPool } from "./worker/pool.ts";
import { type GatewayStats, parseUpstreams, UpstreamPool } from "./upstream/gateway.ts";
import { serveTcpIpc, type TcpIpcEndpoint, type TcpStats } from "./server/tcp_endpoint.ts";
import { httpRoutes } from "./server/http.ts";
import { type ResolvedOptions, resolveOptions, type WSServerOptions } from "./server/options.ts";
import { busyMessage } from "./session/answer_order.ts";
import { SessionCounters } from "./session/counters.ts";
import type { Evaluator } from "./session/evaluator.ts";
import {
  closeReason,
  RayforceSession,
  type SessionEvaluator,
  type SessionLimits,
  type SessionOptions,
} from "./session/rayforce_session.ts";
import { DEFAULTS, outputCeiling } from "./defaults.ts";
import type { Metric } from "./metrics.ts";

export type { WSServerOptions } from "./server/options.ts";

/** Default TCP port of the server, as in the rayforce-py seeds. */
export const DEFAULT_PORT: number = DEFAULTS.port;

/** Default bind address: loopback, so a server is never exposed by accident. */
export const DEFAULT_HOST: string = DEFAULTS.host;

/** Server statistics. */
export interface ServerStats {
  /** Live-table subscriptions now (`/events` and `.u.sub`) and updates sent; null with a gateway. */
  liveTables: { subscriptions: number; updates: number } | null;
  /** WebSocket connections open now, and accepted since the start. */
  connections: { current: number; total: number };
  /** The TCP IPC endpoint (`tcpPort`): connections open, accepted, refused; null without it. */
  tcp: TcpStats | null;
  /** Frames received and sent (WebSocket and TCP). */
  messages: { in: number; out: number };
  /** Bytes received and sent. */
  bytes: { in: number; out: number };
  /** Protocol errors (connections closed for a violation or a limit). */
  errors: number;
  /**
   * `refused`: turned away by a limit (memory watermark, queries in flight per connection);
   * `dropped`: waited for a slow consumer and were dropped unrun when it closed.
   */
  queries: { ok: number; failed: number; refused: number; dropped: number };
  /** Connections (Rayforce or `/events`) closed for not reading what they were sent. */
  slowConsumers: number;
  /** Resident memory at the last sample and the watermark. */
  memory: { rssBytes: number; watermarkBytes: number };
  /** Query latency in milliseconds over the last 4,096 queries. */
  latencyMs: { p50: number; p99: number };
  /** Seconds since `start()`. */
  uptimeSeconds: number;
  /** The worker pool's statistics, or the gateway's upstreams; null before `start()`. */
  pool: PoolStats | GatewayStats | null;
}

/** One accepted WebSocket. */
interface Connection {
  id: string;
  remote: string;
  /** A token was presented at upgrade, or none is required. */
  authorized: boolean;
  /** `/events` speaks the JSON event protocol; any other path, Rayforce. */
  events: boolean;
  /** Why the connection is closed (1008) as soon as it opens: a wrong or missing token. */
  refused?: string;
  socket?: ServerSocket;
  /** Its Rayforce session, once open (not for `/events`). */
  session?: RayforceSession;
  /** The server closed it and waits for the peer's close. */
  closing?: boolean;
  /** Counts it out if the peer never acknowledges the close. */
  grace?: ReturnType<typeof setTimeout>;
}

/** How long a closed connection may take to acknowledge the close before it is counted out. */
const CLOSE_GRACE_MS = 5_000;

/**
 * A Rayforce WebSocket server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSClient, WSServer } from "@rf/ws";
 * await using server = new WSServer({ port: 18765, workers: 1 });
 * await server.start();
 * await using conn = await new WSClient("localhost", 18765).connect();
 * assert.equal(await conn.execute("(+ 1 2)"), 3n);
 * ```
 */
export class WSServer {
  /** The port it listens on. */
  readonly port: number;
  /** The address it binds. */
  readonly host: string;
  /** The options in effect, defaults filled in. */
  readonly options: ResolvedOptions;
  readonly #log: Logger;
  #native: NativeServer | undefined;
  #pool: Evaluator<PoolStats | GatewayStats> | undefined;
  #tcp: TcpIpcEndpoint | undefined;
  /** Resident memory at the last sample, and the sampler. */
  #rss = 0;
  /** Queries submitted to the evaluator and not answered yet. */
  #evaluating = 0;
  #memoryTimer: ReturnType<typeof setInterval> | undefined;
  #started = 0;
  #stopping = false;
  readonly #connections = new Set<Connection>();
  /** WebSocket connections accepted since the start. */
  #accepted = 0;
  /** The last connection handle given (`.z.po`/`.z.pc`), for WebSocket and TCP alike. */
  #handles = 0;
  /** What every session (WebSocket and TCP) counts. */
  readonly #counters = new SessionCounters();
  /** The limits of every session. */
  readonly #limits: SessionLimits;
  /** What sessions evaluate with: the evaluator behind the memory watermark. */
  readonly #evaluator: SessionEvaluator;
  /** The JSON event protocol on `/events`. */
  readonly #hub: EventHub;
  /** Live-table subscriptions over `/events` (live/table_feed.ts), with the built-in pool. */
  #feed: TableFeed | undefined;
  /** Queries in flight per `/events` client. */
  readonly #eventQueries = new Map<string, number>();
  /** The HTTP routes. */
  readonly #http: (request: Request) => Response;

  /** `new WSServer(8765)` or `new WSServer({port, host, …})`. */
  constructor(options: WSServerOptions | number = {}) {
    this.options = resolveOptions(options);
    this.port = this.options.port;
    this.host = this.options.host;
    const o = this.options;
    this.#limits = {
      maxPayload: o.maxPayload,
      handshakeTimeoutMs: o.handshakeTimeoutMs,
      maxInFlight: o.maxQueuedPerConnection,
      maxPendingOutput: o.maxPendingOutput,
      outputCeiling: outputCeiling(o.maxPendingOutput, o.maxResultBytes),
    };
    this.#evaluator = {
      submit: (request, session, done) => this.#submit(request, session, done),
      connection: (event, session, handle, done) => {
        if (!this.#pool) return done(false);
        // At shutdown the pool answers the hooks it cannot run any more: not a failure.
        this.#pool.connection(event, session, handle, (failed) => done(failed && !this.#stopping));
      },
      forget: (session) => {
        this.#pool?.forget(session);
        this.#feed?.leave(session); // its live-table subscriptions
      },
    };
    this.#log = new Logger(o.logLevel);
    this.#hub = new EventHub(this.#log);
    registerBuiltins(this.#hub, {
      query: async (source, clientId) => {
        // Each event client has the same cap on queries in flight as a Rayforce connection;
        // a reply has an id, so a refusal need not wait for the answers ahead of it.
        const running = this.#eventQueries.get(clientId) ?? 0;
        const limit = o.maxQueuedPerConnection;
        if (running >= limit) {
          this.#counters.refused++;
          throw new Error(busyMessage(running, limit));
        }
        this.#eventQueries.set(clientId, running + 1);
        try {
          const r = await this.#evaluate({ kind: "json", source }, clientId);
          return { response: r.response as string, failed: r.failed };
        } finally {
          const left = this.#eventQueries.get(clientId)! - 1;
          if (left) this.#eventQueries.set(clientId, left);
          else this.#eventQueries.delete(clientId);
        }
      },
      stats: () => this.stats(),
    });
    registerTableEvents(this.#hub, () => this.#feed);
    this.#http = httpRoutes({
      health: () => this.#health(),
      metrics: () => this.#metrics(),
      console: o.console,
      url: this.url,
    });
  }

  /**
   * Registers a handler for an event of the `/events` protocol. It receives the message
   * and a context (`clientId`, `send`, `broadcast`, `hub`) and may return a message,
   * routed by its `to` (`"all"`, `"others"` by default, or a client id).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const server = new WSServer({ port: 18767 });
   * assert.equal(server.on("chat", (m) => ({ event_name: "chat", payload: m.payload, to: "all" })), server);
   * ```
   */
  on(eventName: string, handler: EventHandler): this {
    this.#hub.on(eventName, handler);
    return this;
  }

  /** Sends a message to every `/events` client subscribed to `topic`; returns how many. */
  publish(topic: string, message: EventMessage): number {
    return this.#hub.publish(topic, message);
  }

  /** Sends a message to every `/events` client (`to` defaults to `"all"`). */
  broadcast(message: EventMessage): void {
    this.#hub.route(
      { ...message, to: message.to ?? "all", from: message.from ?? "server" },
      "server",
    );
  }

  /**
   * Closes an `/events` client's connection with a close code and reason (a client with
   * `reconnect` comes back under a new id); false if no such client is connected.
   */
  disconnect(clientId: string, code = 4000, reason = "disconnected by the server"): boolean {
    for (const c of this.#connections) {
      if (c.events && c.id === clientId) {
        this.#close(c, code, reason);
        return true;
      }
    }
    return false;
  }

  /** Client ids connected to `/events`. */
  eventClients(): string[] {
    return this.#hub.clients();
  }

  /** `WSServer(port=8765)`. */
  toString(): string {
    return `WSServer(port=${this.port})`;
  }

  /** How Deno's `console.log` shows it: `WSServer(port=8765)`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** How Node's and Bun's `console.log` show it: `WSServer(port=8765)`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** The WebSocket URL clients connect to. */
  get url(): string {
    return `ws://${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#native !== undefined;
  }

  /** Starts the worker pool and the listener. */
  async start(): Promise<void> {
    if (this.#native) throw new RayforceWSError("Server already started");
    this.#stopping = false;
    const o = this.options;
    let pool: Evaluator<PoolStats | GatewayStats>;
    try {
      pool = this.#pool = this.#evaluatorFor(o);
    } catch (e) {
      throw new RayforceWSError(`cannot start: ${(e as Error).message}`);
    }
    if (pool instanceof WorkerPool && pool.repaired) {
      this.#log.warn("data directory repaired", { detail: pool.repaired });
    }
    this.#feed = pool instanceof WorkerPool
      ? new TableFeed(pool, (client, text) => this.#hub.sendText(client, text))
      : undefined;
    try {
      this.#native = await serveNative<Connection>({
        hostname: this.host,
        port: this.port,
        maxPayload: o.maxPayload,
        idleTimeout: (o.pingIntervalMs + o.pongTimeoutMs) / 1000,
        reusePort: o.reusePort,
        outputBudget: o.maxPendingOutput,
        // Above the sessions' own ceiling: the runtime closes a socket itself only for
        // what the server does not send through a session (Bun's native publish).
        outputCeiling: this.#limits.outputCeiling + o.maxPayload,
      }, {
        upgrade: (request, remote) => this.#upgrade(request, remote),
        fetch: (request) => this.#http(request),
        open: (socket, c) => this.#open(socket, c),
        message: (_socket, c, data) => this.#message(c, data),
        close: (_socket, c) => this.#closed(c),
        drain: (_socket, c, buffered) => c.session?.drain(buffered),
      });
    } catch (e) {
      await pool.close();
      this.#pool = undefined;
      throw new RayforceWSError(
        `cannot listen on ${this.host}:${this.port}: ${(e as Error).message}`,
      );
    }
    if (o.tcpPort !== undefined) {
      try {
        this.#tcp = await serveTcpIpc({
          host: this.host,
          port: o.tcpPort,
          token: o.token,
          maxConnections: o.maxConnections,
          limits: this.#limits,
          evaluator: this.#evaluator,
          subscribe: this.#subscribeIpc,
          nextHandle: () => ++this.#handles,
          counters: this.#counters,
          log: this.#log,
        });
      } catch (e) {
        await this.#native.stop();
        this.#native = undefined;
        await pool.close();
        this.#pool = undefined;
        throw new RayforceWSError(
          `cannot listen on TCP ${this.host}:${o.tcpPort}: ${(e as Error).message}`,
        );
      }
    }
    this.#started = performance.now();
    this.#rss = process.memoryUsage().rss;
    this.#memoryTimer = setInterval(() => (this.#rss = process.memoryUsage().rss), 250);
    this.#hub.nativePublish = this.#native.publish;
    this.#log.info("listening", {
      url: this.url,
      workers: pool.size,
      data: o.dataDir ?? "in memory only: a restart loses every global",
    });
  }

  /** The evaluator the options ask for: the gateway, or the worker pool. */
  #evaluatorFor(o: ResolvedOptions): Evaluator<PoolStats | GatewayStats> {
    return o.upstream
      ? new UpstreamPool(parseUpstreams(o.upstream), {
        route: o.route,
        requestTimeoutMs: o.queryTimeoutMs,
        credentials: "",
        log: this.#log,
      })
      : new WorkerPool({
        size: o.workers,
        timeoutMs: o.queryTimeoutMs,
        maxQueue: o.maxQueue,
        maxResultBytes: o.maxResultBytes,
        maxVectorBytes: o.maxVectorBytes,
        maxQueryMemoryBytes: o.maxQueryMemoryBytes,
        permissions: o.permissions,
        resultCache: o.resultCache,
        handoff: o.handoff,
        packMs: o.packMs,
        lingerMs: o.lingerMs,
        kernelHelpers: o.kernelHelpers,
        dataDir: o.dataDir,
        fsync: o.fsync,
      });
  }

  /** Answers the queries in flight, closes every connection (1001) and stops listening. */
  async stop(): Promise<void> {
    if (!this.#native) throw new RayforceWSError("Server not started");
    this.#stopping = true;
    const native = this.#native;
    clearInterval(this.#memoryTimer);
    await this.#tcp?.stop();
    this.#tcp = undefined;
    await this.#pool?.close();
    for (const c of this.#connections) {
      clearTimeout(c.grace);
      c.socket?.close(1001, "server shutting down");
    }
    this.#connections.clear();
    await native.stop();
    this.#native = undefined;
    this.#pool = undefined;
    this.#feed = undefined;
    this.#log.info("stopped", { url: this.url });
  }

  /**
   * Starts, prints `Rayforce WebSocket served on ws://HOST:PORT`, waits for SIGINT or
   * SIGTERM, stops and prints `Rayforce WebSocket Server stopped.`.
   */
  async run(): Promise<void> {
    await this.start();
    console.log(`Rayforce WebSocket served on ${this.url}`);
    console.log(
      this.options.dataDir
        ? `Database in ${this.options.dataDir} (fsync ${this.options.fsync})`
        : "Database in memory only: a restart loses every global (serve --data DIR keeps it)",
    );
    await new Promise<void>((resolve) => {
      const remove = onShutdownSignal(() => {
        remove();
        resolve();
      });
    });
    await this.stop();
    console.log("Rayforce WebSocket Server stopped.");
  }

  /** `await using server = new WSServer(...)` stops it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#native) await this.stop();
  }

  /** Current statistics. */
  stats(): ServerStats {
    const c = this.#counters;
    return {
      connections: { current: this.#connections.size, total: this.#accepted },
      tcp: this.#tcp?.stats() ?? null,
      messages: { in: c.messagesIn, out: c.messagesOut },
      bytes: { in: c.bytesIn, out: c.bytesOut },
      errors: c.errors,
      queries: { ok: c.ok, failed: c.failed, refused: c.refused, dropped: c.dropped },
      slowConsumers: c.slowConsumers,
      memory: { rssBytes: this.#rss, watermarkBytes: this.options.memoryWatermarkBytes },
      latencyMs: { p50: c.percentile(0.5), p99: c.percentile(0.99) },
      uptimeSeconds: this.#started ? Math.round((performance.now() - this.#started) / 1000) : 0,
      pool: this.#pool?.stats() ?? null,
      liveTables: this.#feed
        ? { subscriptions: this.#feed.subscriptions, updates: this.#feed.delivered }
        : null,
    };
  }

  // ---------------------------------------------------------------- HTTP

  #health(): object {
    const s = this.stats();
    return {
      status: this.#stopping
        ? "stopping"
        : s.memory.rssBytes > s.memory.watermarkBytes
        ? "degraded"
        : "ok",
      version: VERSION,
      uptimeSeconds: s.uptimeSeconds,
      connections: s.connections.current,
      memory: s.memory,
    };
  }

  /** The figures of `GET /metrics`: the server's, the sessions', the TCP endpoint's, the pool's. */
  #metrics(): Metric[] {
    const s = this.stats();
    return [
      ["rfws_connections", "gauge", "Open WebSocket connections", s.connections.current],
      ["rfws_connections_total", "counter", "WebSocket connections accepted", s.connections.total],
      ...this.#counters.metrics(),
      ["rfws_uptime_seconds", "gauge", "Seconds since start", s.uptimeSeconds],
      ...this.#tcp?.metrics() ?? [],
      ...this.#pool?.metrics() ?? [],
    ];
  }

  #upgrade(request: Request, remote: string): Connection | Response {
    if (this.#stopping) return new Response("server shutting down", { status: 503 });
    const url = new URL(request.url);
    if (this.#connections.size >= this.options.maxConnections && !this.#evictUnidentified()) {
      return new Response(`too many connections (${this.options.maxConnections})`, { status: 503 });
    }
    const token = this.options.token;
    const offered = url.searchParams.get("token") ??
      request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    const c: Connection = {
      id: crypto.randomUUID(),
      remote,
      authorized: !token || offered === token,
      events: url.pathname === "/events",
    };
    // A refused token is answered on the WebSocket (close 1008 with the reason), which a
    // client can read; an HTTP 401 reaches a WebSocket client as a bare connection error.
    if (token && offered !== null && offered !== undefined && offered !== token) {
      c.refused = "unauthorized: wrong token";
    }
    // Browsers cannot send handshake bytes: the event protocol needs the token at upgrade.
    if (c.events && !c.authorized) c.refused ??= "unauthorized: token required";
    return c;
  }

  // ---------------------------------------------------------------- WebSocket

  #open(socket: ServerSocket, c: Connection): void {
    c.socket = socket;
    this.#connections.add(c);
    this.#accepted++;
    if (c.refused) {
      this.#counters.errors++;
      this.#log.warn("protocol violation", { connection: c.id, remote: c.remote, code: 1008 });
      return this.#close(c, 1008, c.refused);
    }
    if (c.events) {
      this.#hub.join({
        id: c.id,
        send: (text) => this.#sendEvent(c, text),
        sent: () => this.#checkEvents(c, socket.buffered()),
        subscribe: socket.subscribe && ((topic) => socket.subscribe!(topic)),
        unsubscribe: socket.unsubscribe && ((topic) => socket.unsubscribe!(topic)),
      });
      return;
    }
    c.session = new RayforceSession({
      id: c.id,
      remote: c.remote,
      transport: {
        kind: "websocket",
        send: (data) => socket.send(data),
        close: (code, why) => this.#close(c, code, why),
      },
      evaluator: this.#evaluator,
      subscribe: this.#subscribeIpc,
      limits: this.#limits,
      token: this.options.token,
      authorized: c.authorized,
      nextHandle: () => ++this.#handles,
      counters: this.#counters,
      log: this.#log,
    });
    this.#log.debug("open", { connection: c.id, remote: c.remote });
  }

  #message(c: Connection, data: string | ArrayBuffer): void {
    if (this.#stopping) return;
    if (c.session) return c.session.receive(data);
    if (c.closing || !c.events) return; // closed by us: nothing more is read
    const counters = this.#counters;
    const size = counters.received(data);
    if (size > this.options.maxPayload) {
      counters.errors++;
      return this.#close(
        c,
        1009,
        `message of ${size} bytes exceeds the limit of ${this.options.maxPayload}`,
      );
    }
    if (typeof data !== "string") {
      this.#sendEvent(
        c,
        JSON.stringify({ event_name: "error", message: "events are JSON text frames", to: c.id }),
      );
      return;
    }
    this.#hub.receive(c.id, data).catch((e) =>
      this.#log.error("event handling failed", { error: String(e) })
    );
  }

  /** Sends an `/events` message; a client that does not read is closed (no queue of ours). */
  #sendEvent(c: Connection, text: string): void {
    if (c.closing) return;
    this.#counters.sent(text);
    this.#checkEvents(c, c.socket!.send(text));
  }

  /**
   * The policy for `/events` clients: events are pushed, not asked for, so there is no
   * query to hold back; a client with more than the output ceiling unsent is closed with
   * 1008 "slow consumer" (it may reconnect and catch up from a fresh state).
   */
  #checkEvents(c: Connection, buffered: number): void {
    if (buffered <= this.#limits.outputCeiling || c.closing) return;
    this.#counters.slowConsumers++;
    this.#counters.errors++;
    this.#log.warn("slow consumer", { connection: c.id, remote: c.remote, unsent: buffered });
    this.#close(c, 1008, `slow consumer: ${buffered} bytes of events unsent`);
  }

  /** Closes a connection from our side; it counts out when the peer acknowledges. */
  #close(c: Connection, code: number, why: string): void {
    if (c.closing) return;
    c.closing = true;
    if (c.events) this.#leaveEvents(c.id);
    c.socket?.close(code, closeReason(why));
    // A peer that never answers the close (Deno then keeps the socket) stops counting against
    // the connection limit after a grace period.
    c.grace = setTimeout(() => this.#closed(c), CLOSE_GRACE_MS);
  }

  /** `.u.sub` on a Rayforce connection (live/ipc_subscribe.ts). */
  readonly #subscribeIpc: SessionOptions["subscribe"] = (session, call, push, reply) => {
    if (!this.#feed) {
      throw new Error("live tables need the built-in engine (not an upstream gateway)");
    }
    this.#feed.subscribeIpc(session, call, push, reply);
  };

  #leaveEvents(id: string): void {
    this.#hub.leave(id);
    this.#feed?.leave(id);
  }

  #closed(c: Connection): void {
    clearTimeout(c.grace);
    if (!this.#connections.delete(c)) return; // already counted out
    if (c.events) this.#leaveEvents(c.id);
    c.session?.closed();
    this.#log.debug("close", { connection: c.id });
  }

  /**
   * When the server is full, the oldest connection that has not said who it is (no
   * handshake, no first frame yet) makes room for a new one: connections that never
   * handshake must not lock real clients out. True if one was closed.
   */
  #evictUnidentified(): boolean {
    for (const c of this.#connections) {
      const s = c.session;
      if (!s || s.mode !== "new" || s.closing) continue;
      s.close(1013, "server full: handshake not sent in time");
      this.#closed(c);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- evaluation

  /** Evaluates a request, or refuses it while memory is above the watermark. */
  #evaluate(request: TaskRequest, session: string): Promise<TaskResult> {
    return new Promise((resolve) => this.#submit(request, session, resolve));
  }

  /** `#evaluate` with a callback: the per-query path, without a Promise per query. */
  #submit(request: TaskRequest, session: string, done: (r: TaskResult) => void): void {
    const pool = this.#pool;
    if (!pool) return done(failureResult(request, ErrorCode.LIMIT, "server not started"));
    // Above the watermark one query at a time still runs (when nothing else does): refusing
    // them all would also refuse the `(set big 0)` that frees the memory, for good.
    if (this.#rss > this.options.memoryWatermarkBytes && this.#evaluating > 0) {
      this.#counters.refused++;
      const message =
        `server busy: memory ${this.#rss} bytes is above the watermark of ${this.options.memoryWatermarkBytes}`;
      return done(failureResult(request, ErrorCode.LIMIT, message));
    }
    this.#evaluating++;
    pool.submit(request, session, (r) => {
      this.#evaluating--;
      done(r);
    });
  }
}
