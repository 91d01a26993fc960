/**
 * The defaults of every limit and setting, in one table that the CLI (its help text), the
 * server, the worker pool and the engine all read, so that a default is written once.
 *
 * @example
 * ```ts
 * import { DEFAULTS, defaultMaxResultBytes } from "./defaults.ts";
 * if (DEFAULTS.maxPayload !== 64 * 1024 * 1024) throw new Error("changed?");
 * if (defaultMaxResultBytes(DEFAULTS.maxPayload) >= DEFAULTS.maxPayload) throw new Error("too big");
 * ```
 *
 * @module
 */

const MiB = 1024 * 1024;

/** Defaults of the server's options (`WSServerOptions`, `rf-ws serve`). */
export const DEFAULTS = {
  /** TCP port, as in the rayforce-py seeds. */
  port: 8765,
  /** Loopback, so that a server is never exposed by accident. */
  host: "127.0.0.1",
  /** Largest message accepted, in bytes. */
  maxPayload: 64 * MiB,
  /** Time to complete the Rayforce handshake, in ms. */
  handshakeTimeoutMs: 5_000,
  /** Interval of WebSocket pings, in ms. */
  pingIntervalMs: 60_000,
  /** Time a peer has to answer a ping, in ms. */
  pongTimeoutMs: 30_000,
  /** Concurrent connections. */
  maxConnections: 1_000,
  /** Time limit of one query, in ms. */
  queryTimeoutMs: 30_000,
  /** Queries waiting for a worker before new ones are answered "server busy". */
  maxQueue: 10_000,
  /** Queries one connection may have in flight. */
  maxQueuedPerConnection: 1_000,
  /** Unsent output of one connection above which its next queries wait, in bytes. */
  maxPendingOutput: 4 * MiB,
  /** Largest vector one operation may build from a small argument, in bytes. */
  maxVectorBytes: 1024 * MiB,
  /** What one query may grow its worker's memory by, in bytes. */
  maxQueryMemoryBytes: 2048 * MiB,
  /** A task joins a worker whose current task started less than this many ms ago (rings). */
  packMs: 0.25,
  /** A worker polls for the next task this many ms after a lone one before it sleeps. */
  lingerMs: 0.15,
  /** Log level of the JSON lines on stderr. */
  logLevel: "warn",
  /** How a gateway spreads queries over its upstreams. */
  route: "round-robin",
} as const;

/**
 * The default largest answer, in bytes, header included: smaller than the largest frame
 * accepted, because that is what a peer takes — Deno's WebSocket client refuses a frame of
 * 64 MiB or more (measured: 67,108,863 bytes arrive, 67,108,864 close the connection with
 * "Frame too large").
 */
export function defaultMaxResultBytes(maxPayload: number): number {
  return maxPayload - 1;
}

/**
 * Unsent output past which a connection is closed as a slow consumer: the budget, plus one
 * largest answer (which may be in flight when the budget is reached).
 */
export function outputCeiling(maxPendingOutput: number, maxResultBytes: number): number {
  return maxPendingOutput + maxResultBytes;
}
