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
  getBufferedAmount(): number;
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
  data: TcpConnection & { pending: Uint8Array[]; waiting: number; closed: boolean };
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
      // Past this limit Bun would drop a frame (the default is 16 MiB), and a dropped answer
      // desynchronises an IPC peer; the server closes a peer that does not read long before,
      // so Bun's own close is only a backstop for what it sends itself (native publish).
      backpressureLimit: Math.min(options.outputCeiling, 0xffffffff),
      closeOnBackpressureLimit: true,
      open(ws: BunWebSocket<C>) {
        ws.data.socket = {
          send: (data) => {
            if (ws.readyState !== 1) return 0;
            ws.send(data);
            return ws.getBufferedAmount();
          },
          buffered: () => ws.readyState === 1 ? ws.getBufferedAmount() : 0,
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
      drain(ws: BunWebSocket<C>) {
        const buffered = ws.getBufferedAmount();
        if (buffered <= options.outputBudget) {
          handlers.drain(ws.data.socket, ws.data.context, buffered);
        }
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
    const conn = socket.data;
    const q = conn.pending;
    while (q.length) {
      const chunk = q[0];
      const n = Math.max(0, socket.write(chunk));
      conn.waiting -= n;
      if (n < chunk.length) {
        q[0] = chunk.subarray(n);
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
        /** Bytes given to `write` and not yet written. */
        waiting: 0,
        closed: false,
        onData: (_chunk: Uint8Array) => {},
        onClose: () => {},
        onDrain: () => {},
        write(bytes: Uint8Array): number {
          if (conn.closed) return 0;
          conn.pending.push(bytes);
          conn.waiting += bytes.length;
          if (conn.pending.length === 1) flush(socket);
          return conn.waiting;
        },
        close() {
          if (conn.closed) return;
          conn.closed = true;
          conn.pending.length = 0;
          conn.waiting = 0;
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
      if (socket.data.waiting === 0 && !socket.data.closed) socket.data.onDrain();
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
