/**
 * The cost of handing a query to a worker thread and back, the floor under every query the
 * server evaluates (DESIGN.md: the accept loop never evaluates a query itself). One round
 * trip at a time, two ways:
 *
 * - `postMessage` of a 32-byte `ArrayBuffer` to a worker that transfers it back (what the
 *   pool does, one batch per message), the baseline;
 * - a `SharedArrayBuffer` hand-off: the main thread stores a value and `Atomics.notify`s a
 *   worker blocked in `Atomics.wait`, which stores it back and notifies; the main thread
 *   waits with `Atomics.waitAsync` (it must not block);
 * - the same as the pool's rings run one query at a time: the main thread polls for the
 *   answer for up to 100 µs first, the worker polls for the next task for 150 µs after each
 *   answer (`lingerMs`) before it sleeps.
 *
 * Interleaved rounds, median per kind. It answers whether replacing the pool's messages with
 * a shared-memory ring would pay (bench/README.md).
 *
 * ```sh
 * npx deno run -A bench/handoff.ts [round-trips-per-round]   # default 20,000
 * npx bun bench/handoff.ts
 * ```
 *
 * @module
 */
import process from "node:process";
import { formatTable, runtimeName } from "./_util.ts";

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = 5;

const echo = new Worker(new URL("./_echo_worker.ts", import.meta.url), { type: "module" });
const atomics = new Worker(new URL("./_atomics_worker.ts", import.meta.url), { type: "module" });
const cells = new Int32Array(new SharedArrayBuffer(12));
atomics.postMessage(cells.buffer);

/** Microseconds per postMessage round trip. */
function messages(): Promise<number> {
  return new Promise((resolve) => {
    let i = 0;
    const t0 = performance.now();
    echo.onmessage = (e: MessageEvent) => {
      if (++i === N) return resolve((performance.now() - t0) / N * 1000);
      const frame = e.data as ArrayBuffer;
      echo.postMessage(frame, [frame]);
    };
    echo.postMessage(new ArrayBuffer(32));
  });
}

type WaitAsync = (
  a: Int32Array,
  i: number,
  v: number,
  timeoutMs: number,
) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
let next = 0;
/** Waits that ended by their time-out: wake-ups lost (the worker answers in microseconds). */
let lost = 0;

/**
 * Microseconds per shared-memory round trip. With `pollMs`, as the pool's rings run one query
 * at a time: the main thread polls for the answer that long before it waits, and the worker
 * polls for the next task for 150 µs after each answer before it sleeps (`lingerMs`).
 */
async function shared(pollMs = 0): Promise<number> {
  Atomics.store(cells, 2, pollMs > 0 ? 150 : 0);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    Atomics.store(cells, 0, ++next);
    Atomics.notify(cells, 0);
    const start = performance.now();
    // Without a time-out this loop hung in some Bun 1.4.5 runs (a lost wake-up); with one it
    // cannot, and every wait that ends by its time-out is counted and printed.
    let seen: number;
    while ((seen = Atomics.load(cells, 1)) !== next) {
      if (pollMs > 0 && performance.now() - start < pollMs) continue;
      const w = waitAsync!(cells, 1, seen, 10);
      if (w.async && (await w.value) === "timed-out") lost++;
    }
  }
  Atomics.store(cells, 2, 0);
  return (performance.now() - t0) / N * 1000;
}

await new Promise((r) => setTimeout(r, 100)); // both workers started
const times: Record<string, number[]> = { messages: [], shared: [], polled: [] };
for (let r = 0; r < ROUNDS; r++) {
  times.messages.push(await messages());
  if (waitAsync) times.shared.push(await shared());
  if (waitAsync) times.polled.push(await shared(0.1));
}
Atomics.store(cells, 0, -1);
Atomics.notify(cells, 0);
echo.terminate();
atomics.terminate();

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times.messages);
const rows: (string | number)[][] = [[
  "hand-off",
  "µs per round trip",
  "round trips/s",
  "vs postMessage",
]];
/** A row of the table: a hand-off and its median µs per round trip. */
const row = (name: string, us: number) => [
  name,
  us.toFixed(1),
  (1e6 / us).toFixed(0),
  `${(base / us).toFixed(2)}×`,
];
rows.push(row("postMessage (baseline)", base));
if (waitAsync) {
  rows.push(row("SharedArrayBuffer + Atomics", median(times.shared)));
  rows.push(row("the same, both sides polling first", median(times.polled)));
} else rows.push(["SharedArrayBuffer + Atomics", "no Atomics.waitAsync", "", ""]);
console.log(`bench/handoff.ts — ${runtimeName()}, ${N} round trips × ${ROUNDS} rounds, median`);
console.log(formatTable(rows));
if (lost) console.log(`Atomics.waitAsync missed ${lost} wake-ups (each cost its 10 ms time-out)`);
process.exit(0);
