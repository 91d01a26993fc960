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
import process from "node:process";
import { WSServer } from "../server.ts";
import { formatTable, runtimeName } from "./_util.ts";
import { bareBroadcastRate, deliveryRate, openClients } from "./_bare_broadcast.ts";

const CLIENTS = Number(process.argv[2] ?? 100);
const BROADCASTS = Number(process.argv[3] ?? 200);
const PORT_A = 18811, PORT_B = 18812;

const payload = JSON.stringify({
  event_name: "tick",
  payload: { px: 101.25, sym: "AAPL" },
  to: "all",
});
// Bare: the runtime's own server, a loop over the sockets.
const bareRate = await bareBroadcastRate(PORT_B, CLIENTS, BROADCASTS, payload);

// @rf/ws: the event hub.
const server = new WSServer({ port: PORT_A, workers: 1, maxConnections: CLIENTS + 10 });
await server.start();
const hubClients = await openClients(`ws://127.0.0.1:${PORT_A}/events`, CLIENTS, true);
const hubRate = await deliveryRate(hubClients, BROADCASTS, payload);
hubClients.forEach((ws) => ws.close());
await server.stop();

console.log(`bench/broadcast.ts — ${runtimeName()}, ${CLIENTS} clients, ${BROADCASTS} broadcasts`);
console.log(formatTable([
  ["server", "deliveries/s", "vs bare"],
  ["bare runtime loop", bareRate.toFixed(0), "100%"],
  ["@rf/ws /events", hubRate.toFixed(0), `${(hubRate / bareRate * 100).toFixed(0)}%`],
]));
process.exit(0);
