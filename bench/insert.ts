/**
 * Inserts into a growing table (issue 16): single-row inserts into tables of 1,000, 1,000,000
 * and 10,000,000 rows (sym, f64, i64), and batches of 1,000 rows, from one client over TCP
 * IPC, one insert in flight — against @rf/ws (`WSServer({workers: 2, tcpPort})`, so every
 * insert is also replicated to the other worker) and, when `RAYFORCE_BIN` names a real
 * engine, against it over the same protocol with the same client in the same run. Without
 * it, the engine column says it was skipped. Also the server's resident memory after each
 * size.
 *
 * ```sh
 * npx deno run -A bench/insert.ts [inserts-per-case]     # default 200
 * npx bun bench/insert.ts
 * RAYFORCE_BIN=/path/to/rayforce npx deno run -A bench/insert.ts
 * ```
 *
 * @module
 */
import process from "node:process";
import { encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { UpstreamClient } from "../upstream/client.ts";
import { formatTable, runtimeName } from "./_util.ts";
import { startEngine } from "../scripts/real_engine.ts";

const INSERTS = Number(process.argv[2] ?? 200);
const WS_PORT = 18841, TCP_PORT = 18842, ENGINE_PORT = 18843;
const SIZES = [1_000, 1_000_000, 10_000_000];

const sync = (source: string) => encodeMessage(str(source), MsgType.SYNC);

/** A table of `n` rows named t, made on the server. */
const makeTable = (n: number) =>
  `(set t (table [s f i] (list (take 'a ${n}) (as 'F64 (til ${n})) (til ${n}))))`;
/** A 1,000-row table to insert, made on the server. */
const BATCH = "(set b (table [s f i] (list (take 'z 1000) (as 'F64 (til 1000)) (til 1000))))";

/** Microseconds per call of `source(k)`, sent one at a time on `tcp`, `n` times. */
async function perCall(tcp: UpstreamClient, source: (k: number) => string, n: number) {
  const t0 = performance.now();
  for (let k = 0; k < n; k++) await tcp.request(sync(source(k)));
  return (performance.now() - t0) / n * 1000;
}

/** Microseconds: the first insert into a fresh table, then per single-row and 1,000-row insert. */
interface Figures {
  size: number;
  first: number;
  single: number;
  batch: number;
  /** A `(+ 1 2)` round trip on the same connection: what any query costs. */
  trivial: number;
}

/** One row of figures for a server reachable on `port`. */
async function measure(port: number) {
  const tcp = new UpstreamClient("127.0.0.1", port, { requestTimeoutMs: 120_000 });
  await tcp.connect();
  const out: Figures[] = [];
  await tcp.request(sync(BATCH));
  // Warm both sides first (the JIT, the workers' rings): measured cold, 200 round trips of a
  // fresh server averaged ~370 µs on Deno against ~50 µs once warm.
  await perCall(tcp, () => "(+ 1 2)", 2000);
  const trivial = await perCall(tcp, () => "(+ 1 2)", INSERTS);
  for (const size of SIZES) {
    await tcp.request(sync(makeTable(size)));
    // The first insert into a table made otherwise copies its columns into growable ones
    // (once, O(rows)); the figures are the steady state after it.
    const first = await perCall(tcp, () => "(insert 't (list 'b 1.0 0))", 1);
    const single = await perCall(tcp, (k) => `(insert 't (list 'b 1.0 ${k}))`, INSERTS);
    const batch = await perCall(tcp, () => "(insert 't b)", Math.max(5, INSERTS / 10));
    out.push({ size, first, single, batch, trivial });
  }
  tcp.close();
  return out;
}

const server = new WSServer({ port: WS_PORT, tcpPort: TCP_PORT, workers: 2 });
await server.start();
const ours = await measure(TCP_PORT);
const rss = Math.round(process.memoryUsage().rss / 1048576);
await server.stop();

const bin = process.env.RAYFORCE_BIN;
let engine: Figures[] | undefined;
if (bin) {
  const real = await startEngine(bin, ENGINE_PORT);
  try {
    engine = await measure(ENGINE_PORT);
  } finally {
    real.stop();
  }
}

const f = (x: number) => x.toFixed(0);
console.log(
  `bench/insert.ts — ${runtimeName()}, ${INSERTS} single-row inserts per size, one in flight, TCP IPC`,
);
console.log(
  engine ? `real engine: ${bin}` : "real engine: skipped (set RAYFORCE_BIN to a rayforce binary)",
);
console.log(formatTable([
  [
    "rows in t",
    "first insert µs",
    "@rf/ws µs/insert",
    "engine µs",
    "×",
    "batch of 1,000 µs",
    "engine µs",
    "×",
  ],
  ...ours.map((o, i) => {
    const e = engine?.[i];
    return [
      o.size.toLocaleString("en"),
      f(o.first),
      f(o.single),
      e ? f(e.single) : "-",
      e ? (o.single / e.single).toFixed(1) : "-",
      f(o.batch),
      e ? f(e.batch) : "-",
      e ? (o.batch / e.batch).toFixed(1) : "-",
    ];
  }),
]));
console.log(
  `a (+ 1 2) round trip on the same connection: @rf/ws ${f(ours[0].trivial)} µs` +
    (engine ? `, engine ${f(engine[0].trivial)} µs` : ""),
);
const growth = ours[2].single / ours[0].single;
console.log(`single insert at 10M rows / at 1k rows: ${growth.toFixed(2)}× (target ≤ 2×)`);
console.log(`server process RSS after the 10M-row table: ${rss} MB (2 workers)`);
process.exit(0);
