/**
 * Resource limits over real sockets: each refuses work with a clear `limit` error (or an
 * HTTP 503) and the server goes on serving.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RayforceLimitError, RayforceWSError } from "../ipc/mod.ts";
import { WSServer, type WSServerOptions } from "../server.ts";
import { WSClient } from "../client.ts";
import { freePort, RawSocket } from "./_helpers/net.ts";
import { Engine } from "../engine/engine.ts";

async function server(options: WSServerOptions) {
  const port = await freePort();
  const s = new WSServer({ port, workers: 1, ...options });
  await s.start();
  return { s, port, client: () => new WSClient("127.0.0.1", port).connect() };
}

describe("limits", () => {
  it("concat and raze hold what they build to maxVectorBytes", () => {
    const engine = new Engine();
    engine.maxVectorBytes = 1 << 20;
    const run = (q: string) => engine.render(engine.evalSource(q));
    run("(set g (fn [a n] (if (> n 0) (g (concat a a) (- n 1)) a)))");
    assert.match(run("(count (g [1] 40))"), /exceeds the limit of 1048576 bytes/);
    assert.equal(run("(count (g [1] 10))"), "1024");
    assert.match(run("(count (g (list 1 'a) 40))"), /exceeds the limit of 1048576 bytes/);
    run("(set v (til 100000))");
    assert.match(run("(count (raze (list v v)))"), /exceeds the limit of 1048576 bytes/);
    assert.match(run("(count (raze (list v (list 1 'a) v)))"), /exceeds the limit/);
    assert.equal(run("(count (raze (list (til 1000) (til 1000) 5)))"), "2001");
  });

  it("a 10 GB result is a limit error, not an out-of-memory crash", async () => {
    const { s, client } = await server({ maxResultBytes: 1024 * 1024 });
    await using conn = await client();
    await assert.rejects(
      () => conn.execute("(til 1250000000)"),
      (e) => e instanceof RayforceLimitError && /exceeds the limit/.test(e.message),
    );
    await assert.rejects(() => conn.execute("(take 1 1250000000)"), RayforceLimitError);
    await assert.rejects(
      () => conn.execute("(til 200000)"), // 1.6 MB encoded, over the 1 MiB result limit
      (e) =>
        e instanceof RayforceLimitError &&
        /result of \d+ bytes exceeds the limit of 1048576/.test(e.message),
    );
    assert.equal(await conn.execute("(sum (til 200000))"), 19999900000n); // computing with it is fine
    await s.stop();
  });

  it("max connections: the next upgrade is refused with 503", async () => {
    const { s, port, client } = await server({ maxConnections: 2 });
    const a = await client();
    const b = await client();
    await assert.rejects(() => new WSClient("127.0.0.1", port).connect(), RayforceWSError);
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: {
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    assert.equal(res.status, 503);
    await res.body?.cancel();
    a.close();
    await new Promise((r) => setTimeout(r, 100));
    const c = await client();
    assert.equal(await c.execute("1"), 1n);
    b.close();
    c.close();
    await s.stop();
  });

  it("connections that never handshake cannot lock real clients out", async () => {
    const { s, port, client } = await server({ maxConnections: 3, handshakeTimeoutMs: 60_000 });
    const silent = Array.from({ length: 3 }, () => new RawSocket(`ws://127.0.0.1:${port}/`));
    await Promise.all(silent.map((r) => r.opened));
    await using conn = await client(); // the oldest silent one makes room
    assert.equal(await conn.execute("(+ 1 2)"), 3n);
    const first = await silent[0].closed;
    assert.deepEqual([first.code, /handshake/.test(first.reason)], [1013, true]);
    await using again = await client();
    assert.equal(await again.execute("7"), 7n);
    await using third = await client(); // the last silent one goes
    assert.equal(await third.execute("8"), 8n);
    assert.equal((await silent[2].closed).code, 1013);
    // Handshaken clients are never evicted: with the server full of them, the next gets 503.
    await assert.rejects(() => new WSClient("127.0.0.1", port).connect(), RayforceWSError);
    silent.forEach((r) => r.close());
    await s.stop();
  });

  it("queries in flight per connection beyond the limit are answered 'server busy'", async () => {
    const { s, client } = await server({ maxQueuedPerConnection: 2 });
    await using conn = await client();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => conn.execute("(sum (til 3000000))")),
    );
    const refused = results.filter((r) =>
      r.status === "rejected" && /in flight on this connection/.test(String(r.reason))
    );
    assert.ok(refused.length >= 4, `${refused.length} refused`);
    // Answers come in the order of the queries: the first two ran, the refusals waited.
    assert.deepEqual(results.slice(0, 2).map((r) => r.status), ["fulfilled", "fulfilled"]);
    assert.ok(s.stats().queries.refused >= 4);
    assert.equal(await conn.execute("(+ 1 1)"), 2n);
    await s.stop();
  });

  it("above the memory watermark queries run one at a time; /health says degraded", async () => {
    const { s, port, client } = await server({ memoryWatermarkBytes: 1 });
    await using conn = await client();
    // A lone query runs: the one that frees memory must get through.
    assert.equal(await conn.execute("(set big 0)"), 0n);
    const slow = "(count (map (fn [i] (sum (til 1000))) (til 20000)))";
    const answers = await Promise.allSettled(Array.from({ length: 4 }, () => conn.execute(slow)));
    assert.equal(
      answers[0].status,
      "fulfilled",
      String((answers[0] as PromiseRejectedResult).reason),
    );
    const refused = answers.filter((a) =>
      a.status === "rejected" && a.reason instanceof RayforceLimitError &&
      /above the watermark/.test(a.reason.message)
    );
    assert.equal(refused.length, 3);
    assert.equal(conn.closed, false);
    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
    assert.equal(health.status, "degraded");
    assert.ok(health.memory.rssBytes > health.memory.watermarkBytes);
    assert.ok(s.stats().memory.rssBytes > 1);
    await s.stop();
  });

  it("a query past the time limit is stopped; committed state and the server go on", async () => {
    const { s, client } = await server({ queryTimeoutMs: 300 });
    await using conn = await client();
    await conn.execute("(set kept 5)");
    await assert.rejects(
      () => conn.execute("(map (fn [i] (sum (til 10000000))) (til 100000000))"),
      (e) => e instanceof RayforceLimitError && /time limit of 300 ms/.test(e.message),
    );
    assert.equal(await conn.execute("kept"), 5n);
    await s.stop();
  });
});
