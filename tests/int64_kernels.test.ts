/**
 * The i64 `+ - * / %` kernels without a BigInt per element (engine/int64.ts `arithSafe`,
 * `divSafe`) answer exactly what 64-bit arithmetic does: checked against BigInt on random
 * columns with nulls, zero divisors, values at the 2^53 boundary (where the double path
 * must give way) and at the i64 limits (where results wrap), empty vectors and null atoms.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { arith } from "../engine/arith.ts";
import type { Atom, Vector } from "../ipc/mod.ts";
import { prng } from "./_helpers/random.ts";

const NULL = -(2n ** 63n);
const vec = (xs: bigint[]): Vector => ({ type: 5, data: BigInt64Array.from(xs) });
const at = (x: bigint): Atom => ({ type: -5, value: x } as Atom);

/**
 * 64-bit `x op y` as the engine does it: null in, null out; wrapping otherwise; `/` floors,
 * `%` takes the divisor's sign, a zero divisor gives the null.
 */
function expected(op: "+" | "-" | "*" | "/" | "%", x: bigint, y: bigint): bigint {
  if (x === NULL || y === NULL) return NULL;
  if (op === "/" || op === "%") {
    if (y === 0n) return NULL;
    let q = x / y;
    if (x % y !== 0n && (x < 0n) !== (y < 0n)) q -= 1n;
    return BigInt.asIntN(64, op === "/" ? q : x - y * q);
  }
  const r = op === "+" ? x + y : op === "-" ? x - y : x * y;
  return BigInt.asIntN(64, r);
}

describe("i64 arithmetic kernels", () => {
  const rnd = prng(7);
  /** A value: nulls often; in edge rounds also the 2^53 boundary and the i64 limit. */
  const pick = (scale: number, edges: boolean) => {
    const r = rnd();
    if (r < 0.05) return NULL;
    if (edges && r < 0.1) return 2n ** 53n - 1n; // the largest exact magnitude
    if (edges && r < 0.12) return -(2n ** 53n) + 1n;
    if (edges && r < 0.14) return 2n ** 63n - 1n; // forces the exact path, wraps
    if (r < 0.17) return 0n; // a zero divisor
    return BigInt(Math.floor((rnd() - 0.5) * scale));
  };
  for (const scale of [10, 1e6, 2 ** 26, 2 ** 40]) {
    it(`vector op vector and vector op atom, magnitudes up to ${scale}`, () => {
      for (let round = 0; round < 40; round++) {
        // Half the rounds without edges: the double path runs (with nulls); half with them.
        const edges = round % 2 === 1;
        const n = Math.floor(rnd() * 50);
        const xs = Array.from({ length: n }, () => pick(scale, edges));
        const ys = Array.from({ length: n }, () => pick(scale, edges));
        const k = round % 7 === 0 ? NULL : pick(scale, edges);
        for (const op of ["+", "-", "*", "/", "%"] as const) {
          const vv = (arith(op, vec(xs), vec(ys)) as Vector).data as BigInt64Array;
          assert.deepEqual([...vv], xs.map((x, i) => expected(op, x, ys[i])), `${op} vv`);
          const va = (arith(op, vec(xs), at(k)) as Vector).data as BigInt64Array;
          assert.deepEqual([...va], xs.map((x) => expected(op, x, k)), `${op} va ${k}`);
          const av = (arith(op, at(k), vec(xs)) as Vector).data as BigInt64Array;
          assert.deepEqual([...av], xs.map((x) => expected(op, k, x)), `${op} av ${k}`);
        }
      }
    });
  }

  it("columns of safe values whose results pass 2^53 still answer exactly", () => {
    const big = 2n ** 52n + 3n;
    const xs = [big, -big, 5n, NULL];
    for (const op of ["+", "-", "*"] as const) {
      const r = (arith(op, vec(xs), vec([big, big, 2n ** 50n, 1n])) as Vector)
        .data as BigInt64Array;
      assert.deepEqual([...r], xs.map((x, i) => expected(op, x, [big, big, 2n ** 50n, 1n][i])));
    }
  });

  it("the quotient of −2^31 by −1 is 2^31, past 32 bits (vector by vector and by atom)", () => {
    const xs = [-(2n ** 31n), 7n, -(2n ** 31n)];
    for (const op of ["/", "%"] as const) {
      const vv = (arith(op, vec(xs), vec([-1n, -1n, 2n])) as Vector).data as BigInt64Array;
      assert.deepEqual([...vv], xs.map((x, i) => expected(op, x, [-1n, -1n, 2n][i])));
      const va = (arith(op, vec(xs), at(-1n)) as Vector).data as BigInt64Array;
      assert.deepEqual([...va], xs.map((x) => expected(op, x, -1n)));
    }
  });

  it("32-bit columns without nulls: sums, products, quotients and remainders by whole words", () => {
    // The int32 paths: sums and differences in one pass (results up to ±2^32, an atom on
    // either side, one beyond 32 bits falling back); products below 2^53 by Math.imul and the
    // high word; quotients and remainders of two null-free 32-bit columns (signs mixed, zero
    // divisors, the extremes).
    const extremes = [2n ** 31n - 1n, -(2n ** 31n), -(2n ** 31n) + 1n, 1n, -1n, 0n];
    for (const scale of [2 ** 20, 2 ** 26, 2 ** 31 - 2]) {
      for (let round = 0; round < 20; round++) {
        const n = 1 + Math.floor(rnd() * 60);
        const value = () =>
          rnd() < 0.1
            ? extremes[Math.floor(rnd() * extremes.length)]
            : BigInt(Math.floor((rnd() - 0.5) * scale));
        const xs = Array.from({ length: n }, value);
        const ys = Array.from({ length: n }, value);
        const k = round % 5 === 4 ? 2n ** 31n : value(); // sometimes just past 32 bits
        for (const op of ["+", "-", "*", "/", "%"] as const) {
          const vv = (arith(op, vec(xs), vec(ys)) as Vector).data as BigInt64Array;
          assert.deepEqual([...vv], xs.map((x, i) => expected(op, x, ys[i])), `${op} vv ${scale}`);
          const va = (arith(op, vec(xs), at(k)) as Vector).data as BigInt64Array;
          assert.deepEqual([...va], xs.map((x) => expected(op, x, k)), `${op} va ${k}`);
          const av = (arith(op, at(k), vec(xs)) as Vector).data as BigInt64Array;
          assert.deepEqual([...av], xs.map((x) => expected(op, k, x)), `${op} av ${k}`);
        }
      }
    }
  });
});
