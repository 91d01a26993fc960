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
 * - HTTP: `GET /health` (JSON liveness), `GET /metrics` (Prometheus text), `GET /`.
 *
 * Protocol violations close only the offending connection, with a close code and reason:
 * 1002 for a bad handshake or malformed frame, 1008 for a missing or wrong token, 1009 for
 * a frame over `maxPayload`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  ErrorCode,
  HANDSHAKE_REPLY,
  parseHandshake,
  type RayforceIPCError,
  RayforceValueError,
  RayforceWSError,
  replyStyle,
  splitMessage,
} from "./ipc/mod.ts";
import { isLogLevel, Logger, type LogLevel } from "./log.ts";
import { registerBuiltins } from "./events/builtins.ts";
import { CLIENT_BUNDLE } from "./console/client_bundle.ts";
import { consolePage } from "./console/page.ts";
import { type EventHandler, EventHub } from "./events/hub.ts";
import type { EventMessage } from "./events/protocol.ts";
import {
  type NativeServer,
  onShutdownSignal,
  serveNative,
  type ServerSocket,
} from "./runtime/mod.ts";
import { VERSION } from "./version.ts";
import { failureResult } from "./worker/failure.ts";
import process from "node:process";
import { totalmem } from "node:os";
import { statSync } from "node:fs";
import { type PoolStats, type TaskRequest, type TaskResult, WorkerPool } from "./worker/pool.ts";
import {
  parseUpstreams,
  type Route,
  UpstreamPool,
  type UpstreamStats,
} from "./upstream/gateway.ts";
import { serveTcpIpc, type TcpIpcEndpoint } from "./upstream/listener.ts";
import { AnswerOrder, busyMessage } from "./session/answer_order.ts";
import type { Permissions } from "./engine/os.ts";
import type { ResultCacheOptions } from "./worker/result_cache.ts";

/** What evaluates queries: the worker pool, or the upstream engines. */
interface Evaluator {
  readonly size: number;
  run(request: TaskRequest, session: string): Promise<TaskResult>;
  /** Calls `.z.po`/`.z.pc` (the worker pool has it; upstream engines run their own). */
  connection?(
    event: "open" | "close",
    session: string,
    handle: number,
    done: (failed: boolean) => void,
  ): void;
  /** `run` with a callback (the worker pool has it; the gateway answers through `run`). */
  submit?(request: TaskRequest, session: string, done: (r: TaskResult) => void): void;
  /** Drops the queued queries of a session whose connection closed. */
  forget?(session: string): void;
  stats(): PoolStats | { upstreams: UpstreamStats[]; tasks: number; failed: number; route: Route };
  close(): Promise<void>;
}

/** Default TCP port of the server, as in the rayforce-py seeds. */
export const DEFAULT_PORT = 8765;

/** Default bind address: loopback, so a server is never exposed by accident. */
export const DEFAULT_HOST = "127.0.0.1";

/** Options of {@link WSServer}. */
export interface WSServerOptions {
  /** TCP port, 1–65535. Default 8765. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** Worker threads evaluating queries. Default: the number of cores. */
  workers?: number;
  /** Largest WebSocket message accepted, in bytes. Default 64 MiB. */
  maxPayload?: number;
  /** Time to complete the Rayforce handshake, in ms. Default 5,000. */
  handshakeTimeoutMs?: number;
  /** Interval of WebSocket pings, in ms. Default 60,000. */
  pingIntervalMs?: number;
  /** Time a peer has to answer a ping, in ms. Default 30,000. */
  pongTimeoutMs?: number;
  /** Concurrent connections; more are refused with HTTP 503. Default 1,000. */
  maxConnections?: number;
  /** Time limit of one query, in ms. Default 30,000. */
  queryTimeoutMs?: number;
  /** Queries waiting for a worker before new ones are answered "server busy". Default 10,000. */
  maxQueue?: number;
  /**
   * Required token: the handshake credentials (`token` or `user:token`), `?token=` in the
   * URL, or `Authorization: Bearer token` at upgrade. Default: none.
   */
  token?: string;
  /** Log level of the JSON lines on stderr. Default `warn`. */
  logLevel?: LogLevel;
  /** Serve the web console at `GET /` (and the client at `/client.js`). Default true. */
  console?: boolean;
  /**
   * Forward queries to real Rayforce engines instead of the embedded engine:
   * `rayforce://host:port[,host:port…]`.
   */
  upstream?: string;
  /** How queries are spread over the upstreams. Default `round-robin`. */
  route?: Route;
  /** Also serve the engine's native TCP IPC protocol on this port. */
  tcpPort?: number;
  /** Let several processes share the port (Linux SO_REUSEPORT) to use every core. */
  reusePort?: boolean;
  /** Queries one connection may have in flight; more are answered "server busy". Default 1,000. */
  maxQueuedPerConnection?: number;
  /** Largest encoded result of one query, in bytes. Default 256 MiB. */
  maxResultBytes?: number;
  /** Largest vector one operation may build from a small argument, in bytes. Default 1 GiB. */
  maxVectorBytes?: number;
  /**
   * What one query may grow its worker's memory by, in bytes: past it the query stops with
   * a `limit` error (worker/query_guard.ts). Default 2 GiB.
   */
  maxQueryMemoryBytes?: number;
  /**
   * Resident memory above which queries run one at a time: a query that arrives while
   * another runs is refused ("server busy"), and `/health` says "degraded", until memory
   * drops. A lone query still runs, so that one that frees memory can. Default 80% of the
   * machine's memory.
   */
  memoryWatermarkBytes?: number;
  /**
   * What the OS builtins may touch: `{read: [dir], write: [dir], net: ["host:port"],
   * system: true, env: true}`. Default: nothing (they answer an `os` error).
   */
  permissions?: Permissions;
  /**
   * Answer repeated read-only queries from a cache while the globals they read are unchanged
   * (worker/result_cache.ts): `true` for the default limits. Default false.
   */
  resultCache?: boolean | ResultCacheOptions;
}

/** Server statistics. */
export interface ServerStats {
  /** WebSocket connections open now, and accepted since the start. */
  connections: { current: number; total: number };
  /** The TCP IPC endpoint (`tcpPort`): connections open, accepted, refused; null without it. */
  tcp: { current: number; total: number; refused: number } | null;
  /** Frames received and sent. */
  messages: { in: number; out: number };
  /** Bytes received and sent. */
  bytes: { in: number; out: number };
  /** Protocol errors (connections closed for a violation). */
  errors: number;
  /** `refused`: turned away by a limit (memory watermark, queries in flight per connection). */
  queries: { ok: number; failed: number; refused: number };
  /** Resident memory at the last sample and the watermark. */
  memory: { rssBytes: number; watermarkBytes: number };
  /** Query latency in milliseconds over the last 4,096 queries. */
  latencyMs: { p50: number; p99: number };
  /** Seconds since `start()`. */
  uptimeSeconds: number;
  /** The worker pool's statistics, or the gateway's upstreams; null before `start()`. */
  pool:
    | PoolStats
    | { upstreams: UpstreamStats[]; tasks: number; failed: number; route: Route }
    | null;
}

interface Connection {
  id: string;
  remote: string;
  /** A token was presented at upgrade, or none is required. */
  authorized: boolean;
  mode: "new" | "ipc" | "text" | "events";
  /** Its queries in flight (capped) and their answers, sent in query order. */
  answers: AnswerOrder<string | ArrayBuffer>;
  /** The handle passed to `.z.po`/`.z.pc`, once the connection speaks Rayforce. */
  handle?: number;
  /** Why the connection is closed (1008) as soon as it opens: a wrong or missing token. */
  refused?: string;
  socket?: ServerSocket;
  timer?: ReturnType<typeof setTimeout>;
  /** The server closed it and waits for the peer's close. */
  closing?: boolean;
}

const LATENCY_WINDOW = 4096;
/** How long a closed connection may take to acknowledge the close before it is counted out. */
const CLOSE_GRACE_MS = 5_000;

/** Close reasons are limited to 123 bytes by the WebSocket protocol. */
function reason(text: string): string {
  let s = text;
  while (Buffer.byteLength(s, "utf8") > 123) s = s.slice(0, -1);
  return s;
}

/**
 * A Rayforce WebSocket server.
 *
 * @example
 * ```ts
 * import { WSServer } from "@rf/ws";
 * await using server = new WSServer({ port: 8765, workers: 2 });
 * await server.start();
 * ```
 */
export class WSServer {
  /** The port it listens on. */
  readonly port: number;
  /** The address it binds. */
  readonly host: string;
  /** The options in effect, defaults filled in. */
  readonly options:
    & Readonly<Required<Omit<WSServerOptions, "token" | "workers" | "upstream" | "tcpPort">>>
    & {
      token?: string;
      workers?: number;
      upstream?: string;
      tcpPort?: number;
    };
  readonly #log: Logger;
  #native: NativeServer | undefined;
  #pool: Evaluator | undefined;
  #tcp: TcpIpcEndpoint | undefined;
  /** Resident memory at the last sample, and the sampler. */
  #rss = 0;
  /** Queries submitted to the evaluator and not answered yet. */
  #evaluating = 0;
  #memoryTimer: ReturnType<typeof setInterval> | undefined;
  #started = 0;
  #stopping = false;
  readonly #connections = new Set<Connection>();
  /** The last connection handle given (`.z.po`/`.z.pc`), for WebSocket and TCP alike. */
  #handles = 0;
  readonly #counters = {
    total: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    errors: 0,
    ok: 0,
    failed: 0,
    refused: 0,
  };
  readonly #latencies = new Float64Array(LATENCY_WINDOW);
  /** The JSON event protocol on `/events`. */
  readonly #hub: EventHub;
  /** Queries in flight per `/events` client. */
  readonly #eventQueries = new Map<string, number>();
  #latencyCount = 0;

  /** `new WSServer(8765)` or `new WSServer({port, host, …})`. */
  constructor(options: WSServerOptions | number = {}) {
    const o = typeof options === "number" ? { port: options } : options;
    const port = o.port ?? DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RayforceValueError(`port must be an integer from 1 to 65535, got ${port}`);
    }
    if (o.token === "") {
      // `--token=` or `token: process.env.UNSET ?? ""` must not quietly turn auth off.
      throw new RayforceValueError("token is empty: give a token, or no token option at all");
    }
    if (o.logLevel !== undefined && !isLogLevel(o.logLevel)) {
      throw new RayforceValueError(`unknown log level ${o.logLevel}`);
    }
    this.port = port;
    this.host = o.host ?? DEFAULT_HOST;
    this.options = {
      port,
      host: this.host,
      workers: o.workers,
      maxPayload: o.maxPayload ?? 64 * 1024 * 1024,
      handshakeTimeoutMs: o.handshakeTimeoutMs ?? 5_000,
      pingIntervalMs: o.pingIntervalMs ?? 60_000,
      pongTimeoutMs: o.pongTimeoutMs ?? 30_000,
      maxConnections: o.maxConnections ?? 1_000,
      queryTimeoutMs: o.queryTimeoutMs ?? 30_000,
      maxQueue: o.maxQueue ?? 10_000,
      token: o.token,
      logLevel: o.logLevel ?? "warn",
      console: o.console ?? true,
      upstream: o.upstream,
      route: o.route ?? "round-robin",
      tcpPort: o.tcpPort,
      reusePort: o.reusePort ?? false,
      maxQueuedPerConnection: o.maxQueuedPerConnection ?? 1_000,
      maxResultBytes: o.maxResultBytes ?? 256 * 1024 * 1024,
      maxVectorBytes: o.maxVectorBytes ?? 1024 * 1024 * 1024,
      maxQueryMemoryBytes: o.maxQueryMemoryBytes ?? 2 * 1024 * 1024 * 1024,
      memoryWatermarkBytes: o.memoryWatermarkBytes ?? Math.floor(totalmem() * 0.8),
      permissions: o.permissions ?? {},
      resultCache: o.resultCache ?? false,
    };
    // A directory that does not exist would make every file builtin fail later, with an
    // error about the directory rather than the file: refuse it now.
    const dirs = this.options.permissions;
    for (
      const [flag, list] of [["--allow-read", dirs.read], ["--allow-write", dirs.write]] as const
    ) {
      for (const d of list ?? []) {
        if (!statSync(d, { throwIfNoEntry: false })?.isDirectory()) {
          throw new RayforceValueError(`${flag}=${d}: no such directory`);
        }
      }
    }
    if (o.upstream !== undefined) {
      try {
        parseUpstreams(o.upstream);
      } catch (e) {
        throw new RayforceValueError((e as Error).message);
      }
    }
    if (!["round-robin", "least-busy", "sticky"].includes(this.options.route)) {
      throw new RayforceValueError(
        `unknown route ${this.options.route}: round-robin, least-busy or sticky`,
      );
    }
    if (
      o.tcpPort !== undefined &&
      (!Number.isInteger(o.tcpPort) || o.tcpPort < 1 || o.tcpPort > 65535)
    ) {
      throw new RayforceValueError(`tcpPort must be an integer from 1 to 65535, got ${o.tcpPort}`);
    }
    this.#log = new Logger(this.options.logLevel);
    this.#hub = new EventHub(this.#log);
    registerBuiltins(this.#hub, {
      query: async (source, clientId) => {
        // Each event client has the same cap on queries in flight as a Rayforce connection;
        // a reply has an id, so a refusal need not wait for the answers ahead of it.
        const running = this.#eventQueries.get(clientId) ?? 0;
        const limit = this.options.maxQueuedPerConnection;
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
  }

  /**
   * Registers a handler for an event of the `/events` protocol. It receives the message
   * and a context (`clientId`, `send`, `broadcast`, `hub`) and may return a message,
   * routed by its `to` (`"all"`, `"others"` by default, or a client id).
   *
   * @example
   * ```ts
   * server.on("chat", (m) => ({ event_name: "chat", payload: m.payload, to: "all" }));
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
    this.#pool = this.options.upstream
      ? new UpstreamPool(parseUpstreams(this.options.upstream), {
        route: this.options.route,
        requestTimeoutMs: this.options.queryTimeoutMs,
        credentials: "",
        log: this.#log,
      })
      : new WorkerPool({
        size: this.options.workers,
        timeoutMs: this.options.queryTimeoutMs,
        maxQueue: this.options.maxQueue,
        maxResultBytes: this.options.maxResultBytes,
        maxVectorBytes: this.options.maxVectorBytes,
        maxQueryMemoryBytes: this.options.maxQueryMemoryBytes,
        permissions: this.options.permissions,
        resultCache: this.options.resultCache,
      });
    try {
      this.#native = await serveNative<Connection>({
        hostname: this.host,
        port: this.port,
        maxPayload: this.options.maxPayload,
        idleTimeout: (this.options.pingIntervalMs + this.options.pongTimeoutMs) / 1000,
        reusePort: this.options.reusePort,
        // The server enforces maxPayload and counts violations; the runtime's own limit
        // is a backstop above it.
      }, {
        upgrade: (request, remote) => this.#upgrade(request, remote),
        fetch: (request) => this.#http(request),
        open: (socket, c) => this.#open(socket, c),
        message: (socket, c, data) => this.#message(socket, c, data),
        close: (_socket, c, code, why) => this.#closed(c, code, why),
      });
    } catch (e) {
      await this.#pool.close();
      this.#pool = undefined;
      throw new RayforceWSError(
        `cannot listen on ${this.host}:${this.port}: ${(e as Error).message}`,
      );
    }
    if (this.options.tcpPort !== undefined) {
      const pool = this.#pool;
      const tcpHandles = new Map<string, number>();
      try {
        this.#tcp = await serveTcpIpc({
          host: this.host,
          port: this.options.tcpPort,
          maxPayload: this.options.maxPayload,
          token: this.options.token,
          handshakeTimeoutMs: this.options.handshakeTimeoutMs,
          maxConnections: this.options.maxConnections,
          maxInFlight: this.options.maxQueuedPerConnection,
          refused: () => this.#counters.refused++,
          run: (request, session) => this.#evaluate(request, session),
          connection: (event, session) => {
            if (event === "open") tcpHandles.set(session, ++this.#handles);
            const handle = tcpHandles.get(session);
            if (event === "close") {
              tcpHandles.delete(session);
              this.#pool?.forget?.(session);
            }
            if (handle !== undefined) this.#connectionEvent(event, session, handle);
          },
          log: this.#log,
        });
      } catch (e) {
        await this.#native.stop();
        this.#native = undefined;
        await pool.close();
        this.#pool = undefined;
        throw new RayforceWSError(
          `cannot listen on TCP ${this.host}:${this.options.tcpPort}: ${(e as Error).message}`,
        );
      }
    }
    this.#started = performance.now();
    this.#rss = process.memoryUsage().rss;
    this.#memoryTimer = setInterval(() => (this.#rss = process.memoryUsage().rss), 250);
    this.#hub.nativePublish = this.#native.publish;
    this.#log.info("listening", { url: this.url, workers: this.#pool.size });
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
    for (const c of this.#connections) c.socket?.close(1001, "server shutting down");
    this.#connections.clear();
    await native.stop();
    this.#native = undefined;
    this.#pool = undefined;
    this.#log.info("stopped", { url: this.url });
  }

  /**
   * Starts, prints `Rayforce WebSocket served on ws://HOST:PORT`, waits for SIGINT or
   * SIGTERM, stops and prints `Rayforce WebSocket Server stopped.`.
   */
  async run(): Promise<void> {
    await this.start();
    console.log(`Rayforce WebSocket served on ${this.url}`);
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
    const n = Math.min(this.#latencyCount, LATENCY_WINDOW);
    const sorted = this.#latencies.slice(0, n).sort();
    const pct = (
      p: number,
    ) => (n ? Math.round(sorted[Math.min(n - 1, Math.floor(p * n))] * 1000) / 1000 : 0);
    const c = this.#counters;
    return {
      connections: { current: this.#connections.size, total: c.total },
      tcp: this.#tcp?.stats() ?? null,
      messages: { in: c.messagesIn, out: c.messagesOut },
      bytes: { in: c.bytesIn, out: c.bytesOut },
      errors: c.errors,
      queries: { ok: c.ok, failed: c.failed, refused: c.refused },
      memory: { rssBytes: this.#rss, watermarkBytes: this.options.memoryWatermarkBytes },
      latencyMs: { p50: pct(0.5), p99: pct(0.99) },
      uptimeSeconds: this.#started ? Math.round((performance.now() - this.#started) / 1000) : 0,
      pool: this.#pool?.stats() ?? null,
    };
  }

  // ---------------------------------------------------------------- HTTP

  #upgrade(request: Request, remote: string): Connection | Response {
    if (this.#stopping) return new Response("server shutting down", { status: 503 });
    const url = new URL(request.url);
    if (this.#connections.size >= this.options.maxConnections && !this.#evictUnidentified()) {
      return new Response(`too many connections (${this.options.maxConnections})`, { status: 503 });
    }
    const token = this.options.token;
    const offered = url.searchParams.get("token") ??
      request.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    const authorized = !token || offered === token;
    const c: Connection = {
      id: crypto.randomUUID(),
      remote,
      authorized,
      mode: "new",
      answers: new AnswerOrder({
        maxInFlight: this.options.maxQueuedPerConnection,
        send: (answer) => this.#send(c, answer),
      }),
    };
    // A refused token is answered on the WebSocket (close 1008 with the reason), which a
    // client can read; an HTTP 401 reaches a WebSocket client as a bare connection error.
    if (token && offered !== null && offered !== undefined && offered !== token) {
      c.refused = "unauthorized: wrong token";
    }
    if (url.pathname === "/events") {
      // Browsers cannot send handshake bytes: the event protocol needs the token at upgrade.
      c.mode = "events";
      if (!authorized) c.refused ??= "unauthorized: token required";
    }
    return c;
  }

  #http(request: Request): Response {
    const url = new URL(request.url);
    if (request.method !== "GET") return new Response("method not allowed", { status: 405 });
    if (url.pathname === "/health") {
      const s = this.stats();
      return Response.json({
        status: this.#stopping
          ? "stopping"
          : s.memory.rssBytes > s.memory.watermarkBytes
          ? "degraded"
          : "ok",
        version: VERSION,
        uptimeSeconds: s.uptimeSeconds,
        connections: s.connections.current,
        memory: s.memory,
      });
    }
    if (url.pathname === "/metrics") {
      return new Response(this.#metrics(), {
        headers: { "content-type": "text/plain; version=0.0.4" },
      });
    }
    if (this.options.console && url.pathname === "/") {
      return new Response(consolePage(), {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    if (this.options.console && url.pathname === "/client.js") {
      return new Response(CLIENT_BUNDLE, {
        headers: { "content-type": "text/javascript; charset=utf-8" },
      });
    }
    if (url.pathname === "/") {
      return new Response(
        `@rf/ws ${VERSION}: Rayforce over WebSocket.\nConnect a WebSocket to ${this.url}/ and send Rayforce IPC frames, or text queries.\n`,
        { headers: { "content-type": "text/plain; charset=utf-8" } },
      );
    }
    return new Response("not found", { status: 404 });
  }

  #metrics(): string {
    const s = this.stats();
    const lines: [string, "gauge" | "counter", string, number][] = [
      ["rfws_connections", "gauge", "Open WebSocket connections", s.connections.current],
      ["rfws_connections_total", "counter", "WebSocket connections accepted", s.connections.total],
      ["rfws_messages_in_total", "counter", "Frames received", s.messages.in],
      ["rfws_messages_out_total", "counter", "Frames sent", s.messages.out],
      ["rfws_bytes_in_total", "counter", "Bytes received", s.bytes.in],
      ["rfws_bytes_out_total", "counter", "Bytes sent", s.bytes.out],
      [
        "rfws_protocol_errors_total",
        "counter",
        "Connections closed for a protocol violation",
        s.errors,
      ],
      ["rfws_queries_ok_total", "counter", "Queries answered with a value", s.queries.ok],
      ["rfws_queries_failed_total", "counter", "Queries answered with an error", s.queries.failed],
      ["rfws_query_latency_p50_ms", "gauge", "Median query latency", s.latencyMs.p50],
      ["rfws_query_latency_p99_ms", "gauge", "99th percentile query latency", s.latencyMs.p99],
      ["rfws_uptime_seconds", "gauge", "Seconds since start", s.uptimeSeconds],
      [
        "rfws_queries_refused_total",
        "counter",
        "Queries refused (limits, memory)",
        s.queries.refused,
      ],
    ];
    if (s.tcp) {
      lines.push(
        ["rfws_tcp_connections", "gauge", "Open TCP IPC connections", s.tcp.current],
        ["rfws_tcp_connections_total", "counter", "TCP IPC connections accepted", s.tcp.total],
        [
          "rfws_tcp_refused_total",
          "counter",
          "TCP IPC connections closed for a limit or a bad handshake",
          s.tcp.refused,
        ],
      );
    }
    const pool = s.pool;
    if (pool && "conflicts" in pool) {
      lines.push(
        ["rfws_pool_workers", "gauge", "Engine workers", pool.workers],
        ["rfws_pool_queued", "gauge", "Tasks waiting for a worker", pool.queued],
        ["rfws_pool_running", "gauge", "Tasks on workers", pool.running],
        ["rfws_pool_tasks_total", "counter", "Tasks answered", pool.tasks],
        ["rfws_pool_failed_total", "counter", "Tasks answered with an error", pool.failed],
        ["rfws_pool_timed_out_total", "counter", "Tasks stopped at the time limit", pool.timedOut],
        ["rfws_pool_restarts_total", "counter", "Workers replaced", pool.restarts],
        ["rfws_pool_conflicts_total", "counter", "Tasks re-run after a conflict", pool.conflicts],
        ["rfws_pool_rejected_total", "counter", "Tasks refused on a full queue", pool.rejected],
        ["rfws_pool_version", "gauge", "Last committed version", pool.version],
        ["rfws_pool_timers", "gauge", "Timers running", pool.timers.running],
        ["rfws_pool_timer_calls_total", "counter", "Timer calls made", pool.timers.calls],
      );
      if (pool.cache) {
        lines.push(
          ["rfws_cache_entries", "gauge", "Answers in the result cache", pool.cache.entries],
          ["rfws_cache_hits_total", "counter", "Queries answered from the cache", pool.cache.hits],
          ["rfws_cache_misses_total", "counter", "Cache lookups that missed", pool.cache.misses],
        );
      }
    } else if (pool) {
      const up = pool.upstreams;
      lines.push(
        ["rfws_upstreams_up", "gauge", "Upstream engines up", up.filter((u) => u.up).length],
        ["rfws_upstreams", "gauge", "Upstream engines", up.length],
        ["rfws_upstream_requests_total", "counter", "Requests sent upstream", pool.tasks],
        ["rfws_upstream_failed_total", "counter", "Upstream requests failed", pool.failed],
      );
    }
    return lines.map(([name, type, help, value]) =>
      `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}`
    )
      .join("\n") + "\n";
  }

  // ---------------------------------------------------------------- WebSocket

  #open(socket: ServerSocket, c: Connection): void {
    c.socket = socket;
    this.#connections.add(c);
    this.#counters.total++;
    if (c.refused) return this.#violation(c, 1008, c.refused);
    if (c.mode === "events") {
      this.#hub.join({
        id: c.id,
        send: (text) => this.#send(c, text),
        subscribe: socket.subscribe && ((topic) => socket.subscribe!(topic)),
        unsubscribe: socket.unsubscribe && ((topic) => socket.unsubscribe!(topic)),
      });
      return;
    }
    c.timer = setTimeout(() => {
      if (c.mode === "new") this.#violation(c, 1002, "handshake timeout");
    }, this.options.handshakeTimeoutMs);
    this.#log.debug("open", { connection: c.id, remote: c.remote });
  }

  #closed(c: Connection, code: number, why: string): void {
    clearTimeout(c.timer);
    if (!this.#connections.delete(c)) return; // already counted out

    if (c.mode === "events") this.#hub.leave(c.id);
    this.#pool?.forget?.(c.id); // its queries still queued have no one to answer
    if (c.handle !== undefined) this.#connectionEvent("close", c.id, c.handle);
    this.#log.debug("close", { connection: c.id, code, reason: why });
  }

  /**
   * When the server is full, the oldest connection that has not said who it is (no
   * handshake, no first frame yet) makes room for a new one: connections that never
   * handshake must not lock real clients out. True if one was closed.
   */
  #evictUnidentified(): boolean {
    for (const c of this.#connections) {
      if (c.mode !== "new" || c.closing) continue;
      this.#violation(c, 1013, "server full: handshake not sent in time");
      this.#closed(c, 1013, "evicted before its handshake");
      return true;
    }
    return false;
  }

  /** Closes one connection for a protocol violation; others are untouched. */
  #violation(c: Connection, code: number, message: string): void {
    this.#counters.errors++;
    this.#log.warn("protocol violation", {
      connection: c.id,
      remote: c.remote,
      code,
      reason: message,
    });
    clearTimeout(c.timer);
    c.closing = true;
    c.socket?.close(code, reason(message));
    // A peer that never answers the close (Deno then keeps the socket) stops counting against
    // the connection limit after a grace period.
    c.timer = setTimeout(() => this.#closed(c, code, "close not acknowledged"), CLOSE_GRACE_MS);
  }

  #send(c: Connection, data: string | ArrayBuffer): void {
    this.#counters.messagesOut++;
    this.#counters.bytesOut += typeof data === "string"
      ? Buffer.byteLength(data, "utf8") // counts without copying a large answer
      : data.byteLength;
    c.socket?.send(data);
  }

  #message(_socket: ServerSocket, c: Connection, data: string | ArrayBuffer): void {
    this.#counters.messagesIn++;
    const size = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.byteLength;
    this.#counters.bytesIn += size;
    if (this.#stopping || c.refused || c.closing) return; // closed by us: nothing more is read
    if (size > this.options.maxPayload) {
      return this.#violation(
        c,
        1009,
        `message of ${size} bytes exceeds the limit of ${this.options.maxPayload}`,
      );
    }
    if (c.mode === "events") {
      if (typeof data !== "string") {
        this.#send(
          c,
          JSON.stringify({ event_name: "error", message: "events are JSON text frames", to: c.id }),
        );
        return;
      }
      this.#hub.receive(c.id, data).catch((e) =>
        this.#log.error("event handling failed", { error: String(e) })
      );
      return;
    }
    if (c.mode === "new") {
      clearTimeout(c.timer);
      if (typeof data === "string") {
        if (!c.authorized) return this.#violation(c, 1008, "unauthorized: token required");
        c.mode = "text";
        this.#connectionEvent("open", c.id, c.handle = ++this.#handles);
      } else {
        const hs = parseHandshake(new Uint8Array(data));
        if (!hs) {
          return this.#violation(c, 1002, "bad handshake: expected [user:password] version 00");
        }
        const token = this.options.token;
        if (!c.authorized && token && hs.credentials !== token && hs.password !== token) {
          return this.#violation(c, 1008, "unauthorized: wrong or missing token");
        }
        c.authorized = true;
        c.mode = "ipc";
        this.#send(c, HANDSHAKE_REPLY.slice().buffer as ArrayBuffer);
        this.#connectionEvent("open", c.id, c.handle = ++this.#handles);
        return;
      }
    }
    if (typeof data === "string") return this.#query(c, { kind: "text", source: data });
    // Check the framing here (16 bytes, no decoding of the query); the worker decodes.
    try {
      splitMessage(new Uint8Array(data), this.options.maxPayload);
    } catch (e) {
      const err = e as RayforceIPCError;
      return this.#violation(
        c,
        err.code === ErrorCode.LIMIT ? 1009 : 1002,
        `malformed frame: ${err.message}`,
      );
    }
    this.#query(c, {
      kind: "ipc",
      frame: data,
      reply: replyStyle(new Uint8Array(data), "websocket"),
    });
  }

  /** Runs the user's `.z.po`/`.z.pc` for a Rayforce connection (WebSocket or TCP), if set. */
  #connectionEvent(event: "open" | "close", session: string, handle: number): void {
    this.#pool?.connection?.(event, session, handle, (failed) => {
      if (failed && !this.#stopping) {
        this.#log.warn(`${event === "open" ? ".z.po" : ".z.pc"} failed`, { connection: session });
      }
    });
  }

  /** Evaluates a request, or refuses it while memory is above the watermark. */
  #evaluate(request: TaskRequest, session: string): Promise<TaskResult> {
    return new Promise((resolve) => this.#submit(request, session, resolve));
  }

  /** `#evaluate` with a callback: the per-query path, without a Promise per query. */
  #submit(request: TaskRequest, session: string, done: (r: TaskResult) => void): void {
    const pool = this.#pool;
    if (!pool) {
      return done(
        failureResult(request, ErrorCode.LIMIT, "server not started"),
      );
    }
    // Above the watermark one query at a time still runs (when nothing else does): refusing
    // them all would also refuse the `(set big 0)` that frees the memory, for good.
    if (this.#rss > this.options.memoryWatermarkBytes && this.#evaluating > 0) {
      this.#counters.refused++;
      const message =
        `server busy: memory ${this.#rss} bytes is above the watermark of ${this.options.memoryWatermarkBytes}`;
      return done(failureResult(request, ErrorCode.LIMIT, message));
    }
    this.#evaluating++;
    const finish = (r: TaskResult) => {
      this.#evaluating--;
      done(r);
    };
    if (pool.submit) pool.submit(request, session, finish);
    else pool.run(request, session).then(finish);
  }

  #query(c: Connection, request: TaskRequest): void {
    const ticket = c.answers.admit((why) => failureResult(request, ErrorCode.LIMIT, why).response);
    if (typeof ticket !== "number") {
      this.#counters.refused++;
      // A peer that keeps sending while its queries are computed is closed: its waiting
      // refusals would otherwise grow without bound.
      if (ticket === "flood") {
        this.#violation(c, 1008, "too many queries in flight on this connection");
      }
      return;
    }
    const t0 = performance.now();
    this.#submit(request, c.id, (r) => {
      this.#latencies[this.#latencyCount++ % LATENCY_WINDOW] = performance.now() - t0;
      if (r.failed) this.#counters.failed++;
      else this.#counters.ok++;
      c.answers.finish(ticket, r.response);
    });
  }
}
