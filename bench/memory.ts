/**
 * Resident memory of a pool holding one large table (issue 16): a 10,000,000-row table
 * (sym, f64, i64) set by one query, then read by every worker (a query per worker, all at
 * once, so that every replica holds the table), with 1, 2 and 4 workers — each count in a
 * fresh process, so that one measurement does not inherit another's heap; and a pool of 4
 * started on a data directory that holds the table (loaded from disk, decoded by one worker
 * into shared memory, handed to the others). Also the same table built in one process with
 * no pool: what one copy costs. Target: the pools within 1.3× of each other (the table is
 * held once, whatever the number of workers).
 *
 * ```sh
 * npx deno run -A bench/memory.ts [rows]     # default 10,000,000
 * npx bun bench/memory.ts
 * ```
 *
 * @module
 */
import process from "node:process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WorkerPool } from "../worker/pool.ts";
import { Engine } from "../engine/mod.ts";
import { formatTable, runtimeName } from "./_util.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROWS = Number(process.argv[2] ?? 10_000_000);
const MB = 1024 * 1024;
const makeTable = (n: number) =>
  `(set t (table [s f i] (list (take ['a 'b 'c] ${n}) (as 'F64 (til ${n})) (til ${n}))))`;

/** Lets the collectors of every thread run, then reads the process's resident memory. */
async function settledRss(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun?.gc(true);
    await new Promise((r) => setTimeout(r, 250));
  }
  return process.memoryUsage().rss;
}

/**
 * In a child: the RSS of a pool of `workers` holding the table (0: an engine, no pool;
 * `restarted`: a pool started on a data directory where another pool set the table).
 */
async function child(workers: number, dataDir: string | undefined): Promise<void> {
  if (workers === 0) {
    const engine = new Engine();
    engine.evalSource(makeTable(ROWS));
    const rss = await settledRss();
    // Used after the measurement, or a collector may free the table before it.
    if (engine.evalSource("(count t)").value.type !== -5) throw new Error("no table");
    console.log(JSON.stringify({ rss }));
    return;
  }
  const pool = new WorkerPool({ size: workers, dataDir });
  const base = await settledRss();
  if (!dataDir) {
    const set = await pool.run({ kind: "text", source: makeTable(ROWS) }, "writer");
    if (set.failed) throw new Error(String(set.response));
  }
  // One read per worker, all at once: the pool gives each idle worker one.
  const reads = await Promise.all(
    Array.from(
      { length: workers },
      (_, k) => pool.run({ kind: "text", source: "(sum (at t 'i))" }, `reader${k}`),
    ),
  );
  if (reads.some((r) => r.response !== reads[0].response)) throw new Error("readers disagree");
  const rss = await settledRss();
  await pool.close();
  console.log(JSON.stringify({ base, rss }));
}

/** In a child: sets the table in a pool on `dataDir` and stops it (writing a snapshot). */
async function prepare(dataDir: string): Promise<void> {
  const pool = new WorkerPool({ size: 1, dataDir });
  await pool.run({ kind: "text", source: makeTable(ROWS) }, "writer");
  await pool.close();
}

if (process.argv[3] === "--child") {
  await child(Number(process.argv[4]), process.argv[5] || undefined);
  process.exit(0);
}
if (process.argv[3] === "--prepare") {
  await prepare(process.argv[4]);
  process.exit(0);
}

/** Runs this script with `args` after the row count in a fresh process of this runtime. */
function spawnSelf(args: string[]): string {
  const self = fileURLToPath(import.meta.url);
  const rest = [self, String(ROWS), ...args];
  const argv = "Deno" in globalThis ? ["run", "-A", "--v8-flags=--expose-gc", ...rest] : rest;
  const out = spawnSync(process.execPath, argv, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`${args.join(" ")} failed: ${out.stderr}`);
  return out.stdout;
}

/** The measurement for `workers`, in a fresh process (`restarted`: on a data directory). */
function measure(
  workers: number,
  restarted = false,
): { base?: number; rss: number } {
  const dataDir = restarted ? mkdtempSync(join(tmpdir(), "rfws-memory-")) : undefined;
  try {
    if (dataDir) spawnSelf(["--prepare", dataDir]);
    const out = spawnSelf(["--child", String(workers), ...(dataDir ? [dataDir] : [])]);
    return JSON.parse(out.trim().split("\n").at(-1)!);
  } finally {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`${runtimeName()}: a ${ROWS.toLocaleString()}-row table (sym, f64, i64)\n`);
const one = measure(0);
const rows: (string | number)[][] = [["", "RSS MB", "idle pool MB", "× 1 worker"]];
rows.push(["one engine, no pool", (one.rss / MB).toFixed(0), "", ""]);
let first = 0;
for (const [workers, restarted] of [[1, false], [2, false], [4, false], [4, true]] as const) {
  const m = measure(workers, restarted);
  first ||= m.rss;
  rows.push([
    `pool of ${workers}${restarted ? ", restarted on its data" : ""}`,
    (m.rss / MB).toFixed(0),
    ((m.base ?? 0) / MB).toFixed(0),
    (m.rss / first).toFixed(2),
  ]);
}
console.log(formatTable(rows));
