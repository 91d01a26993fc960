/**
 * i64 comparisons (engine/int64.ts `compareI64`, with its 32-bit pass for an atom) answer
 * what signed 64-bit comparison does, the null first: checked against BigInt for every
 * operator, the atom on either side, columns of 32-bit values (with their extremes), with
 * nulls, and with a value beyond 32 bits (first, last, or nowhere), atoms at the 32-bit
 * limits and just past them, and the null atom.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compare } from "../engine/compare.ts";
import { Engine } from "../engine/engine.ts";
import type { Atom, Vector } from "../ipc/mod.ts";
import { prng } from "./_helpers/random.ts";

const NULL = -(2n ** 63n);
const vec = (xs: bigint[]): Vector => ({ type: 5, data: BigInt64Array.from(xs) });
const at = (x: bigint): Atom => ({ type: -5, value: x } as Atom);
const OPS = ["==", "!=", "<", ">", "<=", ">="] as const;

function expected(op: typeof OPS[number], x: bigint, y: bigint): number {
  // The null is the smallest i64, so plain signed comparison orders it first.
  const r = op === "=="
    ? x === y
    : op === "!="
    ? x !== y
    : op === "<"
    ? x < y
    : op === ">"
    ? x > y
    : op === "<="
    ? x <= y
    : x >= y;
  return r ? 1 : 0;
}

describe("i64 comparisons", () => {
  const rnd = prng(21);
  const e = new Engine();
  const edges = [2n ** 31n - 1n, -(2n ** 31n), -(2n ** 31n) + 1n, 0n, -1n, 1n];
  const value = () =>
    rnd() < 0.15
      ? edges[Math.floor(rnd() * edges.length)]
      : BigInt(Math.floor((rnd() - 0.5) * 2 ** 32));
  const atoms = [...edges, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 40n, NULL, 5n];

  for (const shape of ["32-bit", "with nulls", "a wide value first", "a wide value last"]) {
    it(`${shape}: every operator, the atom on either side`, () => {
      for (let round = 0; round < 30; round++) {
        const n = 1 + Math.floor(rnd() * 70);
        const xs = Array.from({ length: n }, value);
        if (shape === "with nulls") xs[Math.floor(rnd() * n)] = NULL;
        if (shape === "a wide value first") xs[0] = -(2n ** 45n);
        if (shape === "a wide value last") xs[n - 1] = 2n ** 33n + 5n;
        // Atoms that are column values too, so that == finds some.
        for (const k of [...atoms, xs[Math.floor(rnd() * n)]]) {
          for (const op of OPS) {
            const va = (compare(e, op, vec(xs), at(k)) as Vector).data as Uint8Array;
            assert.deepEqual([...va], xs.map((x) => expected(op, x, k)), `${op} va ${k}`);
            const av = (compare(e, op, at(k), vec(xs)) as Vector).data as Uint8Array;
            assert.deepEqual([...av], xs.map((x) => expected(op, k, x)), `${op} av ${k}`);
          }
        }
        const ys = Array.from({ length: n }, value);
        for (const op of OPS) {
          const vv = (compare(e, op, vec(xs), vec(ys)) as Vector).data as Uint8Array;
          assert.deepEqual([...vv], xs.map((x, i) => expected(op, x, ys[i])), `${op} vv`);
        }
      }
    });
  }
});
