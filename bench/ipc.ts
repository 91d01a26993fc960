/**
 * IPC codec throughput: encode and decode of a 1,000,000-row table (i64, f64, symbol,
 * timestamp columns) and of each column alone, in MB/s, beside the baseline of a plain
 * copy of the same bytes (`new Uint8Array(n)` + `Uint8Array.prototype.set`) measured in
 * the same run. The ratio "× copy" is the figure: how many times slower than a copy.
 *
 * ```sh
 * npx deno run -A bench/ipc.ts
 * npx bun bench/ipc.ts
 * ```
 *
 * @module
 */
import { decode, encode, type RayObject, table, Type, vector } from "../ipc/mod.ts";
import { formatTable, interleavedMedians, runtimeName } from "./_util.ts";

const ROWS = 1_000_000;

function column(type: Type, fill: (i: number) => number | bigint | string): RayObject {
  return vector(type as 5, Array.from({ length: ROWS }, (_, i) => fill(i)) as bigint[]);
}

const ids = column(Type.I64, (i) => BigInt(i * 7919 % 1_000_003) - 500_000n);
const prices = column(Type.F64, (i) => 100 + (i % 1000) / 7);
const syms = column(Type.SYMBOL, (i) => `SYM${i % 100}`);
const times = column(Type.TIMESTAMP, (i) => 757_427_400_000_000_000n + BigInt(i) * 1_000_000n);
const whole = table(["id", "price", "sym", "ts"], [ids, prices, syms, times]);

type Type = typeof Type[keyof typeof Type];

const rows: (string | number)[][] = [[
  "object",
  "MB",
  "copy MB/s",
  "encode MB/s",
  "× copy",
  "decode MB/s",
  "× copy",
]];
for (
  const [name, x] of [
    ["I64 column", ids],
    ["F64 column", prices],
    ["TIMESTAMP column", times],
    ["SYMBOL column", syms],
    ["table (4 columns)", whole],
  ] as const
) {
  const bytes = encode(x);
  const mb = bytes.length / 1e6;
  const [copyMs, encodeMs, decodeMs] = interleavedMedians([
    () => new Uint8Array(bytes.length).set(bytes),
    () => encode(x),
    () => decode(bytes),
  ]);
  rows.push([
    name,
    mb.toFixed(1),
    (mb / copyMs * 1000).toFixed(0),
    (mb / encodeMs * 1000).toFixed(0),
    (encodeMs / copyMs).toFixed(2),
    (mb / decodeMs * 1000).toFixed(0),
    (decodeMs / copyMs).toFixed(2),
  ]);
}
console.log(
  `bench/ipc.ts — ${runtimeName()}, ${
    ROWS.toLocaleString("en")
  } rows, median of 31 interleaved runs`,
);
console.log(formatTable(rows));
