/**
 * A runaway query (issue 20, item 1) is stopped from inside its worker: past its time limit
 * its thread stops (on Deno, terminating the worker alone left it spinning and allocating
 * until V8 aborted the process), and past its memory budget it answers a `limit` error
 * that `try` cannot catch. Either way the server goes on serving.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { Engine, POLL_CALLS } from "../engine/engine.ts";
import { RayforceLimitError } from "../ipc/mod.ts";
import { Progress } from "../worker/progress.ts";
import { QueryGuard } from "../worker/query_guard.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { freePort } from "./_helpers/net.ts";

/** The share of one core the process used over the next `ms`. */
async function cpuShare(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (performance.now() - t0);
}

const FORK = "(set f (fn [n] (if (> n 0) (do (f (- n 1)) (f (- n 1))) 0)))";

describe("runaway queries", () => {
  it("the engine polls its host while a query runs, and a stop unwinds it past try", () => {
    const engine = new Engine();
    engine.evalSource(FORK);
    let polls = 0;
    const progress = new Progress();
    const guard = new QueryGuard(progress, 1024 ** 4);
    engine.poll = () => {
      if (++polls === 50) progress.stop();
      guard.poll();
    };
    guard.start();
    const outcome = engine.evalSource("(try (f 60) (fn [e] 'caught))");
    assert.equal(polls, 50);
    assert.match(outcome.error?.message ?? "", /query stopped: it exceeded its time limit/);
    assert.equal(engine.frames.length, 0);
    engine.poll = undefined;
    assert.equal(engine.display(engine.evalSource("(f 3)").value), "0");
    assert.ok(POLL_CALLS <= 4096, "often enough to stop within milliseconds");
  });

  it("past its time limit a query's thread stops: CPU is back to idle within a second", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1, queryTimeoutMs: 300 });
    await server.start();
    await using conn = await new WSClient("127.0.0.1", port).connect();
    await conn.execute(FORK);
    // What the process uses without the query (other tests' threads, the runtime): the
    // runaway thread is what comes on top of it.
    const baseline = await cpuShare(600);
    await assert.rejects(
      () => conn.execute("(f 40)"),
      (e) => e instanceof RayforceLimitError && /time limit of 300 ms/.test(e.message),
    );
    await new Promise((r) => setTimeout(r, 200));
    const share = await cpuShare(800);
    // A thread still running (f 40) holds a whole core: 1.0 more than the baseline.
    assert.ok(
      share - baseline < 0.5,
      `the process used ${Math.round(share * 100)}% of a core after the limit, ${
        Math.round(baseline * 100)
      }% before the query`,
    );
    assert.equal(await conn.execute("(+ 1 2)"), 3n);
  });

  it("past its memory budget a query answers a limit error that try cannot catch; the worker stays", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1, maxQueryMemoryBytes: 64e6 });
    await server.start();
    await using conn = await new WSClient("127.0.0.1", port).connect();
    await conn.execute("(set kept 5)");
    const hog = "(count (map (fn [x] (list x x)) (til 6000000)))";
    for (const q of [hog, `(try ${hog} (fn [e] 0))`]) {
      await assert.rejects(
        () => conn.execute(q),
        (e) =>
          e instanceof RayforceLimitError &&
          /exceeded its memory budget of 64000000 bytes/.test(e.message),
      );
    }
    const pool = server.stats().pool as { restarts: number };
    assert.equal(pool.restarts, 0, "stopped from inside, not by replacing the worker");
    assert.equal(await conn.execute("kept"), 5n);
    assert.equal(await conn.execute("(count (map (fn [x] (list x x)) (til 100000)))"), 100000n);
  });
});
