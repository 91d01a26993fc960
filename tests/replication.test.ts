/**
 * What is acknowledged is committed on every replica, and nothing else is. Committed values
 * reach every replica whole: a value nested deeper than the wire decoder's
 * default (64) reads alike on every worker, for ever; one deeper than the encoder can carry
 * is refused with an error instead of being acknowledged on one worker and missing on the
 * others; a write whose answer cannot be sent (over the result limit) commits, and says so.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withPool } from "./_helpers/pool.ts";

/** `depth` nested one-item lists around 0, built by a query. */
const nested = (name: string, depth: number) =>
  `(count (set ${name} (fold (fn [acc x] (list acc)) (til ${depth}))))`;

/** The answers of `source` from many sessions at once, so that every worker answers some. */
async function everywhere(q: (s: string, session?: string) => Promise<string>, source: string) {
  return new Set(
    await Promise.all(Array.from({ length: 24 }, (_, i) => q(source, `reader${i}`))),
  );
}

describe("commits reach every replica, or none", () => {
  it("a value 100 levels deep reads alike on every worker, again and again", async () => {
    await withPool({ size: 2, packMs: 0 }, async (_pool, q) => {
      assert.equal(await q(nested("d100", 100)), "1");
      // Rounds spread over a second: the second worker is ready within it.
      for (let round = 0; round < 10; round++) {
        assert.deepEqual(await everywhere(q, "(count d100)"), new Set(["1"]), `round ${round}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  });

  it("a value deeper than the encoder carries is an error and is on no worker", async () => {
    await withPool({ size: 2, packMs: 0 }, async (_pool, q) => {
      await new Promise((r) => setTimeout(r, 500)); // both workers ready
      const answer = await q(nested("d1100", 1100));
      assert.match(answer, /cannot commit 'd1100'.*nested deeper than 1024/s);
      const reads = await everywhere(q, "(count d1100)");
      assert.equal(reads.size, 1, [...reads].join(" | "));
      assert.match([...reads][0], /d1100/);
      assert.doesNotMatch([...reads][0], /^1$/);
    });
  });

  it("a write whose answer is too big to send commits, and the error says so", async () => {
    await withPool({ size: 2, packMs: 0, maxResultBytes: 1024 }, async (pool, q) => {
      const json = async (source: string) => {
        const r = await pool.run({ kind: "json", source }, "w");
        assert.equal(r.failed, true);
        return String(r.response);
      };
      const answer = await json("(set big (til 1000))");
      assert.match(answer, /exceeds the limit of 1024 bytes \(its writes were committed\)/);
      assert.deepEqual(await everywhere(q, "(count big)"), new Set(["1000"]));
      const read = await json("(til 1000)");
      assert.match(read, /exceeds the limit of 1024 bytes/);
      assert.doesNotMatch(read, /committed/, "a read-only query has no writes to mention");
    });
  });
});
