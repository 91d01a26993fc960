/**
 * Closing the pool always ends: queries queued behind stuck ones are still answered (the
 * workers stopped at the time limit are replaced while closing), and whatever is left when
 * one time limit has passed since `close()` is answered with an error. The bound: `close()`
 * returns within about one query time limit.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WorkerPool } from "../worker/pool.ts";

const forever = "(map (fn [i] (sum (til 10000000))) (til 100000000))";

describe("pool shutdown", () => {
  it(
    "with stuck queries queued, close() answers every task and ends",
    { timeout: 30_000 },
    async () => {
      const timeoutMs = 600;
      const pool = new WorkerPool({ size: 2, timeoutMs });
      const stuck = Array.from(
        { length: 6 },
        (_, i) => pool.run({ kind: "text", source: forever }, `stuck${i}`),
      );
      const quick = pool.run({ kind: "text", source: "(+ 1 2)" }, "quick");
      await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      await pool.close();
      const took = performance.now() - started;
      const answers = await Promise.all([...stuck, quick]);
      for (const a of answers.slice(0, 6)) {
        assert.equal(a.failed, true);
        assert.match(a.response as string, /time limit|shut/);
      }
      assert.equal(answers.length, 7);
      // Generous against a loaded machine, far below the 6 × 600 / 2 ms of a sequential drain
      // plus the hang this test was written for.
      assert.ok(took < timeoutMs * 4, `close took ${Math.round(took)} ms`);
    },
  );
});
