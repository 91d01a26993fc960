/**
 * Engine speed on large columns: each query runs through the engine (`evalSource`, as a
 * query from a client would) beside a hand-written typed-array loop doing the same work,
 * in the same run; the ratio is the figure. The real C engine runs these in 3–17 ms
 * each (`asc` 330 ms) on our machines.
 *
 * ```sh
 * npx deno run -A bench/engine.ts [rows]     # default 10,000,000
 * npx bun bench/engine.ts [rows]
 * ```
 *
 * Then the joins on 1,000,000 quotes (4 symbols, increasing i64 times): an as-of join of
 * 1,000,000 trades, and a window join summing the quotes within ±50 of 10,000 trade times.
 *
 * @module
 */
import process from "node:process";
import { Engine } from "../engine/mod.ts";
import type { RayObject } from "../ipc/mod.ts";
import { formatTable, runtimeName } from "./_util.ts";

const ROWS = Number(process.argv[2] ?? 10_000_000);
const GROUPS = 100;

// ---------------------------------------------------------------- data

const v = new BigInt64Array(ROWS);
const f = new Float64Array(ROWS);
const x = new BigInt64Array(ROWS);
const c = new BigInt64Array(ROWS);
const k = new Int32Array(ROWS);
let seed = 42;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
for (let i = 0; i < ROWS; i++) {
  v[i] = BigInt(Math.floor(rnd() * ROWS));
  f[i] = rnd() * 1000;
  x[i] = BigInt(Math.floor(rnd() * 1000));
  c[i] = BigInt(Math.floor(rnd() * 1000));
}

const engine = new Engine();
const groupIds = Array.from({ length: GROUPS }, (_, g) => engine.intern(`g${g}`));
for (let i = 0; i < ROWS; i++) k[i] = groupIds[Math.floor(rnd() * GROUPS)];
const sym = (name: string) => engine.intern(name);
engine.globals.set(sym("v"), { type: 5, data: v });
engine.globals.set(sym("f"), { type: 10, data: f });
engine.globals.set(sym("t"), {
  type: 98,
  keys: { type: 6, data: Int32Array.of(sym("k"), sym("x"), sym("c")) },
  values: { type: 0, items: [{ type: 6, data: k }, { type: 5, data: x }, { type: 5, data: c }] },
});

// ---------------------------------------------------------------- baselines

const NULL = -(2n ** 63n);

const baselines: Record<string, () => unknown> = {
  "(sum v)": () => {
    let s = 0n;
    for (let i = 0; i < ROWS; i++) if (v[i] !== NULL) s += v[i];
    return s;
  },
  "(avg f)": () => {
    let s = 0, n = 0;
    for (let i = 0; i < ROWS; i++) if (f[i] === f[i]) (s += f[i]), n++;
    return s / n;
  },
  "(* v 2)": () => {
    const out = new BigInt64Array(ROWS);
    for (let i = 0; i < ROWS; i++) out[i] = v[i] === NULL ? NULL : v[i] * 2n;
    return out;
  },
  "(where (> v 5000000))": () => {
    let out = new BigInt64Array(1024), n = 0;
    for (let i = 0; i < ROWS; i++) {
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
    const slot = new Int32Array(Math.max(...groupIds) + 1).fill(-1);
    const sums: bigint[] = [];
    for (let i = 0; i < ROWS; i++) {
      let g = slot[k[i]];
      if (g < 0) g = slot[k[i]] = sums.push(0n) - 1;
      sums[g] += x[i];
    }
    return sums;
  },
  "(select {from: t where: (> x c)})": () => {
    const idx = new Int32Array(ROWS);
    let n = 0;
    for (let i = 0; i < ROWS; i++) if (x[i] > c[i]) idx[n++] = i;
    const cols = [new Int32Array(n), new BigInt64Array(n), new BigInt64Array(n)];
    for (let j = 0; j < n; j++) {
      cols[0][j] = k[idx[j]];
      cols[1][j] = x[idx[j]];
      cols[2][j] = c[idx[j]];
    }
    return cols;
  },
  "(asc (% v 1000))": () => {
    const m = new BigInt64Array(ROWS);
    for (let i = 0; i < ROWS; i++) m[i] = v[i] % 1000n;
    return m.sort();
  },
  "(distinct (% v 1000))": () => {
    const seen = new Uint8Array(1000);
    for (let i = 0; i < ROWS; i++) seen[Number(v[i] % 1000n)] = 1;
    const out: bigint[] = [];
    for (let j = 0; j < 1000; j++) if (seen[j]) out.push(BigInt(j));
    return out;
  },
};

// ---------------------------------------------------------------- run

function time(fn: () => unknown, runs = 3): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const rows: (string | number)[][] = [["query", "engine ms", "loop ms", "× loop"]];
for (const [query, baseline] of Object.entries(baselines)) {
  const check = engine.evalSource(query);
  if (check.error) throw new Error(`${query}: ${check.error.message}`);
  const ms = time(() => engine.evalSource(query));
  const base = time(baseline);
  rows.push([query, ms.toFixed(0), base.toFixed(0), (ms / base).toFixed(1)]);
}
// ---------------------------------------------------------------- joins

const JOIN_ROWS = 1_000_000;
const WINDOWS = 10_000;
const SYMS = 4;
const qSym = new Int32Array(JOIN_ROWS),
  qTs = new BigInt64Array(JOIN_ROWS),
  qBid = new Float64Array(JOIN_ROWS);
const tSym = new Int32Array(JOIN_ROWS), tTs = new BigInt64Array(JOIN_ROWS);
const symIds = Array.from({ length: SYMS }, (_, i) => engine.intern(`S${i}`));
for (let i = 0; i < JOIN_ROWS; i++) {
  qSym[i] = symIds[i % SYMS];
  qTs[i] = BigInt(i * 10);
  qBid[i] = 100 + (i % 1000) / 10;
  tSym[i] = symIds[(i * 7) % SYMS];
  tTs[i] = BigInt(i * 10 + 5);
}
const table = (names: string[], cols: RayObject[]): RayObject => ({
  type: 98,
  keys: { type: 6, data: Int32Array.from(names, sym) },
  values: { type: 0, items: cols },
});
engine.globals.set(
  sym("quotes"),
  table(["sym", "ts", "bid"], [{ type: 6, data: qSym }, { type: 5, data: qTs }, {
    type: 10,
    data: qBid,
  }]),
);
engine.globals.set(
  sym("trades"),
  table(["sym", "ts"], [{ type: 6, data: tSym }, { type: 5, data: tTs }]),
);
engine.globals.set(
  sym("few"),
  table(["sym", "ts"], [{ type: 6, data: tSym.slice(0, WINDOWS) }, {
    type: 5,
    data: tTs.slice(0, WINDOWS),
  }]),
);

/** Per symbol: quote times (numbers) and bids, in time order. */
function bySymbol() {
  const times = new Map<number, number[]>(), bids = new Map<number, number[]>();
  for (let i = 0; i < JOIN_ROWS; i++) {
    if (!times.has(qSym[i])) (times.set(qSym[i], []), bids.set(qSym[i], []));
    times.get(qSym[i])!.push(Number(qTs[i]));
    bids.get(qSym[i])!.push(qBid[i]);
  }
  return { times, bids };
}
const lastAtOrBefore = (ts: number[], t: number) => {
  let lo = 0, hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
};

const joinBaselines: Record<string, () => unknown> = {
  "(asof-join [sym ts] trades quotes)": () => {
    const { times, bids } = bySymbol();
    const out = new Float64Array(JOIN_ROWS);
    for (let i = 0; i < JOIN_ROWS; i++) {
      const p = lastAtOrBefore(times.get(tSym[i])!, Number(tTs[i]));
      out[i] = p >= 0 ? bids.get(tSym[i])![p] : NaN;
    }
    return out;
  },
  "(window-join [sym ts] (list (- (at few 'ts) 50) (+ (at few 'ts) 50)) few quotes {s: (sum bid)})":
    () => {
      const { times, bids } = bySymbol();
      const out = new Float64Array(WINDOWS);
      for (let i = 0; i < WINDOWS; i++) {
        const ts = times.get(tSym[i])!, bs = bids.get(tSym[i])!;
        const t = Number(tTs[i]);
        let s = 0;
        for (
          let p = Math.max(0, lastAtOrBefore(ts, t - 50));
          p <= lastAtOrBefore(ts, t + 50);
          p++
        ) s += bs[p];
        out[i] = s;
      }
      return out;
    },
};
for (const [query, baseline] of Object.entries(joinBaselines)) {
  const check = engine.evalSource(query);
  if (check.error) throw new Error(`${query}: ${check.error.message}`);
  const ms = time(() => engine.evalSource(query), 1);
  const base = time(baseline, 1);
  rows.push([
    query.length > 40 ? query.slice(0, 37) + "…" : query,
    ms.toFixed(0),
    base.toFixed(0),
    (ms / base).toFixed(1),
  ]);
}

console.log(
  `bench/engine.ts — ${runtimeName()}, ${ROWS.toLocaleString("en")} rows, median of 3 runs; ` +
    `joins on ${JOIN_ROWS.toLocaleString("en")} quotes, 1 run`,
);
console.log(formatTable(rows));
