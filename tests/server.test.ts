/**
 * WSServer and WSClient over real sockets on 127.0.0.1: the rayforce-py WebSocket
 * scenarios, the raw protocol bytes, text mode, tokens, limits and statistics.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decodeMessage,
  encodeHeader,
  encodeMessage,
  MsgType,
  RayforceOptionError,
  RayforceTypeError,
  RayforceUserError,
  RayforceValueError,
  RayforceWSError,
  RFWS_FLAG,
  str,
} from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { toHex } from "./_helpers/corpus.ts";
import { freePort, RawSocket } from "./_helpers/net.ts";
import { runtime, startServer } from "./_helpers/runtime.ts";

describe("WSServer lifecycle", () => {
  it("validates the port and names itself", () => {
    for (const bad of [0, -1, 65536, 1.5, Number.NaN]) {
      assert.throws(() => new WSServer(bad), RayforceOptionError, String(bad));
    }
    assert.equal(String(new WSServer(8765)), "WSServer(port=8765)");
    assert.equal(String(new WSServer({ port: 9000, host: "0.0.0.0" })), "WSServer(port=9000)");
    assert.equal(String(new WSClient("localhost", 8765)), "WSClient(ws://localhost:8765)");
    assert.equal(String(new WSClient({ host: "h", port: 1 })), "WSClient(ws://h:1)");
    assert.equal(String(new WSClient("ws://example:9/x")), "WSClient(ws://example:9/x)");
    assert.equal(String(new WSClient("example:9")), "WSClient(ws://example:9)");
    assert.equal(String(new WSClient("[::1]:9")), "WSClient(ws://[::1]:9)");
    assert.equal(String(new WSClient("::1", 9)), "WSClient(ws://[::1]:9)");
  });

  it("start, stop, stop before start, and await using", async () => {
    const port = await freePort();
    const server = new WSServer({ port, workers: 1 });
    await assert.rejects(
      () => server.stop(),
      (e) => e instanceof RayforceWSError && e.message === "Server not started",
    );
    await server.start();
    assert.equal(server.running, true);
    const conn = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await conn.execute("(+ 1 2)"), 3n);
    await server.stop();
    assert.equal(server.running, false);
    {
      await using again = new WSServer({ port, workers: 1 });
      await again.start();
      await using c = await new WSClient("127.0.0.1", port).connect();
      assert.equal(await c.execute("2"), 2n);
    }
    // Disposed: the port is free again.
    const third = new WSServer({ port, workers: 1 });
    await third.start();
    await third.stop();
  });

  it(`serve (run) prints its banner, stops on SIGTERM and prints the goodbye (${runtime})`, async () => {
    const port = await freePort();
    const { child, stdout } = await startServer("cli.ts", [
      "serve",
      "--port",
      String(port),
      "--workers",
      "1",
    ]);
    const exited = new Promise<[number | null, string | null]>((r) =>
      child.on("close", (code, signal) => r([code, signal]))
    );
    assert.match(stdout(), new RegExp(`Rayforce WebSocket served on ws://127\\.0\\.0\\.1:${port}`));
    const conn = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await conn.execute("(* 6 7)"), 42n);
    conn.close();
    child.kill("SIGTERM");
    const [code, signal] = await exited;
    assert.match(stdout(), /Rayforce WebSocket Server stopped\./);
    // The child exits 0 (seen from Bun); Deno's node:child_process reports the signal it
    // sent instead of the exit code of a child it signalled.
    assert.ok(
      code === 0 || (runtime === "deno" && code === null && signal === "SIGTERM"),
      `${code} ${signal}`,
    );
  });
});

describe("WSServer protocols", () => {
  let server: WSServer;
  let url: string;
  let port: number;
  before(async () => {
    port = await freePort();
    server = new WSServer({ port, workers: 2, maxPayload: 4096, handshakeTimeoutMs: 500 });
    await server.start();
    url = `ws://127.0.0.1:${port}`;
  });
  after(async () => await server.stop());

  it("raw bytes: handshake 01 00 → 01, (+ 1 2) → the engine's response frame, async → nothing", async () => {
    const s = new RawSocket(url);
    await s.opened;
    s.send(Uint8Array.of(1, 0));
    assert.equal(toHex(await s.next() as Uint8Array), "01");
    s.send(encodeMessage(str("(+ 1 2)"), MsgType.SYNC));
    assert.equal(
      toHex(await s.next() as Uint8Array),
      "fadeface01000002" + "0900000000000000" + "fb0300000000000000",
    );
    s.send(encodeMessage(str("(set a 5)"), MsgType.ASYNC, { flags: RFWS_FLAG }));
    assert.equal(await s.silent(), true);
    s.send(encodeMessage(str("a"), MsgType.SYNC));
    assert.equal(
      toHex(await s.next() as Uint8Array),
      "fadeface01000002" + "0900000000000000" + "fb0500000000000000",
    );
    // Errors come back as error objects, with a message to a peer that sets RFWS_FLAG.
    s.send(encodeMessage(str("undefined_name"), MsgType.SYNC, { flags: RFWS_FLAG }));
    const { value } = decodeMessage(await s.next() as Uint8Array);
    assert.equal(value.type, 127);
    assert.match((value as { message: string }).message, /'undefined_name' not found/);
    s.close();
  });

  it("handshake with credentials, and a list message evaluated as an expression", async () => {
    const s = new RawSocket(url);
    await s.opened;
    s.send(new Uint8Array([...new TextEncoder().encode("user:pass"), 1, 0]));
    assert.equal(toHex(await s.next() as Uint8Array), "01");
    // (+ 1 2) as a LIST message: BINARY "+", 1, 2.
    const payload = Uint8Array.from([
      0,
      0,
      3,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x66,
      0x2b,
      0,
      0xfb,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0xfb,
      2,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    const frame = new Uint8Array(16 + payload.length);
    encodeHeader(MsgType.SYNC, payload.length, frame);
    frame.set(payload, 16);
    s.send(frame);
    assert.equal(toHex((await s.next() as Uint8Array).subarray(16)), "fb0300000000000000");
    s.close();
  });

  it("bad handshake, malformed frame and oversized frame close with 1002 / 1009; others are unaffected", async () => {
    const bystander = await new WSClient("127.0.0.1", port).connect();
    const bad = new RawSocket(url);
    await bad.opened;
    bad.send(Uint8Array.of(1, 2, 3));
    assert.equal((await bad.closed).code, 1002);

    const malformed = new RawSocket(url);
    await malformed.opened;
    malformed.send(Uint8Array.of(1, 0));
    await malformed.next();
    malformed.send(new Uint8Array(20).fill(7));
    const m = await malformed.closed;
    assert.equal(m.code, 1002);
    assert.match(m.reason, /malformed frame/);

    const big = new RawSocket(url);
    await big.opened;
    big.send(Uint8Array.of(1, 0));
    await big.next();
    big.send(encodeMessage(str("x".repeat(5000)), MsgType.SYNC));
    assert.equal((await big.closed).code, 1009);

    const silent = new RawSocket(url);
    await silent.opened;
    assert.equal((await silent.closed).code, 1002); // no handshake within 500 ms

    assert.equal(await bystander.execute("(+ 2 2)"), 4n);
    bystander.close();
    assert.ok(server.stats().errors >= 4);
  });

  it("text mode: each text frame is source, answered with the REPL display", async () => {
    const s = new RawSocket(url);
    await s.opened;
    s.send("(+ 1 2)");
    assert.equal(await s.next(), "3");
    s.send('(list 1 "a" \'b)');
    assert.equal(await s.next(), "(\n  1\n  a\n  b\n)");
    s.send("(+ 1 'a)");
    assert.match(await s.next() as string, /× Error: type\n {4}├─ expected i64, got symbol/);
    s.send("(* 6 7)");
    assert.equal(await s.next(), "42");
    s.close();
  });

  it("GET /health and /metrics", async () => {
    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
    assert.equal(health.status, "ok");
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^rfws_queries_ok_total \d+$/m);
    assert.match(metrics, /^# TYPE rfws_connections gauge$/m);
    const pool = server.stats().pool as { workers: number; tasks: number };
    assert.match(metrics, new RegExp(`^rfws_pool_workers ${pool.workers}$`, "m"));
    const tasks = Number(/^rfws_pool_tasks_total (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(tasks > 0 && tasks <= pool.tasks, `pool tasks in /metrics: ${tasks}`);
    assert.match(metrics, /^# TYPE rfws_pool_conflicts_total counter$/m);
    const s = server.stats();
    assert.ok(s.queries.ok > 0 && s.queries.failed > 0);
    assert.ok(s.latencyMs.p99 >= s.latencyMs.p50);
  });
});

describe("WSClient against WSServer (the rayforce-py scenarios)", () => {
  let server: WSServer;
  let port: number;
  before(async () => {
    port = await freePort();
    server = new WSServer({ port, workers: 2 });
    await server.start();
  });
  after(async () => await server.stop());

  it("queries on a table set up on the server: select, update, insert, upsert, joins", async () => {
    await using conn = await new WSClient("127.0.0.1", port).connect();
    await conn.execute(
      "(set t (table [sym price qty] (list [AAPL MSFT GOOG] [150.25 300.5 125.75] [10 20 30])))",
    );
    assert.deepEqual(await conn.execute("(select {from: t where: (> price 140)})"), {
      columns: { sym: ["AAPL", "MSFT"], price: [150.25, 300.5], qty: [10n, 20n] },
    });
    assert.deepEqual(await conn.execute("(select {s: (sum qty) from: t})"), {
      columns: { s: [60n] },
    });
    assert.equal(await conn.execute("(update {qty: 0 from: 't where: (== sym 'GOOG)})"), "t");
    assert.equal(await conn.execute("(insert 't (list 'IBM 99.5 5))"), "t");
    assert.equal(await conn.execute("(upsert 't 1 (list 'AAPL 151.0 11))"), "t");
    assert.deepEqual(await conn.execute("(at t 'qty)"), [11n, 20n, 0n, 5n]);
    await conn.execute(
      "(set sectors (table [sym sector] (list [AAPL MSFT IBM] [tech tech services])))",
    );
    assert.deepEqual(await conn.execute("(at (inner-join [sym] t sectors) 'sector)"), [
      "tech",
      "tech",
      "services",
    ]);
    assert.deepEqual(await conn.execute("(at (left-join [sym] t sectors) 'sector)"), [
      "tech",
      "tech",
      null,
      "services",
    ]);
  });

  it("several queries in flight resolve in order; many concurrent clients", async () => {
    await using conn = await new WSClient("127.0.0.1", port).connect();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => conn.execute(`(+ ${i} 0)`)),
    );
    assert.deepEqual(answers, Array.from({ length: 50 }, (_, i) => BigInt(i)));
    const clients = await Promise.all(
      Array.from({ length: 10 }, () => new WSClient("127.0.0.1", port).connect()),
    );
    const sums = await Promise.all(clients.map((c, i) => c.execute(`(sum (til ${i + 1}))`)));
    assert.deepEqual(sums, Array.from({ length: 10 }, (_, i) => BigInt((i * (i + 1)) / 2)));
    clients.forEach((c) => c.close());
  });

  it("a failed query rejects with its error class and leaves the connection usable", async () => {
    await using conn = await new WSClient("127.0.0.1", port).connect();
    await assert.rejects(() => conn.execute("(+ 1 'a)"), RayforceTypeError);
    await assert.rejects(
      () => conn.execute("nope"),
      (e) => e instanceof RayforceValueError && /'nope' not found/.test(e.message),
    );
    await assert.rejects(
      () => conn.execute('(raise "boom")'),
      (e) => e instanceof RayforceUserError && /boom/.test(e.message),
    );
    assert.equal(await conn.execute("(+ 1 1)"), 2n);
  });

  it("execute on a closed connection and a dead port reject with RayforceWSError", async () => {
    const conn = await new WSClient("127.0.0.1", port).connect();
    conn.close();
    assert.equal(conn.closed, true);
    await assert.rejects(() => conn.execute("1"), RayforceWSError);
    const dead = await freePort();
    await assert.rejects(
      () => new WSClient("127.0.0.1", dead, { timeoutMs: 2000 }).connect(),
      RayforceWSError,
    );
  });
});

describe("token", () => {
  it("is required from the handshake, ?token= or Authorization: Bearer", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1, token: "s3cret" });
    await server.start();
    await assert.rejects(
      () => new WSClient("127.0.0.1", port).connect(),
      (e) =>
        e instanceof RayforceWSError &&
        /1008: unauthorized: wrong or missing token/.test(e.message),
    );
    // A wrong token is reported as one (a close with its reason, not a failed upgrade).
    await assert.rejects(
      () => new WSClient("127.0.0.1", port, { token: "wrong" }).connect(),
      (e) => e instanceof RayforceWSError && /1008: unauthorized: wrong token/.test(e.message),
    );
    const wrongText = new RawSocket(`ws://127.0.0.1:${port}/?token=nope`);
    await wrongText.opened;
    assert.deepEqual(await wrongText.closed, { code: 1008, reason: "unauthorized: wrong token" });
    const events = new RawSocket(`ws://127.0.0.1:${port}/events`);
    await events.opened;
    assert.deepEqual(await events.closed, { code: 1008, reason: "unauthorized: token required" });
    await using ok = await new WSClient("127.0.0.1", port, { token: "s3cret" }).connect();
    assert.equal(await ok.execute("(+ 1 2)"), 3n);
    // IPC handshake credentials alone (rayforce-py sends user:password).
    const s = new RawSocket(`ws://127.0.0.1:${port}`);
    await s.opened;
    s.send(new Uint8Array([...new TextEncoder().encode("ann:s3cret"), 1, 0]));
    assert.equal(toHex(await s.next() as Uint8Array), "01");
    s.close();
    // Text mode needs the token at upgrade.
    const text = new RawSocket(`ws://127.0.0.1:${port}`);
    await text.opened;
    text.send("(+ 1 2)");
    assert.equal((await text.closed).code, 1008);
    const authed = new RawSocket(`ws://127.0.0.1:${port}/?token=s3cret`);
    await authed.opened;
    authed.send("(+ 1 2)");
    assert.equal(await authed.next(), "3");
    authed.close();
  });
});
