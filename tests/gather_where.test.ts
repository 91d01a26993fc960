/**
 * The positional kernels that the `where:` of a query runs on every column: `where` (and the
 * rows a `where:` keeps, `maskPositions32`) written without a branch on the mask, and `gather`,
 * one loop per element width. Checked against plain loops on masks of every density (none
 * set, all set, set bytes only at the start or the end, bytes other than 1) and on every
 * vector type, with positions out of range and index arrays that are not `Int32Array`s.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { maskPositions32 } from "../engine/mask_positions.ts";
import { gather } from "../engine/gather.ts";
import { Engine } from "../engine/mod.ts";
import { type Vector, vectorLength } from "../ipc/mod.ts";
import { nullValue, vectorItem } from "../engine/values.ts";
import { prng } from "./_helpers/random.ts";

function masks(): [string, Uint8Array][] {
  const rnd = prng(5);
  const random = (n: number, p: number) =>
    Uint8Array.from({ length: n }, () => (rnd() < p ? 1 : 0));
  const tail = new Uint8Array(100);
  tail[99] = 1;
  const head = new Uint8Array(100);
  head[0] = 1;
  return [
    ["empty", new Uint8Array(0)],
    ["none set", new Uint8Array(77)],
    ["all set", new Uint8Array(77).fill(1)],
    ["only the last", tail],
    ["only the first (a long unset tail)", head],
    ["half, at random", random(1000, 0.5)],
    ["a few, at random", random(1000, 0.03)],
    [
      "bytes other than 1 count as set",
      Uint8Array.from(random(300, 0.5), (b, i) => b * (1 + (i % 255))),
    ],
  ];
}

const setPositions = (mask: Uint8Array) => [...mask.keys()].filter((i) => mask[i] !== 0);

describe("positions of a mask without a branch", () => {
  const engine = new Engine();
  for (const [name, mask] of masks()) {
    it(name, () => {
      assert.deepEqual([...maskPositions32(mask)], setPositions(mask));
      engine.setGlobal(engine.intern("m"), { type: 1, data: mask });
      const out = engine.evalSource("(where m)");
      if (out.error) throw out.error;
      assert.deepEqual([...(out.value as Vector<5>).data].map(Number), setPositions(mask));
    });
  }
});

describe("gather, one loop per width", () => {
  const rnd = prng(9);
  const vectors: Vector[] = [
    { type: 1, data: Uint8Array.of(1, 0, 1, 1) },
    { type: 2, data: Uint8Array.of(7, 8, 9, 250) },
    { type: 3, data: Int16Array.of(-5, 300, -32768, 12) },
    { type: 4, data: Int32Array.of(-1, 2 ** 31 - 1, 6, 9) },
    { type: 5, data: BigInt64Array.of(-(2n ** 63n), 2n ** 62n + 3n, -7n, 1n) },
    { type: 6, data: Int32Array.of(3, 1, 2, 5) },
    { type: 7, data: Int32Array.of(100, -100, 0, 3) },
    { type: 8, data: Int32Array.of(1000, 2000, 3000, 4000) },
    { type: 9, data: BigInt64Array.of(10n ** 18n, 1n, 0n, -1n) },
    { type: 10, data: Float64Array.of(1.5, NaN, -0, 3e300) },
    { type: 12, data: Uint8Array.of(97, 98, 99, 100) },
  ];
  const indexes: [string, ArrayLike<number>][] = [
    ["an Int32Array with positions out of range", Int32Array.of(3, 0, -1, 4, 2, 2, 1000)],
    ["a plain array with positions that are not 32-bit integers", [1, 2 ** 32, 1.5, 3, -0]],
    ["random positions", Int32Array.from({ length: 50 }, () => Math.floor(rnd() * 6) - 1)],
  ];
  for (const v of vectors) {
    for (const [name, idx] of indexes) {
      it(`type ${v.type}, ${name}`, () => {
        const got = gather(v, idx);
        assert.equal(got.type, v.type);
        assert.equal(vectorLength(got), idx.length);
        const n = vectorLength(v);
        for (let i = 0; i < idx.length; i++) {
          const j = idx[i];
          const want = Number.isInteger(j) && j >= 0 && j < n
            ? vectorItem(v, j).value
            : nullValue(v.type);
          assert.ok(
            Object.is(vectorItem(got, i).value, want),
            `at ${i}: ${vectorItem(got, i).value} ≠ ${want}`,
          );
        }
      });
    }
  }
});
