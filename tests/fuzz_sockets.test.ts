/**
 * Protocol fuzzing over real sockets: random and mutated handshakes, wrong header sizes,
 * truncated payloads, nesting bombs, invalid UTF-8, garbage text, interleaved binary and
 * text, abrupt disconnects mid-frame (WebSocket and TCP IPC). After each case the server
 * answers a fresh client and the committed state is intact.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { decodeMessage, encode, encodeHeader, encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { freePort, RawSocket } from "./_helpers/net.ts";
import { clientFrame, rawWs } from "./_helpers/raw_ws.ts";
import { RandomObjects } from "./_helpers/random.ts";
import { fromHex, loadCorpus } from "./_helpers/corpus.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("protocol fuzzing over real sockets", () => {
  let server: WSServer;
  let port: number;
  let tcpPort: number;
  const r = new RandomObjects(2026);

  /** A fresh client gets answers and the committed state is intact. */
  async function canary(): Promise<void> {
    await using c = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await c.execute("kept"), 42n);
    assert.equal(await c.execute("(+ 1 2)"), 3n);
  }

  /** Opens an IPC connection (handshake done). */
  async function ipc(): Promise<RawSocket> {
    const s = new RawSocket(`ws://127.0.0.1:${port}`);
    await s.opened;
    s.send(Uint8Array.of(1, 0));
    await s.next();
    return s;
  }

  before(async () => {
    port = await freePort();
    tcpPort = await freePort();
    server = new WSServer({
      port,
      tcpPort,
      workers: 2,
      maxPayload: 64 * 1024,
      handshakeTimeoutMs: 1000,
      logLevel: "silent",
    });
    await server.start();
    await using c = await new WSClient("127.0.0.1", port).connect();
    await c.execute("(set kept 42)");
  });
  after(async () => await server.stop());

  it("random and mutated handshakes", async () => {
    for (let i = 0; i < 60; i++) {
      const s = new RawSocket(`ws://127.0.0.1:${port}`);
      await s.opened;
      const bytes = i % 2
        ? r.bytes(r.int(24))
        : Uint8Array.from([...r.bytes(r.int(8)).filter((b) => b !== 0), 1, 0]);
      if (bytes.length === 0) s.send("x");
      else s.send(bytes);
      const outcome = await Promise.race([
        s.closed.then(() => "closed"),
        s.next(1000).then(() => "answered", () => "silent"),
      ]);
      assert.ok(["closed", "answered"].includes(outcome), outcome);
      s.close();
    }
    await canary();
  });

  it("headers with wrong sizes and truncated payloads close only that connection", async () => {
    const payload = encode(str("(+ 1 2)"));
    const cases: Uint8Array[] = [];
    for (const size of [0n, -1n, BigInt(payload.length + 50), 2n ** 40n, -(2n ** 63n)]) {
      const f = new Uint8Array(16 + payload.length);
      encodeHeader(MsgType.SYNC, 0, f);
      new DataView(f.buffer).setBigInt64(8, size, true);
      f.set(payload, 16);
      cases.push(f);
    }
    const whole = encodeMessage(str("(+ 1 2)"), MsgType.SYNC);
    cases.push(whole.subarray(0, 20), whole.subarray(0, 10), r.bytes(40));
    for (const bad of cases) {
      const s = await ipc();
      s.send(bad);
      const { code } = await s.closed;
      assert.ok(code === 1002 || code === 1009, String(code));
    }
    await canary();
  });

  it("nesting bombs, invalid UTF-8, unknown types get error answers; the connection stays", async () => {
    const s = await ipc();
    const depth = 5000;
    const bomb = new Uint8Array(depth * 10 + 1);
    for (let i = 0; i < depth; i++) bomb.set([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], i * 10);
    bomb[depth * 10] = 0x7e;
    const payloads = [
      bomb,
      Uint8Array.of(0xfa, 0xff, 0xfe, 0x00), // a symbol of invalid UTF-8, looked up
      Uint8Array.of(0x0c, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x28, 0xc3), // source text of invalid UTF-8
      Uint8Array.of(0x45, 0x00), // unknown type 69
      Uint8Array.of(0x05, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), // a vector of 2^63 − 1 elements
    ];
    for (const p of payloads) {
      const f = new Uint8Array(16 + p.length);
      encodeHeader(MsgType.SYNC, p.length, f);
      f.set(p, 16);
      s.send(f);
      const { value } = decodeMessage(await s.next() as Uint8Array);
      assert.equal(value.type, 127);
    }
    s.send(encodeMessage(str("(+ 20 22)"), MsgType.SYNC));
    assert.equal(decodeMessage(await s.next() as Uint8Array).value.type, -5);
    s.close();
    await canary();
  });

  it("garbage text frames and interleaved binary and text", async () => {
    const t = new RawSocket(`ws://127.0.0.1:${port}`);
    await t.opened;
    for (let i = 0; i < 40; i++) {
      const garbage = Array.from(
        { length: r.int(60) + 1 },
        () => String.fromCodePoint(r.int(0x2fff) + 1),
      ).join("");
      t.send(garbage);
      assert.equal(typeof await t.next(), "string");
    }
    t.close();
    const s = await ipc();
    s.send("(+ 1 1)");
    s.send(encodeMessage(str("(+ 2 2)"), MsgType.SYNC));
    s.send("(+ 3 3)");
    const answers = [await s.next(), await s.next(), await s.next()];
    assert.equal(answers[0], "2");
    assert.equal(decodeMessage(answers[1] as Uint8Array).value.type, -5);
    assert.equal(answers[2], "6");
    s.close();
    await canary();
  });

  it("mutated corpus frames: every one answered or closed, none harms the server", async () => {
    const seeds = [...loadCorpus().values()].flat().filter((l) => l.hex).map((l) =>
      fromHex(l.hex!)
    );
    const s = await ipc();
    let answered = 0;
    let live = s;
    for (let i = 0; i < 300; i++) {
      const p = r.pick(seeds).slice();
      for (let k = 0; k < 1 + r.int(3); k++) p[r.int(p.length)] = r.int(256);
      const f = new Uint8Array(16 + p.length);
      encodeHeader(MsgType.SYNC, p.length, f);
      f.set(p, 16);
      live.send(f);
      try {
        await live.next(3000);
        answered++;
      } catch {
        live.close();
        live = await ipc();
      }
    }
    live.close();
    assert.ok(answered > 250, `${answered} answered`);
    await canary();
  });

  it("abrupt disconnects mid-frame, on WebSocket and on TCP IPC", async () => {
    for (let i = 0; i < 20; i++) {
      const w = await rawWs(port);
      if (i % 2) w.frame(2, Uint8Array.of(1, 0)); // IPC handshake first
      const frame = clientFrame(2, encodeMessage(str("(set kept 0)"), MsgType.SYNC));
      w.write(frame.subarray(0, 1 + r.int(frame.length - 2))); // never the whole frame
      w.destroy();
    }
    for (let i = 0; i < 20; i++) {
      const sock = netConnect(tcpPort, "127.0.0.1");
      sock.on("error", () => {});
      await new Promise((res) => sock.on("connect", res));
      const bytes = new Uint8Array([1, 0, ...encodeMessage(str("(set kept 0)"), MsgType.SYNC)]);
      sock.write(bytes.subarray(0, 2 + r.int(bytes.length - 3)));
      sock.destroy();
    }
    await sleep(200);
    await canary(); // kept is still 42: no partial frame was evaluated
    for (let i = 0; i < 50 && server.stats().connections.current > 0; i++) await sleep(50);
    assert.equal(server.stats().connections.current, 0, "no leaked connections");
  });
});
