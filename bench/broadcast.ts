/**
 * Broadcast throughput: messages per second delivered to 100 connected `/events`
 * clients when one client broadcasts `to: "all"`, beside a bare runtime broadcast loop
 * (the native server's sockets, a `for` loop of `send`, no routing) in the same run.
 *
 * ```sh
 * npx deno run -A bench/broadcast.ts [clients] [broadcasts]   # default 100 × 200
 * npx bun bench/broadcast.ts
 * ```
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import process from "node:process";
import { WSServer } from "../server.ts";
import { serveNative, type ServerSocket } from "../runtime/mod.ts";
import { formatTable, runtimeName } from "./_util.ts";

const CLIENTS = Number(process.argv[2] ?? 100);
const BROADCASTS = Number(process.argv[3] ?? 200);
const PORT_A = 18811, PORT_B = 18812;

/** Opens `n` sockets; resolves when each has seen its first message (the hub's greeting) or opened. */
async function openClients(url: string, greeted: boolean): Promise<WebSocket[]> {
  return await Promise.all(
    Array.from({ length: CLIENTS }, () =>
      new Promise<WebSocket>((resolve) => {
        const ws = new WebSocket(url);
        if (greeted) ws.onmessage = () => resolve(ws);
        else ws.onopen = () => resolve(ws);
      })),
  );
}

/** Sends BROADCASTS messages from the first client; resolves with deliveries per second. */
async function measure(clients: WebSocket[], message: string): Promise<number> {
  let received = 0;
  const total = CLIENTS * BROADCASTS;
  const done = new Promise<void>((resolve) => {
    for (const ws of clients) {
      ws.onmessage = () => {
        if (++received === total) resolve();
      };
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < BROADCASTS; i++) clients[0].send(message);
  await done;
  return total / (performance.now() - t0) * 1000;
}

// Bare: the runtime's own server, a loop over the sockets.
const sockets = new Set<ServerSocket>();
const bare = await serveNative<null>({
  hostname: "127.0.0.1",
  port: PORT_B,
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
const bareClients = await openClients(`ws://127.0.0.1:${PORT_B}`, false);
const payload = JSON.stringify({
  event_name: "tick",
  payload: { px: 101.25, sym: "AAPL" },
  to: "all",
});
const bareRate = await measure(bareClients, payload);
bareClients.forEach((ws) => ws.close());
await bare.stop();

// @rf/ws: the event hub.
const server = new WSServer({ port: PORT_A, workers: 1, maxConnections: CLIENTS + 10 });
await server.start();
const hubClients = await openClients(`ws://127.0.0.1:${PORT_A}/events`, true);
const hubRate = await measure(hubClients, payload);
hubClients.forEach((ws) => ws.close());
await server.stop();

console.log(`bench/broadcast.ts — ${runtimeName()}, ${CLIENTS} clients, ${BROADCASTS} broadcasts`);
console.log(formatTable([
  ["server", "deliveries/s", "vs bare"],
  ["bare runtime loop", bareRate.toFixed(0), "100%"],
  ["@rf/ws /events", hubRate.toFixed(0), `${(hubRate / bareRate * 100).toFixed(0)}%`],
]));
process.exit(0);
