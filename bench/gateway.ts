/**
 * Gateway overhead: round trips per second of `(+ 1 2)` sent directly to an upstream
 * engine over TCP IPC, beside the same queries sent over WebSocket to a gateway
 * (`serve --upstream`) in front of that same upstream, in the same run. The upstream is
 * an @rf/ws TCP IPC endpoint (`--tcp-port`) with the embedded engine; 32 queries in flight.
 *
 * ```sh
 * npx deno run -A bench/gateway.ts [queries]   # default 20,000
 * npx bun bench/gateway.ts
 * ```
 *
 * @module
 */
import process from "node:process";
import { encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { UpstreamClient } from "../upstream/client.ts";
import { formatTable, runtimeName } from "./_util.ts";

const N = Number(process.argv[2] ?? 20_000);
const WINDOW = 32;

/** Runs N calls of `once` with WINDOW in flight; returns calls per second. */
async function rate(once: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await once(); // warm up
  let started = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WINDOW }, async () => {
    while (started < N) {
      started++;
      await once();
    }
  }));
  return N / (performance.now() - t0) * 1000;
}

const upstream = new WSServer({ port: 18821, tcpPort: 18822, workers: 2 });
await upstream.start();
const gateway = new WSServer({ port: 18823, upstream: "rayforce://127.0.0.1:18822" });
await gateway.start();
await new Promise((r) => setTimeout(r, 300));

const direct = new UpstreamClient("127.0.0.1", 18822);
await direct.connect();
const frame = encodeMessage(str("(+ 1 2)"), MsgType.SYNC);
const directRate = await rate(() => direct.request(frame));
direct.close();

const conn = await new WSClient("127.0.0.1", 18823).connect();
const gatewayRate = await rate(() => conn.executeRaw("(+ 1 2)"));
conn.close();

await gateway.stop();
await upstream.stop();
console.log(
  `bench/gateway.ts — ${runtimeName()}, ${N.toLocaleString("en")} queries, ${WINDOW} in flight`,
);
console.log(formatTable([
  ["path", "round trips/s", "vs direct"],
  ["direct TCP IPC to the upstream", directRate.toFixed(0), "100%"],
  [
    "WebSocket → gateway → upstream",
    gatewayRate.toFixed(0),
    `${(gatewayRate / directRate * 100).toFixed(0)}%`,
  ],
]));
process.exit(0);
