/**
 * `xbar` over vectors (engine/xbar.ts) answers what the engine's integer rounding does
 * element by element, on the double path (operands below 2^52) and on the exact BigInt
 * path (an operand beyond it): checked against a BigInt reference on random columns with
 * nulls, zero and negative bars, i32 columns, and values at the i64 limits.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../engine/mod.ts";
import type { Vector } from "../ipc/mod.ts";
import { prng } from "./_helpers/random.ts";

const NULL = -(2n ** 63n);

/** The engine's rounding (asked: sessions/xbar-negative.jsonl), wrapped to 64 bits. */
function expected(x: bigint, n: bigint): bigint {
  if (x === NULL || n === NULL || n === 0n) return NULL;
  const q = x >= 0n ? x / n : (x - n + 1n) / n;
  return BigInt.asIntN(64, q * n);
}

const literal = (v: bigint) => (v === NULL ? "0Nl" : v.toString());

describe("xbar kernels", () => {
  const rnd = prng(11);
  const pick = (scale: number, edges: boolean): bigint => {
    const r = rnd();
    if (r < 0.05) return NULL;
    if (edges && r < 0.1) return 2n ** 52n + 1n; // beyond the double path
    if (edges && r < 0.12) return -(2n ** 63n) + 1n; // the i64 limit: wraps
    return BigInt(Math.floor((rnd() - 0.5) * scale));
  };
  for (const scale of [100, 1e9, 2 ** 50]) {
    it(`i64 vector by an atom and by a vector, magnitudes up to ${scale}`, () => {
      const engine = new Engine();
      for (let round = 0; round < 30; round++) {
        const edges = round % 2 === 1;
        const len = 1 + Math.floor(rnd() * 40);
        const xs = Array.from({ length: len }, () => pick(scale, edges));
        const ns = Array.from({ length: len }, () => pick(1000, false));
        const n = ns[0];
        const byAtom = engine.evalSource(`(xbar [${xs.map(literal).join(" ")}] ${literal(n)})`);
        assert.equal(byAtom.error, undefined);
        assert.deepEqual(
          Array.from((byAtom.value as Vector).data as BigInt64Array),
          xs.map((x) => expected(x, n)),
          `xs ${xs} n ${n}`,
        );
        const byVector = engine.evalSource(
          `(xbar [${xs.map(literal).join(" ")}] [${ns.map(literal).join(" ")}])`,
        );
        assert.deepEqual(
          Array.from((byVector.value as Vector).data as BigInt64Array),
          xs.map((x, i) => expected(x, ns[i])),
          `xs ${xs} ns ${ns}`,
        );
      }
    });
  }

  it("an i32 column by an i32 bar stays i32, by an i64 bar becomes i64", () => {
    const engine = new Engine();
    const narrow = engine.evalSource("(xbar [-7i 7i 0Ni 13i] -2i)").value as Vector;
    assert.equal(narrow.type, 4);
    assert.deepEqual(Array.from(narrow.data as Int32Array), [-4, 6, -2147483648, 12]);
    const wide = engine.evalSource("(xbar [-7i 7i 0Ni 13i] 5)").value as Vector;
    assert.equal(wide.type, 5);
    assert.deepEqual(Array.from(wide.data as BigInt64Array), [-10n, 5n, NULL, 10n]);
  });

  it("an empty vector gives an empty vector of the result type", () => {
    const engine = new Engine();
    assert.equal((engine.evalSource("(xbar (take [1] 0) 5)").value as Vector).type, 5);
    assert.equal((engine.evalSource("(xbar (take [1] 0) 5.0)").value as Vector).type, 10);
  });

  it("a float bar floors x / n and multiplies back, NaN for nulls and a zero bar", () => {
    const engine = new Engine();
    const out = engine.evalSource("(xbar [17 -17 0Nl 5] [5.0 5.0 5.0 0.0])").value as Vector;
    const got = Array.from(out.data as Float64Array);
    assert.deepEqual(got.slice(0, 2), [15, -20]);
    assert.ok(Number.isNaN(got[2]) && Number.isNaN(got[3]));
  });
});
