/**
 * Live tables: inserts per second into a table with 0, 10 and 100 `/events` subscribers
 * (live/table_feed.ts), and how long after an insert was sent each subscriber had it (p50,
 * p99), beside the time its writer had the answer (when the commit is acknowledged) and the
 * bare runtime broadcast loop of bench/broadcast.ts at the same number of clients.
 *
 * ```sh
 * npx deno run -A bench/subscribe.ts [inserts] [writers]   # default 2,000 inserts by 4 writers
 * npx bun bench/subscribe.ts
 * ```
 *
 * @module
 */
import process from "node:process";
import { WSServer } from "../server.ts";
import { EventClient } from "../client.ts";
import { formatTable, percentile, runtimeName } from "./_util.ts";
import { bareBroadcastRate, openClients } from "./_bare_broadcast.ts";

const INSERTS = Number(process.argv[2] ?? 2_000);
const WRITERS = Number(process.argv[3] ?? 4);
const PORT_A = 18821, PORT_B = 18822;

/** One run: inserts per second, and latencies in ms (answer to the writer, delivery). */
async function run(subscribers: number) {
  const server = new WSServer({ port: PORT_A, workers: 2, maxConnections: subscribers + 50 });
  await server.start();
  const url = `ws://127.0.0.1:${PORT_A}/events`;
  const admin = new EventClient(url);
  await admin.connect();
  await admin.request("query", "(set trades (table [sym px n] (list [AAPL] [101.25] [0])))");
  const sent = new Map<number, number>();
  const delivery: number[] = [];
  let delivered = 0;
  const subs = await openClients(url, subscribers, true);
  await Promise.all(subs.map((ws) =>
    new Promise<void>((resolve) => {
      ws.onmessage = (e) => {
        const m = JSON.parse(String(e.data));
        if (m.event_name === "table_subscribed") return resolve();
        if (m.event_name !== "table_update") return;
        const now = performance.now();
        for (const n of m.payload.columns.n as number[]) {
          delivery.push(now - sent.get(n)!);
          delivered++;
        }
      };
      ws.send(JSON.stringify({ event_name: "subscribe_table", payload: "trades", id: 1 }));
    })
  ));
  const writers = await Promise.all(Array.from({ length: WRITERS }, async () => {
    const c = new EventClient(url);
    await c.connect();
    return c;
  }));
  const answer: number[] = [];
  let next = 1;
  const t0 = performance.now();
  await Promise.all(writers.map(async (c) => {
    while (next <= INSERTS) {
      const n = next++;
      const at = performance.now();
      sent.set(n, at);
      await c.request("query", `(insert 'trades (list 'AAPL 101.25 ${n}))`);
      answer.push(performance.now() - at);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const end = Date.now() + 30_000;
  while (delivered < INSERTS * subscribers && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const complete = delivered === INSERTS * subscribers;
  subs.forEach((ws) => ws.close());
  writers.forEach((c) => c.close());
  admin.close();
  await server.stop();
  return { rate: INSERTS / seconds, answer, delivery, complete };
}

const payload = JSON.stringify({
  event_name: "table_update",
  payload: {
    table: "trades",
    version: 1,
    kind: "append",
    columns: { sym: ["AAPL"], px: [101.25], n: [1] },
    rows: 1,
  },
});
const rows: (string | number)[][] = [[
  "subscribers",
  "inserts/s",
  "answer p50 ms",
  "delivery p50 ms",
  "delivery p99 ms",
  "updates/s",
  "bare loop deliveries/s",
]];
for (const n of [0, 10, 100]) {
  const r = await run(n);
  const bare = n ? await bareBroadcastRate(PORT_B, n, INSERTS, payload) : NaN;
  rows.push([
    n + (r.complete ? "" : " (incomplete)"),
    r.rate.toFixed(0),
    percentile(r.answer, 0.5).toFixed(2),
    n ? percentile(r.delivery, 0.5).toFixed(2) : "-",
    n ? percentile(r.delivery, 0.99).toFixed(2) : "-",
    n ? (r.rate * n).toFixed(0) : "-",
    n ? bare.toFixed(0) : "-",
  ]);
}
console.log(
  `bench/subscribe.ts — ${runtimeName()}, ${INSERTS} one-row inserts by ${WRITERS} writers`,
);
console.log(formatTable(rows));
process.exit(0);
