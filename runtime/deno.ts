/**
 * The Deno adapter: `Deno.serve` with `Deno.upgradeWebSocket`.
 *
 * @module
 */
import type { NativeServer, ServeHandlers, ServeOptions, ServerSocket } from "./types.ts";

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
        socket.onmessage = (e) => {
          const data = e.data as string | ArrayBuffer;
          // Deno has no message-size option: enforce the limit on arrival.
          const size = typeof data === "string" ? data.length : data.byteLength;
          if (size > options.maxPayload) {
            wrapped.close(
              1009,
              `message of ${size} bytes exceeds the limit of ${options.maxPayload}`,
            );
            return;
          }
          handlers.message(wrapped, context, data);
        };
        socket.onclose = (e) => handlers.close(wrapped, context, e.code, e.reason);
        socket.onerror = () => {};
        return response;
      });
    } catch (e) {
      reject(e);
    }
  });
}
