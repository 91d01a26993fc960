/**
 * @rf/ws — Rayforce over WebSocket for Deno and Bun.
 *
 * This module re-exports the public API: the server, the client, the worker pool, the
 * engine, and the IPC codec with its object model. Run as a program it is the `rf-ws`
 * command line: `deno run -A jsr:@rf/ws serve` starts a server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode, encode, i64 } from "@rf/ws";
 * const bytes = encode(i64(42n));
 * assert.deepEqual(decode(bytes), i64(42n));
 * ```
 *
 * @module
 */
export { VERSION } from "./version.ts";
export * from "./ipc/mod.ts";
export {
  DEFAULT_HOST,
  DEFAULT_PORT,
  type ServerStats,
  WSServer,
  type WSServerOptions,
} from "./server.ts";
export { Connection, WSClient, type WSClientOptions } from "./client.ts";
export {
  type PoolOptions,
  type PoolStats,
  type TaskRequest,
  type TaskResult,
  WorkerPool,
} from "./worker/pool.ts";
export { display, Engine, type Outcome, renderError } from "./engine/mod.ts";
export type { LogLevel } from "./log.ts";
export type { GatewayStats, Route, UpstreamStats } from "./upstream/gateway.ts";
export type { ResolvedOptions } from "./server/options.ts";
export type { TcpStats } from "./server/tcp_endpoint.ts";
export type { Evaluator } from "./session/evaluator.ts";
export type { Metric } from "./metrics.ts";
export { DEFAULTS } from "./defaults.ts";
export type { FsyncMode } from "./store/wal.ts";
export type { EventContext, EventHandler, EventHub, EventPeer } from "./events/hub.ts";

// `deno run -A jsr:@rf/ws serve`: the package's default export run as a program is the CLI.
if (import.meta.main) {
  const { runCli } = await import("./cli.ts");
  await runCli((await import("node:process")).default.argv.slice(2));
}
