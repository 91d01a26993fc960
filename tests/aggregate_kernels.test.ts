/**
 * `med` by quickselect (engine/select_kth.ts), `dev` in doubles and `min`/`max` of i64 by
 * 32-bit words answer what the definitions say: checked against sorting and BigInt
 * comparison on random vectors with nulls, duplicates, sorted and reversed runs, values
 * beyond 2^53 and odd and even lengths.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { STANDARD_BUILTINS as BUILTINS } from "../engine/library.ts";
import { Engine } from "../engine/mod.ts";
import type { Atom, Vector } from "../ipc/mod.ts";
import { selectKth } from "../engine/select_kth.ts";
import { prng } from "./_helpers/random.ts";

const engine = new Engine();
const call = (name: string, v: Vector) => (BUILTINS.get(name)!.fn(engine, [v]) as Atom).value;
const NULL = -(2n ** 63n);

/** `med` as the engine reads it: all values sorted (nulls first), middle by non-null count. */
function medReference(xs: bigint[]): number {
  const sorted = xs.map(Number).sort((a, b) => a - b);
  const k = xs.filter((x) => x !== NULL).length;
  if (k === 0) return NaN;
  const m = k >> 1;
  return k % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

describe("aggregate kernels", () => {
  const rnd = prng(17);
  const column = (n: number, shape: number): bigint[] => {
    const xs = Array.from({ length: n }, () => {
      const r = rnd();
      if (r < 0.08) return NULL;
      if (r < 0.1) return 2n ** 60n + 7n;
      return BigInt(Math.floor((rnd() - 0.5) * (shape === 0 ? 10 : 1e9)));
    });
    if (shape === 2) xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (shape === 3) xs.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    return xs;
  };

  it("selectKth is the k-th of the sorted values, for every k", () => {
    for (let round = 0; round < 50; round++) {
      const xs = Float64Array.from(
        { length: 1 + Math.floor(rnd() * 60) },
        () => Math.floor(rnd() * (round % 2 ? 5 : 1000)),
      );
      const sorted = xs.slice().sort();
      for (let k = 0; k < xs.length; k++) assert.equal(selectKth(xs.slice(), k), sorted[k]);
    }
  });

  it("med, min, max and dev of i64 vectors", () => {
    for (let round = 0; round < 80; round++) {
      const xs = column(Math.floor(rnd() * 200), round % 4);
      const v: Vector = { type: 5, data: BigInt64Array.from(xs) };
      const med = call("med", v) as number;
      const want = medReference(xs);
      assert.ok(Object.is(med, want) || med === want, `med ${xs}: ${med} vs ${want}`);
      const live = xs.filter((x) => x !== NULL);
      const min = live.reduce((a, b) => (b < a ? b : a), live[0] ?? NULL);
      const max = live.reduce((a, b) => (b > a ? b : a), live[0] ?? NULL);
      assert.equal(call("min", v), min);
      assert.equal(call("max", v), max);
      const nums = live.map(Number);
      const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
      const dev = Math.sqrt(nums.reduce((s, y) => s + (y - mean) * (y - mean), 0) / nums.length);
      assert.ok(Object.is(call("dev", v), dev), `dev ${xs}`);
    }
  });
});
