/**
 * `in` and `find` on integer-like vectors (engine/integer_index.ts: by number, no key per
 * element) answer what matching element keys does: checked against a reference on random
 * vectors of each width, with nulls, narrow and wide value ranges (the direct table and
 * the hash), and 64-bit values beyond 2^53 (where the exact path must take over).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../engine/mod.ts";
import { STANDARD_BUILTINS as BUILTINS } from "../engine/library.ts";
import type { RayObject, Vector } from "../ipc/mod.ts";
import { prng } from "./_helpers/random.ts";

const engine = new Engine();
const call = (name: string, x: RayObject, y: RayObject) =>
  BUILTINS.get(name)!.fn(engine, [x, y]) as Vector;

const NULLS: Record<number, number | bigint> = {
  3: -32768,
  4: -2147483648,
  5: -(2n ** 63n),
  7: -2147483648,
};
const ARRAYS: Record<number, (n: number) => Vector["data"]> = {
  2: (n) => new Uint8Array(n),
  3: (n) => new Int16Array(n),
  4: (n) => new Int32Array(n),
  5: (n) => new BigInt64Array(n),
  7: (n) => new Int32Array(n),
};

describe("in and find by number", () => {
  const rnd = prng(5);
  /** A random vector of type t; `wide` spreads values beyond the direct table's range. */
  function vector(t: number, n: number, wide: boolean, huge: boolean): Vector {
    const data = ARRAYS[t](n);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      let v: number | bigint = Math.floor(rnd() * (t === 2 ? 200 : wide ? 1e9 : 50)) -
        (t === 2 ? 0 : 10);
      if (r < 0.08 && t in NULLS) v = NULLS[t];
      if (t === 5) v = huge && r > 0.95 ? 2n ** 60n + BigInt(i % 3) : BigInt(v);
      (data as unknown as (number | bigint)[])[i] = v;
    }
    return { type: t, data } as Vector;
  }
  const values = (v: Vector) => Array.from(v.data as ArrayLike<number | bigint>);
  /** Keys as matching element keys sees them: a number, or a BigInt for i64. */
  const wholeKey = (x: number | bigint) => String(x);

  const pairs: [number, number][] = [[5, 5], [4, 4], [3, 3], [2, 2], [7, 7], [4, 5], [5, 3], [
    2,
    4,
  ], [3, 4]];
  for (const [tx, ty] of pairs) {
    it(`in: ${tx} against ${ty}`, () => {
      for (let round = 0; round < 20; round++) {
        const x = vector(tx, 1 + Math.floor(rnd() * 60), round % 3 === 1, round % 4 === 3);
        const y = vector(ty, 1 + Math.floor(rnd() * 30), round % 3 === 1, round % 4 === 3);
        // Same type: by value; different whole-number widths: by value too, nulls by value
        // (a U8 x too; against a U8 y only U8 matches, and no pair here has one).
        const set = new Set(values(y).map(wholeKey));
        const expected = values(x).map((v) => (set.has(wholeKey(v)) ? 1 : 0));
        assert.deepEqual(Array.from(call("in", x, y).data as Uint8Array), expected);
      }
    });
  }
  for (const [tx, ty] of pairs) {
    it(`find: ${ty} in ${tx}`, () => {
      for (let round = 0; round < 20; round++) {
        const x = vector(tx, 1 + Math.floor(rnd() * 40), round % 3 === 1, round % 4 === 3);
        const y = vector(ty, 1 + Math.floor(rnd() * 60), round % 3 === 1, round % 4 === 3);
        if (tx !== ty) {
          assert.throws(() => call("find", x, y), /expected/); // as the engine: a type error
          continue;
        }
        const xs = values(x);
        const expected = values(y).map((v) => {
          const p = xs.findIndex((u) => u === v);
          return p < 0 ? -(2n ** 63n) : BigInt(p);
        });
        assert.deepEqual(Array.from(call("find", x, y).data as BigInt64Array), expected);
      }
    });
  }
});
