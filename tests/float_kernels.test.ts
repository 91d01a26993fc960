/**
 * The f64 `+ - * div / %` loops (engine/arith_fast.ts) answer what the engine does, bit for
 * bit: checked on random vectors with zeros of both signs, NaN and infinities, against the
 * formulas of the general path (a zero divisor is NaN; `/` floors; `%` is
 * `x - y * floor(x / y)`; a vector divided by an atom is multiplied by the reciprocal).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { arith } from "../engine/arith.ts";
import type { Atom, Vector } from "../ipc/mod.ts";
import { prng } from "./_helpers/random.ts";

const vec = (xs: number[]): Vector => ({ type: 10, data: Float64Array.from(xs) });
const at = (x: number): Atom => ({ type: -10, value: x } as Atom);
const bits = (xs: ArrayLike<number>) => Array.from(new Uint32Array(Float64Array.from(xs).buffer));

function expected(op: string, x: number, y: number, byAtom: boolean): number {
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "div":
      return y === 0 ? NaN : byAtom ? x * (1 / y) : x / y;
    case "/":
      return y === 0 ? NaN : Math.floor(x / y);
  }
  return y === 0 ? NaN : x - y * Math.floor(x / y);
}

describe("f64 arithmetic loops", () => {
  const rnd = prng(9);
  const pick = () => {
    const r = rnd();
    if (r < 0.05) return NaN;
    if (r < 0.1) return 0;
    if (r < 0.13) return -0;
    if (r < 0.15) return Infinity;
    return (rnd() - 0.5) * 1e6;
  };
  it("vector op vector, vector op atom, atom op vector", () => {
    for (let round = 0; round < 60; round++) {
      const n = Math.floor(rnd() * 40);
      const xs = Array.from({ length: n }, pick), ys = Array.from({ length: n }, pick);
      const k = pick();
      for (const op of ["+", "-", "*", "div", "/", "%"] as const) {
        const vv = (arith(op, vec(xs), vec(ys)) as Vector).data as Float64Array;
        assert.deepEqual(bits(vv), bits(xs.map((x, i) => expected(op, x, ys[i], false))), op);
        const va = (arith(op, vec(xs), at(k)) as Vector).data as Float64Array;
        assert.deepEqual(bits(va), bits(xs.map((x) => expected(op, x, k, true))), `${op} ${k}`);
        const av = (arith(op, at(k), vec(xs)) as Vector).data as Float64Array;
        assert.deepEqual(bits(av), bits(xs.map((x) => expected(op, k, x, false))), `${op} ${k}`);
      }
    }
  });
});
