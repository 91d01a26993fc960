/**
 * The Deno adapter: `Deno.serve` with `Deno.upgradeWebSocket`.
 *
 * @module
 */
import type { NativeServer, ServeHandlers, ServeOptions, ServerSocket } from "./types.ts";

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
    try {
      const server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
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
        const wrapped: ServerSocket = {
          send: (data) => {
            if (socket.readyState === WebSocket.OPEN) socket.send(data);
          },
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
        socket.onclose = (e) => handlers.close(wrapped, context, e.code, e.reason);
        socket.onerror = () => {};
        return response;
      });
    } catch (e) {
      reject(e);
    }
  });
}
