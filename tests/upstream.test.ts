/**
 * The gateway to real engines: the TCP IPC client against a fake engine speaking bytes
 * (handshake, frames, a zero-size reply, a slow reply, a dropped connection), routing and
 * failover of `serve --upstream`, and our own TCP IPC endpoint spoken to in raw bytes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import {
  decodeMessage,
  encodeMessage,
  MsgType,
  RayforceIPCError,
  RayforceWSError,
  str,
  toJSON,
} from "../ipc/mod.ts";
import { UpstreamClient } from "../upstream/client.ts";
import { parseUpstreams } from "../upstream/gateway.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { fakeUpstream } from "./_helpers/fake_upstream.ts";
import { freePort } from "./_helpers/net.ts";
import { toHex } from "./_helpers/corpus.ts";

const query = (source: string) => encodeMessage(str(source), MsgType.SYNC);
const answer = (frame: Uint8Array) => toJSON(decodeMessage(frame).value);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("UpstreamClient (TCP IPC)", () => {
  it("handshakes, answers in order, and reports a zero-size payload clearly", async () => {
    const up = await fakeUpstream(1);
    const c = new UpstreamClient("127.0.0.1", up.port);
    assert.equal(await c.connect(), 1);
    const answers = await Promise.all([
      c.request(query("(+ 1 2)")),
      c.request(query("who")),
      c.request(query("(+ 40 2)")),
    ]);
    assert.deepEqual(answers.map(answer), [3, 1, 42]);
    assert.equal(toHex(answers[0].subarray(0, 8)), "fadeface01000002");
    c.send(query("(+ 5 5)")); // async: no answer expected
    await assert.rejects(
      () => c.request(query("empty")),
      (e) => e instanceof RayforceIPCError && /empty payload/.test(e.message),
    );
    assert.equal(answer(await c.request(query("(+ 2 2)"))), 4);
    c.close();
    await up.close();
  });

  it("times out a slow answer and loses a dropped connection, each with a clear error", async () => {
    const up = await fakeUpstream(1);
    const c = new UpstreamClient("127.0.0.1", up.port, { requestTimeoutMs: 300 });
    await c.connect();
    await assert.rejects(
      () => c.request(query("slow")),
      (e) => e instanceof RayforceWSError && /did not answer within 300 ms/.test(e.message),
    );
    assert.equal(c.connected, false);
    await c.connect();
    await assert.rejects(() => c.request(query("drop")), RayforceWSError);
    assert.equal(c.connected, false);
    await assert.rejects(
      async () =>
        new UpstreamClient("127.0.0.1", await freePort(), { connectTimeoutMs: 1000 }).connect(),
      RayforceWSError,
    );
    await up.close();
  });

  it("parses upstream lists", () => {
    assert.deepEqual(parseUpstreams("rayforce://a:1,b:2"), [["a", 1], ["b", 2]]);
    assert.deepEqual(parseUpstreams("[::1]:5000"), [["::1", 5000]]);
    assert.throws(() => parseUpstreams("rayforce://nohost"), /host:port/);
  });
});

describe("serve --upstream (gateway)", () => {
  async function gateway(route: string, ports: number[]) {
    const port = await freePort();
    const server = new WSServer({
      port,
      upstream: "rayforce://" + ports.map((p) => `127.0.0.1:${p}`).join(","),
      route: route as never,
    });
    await server.start();
    await sleep(200); // the upstream connections
    return { server, port };
  }

  it("round-robin spreads queries; sticky keeps a connection on one upstream", async () => {
    const [u1, u2] = await Promise.all([fakeUpstream(1), fakeUpstream(2)]);
    {
      const { server, port } = await gateway("round-robin", [u1.port, u2.port]);
      await using conn = await new WSClient("127.0.0.1", port).connect();
      const who = [];
      for (let i = 0; i < 4; i++) who.push(await conn.execute("who"));
      assert.deepEqual(who.map(Number).sort(), [1, 1, 2, 2]);
      await server.stop();
    }
    {
      const { server, port } = await gateway("sticky", [u1.port, u2.port]);
      const a = await new WSClient("127.0.0.1", port).connect();
      const b = await new WSClient("127.0.0.1", port).connect();
      const whoA = new Set(), whoB = new Set();
      for (let i = 0; i < 4; i++) {
        whoA.add(await a.execute("who"));
        whoB.add(await b.execute("who"));
      }
      assert.equal(whoA.size, 1);
      assert.equal(whoB.size, 1);
      a.close();
      b.close();
      await server.stop();
    }
    await Promise.all([u1.close(), u2.close()]);
  });

  it("an upstream failure errors the affected query, marks it down, and it comes back", async () => {
    const u1 = await fakeUpstream(1);
    const { server, port } = await gateway("least-busy", [u1.port]);
    await using conn = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await conn.execute("(+ 20 22)"), 42n);
    await assert.rejects(() => conn.execute("drop"), /lost|closed/);
    await assert.rejects(() => conn.execute("(+ 1 1)"), /no upstream available/);
    // The upstream is retried with backoff and serves again.
    for (let i = 0; i < 40; i++) {
      const s = server.stats().pool as { upstreams: { up: boolean }[] };
      if (s.upstreams[0].up) break;
      await sleep(50);
    }
    assert.equal(await conn.execute("(+ 1 1)"), 2n);
    await server.stop();
    await u1.close();
  });
});

describe("TCP IPC endpoint (serve --tcp-port)", () => {
  it("speaks the engine's protocol in raw bytes", async () => {
    const port = await freePort();
    const tcpPort = await freePort();
    await using server = new WSServer({ port, workers: 1, tcpPort, maxPayload: 4096 });
    await server.start();
    const socket = netConnect(tcpPort, "127.0.0.1");
    const chunks: Uint8Array[] = [];
    let waiters: (() => void)[] = [];
    socket.on("data", (d: Uint8Array) => {
      chunks.push(new Uint8Array(d));
      waiters.forEach((w) => w());
      waiters = [];
    });
    const closed = new Promise((r) => socket.on("close", r));
    const received = async (n: number) => {
      for (let i = 0; i < 100 && chunks.reduce((a, c) => a + c.length, 0) < n; i++) {
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
      let o = 0;
      for (const c of chunks) (all.set(c, o), (o += c.length));
      chunks.length = 0;
      return all;
    };
    await new Promise((r) => socket.on("connect", r));
    socket.write(Uint8Array.of(1, 0));
    assert.equal(toHex(await received(1)), "01");
    socket.write(encodeMessage(str("(set v 1)"), MsgType.ASYNC));
    socket.write(query("(+ 1 2)"));
    assert.equal(
      toHex(await received(25)),
      "fadeface01000002" + "0900000000000000" + "fb0300000000000000",
    );
    socket.write(query("v"));
    assert.equal(toHex((await received(25)).subarray(16)), "fb0100000000000000");
    socket.write(new Uint8Array(32).fill(9)); // a bad header closes this connection
    await closed;
    const c = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await c.execute("v"), 1n);
    c.close();
  });
});

describe("serve --reuse-port", () => {
  it("two servers share one port (Linux SO_REUSEPORT) and both answer", async () => {
    const port = await freePort();
    const a = new WSServer({ port, workers: 1, reusePort: true });
    const b = new WSServer({ port, workers: 1, reusePort: true });
    await a.start();
    await b.start(); // without reusePort this would fail with "address in use"
    await using c1 = await new WSClient("127.0.0.1", port).connect();
    await using c2 = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await c1.execute("(+ 1 2)"), 3n);
    assert.equal(await c2.execute("(+ 2 2)"), 4n);
    c1.close();
    c2.close();
    await a.stop();
    await b.stop();
  });
});
