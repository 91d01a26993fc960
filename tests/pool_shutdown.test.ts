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
      // The hang this test was written for never returns (the test's own time-out catches it);
      // the bound here is loose on purpose: on a loaded 2-core machine (CI runs both runtimes
      // back to back) a close that is correct took 3.7 s once, where 1 s is usual.
      assert.ok(took < timeoutMs * 15, `close took ${Math.round(took)} ms`);
    },
  );
});
