/**
 * The runtime adapter for the runtime we run on: Deno or Bun.
 *
 * @module
 */
import process from "node:process";
import { connectTcpBun, listenTcpBun, onSignalBun, serveBun } from "./bun.ts";
import { connectTcpDeno, listenTcpDeno, onSignalDeno, serveDeno } from "./deno.ts";
import type {
  NativeServer,
  ServeHandlers,
  ServeOptions,
  TcpConnection,
  TcpListener,
} from "./types.ts";

export type {
  NativeServer,
  ServeHandlers,
  ServeOptions,
  ServerSocket,
  TcpConnection,
  TcpListener,
} from "./types.ts";

/** The name of the runtime: `deno`, `bun`, or `other`. */
export const runtime: "deno" | "bun" | "other" = "Bun" in globalThis
  ? "bun"
  : "Deno" in globalThis
  ? "deno"
  : "other";

/**
 * Memory in use, as the calling thread's queries grow it, in bytes, read live. On Deno: the
 * thread's V8 heap and external (typed array) memory. On Bun: the process's resident memory,
 * as JavaScriptCore's per-thread figures move only when it collects (a query allocating
 * half a gigabyte showed none of it until then); so on Bun a budget counts what the other
 * threads grew meanwhile too.
 */
export function memoryInUse(): number {
  if (runtime === "bun") return process.memoryUsage.rss();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Calls `fn` on SIGINT or SIGTERM; returns a function that removes the listeners. */
export function onShutdownSignal(fn: () => void): () => void {
  return runtime === "deno" ? onSignalDeno(fn) : onSignalBun(fn);
}

/** Starts the runtime's native WebSocket server. */
export function serveNative<C>(
  options: ServeOptions,
  handlers: ServeHandlers<C>,
): Promise<NativeServer> {
  if (runtime === "bun") return serveBun(options, handlers);
  if (runtime === "deno") return serveDeno(options, handlers);
  return Promise.reject(
    new Error("WSServer needs Deno or Bun (the client also runs in browsers and Node)"),
  );
}

/** Opens a TCP connection on the runtime's native sockets. */
export function connectTcp(hostname: string, port: number): Promise<TcpConnection> {
  if (runtime === "bun") return connectTcpBun(hostname, port);
  if (runtime === "deno") return connectTcpDeno(hostname, port);
  return Promise.reject(new Error("TCP needs Deno or Bun"));
}

/** Accepts TCP connections on the runtime's native sockets. */
export function listenTcp(
  hostname: string,
  port: number,
  onConnection: (conn: TcpConnection) => void,
): Promise<TcpListener> {
  if (runtime === "bun") return listenTcpBun(hostname, port, onConnection);
  if (runtime === "deno") return listenTcpDeno(hostname, port, onConnection);
  return Promise.reject(new Error("TCP needs Deno or Bun"));
}
