/**
 * The stable grades by counting and by radix (engine/grade.ts) are the permutation a stable
 * comparator sort gives: checked on random keys of small and wide integer ranges, floats
 * with −0, ±∞ and ties, up and down; and `iasc`/`asc` of symbols order them by text, the
 * null first.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gradeKeys } from "../engine/grade.ts";
import { Engine } from "../engine/mod.ts";
import { prng } from "./_helpers/random.ts";

function reference(keys: Float64Array, desc: boolean): number[] {
  const idx = Array.from(keys, (_, i) => i);
  return idx.sort((i, j) => (desc ? keys[j] - keys[i] : keys[i] - keys[j]) || i - j);
}

describe("stable grades", () => {
  const rnd = prng(21);
  const kinds: Record<string, () => number> = {
    "small integers": () => Math.floor(rnd() * 20) - 10,
    "wide integers": () => Math.floor((rnd() - 0.5) * 2 ** 50),
    floats: () => {
      const r = rnd();
      if (r < 0.05) return -0;
      if (r < 0.1) return 0;
      if (r < 0.13) return -Infinity;
      if (r < 0.15) return Infinity;
      return Math.round((rnd() - 0.5) * 1e4) / 8;
    },
  };
  for (const [kind, pick] of Object.entries(kinds)) {
    it(kind, () => {
      for (let round = 0; round < 40; round++) {
        const keys = Float64Array.from({ length: Math.floor(rnd() * 300) }, pick);
        for (const desc of [false, true]) {
          assert.deepEqual(Array.from(gradeKeys(keys, desc)), reference(keys, desc));
        }
      }
    });
  }

  it("symbols sort by text, the null first, ties in position order", () => {
    const e = new Engine();
    const grade = e.evalSource("(iasc [zeta alpha 0Ns mid alpha zeta])");
    assert.equal(e.display(grade.value), "[2 1 4 3 0 5]");
    const down = e.evalSource("(idesc [zeta alpha 0Ns mid alpha zeta])");
    assert.equal(e.display(down.value), "[0 5 3 1 4 2]");
  });
});
