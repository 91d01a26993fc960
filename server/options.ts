/**
 * The options of `WSServer`: what each means, its default (from the one table in
 * `defaults.ts`), and their validation, so that a bad value is refused at construction
 * rather than met later.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./options.ts";
 * const o = resolveOptions({ port: 9000 });
 * if (o.maxResultBytes !== o.maxPayload - 1) throw new Error("default result limit");
 * ```
 *
 * @module
 */
import { statSync } from "node:fs";
import { totalmem } from "node:os";
import { defaultMaxResultBytes, DEFAULTS } from "../defaults.ts";
import type { Permissions } from "../engine/os.ts";
import { RayforceOptionError } from "../ipc/mod.ts";
import { isLogLevel, type LogLevel } from "../log.ts";
import { parseUpstreams, type Route } from "../upstream/gateway.ts";
import type { ResultCacheOptions } from "../worker/result_cache.ts";
import type { FsyncMode } from "../store/wal.ts";

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
  /**
   * Unsent output of one connection above which its next queries wait (unrun) until the
   * peer reads; past this budget plus `maxResultBytes` the peer is closed with 1008 "slow
   * consumer", and so is an `/events` client. Default 4 MiB.
   */
  maxPendingOutput?: number;
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
  /**
   * Largest answer of one query, in bytes (an IPC frame with its header, or the text of a
   * text or JSON answer): a larger one is answered with a `limit` error naming its size, on
   * a connection that stays open. Default `maxPayload` − 1, what every client takes (Deno's
   * WebSocket client refuses a frame of 64 MiB or more).
   */
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
  /**
   * How queries reach the workers: `rings` in shared memory (default) or `messages`
   * (`postMessage`), see `PoolOptions.handoff`.
   */
  handoff?: "rings" | "messages";
  /**
   * Queries join a worker that is getting through quick ones before an idle worker is woken;
   * 0 spreads them. See `PoolOptions.packMs`. Default 0.25 (ms).
   */
  packMs?: number;
  /**
   * A worker waits awake this many ms for the next query after one that was alone; 0 sleeps
   * at once. See `PoolOptions.lingerMs`. Default 0.15 (ms).
   */
  lingerMs?: number;
  /**
   * Helper threads of each worker for its loops over long columns; 0: none. See
   * `PoolOptions.kernelHelpers`. Default: the cores less one, at most 3.
   */
  kernelHelpers?: number;
  /**
   * Keep the database in this directory: each commit is in its write-ahead log before its
   * query is answered, snapshots let the log be emptied, and a restart on it finds every
   * global (store/durable_store.ts). One server per directory. Default: none (in memory).
   */
  dataDir?: string;
  /**
   * When a commit counts as written, with `dataDir`: `batch` (one `fsync` per turn, the
   * default), `always` (one per commit), `never` (the OS decides; survives a crash of the
   * server, not of the machine).
   */
  fsync?: FsyncMode;
}

/** The options in effect: every default filled in (`token`, `workers`, `upstream`, `tcpPort`, `dataDir` stay optional). */
export type ResolvedOptions =
  & Readonly<
    Required<
      Omit<
        WSServerOptions,
        "token" | "workers" | "upstream" | "tcpPort" | "dataDir" | "kernelHelpers"
      >
    >
  >
  & {
    readonly token?: string;
    /** Unset: the pool's default (`PoolOptions.kernelHelpers`). */
    readonly kernelHelpers?: number;
    readonly workers?: number;
    readonly upstream?: string;
    readonly tcpPort?: number;
    readonly dataDir?: string;
  };

/** Fills in the defaults and checks every value; throws `RayforceOptionError` on a bad one. */
export function resolveOptions(options: WSServerOptions | number = {}): ResolvedOptions {
  const o = typeof options === "number" ? { port: options } : options;
  const port = o.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RayforceOptionError(`port must be an integer from 1 to 65535, got ${port}`);
  }
  if (o.token === "") {
    // `--token=` or `token: process.env.UNSET ?? ""` must not quietly turn auth off.
    throw new RayforceOptionError("token is empty: give a token, or no token option at all");
  }
  if (o.logLevel !== undefined && !isLogLevel(o.logLevel)) {
    throw new RayforceOptionError(`unknown log level ${o.logLevel}`);
  }
  const maxPayload = o.maxPayload ?? DEFAULTS.maxPayload;
  const resolved: ResolvedOptions = {
    port,
    host: o.host ?? DEFAULTS.host,
    workers: o.workers,
    maxPayload,
    maxPendingOutput: o.maxPendingOutput ?? DEFAULTS.maxPendingOutput,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
    pingIntervalMs: o.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
    pongTimeoutMs: o.pongTimeoutMs ?? DEFAULTS.pongTimeoutMs,
    maxConnections: o.maxConnections ?? DEFAULTS.maxConnections,
    queryTimeoutMs: o.queryTimeoutMs ?? DEFAULTS.queryTimeoutMs,
    maxQueue: o.maxQueue ?? DEFAULTS.maxQueue,
    token: o.token,
    logLevel: o.logLevel ?? DEFAULTS.logLevel,
    console: o.console ?? true,
    upstream: o.upstream,
    route: o.route ?? DEFAULTS.route,
    tcpPort: o.tcpPort,
    reusePort: o.reusePort ?? false,
    maxQueuedPerConnection: o.maxQueuedPerConnection ?? DEFAULTS.maxQueuedPerConnection,
    maxResultBytes: o.maxResultBytes ?? defaultMaxResultBytes(maxPayload),
    maxVectorBytes: o.maxVectorBytes ?? DEFAULTS.maxVectorBytes,
    maxQueryMemoryBytes: o.maxQueryMemoryBytes ?? DEFAULTS.maxQueryMemoryBytes,
    memoryWatermarkBytes: o.memoryWatermarkBytes ?? Math.floor(totalmem() * 0.8),
    permissions: o.permissions ?? {},
    resultCache: o.resultCache ?? false,
    handoff: o.handoff ?? "rings",
    packMs: o.packMs ?? DEFAULTS.packMs,
    lingerMs: o.lingerMs ?? DEFAULTS.lingerMs,
    kernelHelpers: o.kernelHelpers,
    dataDir: o.dataDir,
    fsync: o.fsync ?? "batch",
  };
  if (!["always", "batch", "never"].includes(resolved.fsync)) {
    throw new RayforceOptionError(`unknown fsync mode ${resolved.fsync}: always, batch or never`);
  }
  const helpers = resolved.kernelHelpers;
  if (helpers !== undefined && (!Number.isInteger(helpers) || helpers < 0)) {
    throw new RayforceOptionError(`kernelHelpers must be an integer ≥ 0, got ${helpers}`);
  }
  if (resolved.dataDir !== undefined && resolved.upstream !== undefined) {
    throw new RayforceOptionError("dataDir is for the embedded engine: a gateway keeps no data");
  }
  for (
    const key of [
      "maxPayload",
      "maxPendingOutput",
      "maxResultBytes",
      "maxConnections",
      "maxQueuedPerConnection",
    ] as const
  ) {
    const v = resolved[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new RayforceOptionError(`${key} must be a positive integer, got ${v}`);
    }
  }
  // A directory that does not exist would make every file builtin fail later, with an
  // error about the directory rather than the file: refuse it now.
  const dirs = resolved.permissions;
  for (
    const [flag, list] of [["--allow-read", dirs.read], ["--allow-write", dirs.write]] as const
  ) {
    for (const d of list ?? []) {
      if (!statSync(d, { throwIfNoEntry: false })?.isDirectory()) {
        throw new RayforceOptionError(`${flag}=${d}: no such directory`);
      }
    }
  }
  if (o.upstream !== undefined) {
    try {
      parseUpstreams(o.upstream);
    } catch (e) {
      throw new RayforceOptionError((e as Error).message);
    }
  }
  if (!["round-robin", "least-busy", "sticky"].includes(resolved.route)) {
    throw new RayforceOptionError(
      `unknown route ${resolved.route}: round-robin, least-busy or sticky`,
    );
  }
  if (
    o.tcpPort !== undefined &&
    (!Number.isInteger(o.tcpPort) || o.tcpPort < 1 || o.tcpPort > 65535)
  ) {
    throw new RayforceOptionError(`tcpPort must be an integer from 1 to 65535, got ${o.tcpPort}`);
  }
  return resolved;
}
