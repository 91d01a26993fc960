/**
 * Every entry point bounds what one connection can hold: TCP IPC (handshake time-out,
 * connection cap, queries in flight, in /metrics), `/events` queries, the queue a client
 * leaves behind, and the `.z.po` every connection runs (issue 20, items 5 and 10).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { WSServer, type WSServerOptions } from "../server.ts";
import { EventClient, WSClient } from "../client.ts";
import { UpstreamClient } from "../upstream/client.ts";
import { decodeMessage, encodeMessage, MsgType, str, toJS } from "../ipc/mod.ts";
import { freePort } from "./_helpers/net.ts";
import { until } from "./_helpers/until.ts";

/** A TCP connection that never handshakes; resolves `closed` when the server drops it. */
function silentTcp(port: number): { socket: Socket; opened: Promise<void>; closed: Promise<void> } {
  const socket = netConnect(port, "127.0.0.1");
  socket.on("error", () => {});
  const opened = new Promise<void>((r) => socket.once("connect", () => r()));
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  return { socket, opened, closed };
}

const sync = (source: string) => encodeMessage(str(source), MsgType.SYNC);
/** A sync query over TCP IPC, its answer as a JS value. */
const ask = async (tcp: UpstreamClient, source: string) =>
  toJS(decodeMessage(await tcp.request(sync(source))).value);

/** A started server with a TCP IPC port, one worker and `options`. */
async function tcpServer(options: WSServerOptions = {}) {
  const port = await freePort();
  const tcpPort = await freePort();
  const server = new WSServer({ port, tcpPort, workers: 1, ...options });
  await server.start();
  return { server, port, tcpPort };
}
/** About 100 ms of work on one core. */
const SLOW = "(count (map (fn [i] (sum (til 1000))) (til 6000)))";

describe("per-connection caps", () => {
  it("TCP: a connection that never handshakes is closed after the handshake time-out", async () => {
    const { server, tcpPort } = await tcpServer({ handshakeTimeoutMs: 200 });
    await using _ = server;
    const silent = silentTcp(tcpPort);
    await silent.opened;
    await silent.closed; // without the time-out this never resolves and the test times out
    assert.equal(server.stats().tcp!.current, 0);
    assert.ok(server.stats().tcp!.refused >= 1);
  });

  it("TCP: the connection cap holds; the oldest silent connection makes room; /metrics counts them", async () => {
    const { server, port, tcpPort } = await tcpServer({
      maxConnections: 2,
      handshakeTimeoutMs: 60_000,
    });
    await using _ = server;
    const silent = [silentTcp(tcpPort), silentTcp(tcpPort)];
    await Promise.all(silent.map((s) => s.opened));
    await until(() => server.stats().tcp!.current === 2, "two TCP connections");
    const real = new UpstreamClient("127.0.0.1", tcpPort);
    await real.connect();
    assert.equal(await ask(real, "(+ 1 2)"), 3n);
    await silent[0].closed;
    assert.equal(server.stats().tcp!.current, 2);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^rfws_tcp_connections 2$/m);
    assert.match(metrics, /^rfws_tcp_connections_total 3$/m);
    // A handshaken connection is never evicted: with the other slot held by one, the next
    // handshaken client takes the silent one's place, and the one after that is refused.
    const second = new UpstreamClient("127.0.0.1", tcpPort);
    await second.connect();
    await silent[1].closed;
    const third = new UpstreamClient("127.0.0.1", tcpPort, { connectTimeoutMs: 1000 });
    await assert.rejects(() => third.connect());
    assert.equal(await ask(real, "7"), 7n);
    real.close();
    second.close();
  });

  it("TCP: queries in flight beyond the cap are refused in order; the others are answered", async () => {
    const { server, tcpPort } = await tcpServer({ maxQueuedPerConnection: 2 });
    await using _ = server;
    const tcp = new UpstreamClient("127.0.0.1", tcpPort);
    await tcp.connect();
    const answers = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => tcp.request(sync(`(+ ${i} (count (til 3000000)))`))),
    );
    const decoded = answers.map((a) => {
      assert.equal(a.status, "fulfilled");
      return decodeMessage((a as PromiseFulfilledResult<Uint8Array>).value).value;
    });
    // The first two ran; each refusal is an error object in its query's place.
    assert.deepEqual(decoded.slice(0, 2).map(toJS), [3000000n, 3000001n]);
    assert.deepEqual(decoded.slice(2).map((v) => v.type), [127, 127, 127, 127]);
    assert.ok(server.stats().queries.refused >= 4);
    assert.equal(await ask(tcp, "(+ 1 1)"), 2n);
    tcp.close();
  });

  it("a client that floods the queue and leaves does not keep it full", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1 });
    await server.start();
    const flood = await new WSClient("127.0.0.1", port).connect();
    const pending = Array.from({ length: 200 }, () => flood.execute(SLOW).catch(() => {}));
    await until(() => (server.stats().pool as { queued: number }).queued > 100, "a full queue");
    flood.close();
    await Promise.all(pending);
    await until(() => (server.stats().pool as { queued: number }).queued === 0, "an empty queue");
    const pool = server.stats().pool as { dropped: number; tasks: number };
    assert.ok(pool.dropped > 100, `${pool.dropped} dropped`);
    await using next = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await next.execute("(+ 2 2)"), 4n);
  });

  it("/events: queries in flight beyond the cap answer an error event", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1, maxQueuedPerConnection: 2 });
    await server.start();
    const events = new EventClient(`ws://127.0.0.1:${port}/events`);
    await events.connect();
    const answers = await Promise.allSettled(
      Array.from({ length: 6 }, () => events.request("query", SLOW)),
    );
    const busy = answers.filter((a) =>
      a.status === "rejected" && /server busy: 2 queries in flight/.test(String(a.reason))
    );
    assert.equal(busy.length, 4);
    assert.deepEqual((await events.request("query", "(+ 1 2)")).payload, 3);
    events.close();
  });

  it("a slow .z.po set by any client costs each new connection at most the handler time limit", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1, queryTimeoutMs: 60_000 });
    await server.start();
    await using admin = await new WSClient("127.0.0.1", port).connect();
    await admin.execute(
      "(set .z.po (fn [h] (count (map (fn [i] (sum (til 1000))) (til 100000000)))))",
    );
    // Its .z.po is stopped at 1 s, not at the 60 s query limit (the test would time out).
    await using next = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await next.execute("(+ 1 2)"), 3n);
    const pool = server.stats().pool as { timedOut: number };
    assert.equal(pool.timedOut, 1);
    await admin.execute("(set .z.po 0)");
  });
});
