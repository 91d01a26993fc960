/**
 * Reductions over i64 columns read through 32-bit words (engine/int64.ts) answer exactly what
 * the same arithmetic over each value answers: the 32-bit fast paths (every value fits a word)
 * and the general ones (nulls, values past 2^32 and 2^53, the i64 limits) are checked against
 * references over BigInt (`sum`, `min`, `max`) or each value as a double (`avg`, `dev`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { deviationI64 } from "../engine/int64.ts";
import { Engine } from "../engine/mod.ts";
import type { Atom } from "../ipc/mod.ts";
import { prng } from "./_helpers/random.ts";

const NULL = -(2n ** 63n);

/** √mean((x − mean)²) over the non-null values, in doubles, in order; √mean(x²) if not centred. */
function referenceDeviation(xs: bigint[], centred: boolean): number {
  const values = xs.filter((x) => x !== NULL).map(Number);
  if (values.length === 0) return NaN;
  if (values.length === 1) return 0; // the engine's answer for one value, centred or not
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
    ["over a partial sum's 2^20 of 32-bit maxima", new Array(2 ** 20 + 3).fill(2147483647n)],
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

describe("i64 sum, avg, min and max through words", () => {
  const engine = new Engine();
  const run = (builtin: string, xs: bigint[]) => {
    engine.setGlobal(engine.intern("xs"), { type: 5, data: BigInt64Array.from(xs) });
    const out = engine.evalSource(`(${builtin} xs)`);
    if (out.error) throw out.error;
    return (out.value as Atom).value;
  };
  for (const [name, xs] of columns()) {
    const values = xs.filter((x) => x !== NULL);
    it(name, () => {
      // sum wraps at 64 bits, as the engine's does; the sum of nothing is 0
      assert.equal(run("sum", xs), BigInt.asIntN(64, values.reduce((a, b) => a + b, 0n)));
      const least = values.reduce<bigint | undefined>(
        (a, b) => (a === undefined || b < a ? b : a),
        undefined,
      );
      const most = values.reduce<bigint | undefined>(
        (a, b) => (a === undefined || b > a ? b : a),
        undefined,
      );
      assert.equal(run("min", xs), least ?? NULL);
      assert.equal(run("max", xs), most ?? NULL);
      const mean = Number(BigInt.asIntN(64, values.reduce((a, b) => a + b, 0n))) / values.length;
      assert.ok(Object.is(run("avg", xs), mean), `avg ${run("avg", xs)} ≠ ${mean}`);
    });
  }
});
