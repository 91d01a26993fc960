/**
 * The runtime adapter for the runtime we run on: Deno or Bun.
 *
 * @module
 */
import { collectGarbageBun, connectTcpBun, listenTcpBun, onSignalBun, serveBun } from "./bun.ts";
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
 * Collects garbage on the calling thread's heap where the runtime lets a program do so
 * (Bun); elsewhere nothing (Deno has no such API without `--v8-flags=--expose-gc`). True if
 * it collected.
 */
export function collectGarbage(): boolean {
  if (runtime !== "bun") return false;
  collectGarbageBun();
  return true;
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
