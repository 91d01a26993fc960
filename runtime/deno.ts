/**
 * The Deno adapter: `Deno.serve` with `Deno.upgradeWebSocket`.
 *
 * @module
 */
import type {
  NativeServer,
  ServeHandlers,
  ServeOptions,
  ServerSocket,
  TcpConnection,
  TcpListener,
} from "./types.ts";

/** How often a socket over its output budget is checked for having drained, in ms. */
const DRAIN_POLL_MS = 10;

/** Calls `fn` once on SIGINT or SIGTERM; returns a function that removes the listeners. */
export function onSignalDeno(fn: () => void): () => void {
  const handler = () => fn();
  Deno.addSignalListener("SIGINT", handler);
  Deno.addSignalListener("SIGTERM", handler);
  return () => {
    Deno.removeSignalListener("SIGINT", handler);
    Deno.removeSignalListener("SIGTERM", handler);
  };
}

/** Starts a Deno HTTP server that upgrades WebSocket requests. */
export function serveDeno<C>(
  options: ServeOptions,
  handlers: ServeHandlers<C>,
): Promise<NativeServer> {
  return new Promise((resolve, reject) => {
    // Deno exits the process when reusePort is asked for without --unstable-net (the
    // project's deno.json sets it; `deno run jsr:@rf/ws` does not read it). Unstable net
    // APIs exist only with the flag, so its absence can be told, and said, beforehand.
    const unstableNet = typeof (Deno as unknown as { listenDatagram?: unknown }).listenDatagram;
    if (options.reusePort && unstableNet !== "function") {
      reject(
        new Error(
          "--reuse-port on Deno needs its --unstable-net flag: deno run -A --unstable-net …",
        ),
      );
      return;
    }
    try {
      const server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        reusePort: options.reusePort,
        onListen: ({ hostname, port }) => {
          resolve({ hostname, port, stop: () => server.shutdown() });
        },
        onError: (e) => new Response(`internal error: ${(e as Error).message}`, { status: 500 }),
      }, (request, info) => {
        if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
          return handlers.fetch(request);
        }
        const remote = (info.remoteAddr as Deno.NetAddr).hostname ?? "";
        const context = handlers.upgrade(request, remote);
        if (context instanceof Response) return context;
        const { socket, response } = Deno.upgradeWebSocket(request, {
          idleTimeout: options.idleTimeout,
        });
        socket.binaryType = "arraybuffer";
        // Deno has no drain event: once a send leaves more than the budget unsent, a poll
        // watches `bufferedAmount` until it is back within the budget.
        let polling: ReturnType<typeof setInterval> | undefined;
        const watch = () => {
          if (polling !== undefined) return;
          polling = setInterval(() => {
            const open = socket.readyState === WebSocket.OPEN;
            if (open && socket.bufferedAmount > options.outputBudget) return;
            clearInterval(polling);
            polling = undefined;
            if (open) handlers.drain(wrapped, context, socket.bufferedAmount);
          }, DRAIN_POLL_MS);
        };
        const wrapped: ServerSocket = {
          send: (data) => {
            if (socket.readyState !== WebSocket.OPEN) return 0;
            socket.send(data);
            const buffered = socket.bufferedAmount;
            if (buffered > options.outputBudget) watch();
            return buffered;
          },
          buffered: () => socket.bufferedAmount,
          close: (code, reason) => {
            if (
              socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING
            ) {
              socket.close(code, reason);
            }
          },
        };
        socket.onopen = () => handlers.open(wrapped, context);
        // The server enforces maxPayload itself (Deno has no message-size option).
        socket.onmessage = (e) =>
          handlers.message(wrapped, context, e.data as string | ArrayBuffer);
        socket.onclose = (e) => {
          clearInterval(polling);
          handlers.close(wrapped, context, e.code, e.reason);
        };
        socket.onerror = () => {};
        return response;
      });
    } catch (e) {
      reject(e);
    }
  });
}

/** Wraps a Deno TCP connection: a read loop feeding `onData`, and ordered writes. */
function wrapDeno(conn: Deno.TcpConn): TcpConnection {
  let closed = false;
  let writing: Promise<unknown> = Promise.resolve();
  /** Bytes given to `write` and not yet written. */
  let waiting = 0;
  const remote = `${conn.remoteAddr.hostname}:${conn.remoteAddr.port}`;
  const wrapped: TcpConnection = {
    remote,
    onData: () => {},
    onClose: () => {},
    onDrain: () => {},
    write(bytes) {
      if (closed) return 0;
      waiting += bytes.length;
      writing = writing.then(async () => {
        let off = 0;
        while (off < bytes.length && !closed) {
          const n = await conn.write(bytes.subarray(off));
          off += n;
          waiting -= n;
        }
        if (waiting === 0 && !closed) wrapped.onDrain();
      }).catch(() => wrapped.close());
      return waiting;
    },
    close() {
      if (closed) return;
      closed = true;
      waiting = 0;
      try {
        conn.close();
      } catch { /* already closed */ }
      wrapped.onClose();
    },
  };
  (async () => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        wrapped.onData(buf.slice(0, n));
      }
    } catch { /* reset by peer */ }
    wrapped.close();
  })();
  return wrapped;
}

/** Opens a TCP connection with `Deno.connect`. */
export async function connectTcpDeno(hostname: string, port: number): Promise<TcpConnection> {
  return wrapDeno(await Deno.connect({ hostname, port }));
}

/** Accepts TCP connections with `Deno.listen`. */
export function listenTcpDeno(
  hostname: string,
  port: number,
  onConnection: (conn: TcpConnection) => void,
): Promise<TcpListener> {
  const listener = Deno.listen({ hostname, port });
  (async () => {
    try {
      for await (const conn of listener) onConnection(wrapDeno(conn));
    } catch { /* listener closed */ }
  })();
  return Promise.resolve({
    port: (listener.addr as Deno.NetAddr).port,
    stop: () => {
      try {
        listener.close();
      } catch { /* already closed */ }
      return Promise.resolve();
    },
  });
}
