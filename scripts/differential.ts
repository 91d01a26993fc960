/**
 * Differential check against the real engine (not run in CI): generates applications of the
 * engine's builtins to sample values of every type and shape, asks a real engine
 * (`RAYFORCE_BIN`) over TCP IPC and our engine in-process, and compares the answers: the
 * payload bytes for values (lambdas by type only: the engine's end in uninitialised bytes),
 * the error code for errors. Queries that crash the engine, or whose result it cannot
 * serialize, are counted apart (the engine is restarted). Prints the agreement and the
 * first disagreements.
 *
 * ```sh
 * RAYFORCE_BIN=/path/to/rayforce npx deno run -A scripts/differential.ts            # every builtin
 * RAYFORCE_BIN=… npx deno run -A scripts/differential.ts --builtins find,take --per 200
 * RAYFORCE_BIN=… npx deno run -A scripts/differential.ts --file queries.txt         # one per line
 * ```
 *
 * @module
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { STANDARD_BUILTINS as BUILTINS } from "../engine/library.ts";
import { Engine } from "../engine/mod.ts";
import { encode, encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { UpstreamClient } from "../upstream/client.ts";
import { startEngine } from "./real_engine.ts";
import { prng } from "../tests/_helpers/random.ts";

/** Sample arguments: atoms, vectors, empties, nulls, lists, a dict and a table. */
const VALUES = [
  "2",
  "-3",
  "0",
  "0Nl",
  "2i",
  "0Ni",
  "2h",
  "0x05",
  "2.5",
  "-0.0",
  "0Nf",
  "true",
  "'b",
  "'b'",
  "2024.01.02",
  "10:30:00.000",
  "2024.01.02D10:30:00.000000000",
  // A fixed GUID: `(guid 1)` is random, and would differ between the engines every time.
  '(as \'guid "d3b4e6a2-5f1c-4c8e-9a7b-2e6f0c1d8a94")',
  '"abc"',
  '""',
  "[1 2 3]",
  "[3 1 2]",
  "[1 0Nl 3]",
  "[]",
  "[1i 2i 3i]",
  "[1.5 0Nf 2.5]", // `0n` is not the f64 null there: it reads as `0 n`
  "[2.5 -1.5 0.0]",
  "0Nd",
  "[2024.01.01 0Nd]",
  "[true false true]",
  "[a b c]",
  "[2024.01.01 2024.01.02]",
  "[10:00:00.000 11:00:00.000]",
  "(as 'U8 [1 2 3])",
  "(list 1 2 3)",
  '(list 1 \'a "x")',
  "(list)",
  "(list [1 2] [3 4])",
  "(dict [a b] [1 2])",
  "(table [a b] (list [1 2] [3.0 4.0]))",
];

/** Builtins never sent: they touch the machine, wait, or harm the engine. */
const SKIP = new Set([
  "system",
  "exit",
  "hopen",
  "hclose",
  "read",
  "write",
  "load",
  "loadfn",
  "set",
  "get",
  "timer",
  "os-get-var",
  "os-set-var",
  "gc",
  "memstat",
  "sysinfo",
  "read-csv",
  "write-csv",
  "set-splayed",
  "get-splayed",
  "set-parted",
  "get-parted",
  "print",
  "println",
  "show",
  "timeit",
  "rand",
  "guid",
  "date",
  "time",
  "timestamp",
  "env",
  "internals",
  "eval",
  "parse",
]);

const { values: options } = parseArgs({
  options: {
    builtins: { type: "string" },
    per: { type: "string", default: "60" },
    file: { type: "string" },
    seed: { type: "string", default: "1" },
    show: { type: "string", default: "40" },
  },
});

/** Builtins given as the function argument of the higher-order ones below. */
const UNARY_FNS = ["neg", "count", "sum", "first", "reverse", "til", "distinct", "not", "type"];
const BINARY_FNS = ["+", "-", "*", "max", "min", "concat", "take", "==", "at", "%"];

/**
 * Variadic builtins that are plain functions, each with a generator of one application:
 * picks of sample values, and for the higher-order ones a builtin as the function.
 */
const VARIADIC: Record<string, (pick: () => string, one: <T>(xs: T[]) => T) => string> = {
  and: (p) => `(and ${p()} ${p()})`,
  or: (p) => `(or ${p()} ${p()})`,
  enlist: (p, one) => `(enlist ${one([[p()], [p(), p()], [p(), p(), p()]]).join(" ")})`,
  list: (p) => `(list ${p()} ${p()})`,
  format: (p, one) => `(format ${one(['"a % b"', '"%"', '"% %"', p()])} ${p()} ${p()})`,
  map: (p, one) => `(map ${one(UNARY_FNS)} ${p()})`,
  pmap: (p, one) => `(pmap ${one(UNARY_FNS)} ${p()})`,
  "map-left": (p, one) => `(map-left ${one(BINARY_FNS)} ${p()} ${p()})`,
  "map-right": (p, one) => `(map-right ${one(BINARY_FNS)} ${p()} ${p()})`,
  apply: (p, one) => `(apply ${one(BINARY_FNS)} ${p()} ${p()})`,
  fold: (p, one) => `(fold ${one(BINARY_FNS)} ${p()})`,
  scan: (p, one) => `(scan ${one(BINARY_FNS)} ${p()})`,
  "fold-left": (p, one) => `(fold-left ${one(BINARY_FNS)} ${p()})`,
  "fold-right": (p, one) => `(fold-right ${one(BINARY_FNS)} ${p()})`,
  "scan-left": (p, one) => `(scan-left ${one(BINARY_FNS)} ${p()})`,
  "scan-right": (p, one) => `(scan-right ${one(BINARY_FNS)} ${p()})`,
};

function generate(): string[] {
  if (options.file) return readFileSync(options.file, "utf8").split("\n").filter((l) => l.trim());
  const rnd = prng(Number(options.seed));
  const pick = () => VALUES[Math.floor(rnd() * VALUES.length)];
  const wanted = options.builtins?.split(",");
  const out: string[] = [];
  for (const [name, b] of BUILTINS) {
    if (SKIP.has(name) || (wanted && !wanted.includes(name))) continue;
    const arity = b.type === 101 ? 1 : b.type === 102 ? 2 : 0;
    const variadic = VARIADIC[name];
    if (variadic) {
      const one = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
      for (let i = 0; i < Number(options.per); i++) out.push(variadic(pick, one));
      continue;
    }
    if (arity === 0) continue;
    for (let i = 0; i < Number(options.per); i++) {
      out.push(arity === 1 ? `(${name} ${pick()})` : `(${name} ${pick()} ${pick()})`);
    }
  }
  return [...new Set(out)];
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const bin = process.env.RAYFORCE_BIN;
if (!bin) {
  console.log("differential: skipped (set RAYFORCE_BIN to a rayforce binary)");
  process.exit(0);
}
const PORT = 18851;
const queries = generate();
let real = await startEngine(bin, PORT);
let tcp = new UpstreamClient("127.0.0.1", PORT, { requestTimeoutMs: 5_000 });
await tcp.connect();
const restart = async () => {
  tcp.close();
  real.stop();
  await new Promise((r) => setTimeout(r, 200));
  real = await startEngine(bin, PORT);
  tcp = new UpstreamClient("127.0.0.1", PORT, { requestTimeoutMs: 5_000 });
  await tcp.connect();
};

let agree = 0, crashes = 0;
const differ: string[] = [];
for (const q of queries) {
  let theirs: Uint8Array;
  try {
    theirs = (await tcp.request(encodeMessage(str(q), MsgType.SYNC))).subarray(16);
  } catch {
    crashes++;
    await restart();
    continue;
  }
  // A fresh engine per query on our side too: queries are independent.
  const e = new Engine();
  let ours: Uint8Array;
  try {
    ours = encode(e.evalSource(q).value);
  } catch (x) {
    differ.push(
      `${q}\n    engine ${hex(theirs).slice(0, 60)}\n    ours   JS exception ${
        (x as Error).message
      }`,
    );
    continue;
  }
  const same = theirs[0] === 0x7f
    ? ours[0] === 0x7f && ours[1] === theirs[1]
    : theirs[0] === 100
    ? ours[0] === 100
    : hex(ours) === hex(theirs);
  if (same) agree++;
  else {differ.push(
      `${q}\n    engine ${hex(theirs).slice(0, 60)}\n    ours   ${hex(ours).slice(0, 60)}`,
    );}
}
tcp.close();
real.stop();
const judged = queries.length - crashes;
for (const d of differ.slice(0, Number(options.show))) console.log(d);
console.log(
  `differential: ${agree}/${judged} agree (${(100 * agree / Math.max(1, judged)).toFixed(1)}%), ` +
    `${crashes} crashed the engine or could not be answered, of ${queries.length} queries`,
);
process.exit(0);
