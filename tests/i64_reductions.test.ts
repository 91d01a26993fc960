/**
 * Reductions over i64 columns read through 32-bit words (engine/int64.ts) answer exactly what
 * the same arithmetic over each value as a double answers: the 32-bit fast paths (every value
 * fits a word) and the general ones (nulls, values past 2^32 and 2^53, the i64 limits) are
 * checked against a reference that converts each value with `Number`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { deviationI64 } from "../engine/int64.ts";
import { prng } from "./_helpers/random.ts";

const NULL = -(2n ** 63n);

/** √mean((x − mean)²) over the non-null values, in doubles, in order; √mean(x²) if not centred. */
function referenceDeviation(xs: bigint[], centred: boolean): number {
  const values = xs.filter((x) => x !== NULL).map(Number);
  if (values.length === 0) return NaN;
  let s = 0;
  for (const x of values) s += x;
  const m = centred ? s / values.length : 0;
  let q = 0;
  for (const x of values) q += (x - m) * (x - m);
  return Math.sqrt(q / values.length);
}

/** Columns of every shape the kernels tell apart. */
function columns(): [string, bigint[]][] {
  const rnd = prng(11);
  const random = (n: number, f: () => bigint) => Array.from({ length: n }, f);
  const int = (scale: number) => () => BigInt(Math.floor((rnd() - 0.5) * scale));
  return [
    ["empty", []],
    ["one value", [42n]],
    ["32-bit values", random(1001, int(2 ** 32))],
    ["32-bit extremes", [2147483647n, -2147483648n, 0n, -1n, 2147483647n]],
    ["just past 32 bits", [2147483648n, -2147483649n, 5n, 4294967296n]],
    ["32-bit values and one null", [...random(500, int(1000)), NULL, ...random(3, int(10))]],
    ["only nulls", [NULL, NULL]],
    ["past 2^53", [2n ** 53n + 1n, -(2n ** 53n) - 3n, 7n, 2n ** 60n]],
    ["the i64 limits", [2n ** 63n - 1n, -(2n ** 63n) + 1n, NULL, 0n]],
    [
      "random 64-bit with nulls",
      random(777, () => (rnd() < 0.1 ? NULL : BigInt.asIntN(
        64,
        BigInt(Math.floor(rnd() * 2 ** 52)) * BigInt(Math.floor(rnd() * 4096) - 2048),
      ))),
    ],
  ];
}

describe("i64 deviation through words", () => {
  for (const [name, xs] of columns()) {
    for (const centred of [true, false]) {
      it(`${name}, ${centred ? "centred" : "not centred (timestamps)"}`, () => {
        const got = deviationI64(BigInt64Array.from(xs), centred);
        assert.ok(
          Object.is(got, referenceDeviation(xs, centred)),
          `${got} ≠ ${referenceDeviation(xs, centred)}`,
        );
      });
    }
  }
});
