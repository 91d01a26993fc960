/**
 * `timer` (worker/timers.ts): `(timer ms times fn)` calls `fn` periodically as a query of its
 * own against the shared database, `(timer id)` cancels. The engine's exact timer semantics
 * are known only from its source (rayforce-language.md marks it 📖), so the expected values
 * here follow from the behaviour we chose and document: a count of calls, or until cancelled;
 * the function takes nothing or the timestamp.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { freePort } from "./_helpers/net.ts";
import { until } from "./_helpers/until.ts";
import { withPool } from "./_helpers/pool.ts";

describe("timer", () => {
  it("calls a function the given number of times, on any worker, writing shared state", async () => {
    await withPool({ size: 2, permissions: { system: true } }, async (pool, q) => {
      await q("(set n 0)");
      const id = Number(await q("(timer 10 5 (fn [] (set n (+ n 1))))"));
      assert.ok(id >= 1);
      await until(async () => (await q("n")) === "5", "5 calls");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await q("n"), "5", "no call after the count");
      assert.equal(pool.stats().timers.running, 0);
      assert.ok(pool.stats().timers.calls >= 5);
    });
  });

  it("passes the timestamp to a one-argument function, and stops when cancelled", async () => {
    await withPool({ size: 2, permissions: { system: true } }, async (pool, q) => {
      await q("(set calls 0)");
      await q("(set id (timer 5 0 (fn [t] (set calls (+ calls 1)) (set stamp t))))");
      await until(async () => Number(await q("calls")) >= 3, "3 calls");
      assert.equal(await q("(type stamp)"), "timestamp");
      assert.equal(await q("(< (- (timestamp 'utc) stamp) 5000000000)"), "true", "within 5 s");
      assert.equal(pool.stats().timers.running, 1);
      assert.equal(await q("(timer id)"), "Null");
      assert.equal(pool.stats().timers.running, 0);
      // A call submitted before the cancel committed still completes; then nothing more.
      await new Promise((r) => setTimeout(r, 50));
      const stopped = await q("calls");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await q("calls"), stopped, "no call after cancelling");
    });
  });

  it("the README's example: a function inserting into a table by name adds rows on any worker", async () => {
    await withPool({ size: 2, permissions: { system: true } }, async (_pool, q) => {
      await q("(set trades [1 2 3])");
      await q("(set bars (table [ts n] (list (take (timestamp 'utc) 0) (take 0 0))))");
      await q("(timer 5 6 (fn [t] (insert 'bars (list t (count trades)))))");
      await until(async () => (await q("(count bars)")) === "6", "6 rows");
      assert.equal(await q("(sum (at bars 'n))"), "18");
    });
  });

  it("a timer started before an error in the same query runs, as writes before an error commit", async () => {
    // As with globals (written before an error, committed: the engine does the same).
    await withPool({ size: 1, permissions: { system: true } }, async (_pool, q) => {
      await q("(set k 0)");
      assert.match(await q("(do (timer 5 2 (fn [] (set k (+ k 1)))) (+ 1 'a))"), /Error: type/);
      await until(async () => (await q("k")) === "2", "2 calls");
    });
  });

  it("a failing function costs its calls only; refused arguments; none run after close", async () => {
    const closed = await withPool({ size: 2, permissions: { system: true } }, async (pool, q) => {
      await q("(timer 5 3 (fn [] (+ 1 'a)))");
      await until(() => pool.stats().timers.calls >= 3, "3 failing calls");
      assert.equal(await q("(+ 1 2)"), "3", "the pool goes on");
      assert.match(await q("(timer 0 1 (fn [] 1))"), /at least 1 ms/);
      assert.match(await q("(timer 10 -1 (fn [] 1))"), /count must be 0/);
      assert.match(await q("(timer 10 1 (fn [a b] 1))"), /0 or 1 argument/);
      assert.match(await q("(timer 10 1 5)"), /Error: type/);
      await q("(timer 5 0 (fn [] 1))");
      assert.equal(pool.stats().timers.running, 1);
    });
    assert.equal(closed.stats().timers.running, 0, "close stops every timer");
  });

  it("works through the server with --allow-system: one client starts it, another reads", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 2, permissions: { system: true } });
    await server.start();
    await using a = await new WSClient("127.0.0.1", port).connect();
    await using b = await new WSClient("127.0.0.1", port).connect();
    await a.execute("(set ticks 0)");
    await a.execute("(timer 5 4 (fn [] (set ticks (+ ticks 1))))");
    await until(async () => (await b.execute("ticks")) === 4n, "4 ticks seen by another client");
  });
});
