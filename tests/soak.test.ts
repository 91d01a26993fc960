/**
 * Soak: 200 connections for a bounded time (RF_SOAK_SECONDS, default 10; CI stays under
 * 60 s) mixing writes, reads, broadcasts and reconnects. At the end: no lost writes, no
 * leaked connections or workers, resident memory back near its start.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { WSServer } from "../server.ts";
import { EventClient, WSClient } from "../client.ts";
import { freePort } from "./_helpers/net.ts";

const SECONDS = Math.min(55, Number(process.env.RF_SOAK_SECONDS ?? 10));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("soak", () => {
  it(`200 connections for ${SECONDS} s: writes, reads, broadcasts, reconnects`, {
    timeout: (SECONDS + 50) * 1000,
  }, async () => {
    const port = await freePort();
    const server = new WSServer({ port, workers: 2, logLevel: "silent" });
    await server.start();
    const url = `ws://127.0.0.1:${port}`;
    {
      await using setup = await new WSClient("127.0.0.1", port).connect();
      await setup.execute("(set c 0)");
      await setup.execute("(set t (table [k v] (list (til 1000) (til 1000))))");
    }
    await sleep(200);
    const rssStart = process.memoryUsage().rss;
    const deadline = Date.now() + SECONDS * 1000;
    let increments = 0,
      reads = 0,
      broadcastsSent = 0,
      broadcastsSeen = 0,
      reconnects = 0,
      textAnswers = 0;
    const errors: string[] = [];

    const writers = Array.from({ length: 100 }, async () => {
      const conn = await new WSClient("127.0.0.1", port).connect();
      while (Date.now() < deadline) {
        await conn.execute("(set c (+ c 1))");
        increments++;
        if (increments % 7 === 0) {
          await conn.execute("(select {s: (sum v) from: t where: (> k 500)})");
          reads++;
        }
      }
      conn.close();
    });
    const broadcasters = Array.from({ length: 40 }, async () => {
      const ev = new EventClient(`${url}/events`, { heartbeatMs: 0 });
      ev.on("soak", () => broadcastsSeen++);
      await ev.connect();
      while (Date.now() < deadline) {
        ev.send("soak", { n: broadcastsSent++ }, { to: "all" });
        await sleep(50);
      }
      await sleep(100);
      ev.close();
    });
    const reconnectors = Array.from({ length: 40 }, async () => {
      while (Date.now() < deadline) {
        const conn = await new WSClient("127.0.0.1", port).connect();
        assert.equal(await conn.execute("(+ 1 2)"), 3n);
        conn.close();
        reconnects++;
      }
    });
    const texts = Array.from({ length: 20 }, async () => {
      const ws = new WebSocket(url);
      await new Promise((r) => (ws.onopen = r));
      while (Date.now() < deadline) {
        const answer = await new Promise<string>((resolve) => {
          ws.onmessage = (e) => resolve(String(e.data));
          ws.send("(count t)");
        });
        if (answer !== "1000") errors.push(answer);
        textAnswers++;
      }
      ws.close();
    });
    await Promise.all([...writers, ...broadcasters, ...reconnectors, ...texts]);

    {
      await using check = await new WSClient("127.0.0.1", port).connect();
      assert.equal(await check.execute("c"), BigInt(increments), "no lost writes");
    }
    assert.deepEqual(errors, []);
    for (let i = 0; i < 100 && server.stats().connections.current > 0; i++) await sleep(50);
    const s = server.stats();
    assert.equal(s.connections.current, 0, "no leaked connections");
    const pool = s.pool as {
      workers: number;
      restarts: number;
      timedOut: number;
      running: number;
      queued: number;
    };
    assert.equal(pool.restarts, 0);
    assert.equal(pool.timedOut, 0);
    assert.equal(pool.running + pool.queued, 0);
    assert.ok(
      broadcastsSeen >= broadcastsSent * 30,
      `${broadcastsSeen} of ${broadcastsSent * 40} broadcasts seen`,
    );
    await sleep(500);
    const rssEnd = process.memoryUsage().rss;
    console.log(
      `soak ${SECONDS} s: ${increments} writes, ${reads} selects, ${reconnects} reconnects, ${textAnswers} text queries, ` +
        `${broadcastsSent} broadcasts (${broadcastsSeen} deliveries), rss ${
          (rssStart / 1e6).toFixed(0)
        } → ${(rssEnd / 1e6).toFixed(0)} MB`,
    );
    assert.ok(rssEnd < rssStart * 1.5 + 150e6, `memory grew from ${rssStart} to ${rssEnd}`);
    assert.equal(pool.workers, 2, "no leaked or lost workers");
    await server.stop();
  });
});
