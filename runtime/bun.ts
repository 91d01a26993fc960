/**
 * The Bun adapter: `Bun.serve` with its `websocket` handlers.
 *
 * @module
 */
import process from "node:process";
import type {
  NativeServer,
  ServeHandlers,
  ServeOptions,
  ServerSocket,
  TcpConnection,
  TcpListener,
} from "./types.ts";

/** The parts of Bun's API this adapter uses (Bun's own types are not installed). */
interface BunWebSocket<C> {
  data: { context: C; socket: ServerSocket };
  send(data: string | Uint8Array | ArrayBuffer): number;
  close(code?: number, reason?: string): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  readyState: number;
}
interface BunServer {
  hostname: string;
  port: number;
  upgrade(request: Request, options: { data: unknown }): boolean;
  requestIP(request: Request): { address: string } | null;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  publish(topic: string, data: string): number;
}
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  remoteAddress: string;
  data: TcpConnection & { pending: Uint8Array[]; closed: boolean };
}
interface BunGlobal {
  serve(options: unknown): BunServer;
  connect(options: unknown): Promise<BunSocket>;
  listen(options: unknown): { port: number; stop(closeActive?: boolean): void };
}

/** Calls `fn` once on SIGINT or SIGTERM; returns a function that removes the listeners. */
export function onSignalBun(fn: () => void): () => void {
  const handler = () => fn();
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** Starts a Bun HTTP server that upgrades WebSocket requests. */
export function serveBun<C>(
  options: ServeOptions,
  handlers: ServeHandlers<C>,
): Promise<NativeServer> {
  const Bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    reusePort: options.reusePort,
    fetch(request: Request, server: BunServer) {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return handlers.fetch(request);
      }
      const remote = server.requestIP(request)?.address ?? "";
      const context = handlers.upgrade(request, remote);
      if (context instanceof Response) return context;
      if (server.upgrade(request, { data: { context } })) return undefined;
      return new Response("WebSocket upgrade failed", { status: 400 });
    },
    websocket: {
      // A backstop: the server checks maxPayload itself (and counts the violation).
      maxPayloadLength: options.maxPayload + 65536,
      idleTimeout: Math.min(960, Math.max(1, Math.round(options.idleTimeout))),
      sendPings: true,
      // Offered and inflated (rayforce-py's client compresses what it sends); the limit above
      // applies after inflation, so a deflate bomb is closed with 1009. Answers go out
      // uncompressed: compressing columns on the accept loop costs more than it saves on the
      // links this serves.
      perMessageDeflate: { compress: false, decompress: true },
      open(ws: BunWebSocket<C>) {
        ws.data.socket = {
          send: (data) => {
            if (ws.readyState === 1) ws.send(data);
          },
          close: (code, reason) => {
            if (ws.readyState === 1 || ws.readyState === 0) ws.close(code, reason);
          },
          subscribe: (topic) => ws.subscribe(topic),
          unsubscribe: (topic) => ws.unsubscribe(topic),
        };
        handlers.open(ws.data.socket, ws.data.context);
      },
      message(ws: BunWebSocket<C>, message: string | Uint8Array) {
        const data = typeof message === "string" ? message : (message.buffer as ArrayBuffer).slice(
          message.byteOffset,
          message.byteOffset + message.byteLength,
        );
        handlers.message(ws.data.socket, ws.data.context, data);
      },
      close(ws: BunWebSocket<C>, code: number, reason: string) {
        handlers.close(ws.data.socket, ws.data.context, code, reason);
      },
    },
  });
  return Promise.resolve({
    hostname: server.hostname,
    port: server.port,
    stop: async () => {
      await server.stop(true);
    },
    publish: (topic, data) => {
      server.publish(topic, data);
    },
  });
}

/** Socket handlers shared by Bun.connect and Bun.listen: data, ordered writes with drain, close. */
function bunSocketHandlers(onOpen?: (conn: TcpConnection) => void) {
  const flush = (socket: BunSocket) => {
    const q = socket.data.pending;
    while (q.length) {
      const chunk = q[0];
      const n = socket.write(chunk);
      if (n < chunk.length) {
        q[0] = chunk.subarray(Math.max(0, n));
        return;
      }
      q.shift();
    }
  };
  return {
    open(socket: BunSocket) {
      const conn = {
        remote: socket.remoteAddress,
        pending: [] as Uint8Array[],
        closed: false,
        onData: (_chunk: Uint8Array) => {},
        onClose: () => {},
        write(bytes: Uint8Array) {
          if (conn.closed) return;
          conn.pending.push(bytes);
          if (conn.pending.length === 1) flush(socket);
        },
        close() {
          if (conn.closed) return;
          conn.closed = true;
          socket.end();
          conn.onClose();
        },
      };
      socket.data = conn;
      onOpen?.(conn);
    },
    data(socket: BunSocket, chunk: Uint8Array) {
      socket.data.onData(new Uint8Array(chunk));
    },
    drain(socket: BunSocket) {
      flush(socket);
    },
    close(socket: BunSocket) {
      const conn = socket.data;
      if (conn && !conn.closed) {
        conn.closed = true;
        conn.onClose();
      }
    },
    error(socket: BunSocket) {
      socket.data?.close();
    },
  };
}

/** Opens a TCP connection with `Bun.connect`. */
export async function connectTcpBun(hostname: string, port: number): Promise<TcpConnection> {
  const Bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  const socket = await Bun.connect({ hostname, port, socket: bunSocketHandlers() });
  return socket.data;
}

/** Accepts TCP connections with `Bun.listen`. */
export function listenTcpBun(
  hostname: string,
  port: number,
  onConnection: (conn: TcpConnection) => void,
): Promise<TcpListener> {
  const Bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  const listener = Bun.listen({ hostname, port, socket: bunSocketHandlers(onConnection) });
  return Promise.resolve({
    port: listener.port,
    stop: () => {
      listener.stop(true);
      return Promise.resolve();
    },
  });
}
