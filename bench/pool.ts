/**
 * Worker pool throughput: tasks per second for a trivial query (`(+ 1 2)` as an IPC
 * frame) with 1, 2 and 4 workers, all tasks submitted at once (pipelined, over 64
 * sessions), beside bare `postMessage` round trips of the same frames through echo workers
 * with the same discipline (one message in flight per worker), measured in the same run:
 * the physical floor. Target: the pool at ≥ 50% of the bare rate.
 *
 * ```sh
 * npx deno run -A bench/pool.ts [tasks]    # default 20,000
 * npx bun bench/pool.ts [tasks]
 * ```
 *
 * @module
 */
import process from "node:process";
import { encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { WorkerPool } from "../worker/pool.ts";
import { formatTable, runtimeName } from "./_util.ts";

const TASKS = Number(process.argv[2] ?? 20_000);
const SESSIONS = 64;
const template = encodeMessage(str("(+ 1 2)"), MsgType.SYNC);
const frame = () => template.slice().buffer as ArrayBuffer;

/** Round trips through `workers` echo workers, one in flight per worker. */
async function bare(workers: number): Promise<number> {
  const echo = Array.from(
    { length: workers },
    () => new Worker(new URL("./_echo_worker.ts", import.meta.url), { type: "module" }),
  );
  // Warm up each worker once.
  await Promise.all(echo.map((w) =>
    new Promise((r) => {
      w.onmessage = r;
      const f = frame();
      w.postMessage(f, [f]);
    })
  ));
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(echo.map((w) =>
    new Promise<void>((resolve) => {
      const next = () => {
        if (sent >= TASKS) return resolve();
        sent++;
        const f = frame();
        w.postMessage(f, [f]);
      };
      w.onmessage = next;
      next();
    })
  ));
  const ms = performance.now() - t0;
  echo.forEach((w) => w.terminate());
  return TASKS / ms * 1000;
}

async function pooled(workers: number): Promise<number> {
  const pool = new WorkerPool({ size: workers });
  await Promise.all(
    Array.from(
      { length: workers * 4 },
      (_, i) => pool.run({ kind: "ipc", frame: frame(), reply: "engine" }, `w${i}`),
    ),
  );
  const t0 = performance.now();
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < TASKS; i++) {
    all.push(pool.run({ kind: "ipc", frame: frame(), reply: "engine" }, `s${i % SESSIONS}`));
  }
  await Promise.all(all);
  const ms = performance.now() - t0;
  await pool.close();
  return TASKS / ms * 1000;
}

const rows: (string | number)[][] = [[
  "workers",
  "bare round trips/s",
  "pool tasks/s",
  "pool / bare",
]];
for (const w of [1, 2, 4]) {
  const b = await bare(w);
  const p = await pooled(w);
  rows.push([w, b.toFixed(0), p.toFixed(0), `${(p / b * 100).toFixed(0)}%`]);
}
console.log(
  `bench/pool.ts — ${runtimeName()}, ${
    TASKS.toLocaleString("en")
  } tasks of (+ 1 2), ${SESSIONS} sessions`,
);
console.log(formatTable(rows));
