/**
 * Flow control (issue 17): a peer that does not read its answers or events is slowed, then
 * closed with a reason; a peer that reads slowly loses no answer and gets them in order;
 * answers over the result limit are errors on a connection that stays open.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { connect as netConnect } from "node:net";
import { WSServer, type WSServerOptions } from "../server.ts";
import { EventClient, WSClient } from "../client.ts";
import {
  decodeMessage,
  encodeHandshake,
  encodeMessage,
  MsgType,
  RayforceLimitError,
  str,
  toJS,
} from "../ipc/mod.ts";
import { UpstreamClient } from "../upstream/client.ts";
import { freePort, RawSocket } from "./_helpers/net.ts";
import { type RawWs, rawWs, ServerFrameReader } from "./_helpers/raw_ws.ts";
import { until } from "./_helpers/until.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const sync = (source: string) => encodeMessage(str(source), MsgType.SYNC);

/** A started server with one worker and `options`. */
async function server(options: WSServerOptions = {}) {
  const port = await freePort();
  const s = new WSServer({ port, workers: 1, ...options });
  await s.start();
  return { server: s, port };
}

/** A raw WebSocket that has done the Rayforce handshake. */
async function handshaken(port: number): Promise<RawWs> {
  const ws = await rawWs(port);
  ws.frame(2, encodeHandshake(""));
  await until(() => ws.received.length > 0, "the handshake reply");
  ws.received.length = 0;
  return ws;
}

/**
 * Sends `total` messages with `send`, `batch` at a time with a pause between batches: a
 * client that keeps sending at a steady rate (a flood all at once is closed for flooding,
 * before any answer is ready: connection_caps.test.ts).
 */
async function paced(send: () => void, total: number, stop: () => boolean, batch = 50) {
  for (let i = 0; i < total && !stop(); i += batch) {
    for (let k = 0; k < batch; k++) send();
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Resumes a paused raw WebSocket and reads until its close frame, or until the connection
 * ends without one: a runtime may give up on a peer that does not answer its close (Deno,
 * under load) and drop it before the frame is read. The close (if read) and the binary
 * frames before it.
 */
async function readToClose(ws: RawWs) {
  let ended = false;
  ws.socket.on("close", () => (ended = true));
  ws.socket.resume();
  let close: { code: number; reason: string } | undefined;
  let binary = 0;
  const reader = new ServerFrameReader();
  await until(
    () => {
      const frames = reader.take(ws);
      binary += frames.filter((f) => f.opcode === 2).length;
      close ??= closeOf(frames);
      return close !== undefined || ended;
    },
    "the close frame or the end of the connection",
    30_000,
  );
  return { close, binary };
}

/** The close frame among `frames`: its code and reason. */
function closeOf(frames: { opcode: number; payload: Uint8Array }[]) {
  const f = frames.find((x) => x.opcode === 8);
  if (!f) return undefined;
  return {
    code: (f.payload[0] << 8) | f.payload[1],
    reason: new TextDecoder().decode(f.payload.subarray(2)),
  };
}

describe("flow control", () => {
  it("a client pipelining 100,000 queries without reading is closed as a slow consumer; memory stays bounded; others are served", async () => {
    const { server: s, port } = await server({
      maxPendingOutput: 256 * KiB,
      maxResultBytes: 1 * MiB,
    });
    await using _ = s;
    const rssBefore = process.memoryUsage().rss;
    const slow = await handshaken(port);
    slow.socket.pause(); // reads nothing from now on
    // Each answer is 8 KB: all of them would be 800 MB of output waiting for this peer.
    const frame = sync("(til 1000)");
    await paced(() => slow.frame(2, frame), 100_000, () => s.stats().slowConsumers > 0);
    await until(() => s.stats().slowConsumers === 1, "the slow consumer closed", 30_000);
    const grown = process.memoryUsage().rss - rssBefore;
    // The bound: the ceiling (256 KiB + 1 MiB) of unsent answers, the 1,000 queries it may
    // have in flight and the frames the runtime read: tens of MB, not the 800 MB of answers.
    assert.ok(grown < 400 * MiB, `the server grew by ${grown} bytes`);
    assert.ok(s.stats().queries.ok < 100_000, "it did not compute every answer");

    // Another client is served meanwhile.
    const conn = await new WSClient({ port }).connect();
    assert.equal(toJS(await conn.executeRaw("(+ 1 2)")), 3n);
    conn.close();

    // The slow one gets its answers, then the close with its reason (when it reads in time).
    const { close: closed, binary: answers } = await readToClose(slow);
    if (closed) {
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /^slow consumer: \d+ bytes of answers unsent/);
    }
    assert.ok(answers < 100_000, `${answers} answers before the close`);
    slow.destroy();
  });

  for (
    const [budget, what] of [
      [512 * KiB, "its queries wait while 512 KiB are unsent, and go on as it reads"],
      [
        32 * MiB,
        "24 MB wait in the runtime, past Bun's default limit of 16 MB (it dropped frames)",
      ],
    ] as const
  ) {
    it(`a client that reads slowly gets every answer, in order: ${what}`, async () => {
      const { server: s, port } = await server({ maxPendingOutput: budget });
      await using _ = s;
      const ws = await handshaken(port);
      // 1,000 queries (all it may have in flight), 24 KB answers: 24 MB in all.
      const N = 1_000;
      ws.socket.pause();
      for (let i = 0; i < N; i++) ws.frame(2, sync(`(+ ${i} (til 3000))`));
      if (budget > 24 * MiB) {
        await until(() => s.stats().queries.ok === N, "every answer sent", 30_000);
      }
      // Read in bursts, with pauses: the server's queue fills and drains several times.
      const firsts: bigint[] = [];
      const reader = new ServerFrameReader();
      await until(
        async () => {
          ws.socket.resume();
          await new Promise((r) => setTimeout(r, 20));
          ws.socket.pause();
          await new Promise((r) => setTimeout(r, 30));
          const frames = reader.take(ws);
          for (const f of frames) {
            assert.notEqual(f.opcode, 8, "closed while reading");
            const v = toJS(decodeMessage(f.payload).value) as bigint[];
            firsts.push(v[0]);
          }
          return firsts.length >= N;
        },
        "every answer",
        60_000,
      );
      assert.deepEqual(firsts, Array.from({ length: N }, (_, i) => BigInt(i)));
      assert.equal(s.stats().slowConsumers, 0);
      ws.destroy();
    });
  }

  it("TCP: a peer that does not read is closed as a slow consumer too", async () => {
    const tcpPort = await freePort();
    const { server: s } = await server({
      tcpPort,
      maxPendingOutput: 256 * KiB,
      maxResultBytes: 1 * MiB,
    });
    await using _ = s;
    const socket = netConnect(tcpPort, "127.0.0.1");
    socket.on("error", () => {});
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.write(encodeHandshake(""));
    await new Promise<void>((r) => socket.once("data", () => r()));
    socket.pause();
    const frame = sync("(til 1000)");
    await paced(() => socket.write(frame), 100_000, () => s.stats().slowConsumers > 0);
    await until(() => s.stats().slowConsumers === 1, "the slow TCP consumer closed", 30_000);
    socket.resume();
    socket.on("data", () => {});
    await closed;
    assert.equal(s.stats().tcp!.current, 0);
  });

  it("/events: a subscriber that stops reading during a broadcast storm is closed; the others keep up", async () => {
    // A ceiling of 2 MiB: the in-process reader cannot read while the loop below sends, so
    // each burst (200 KB) must fit.
    const { server: s, port } = await server({
      maxPendingOutput: 1 * MiB,
      maxResultBytes: 1 * MiB,
    });
    await using _ = s;
    const slow = await rawWs(port, "/events");
    slow.frame(
      1,
      new TextEncoder().encode(
        JSON.stringify({ event_name: "subscribe", payload: "ticks", id: 1 }),
      ),
    );
    const reader = new EventClient(`ws://127.0.0.1:${port}/events`);
    await reader.connect();
    await reader.subscribe("ticks");
    await until(() => s.eventClients().length === 2, "two event clients");
    await new Promise((r) => setTimeout(r, 100)); // the slow one's subscription is in
    slow.socket.pause();
    let got = 0;
    reader.on("tick", () => got++);
    const payload = "x".repeat(10 * KiB);
    const N = 3_000; // 30 MB to each subscriber
    for (let i = 0; i < N; i++) {
      if (i % 2) s.publish("ticks", { event_name: "tick", payload });
      else s.broadcast({ event_name: "tick", payload });
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1)); // let the reader read
    }
    await until(() => s.stats().slowConsumers === 1, "the slow subscriber closed", 30_000);
    await until(() => got === N, `every tick to the reader (${got})`, 30_000);
    assert.equal(s.eventClients().length, 1);
    const { close } = await readToClose(slow);
    if (close) {
      assert.equal(close.code, 1008);
      assert.match(close.reason, /^slow consumer: \d+ bytes of events unsent/);
    }
    reader.close();
    slow.destroy();
  });
  it("/events: a live-table subscriber that stops reading is closed; writers and the other subscriber go on", async () => {
    const { server: s, port } = await server({
      maxPendingOutput: 1 * MiB,
      maxResultBytes: 1 * MiB,
    });
    await using _ = s;
    const writer = new EventClient(`ws://127.0.0.1:${port}/events`);
    await writer.connect();
    await writer.request("query", "(set big (table [n] (list [0])))");
    const slow = await rawWs(port, "/events");
    slow.frame(
      1,
      new TextEncoder().encode(
        JSON.stringify({ event_name: "subscribe_table", payload: { table: "big" }, id: 1 }),
      ),
    );
    const reader = new EventClient(`ws://127.0.0.1:${port}/events`);
    await reader.connect();
    const live = await reader.subscribeTable("big", {}, () => {});
    await new Promise((r) => setTimeout(r, 100)); // the slow one's subscription is in
    slow.socket.pause();
    const N = 300; // 300 inserts of 10,000 rows: about 15 MB of updates to each subscriber
    for (let i = 0; i < N; i++) await writer.request("query", "(insert 'big (list (til 10000)))");
    await until(() => s.stats().slowConsumers === 1, "the slow subscriber closed", 30_000);
    await until(
      () => live.rows === 1 + N * 10_000,
      `every row to the reader (${live.rows})`,
      30_000,
    );
    const { close } = await readToClose(slow);
    if (close) {
      assert.equal(close.code, 1008);
      assert.match(close.reason, /^slow consumer: \d+ bytes of events unsent/);
    }
    writer.close();
    reader.close();
    slow.destroy();
  });
});

describe("answers over the result limit", () => {
  it("an answer larger than a client takes is a limit error naming its size; the connection stays open (defaults)", async () => {
    const { server: s, port } = await server();
    await using _ = s;
    assert.equal(s.options.maxResultBytes, s.options.maxPayload - 1);
    const conn = await new WSClient({ port }).connect();
    // 9,000,000 i64: a 72 MB answer, which Deno's WebSocket client would fail on.
    await assert.rejects(
      conn.executeRaw("(til 9000000)"),
      (e: Error) =>
        e instanceof RayforceLimitError &&
        /result of 72000026 bytes exceeds the limit of 67108863 bytes/.test(e.message),
    );
    assert.equal(toJS(await conn.executeRaw("(+ 1 2)")), 3n);
    conn.close();
  });

  it("text and /events answers are held to the limit by their bytes", async () => {
    // Displays are cut to the console's width, so a small limit shows the check.
    const { server: small, port: smallPort } = await server({ maxResultBytes: 40 });
    await using _small = small;
    const text = new RawSocket(`ws://127.0.0.1:${smallPort}/`);
    await text.opened;
    text.send("(til 100)"); // an 83-byte display
    const answer = await text.next() as string;
    assert.match(answer, /Error: limit/, answer);
    assert.match(answer, /result of 8\d bytes exceeds the limit of 40 bytes/, answer);
    text.send("(+ 1 2)");
    assert.equal(await text.next(), "3");
    text.close();

    const { server: s, port } = await server({ maxResultBytes: 64 * KiB });
    await using _ = s;
    const events = new EventClient(`ws://127.0.0.1:${port}/events`);
    await events.connect();
    await assert.rejects(
      events.request("query", "(til 20000)"), // 160 KB
      (e: Error) => /exceeds the limit of 65536 bytes/.test(e.message),
    );
    const ok = await events.request("query", "(+ 1 2)");
    assert.equal(ok.payload, 3);
    events.close();
  });

  it("the client's own limit rejects one call with a message; the connection goes on", async () => {
    const { server: s, port } = await server();
    await using _ = s;
    const conn = await new WSClient({ port, maxAnswerBytes: 1024 }).connect();
    await assert.rejects(
      conn.executeRaw("(til 1000)"),
      (e: Error) =>
        e instanceof RayforceLimitError &&
        /answer of \d+ bytes exceeds maxAnswerBytes \(1024\)/.test(e.message),
    );
    assert.equal(toJS(await conn.executeRaw("(+ 1 2)")), 3n);
    conn.close();
  });
});

describe("TCP sessions count like WebSocket ones", () => {
  it("queries over TCP are in the statistics (ok, failed, latency, bytes)", async () => {
    const tcpPort = await freePort();
    const { server: s } = await server({ tcpPort });
    await using _ = s;
    const tcp = new UpstreamClient("127.0.0.1", tcpPort);
    await tcp.connect();
    const before = s.stats();
    const answers = await Promise.all([
      tcp.request(sync("(+ 1 2)")),
      tcp.request(sync("(+ 1 'a)")),
    ]);
    assert.deepEqual(answers.map((a) => decodeMessage(a).value.type), [-5, 127]);
    const after = s.stats();
    assert.equal(after.queries.ok - before.queries.ok, 1);
    assert.equal(after.queries.failed - before.queries.failed, 1);
    assert.equal(after.messages.in - before.messages.in, 2);
    assert.ok(after.bytes.out > before.bytes.out);
    assert.ok(after.latencyMs.p99 > 0);
    tcp.close();
  });
});
