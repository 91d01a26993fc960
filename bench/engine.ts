/**
 * Engine speed on large columns, beside the real C engine. The data is made by queries that
 * both engines run (so both hold the same columns), then each query of the suite runs
 * through our `evalSource` (as a client's query would, in-process) and, when `RAYFORCE_BIN`
 * names a real engine, through that engine's own `(timeit …)` over its TCP IPC; the ratio
 * per query and the geometric mean are the figures. The engine runs as it starts (its
 * kernels on every core: both, on our 2-core machines) and again with `-c 1`, one core as our
 * engine uses for a query, so that both ratios come from the same run. Without
 * `RAYFORCE_BIN` the engine columns are skipped (and said so), and a hand-written typed-array
 * loop is the baseline for the queries that have one.
 *
 * ```sh
 * RAYFORCE_BIN=/path/to/rayforce npx deno run -A --v8-flags=--expose-gc bench/engine.ts [rows] [--only text]
 * RAYFORCE_BIN=/path/to/rayforce npx bun bench/engine.ts [rows] [--only text]
 * ```
 *
 * Default 10,000,000 rows; the joins run on a tenth of that. `--only` keeps the queries
 * whose text contains it (several `--only` allowed). `--helpers N`: helper threads for the
 * kernels (engine/kernel_threads.ts; default the cores less one, as a server's worker has at
 * most 3 of); 0 runs every loop on this thread.
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Engine } from "../engine/mod.ts";
import { KernelThreads } from "../engine/kernel_threads.ts";
import { useRangeRunner } from "../engine/parallel.ts";
import { decodeMessage, encodeMessage, MsgType, type RayObject, str } from "../ipc/mod.ts";
import { UpstreamClient } from "../upstream/client.ts";
import { startEngine } from "../scripts/real_engine.ts";
import { formatTable, runtimeName } from "./_util.ts";

const { values: flags, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    only: { type: "string", multiple: true },
    helpers: { type: "string" },
  },
  allowPositionals: true,
});
const N = Number(positionals[0] ?? 10_000_000);
const J = Math.max(1000, Math.floor(N / 10)); // rows of the join tables
const RUNS = 5;
const ENGINE_PORT = 18851;
const ONE_CORE_PORT = 18852;

// ---------------------------------------------------------------- data (both engines)

/**
 * Columns made by queries, so that both engines hold the same values. `concat … []` is there
 * because the real engine keeps the sorted flag of `til` through `*` and `%` (it would
 * then answer `asc` with the column unchanged, and `med` wrongly); the copy drops it.
 */
const cols16 = Array.from({ length: 16 }, (_, i) => `c${i}`);
const SETUP = [
  `(set v (concat (% (* (til ${N}) 2654435761) ${N}) []))`, // a permutation of 0..N-1
  `(set w (+ 1 (% (* v 31) 1000)))`, // 1..1000, never 0 (a divisor)
  `(set x (% v 1000))`,
  `(set g (% (* v 13) 100000))`, // 100,000 groups
  `(set f (/ (as 'F64 (% (* v 7919) 1000003)) 1000.0))`, // 0 .. 1000
  `(set gs (map (fn [i] (as 'symbol (format "g%" i))) (til 100)))`,
  `(set k (at gs (% v 100)))`, // 100 symbols
  `(set ix (% (* (til ${N / 10}) 7919) ${N}))`, // positions to gather
  `(set t (table [k g x f] (list k g x f)))`,
  `(set t16 (table [${cols16.join(" ")}] (list ${cols16.map((_, i) => `(+ x ${i})`).join(" ")})))`,
  // joins: quotes every 10 time units per symbol, trades in between
  `(set qs (at (take gs 4) (% (til ${J}) 4)))`,
  `(set quotes (table [sym ts bid] (list qs (* 10 (til ${J})) (+ 100.0 (/ (as 'F64 (% (til ${J}) 1000)) 10.0)))))`,
  `(set trades (table [sym ts] (list (at (take gs 4) (% (* 7 (til ${J})) 4)) (+ 5 (* 10 (til ${J}))))))`,
  `(set few (take trades 10000))`,
].map((q) => `(count ${q})`); // the count keeps the real engine from sending the column back

// ---------------------------------------------------------------- the suite

const SUITE = [
  // element-wise arithmetic, i64 and f64, with an atom and with a vector
  "(+ v 3)",
  "(- v w)",
  "(* v 2)",
  "(* v w)",
  "(/ v 7)",
  "(/ v w)",
  "(% v 7)",
  "(% v w)",
  "(+ f 1.5)",
  "(- f f)",
  "(* f 2.0)",
  "(div f 3.0)",
  "(div f (+ f 1.0))",
  "(% f 7.0)",
  // comparisons and where
  "(> v 5000000)",
  "(== x w)",
  "(< f 500.0)",
  "(where (> v 5000000))",
  // aggregates
  "(sum v)",
  "(avg v)",
  "(min v)",
  "(max v)",
  "(med v)",
  "(dev v)",
  "(sum f)",
  "(avg f)",
  "(min f)",
  "(max f)",
  "(dev f)",
  // select: by (few and many groups, symbol and i64 keys), where, both
  "(select {s: (sum x) from: t by: k})",
  "(select {a: (avg f) m: (max x) from: t by: k})",
  "(select {d: (dev f) from: t by: k})",
  "(select {m: (med x) from: t by: k})",
  "(select {s: (sum x) from: t by: g})",
  "(select {c: (count x) from: t by: x})",
  "(select {from: t where: (> x 500)})",
  "(select {s: (sum f) from: t where: (> x 500) by: k})",
  "(select {a: c0 b: c7 from: t16 where: (> c3 990)})",
  "(update {x: 0 from: t where: (> x 900)})",
  // distinct, sorting, membership, gathers, xbar
  "(distinct k)",
  "(distinct x)",
  "(distinct g)",
  "(asc x)",
  "(iasc x)",
  "(asc v)",
  "(iasc v)",
  "(asc f)",
  "(asc k)",
  "(in x [1 2 3 500])",
  "(in v (til 1000))",
  "(find (til 1000) x)",
  "(at v ix)",
  "(at t ix)",
  "(take v 5000000)",
  "(xbar v 1000)",
  "(xbar f 10.0)",
  // joins
  "(asof-join [sym ts] trades quotes)",
  "(window-join [sym ts] (list (- (at few 'ts) 50) (+ (at few 'ts) 50)) few quotes {s: (sum bid)})",
];

// ---------------------------------------------------------------- loop baselines

/**
 * Helper threads for the kernels, as a server's worker has them (`--helpers 0`: this thread
 * alone): they start before the data is made, so that its columns are in shared memory.
 */
const threads = new KernelThreads({
  helpers: flags.helpers === undefined ? undefined : Number(flags.helpers),
});
useRangeRunner(threads);
const engine = new Engine();
const column = <T>(name: string) =>
  (engine.globals.get(engine.intern(name)) as unknown as { data: T }).data;
const NULL = -(2n ** 63n);

/** What a JavaScript programmer writes for some of the queries, over the same columns. */
const LOOPS: Record<string, () => unknown> = {
  "(sum v)": () => {
    const v = column<BigInt64Array>("v");
    let s = 0n;
    for (let i = 0; i < v.length; i++) if (v[i] !== NULL) s += v[i];
    return s;
  },
  "(avg f)": () => {
    const f = column<Float64Array>("f");
    let s = 0, n = 0;
    for (let i = 0; i < f.length; i++) if (f[i] === f[i]) (s += f[i]), n++;
    return s / n;
  },
  "(* v 2)": () => {
    const v = column<BigInt64Array>("v");
    const out = new BigInt64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i] === NULL ? NULL : v[i] * 2n;
    return out;
  },
  "(+ f 1.5)": () => {
    const f = column<Float64Array>("f");
    const out = new Float64Array(f.length);
    for (let i = 0; i < f.length; i++) out[i] = f[i] + 1.5;
    return out;
  },
  "(where (> v 5000000))": () => {
    const v = column<BigInt64Array>("v");
    let out = new BigInt64Array(1024), n = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] > 5000000n) {
        if (n === out.length) {
          const grown = new BigInt64Array(n * 2);
          grown.set(out);
          out = grown;
        }
        out[n++] = BigInt(i);
      }
    }
    return out.subarray(0, n);
  },
  "(select {s: (sum x) from: t by: k})": () => {
    const k = column<Int32Array>("k"), x = column<BigInt64Array>("x");
    const slot = new Map<number, number>();
    const sums: bigint[] = [];
    for (let i = 0; i < k.length; i++) {
      let s = slot.get(k[i]);
      if (s === undefined) slot.set(k[i], s = sums.push(0n) - 1);
      sums[s] += x[i];
    }
    return sums;
  },
  "(asc f)": () => column<Float64Array>("f").slice().sort(),
  "(distinct x)": () => {
    const x = column<BigInt64Array>("x");
    const seen = new Set<bigint>();
    for (let i = 0; i < x.length; i++) seen.add(x[i]);
    return BigInt64Array.from(seen);
  },
};

// ---------------------------------------------------------------- run

function median(times: number[]) {
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}
/**
 * A full collection before each query's warm-up run, where the runtime offers one (Bun; Deno
 * with `--v8-flags=--expose-gc`), so that a query does not pay for the garbage of the one
 * before. Not before each timed run: a forced full collection in V8 throws away optimized
 * code that embeds objects it clears, and the run after it then spends 400–800 ms in the
 * interpreter before on-stack replacement (seen on every second run of several queries).
 */
const collect: (() => void) | undefined = (globalThis as { Bun?: { gc(full: boolean): void } }).Bun
  ? () => (globalThis as unknown as { Bun: { gc(full: boolean): void } }).Bun.gc(true)
  : (globalThis as { gc?: () => void }).gc;

/**
 * Our time for `query`. Each answer is released once done with, as the server's worker does
 * once it has encoded an answer (Engine.release): its large arrays serve the next answers of
 * the same size, as the C engine reuses its heap.
 */
function ours(query: string): number {
  const times: number[] = [];
  collect?.();
  engine.release(engine.evalSource(query).value); // a warm-up run: compiled code is timed
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const out = engine.evalSource(query);
    times.push(performance.now() - t0);
    if (out.error) throw new Error(`${query}: ${out.error.message}`);
    engine.release(out.value);
  }
  return median(times);
}
function loop(fn: () => unknown): number {
  const times: number[] = [];
  collect?.();
  fn();
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const sync = (source: string) => encodeMessage(str(source), MsgType.SYNC);
/** The real engine's answer to `source`, decoded; an error answer throws. */
async function ask(tcp: UpstreamClient, source: string): Promise<RayObject> {
  const { value } = decodeMessage(await tcp.request(sync(source)));
  if (value.type === 127) {
    throw new Error(`the real engine refused ${source}: ${JSON.stringify(value)}`);
  }
  return value;
}
async function theirs(tcp: UpstreamClient, query: string): Promise<number> {
  const times: number[] = [];
  await ask(tcp, `(timeit ${query})`); // a warm-up run, as for ours
  for (let r = 0; r < RUNS; r++) {
    times.push((await ask(tcp, `(timeit ${query})`) as { value: number }).value);
  }
  return median(times);
}

const selected = SUITE.filter((q) => !flags.only || flags.only.some((o) => q.includes(o)));
for (const q of SETUP) {
  const out = engine.evalSource(q);
  if (out.error) throw new Error(`${q}: ${out.error.message}`);
}

const bin = process.env.RAYFORCE_BIN;
/** A real engine started with `args`, connected, holding the suite's data. */
async function realEngine(bin: string, port: number, args: string[]) {
  const process = await startEngine(bin, port, args);
  const tcp = new UpstreamClient("127.0.0.1", port, { requestTimeoutMs: 600_000 });
  await tcp.connect();
  for (const q of SETUP) await ask(tcp, q);
  return { process, tcp };
}
const engines = bin
  ? [await realEngine(bin, ENGINE_PORT, []), await realEngine(bin, ONE_CORE_PORT, ["-c", "1"])]
  : [];

const rows: (string | number)[][] = [[
  "query",
  "ours ms",
  "engine ms",
  "× engine",
  "1 core ms",
  "× 1 core",
  "loop ms",
  "× loop",
]];
const ratios: number[][] = engines.map(() => []);
try {
  for (const query of selected) {
    // A turn of the event loop between queries, as a server's worker has: finalizers run
    // (engine/result_buffers.ts counts the shared results the collector freed by them).
    await new Promise((r) => setTimeout(r, 0));
    const ms = ours(query);
    const row: (string | number)[] = [query.length > 52 ? query.slice(0, 51) + "…" : query];
    row.push(ms.toFixed(1));
    for (const [i, { tcp }] of engines.entries()) {
      const engineMs = await theirs(tcp, query);
      // Below a tenth of a millisecond the engine's figure is its timer's resolution.
      const ratio = ms / Math.max(engineMs, 0.1);
      ratios[i].push(ratio);
      row.push(engineMs.toFixed(1), ratio.toFixed(1));
    }
    if (!engines.length) row.push("-", "-", "-", "-");
    const base = LOOPS[query];
    if (base) {
      const loopMs = loop(base);
      row.push(loopMs.toFixed(1), (ms / loopMs).toFixed(1));
    } else row.push("", "");
    rows.push(row);
  }
} finally {
  for (const { tcp, process } of engines) {
    tcp.close();
    process.stop();
  }
  threads.close();
}

console.log(
  `bench/engine.ts — ${runtimeName()}, ${N.toLocaleString("en")} rows (joins ${
    J.toLocaleString("en")
  }), median of ${RUNS} runs after a warm-up; ours in-process with ${threads.helpers} helper thread(s)${
    collect ? " (a full GC before each query)" : ""
  }, the engine's own timeit (as it starts, and with -c 1)`,
);
console.log(
  bin ? `real engine: ${bin}` : "real engine: skipped (set RAYFORCE_BIN to a rayforce binary)",
);
console.log(formatTable(rows));
for (const [i, r] of ratios.entries()) {
  if (!r.length) continue;
  const geo = Math.exp(r.reduce((s, x) => s + Math.log(x), 0) / r.length);
  console.log(
    `geometric mean × engine${i ? " on 1 core" : ""}: ${geo.toFixed(2)}; ` +
      `worst ${Math.max(...r).toFixed(1)}; beyond 5×: ${
        r.filter((x) => x > 5).length
      } of ${r.length}`,
  );
}
