/**
 * The baseline of the fan-out benchmarks: the runtime's own WebSocket server with a `for`
 * loop of `send` over its sockets (no routing, no JSON), timed for `messages` messages to
 * `clients` clients. Answers deliveries per second.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { serveNative, type ServerSocket } from "../runtime/mod.ts";

/** Opens `n` sockets; resolves when each has seen its first message (a greeting) or opened. */
export async function openClients(url: string, n: number, greeted: boolean): Promise<WebSocket[]> {
  return await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<WebSocket>((resolve) => {
        const ws = new WebSocket(url);
        if (greeted) ws.onmessage = () => resolve(ws);
        else ws.onopen = () => resolve(ws);
      })),
  );
}

/** Deliveries per second of `messages` copies of `payload` sent by the first of the clients. */
export async function deliveryRate(
  clients: WebSocket[],
  messages: number,
  payload: string,
): Promise<number> {
  let received = 0;
  const total = clients.length * messages;
  const done = new Promise<void>((resolve) => {
    for (const ws of clients) {
      ws.onmessage = () => {
        if (++received === total) resolve();
      };
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) clients[0].send(payload);
  await done;
  return total / (performance.now() - t0) * 1000;
}

/** The bare runtime's broadcast rate to `clients` sockets on `port`. */
export async function bareBroadcastRate(
  port: number,
  clients: number,
  messages: number,
  payload: string,
): Promise<number> {
  const sockets = new Set<ServerSocket>();
  const bare = await serveNative<null>({
    hostname: "127.0.0.1",
    port,
    maxPayload: 1 << 20,
    idleTimeout: 120,
    // The server's defaults, so that the baseline pays for the same runtime settings.
    outputBudget: DEFAULTS.maxPendingOutput,
    outputCeiling: 2 * DEFAULTS.maxPayload,
  }, {
    upgrade: () => null,
    fetch: () => new Response("bare"),
    open: (s) => sockets.add(s),
    message: (_s, _c, data) => {
      for (const s of sockets) s.send(data as string);
    },
    close: (s) => sockets.delete(s),
    drain: () => {},
  });
  const open = await openClients(`ws://127.0.0.1:${port}`, clients, false);
  const rate = await deliveryRate(open, messages, payload);
  open.forEach((ws) => ws.close());
  await bare.stop();
  return rate;
}
