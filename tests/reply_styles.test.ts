/**
 * How each kind of peer is answered (ipc/reply.ts), in raw bytes: the engine's convention
 * for msgtype 1 (error objects byte-identical to the engine's), the seeds' convention for
 * unflagged msgtype 0 on WebSocket (rayforce-py), fire-and-forget for @rf/ws's flagged
 * msgtype 0, and the engine's rules on the TCP endpoint.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import {
  decodeMessage,
  encodeMessage,
  errorValue,
  MsgType,
  replyStyle,
  RFWS_FLAG,
  seedsErrorText,
  str,
} from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { toHex } from "./_helpers/corpus.ts";
import { freePort, RawSocket } from "./_helpers/net.ts";

const q = (source: string, msgtype: MsgType, flags = 0) =>
  encodeMessage(str(source), msgtype, { flags });
const hex = async (s: RawSocket) => toHex(await s.next() as Uint8Array);
/** The engine's response header for a payload of `n` bytes. */
const response = (n: number) => "fadeface01000002" + toHex(Uint8Array.of(n, 0, 0, 0, 0, 0, 0, 0));

describe("reply styles: which message gets which answer", () => {
  it("follows the table of ipc/reply.ts", () => {
    const cases: [MsgType, number, "websocket" | "tcp", string][] = [
      [MsgType.SYNC, 0, "websocket", "engine"],
      [MsgType.SYNC, 0, "tcp", "engine"],
      [MsgType.SYNC, RFWS_FLAG, "websocket", "rich"],
      [MsgType.SYNC, RFWS_FLAG, "tcp", "rich"],
      [MsgType.ASYNC, 0, "websocket", "seeds"],
      [MsgType.ASYNC, 0, "tcp", "none"],
      [MsgType.ASYNC, RFWS_FLAG, "websocket", "none"],
      [MsgType.RESPONSE, 0, "websocket", "none"],
      [MsgType.RESPONSE, 0, "tcp", "none"],
    ];
    for (const [msgtype, flags, transport, style] of cases) {
      assert.equal(
        replyStyle(q("1", msgtype, flags), transport),
        style,
        `${msgtype} ${flags} ${transport}`,
      );
    }
  });

  it("rayforce-py's exception texts, from the engine's detail lines", () => {
    const cases: [number, string, string][] = [
      [1, "expected i64, got symbol", "expected: i64, got: symbol"],
      [2, "expected 1 argument, got 2", "expected: 1, got: 2"],
      [2, "expected 2 arguments, got 3", "expected: 2, got: 3"],
      [3, "need 0, have 0", "need: 0, given: 0"],
      [4, "", "{'code': 'domain'}"],
      [5, "index 7 not in [0 2]", "index: 7, bound: 2"],
      [6, "'nonexistent_variable' not found", "name: nonexistent_variable"],
      [7, "limit 1024 exceeded", "limit: 1024"],
      [7, "server busy: 3 queries queued", "limit: server busy: 3 queries queued"],
      [8, "No such file or directory", "message: No such file or directory"],
      [8, "", "{'code': 'os'}"],
      [9, "", "{'code': 'parse'}"],
      [10, "for type i64", "{'code': 'nyi', 'type': 'i64'}"],
      [11, "boo", "{'code': ''}"],
    ];
    for (const [code, detail, text] of cases) assert.equal(seedsErrorText(code, detail), text);
  });
});

describe("reply styles over WebSocket", () => {
  let server: WSServer;
  let url: string;
  before(async () => {
    const port = await freePort();
    server = new WSServer({ port, workers: 1 });
    await server.start();
    url = `ws://127.0.0.1:${port}`;
  });
  after(async () => await server.stop());

  const open = async () => {
    const s = new RawSocket(url);
    await s.opened;
    s.send(Uint8Array.of(1, 0));
    assert.equal(await hex(s), "01");
    return s;
  };

  it("msgtype 1 → msgtype 2, error objects exactly the engine's (no message; user: an empty one)", async () => {
    const s = await open();
    s.send(q("(+ 1 2)", MsgType.SYNC));
    assert.equal(await hex(s), response(9) + "fb0300000000000000");
    // The engine's bytes, as the real engine answered them: 7f code + 8 context bytes, and for a
    // user error an empty NUL-terminated message.
    s.send(q("nonexistent_variable", MsgType.SYNC));
    assert.equal(await hex(s), response(10) + "7f060000000000000000");
    s.send(q('(raise "boo")', MsgType.SYNC));
    assert.equal(await hex(s), response(11) + "7f0b00000000000000" + "0000");
    s.send(q("(sum 1 2)", MsgType.SYNC));
    assert.equal(await hex(s), response(10) + "7f020000000000000000");
    s.close();
  });

  it("msgtype 1 with RFWS_FLAG → error objects with their message", async () => {
    const s = await open();
    s.send(q('(raise "boo")', MsgType.SYNC, RFWS_FLAG));
    const raised = decodeMessage(await s.next() as Uint8Array);
    assert.equal(raised.header.msgtype, MsgType.RESPONSE);
    assert.deepEqual(raised.value, { ...errorValue(11, "boo"), context: new Uint8Array(8) });
    s.send(q("(+ 1 'a)", MsgType.SYNC, RFWS_FLAG));
    const typed = decodeMessage(await s.next() as Uint8Array).value;
    assert.equal(typed.type === 127 && typed.message, "expected i64, got symbol");
    s.close();
  });

  it("msgtype 0 → the seeds' convention: every frame answered in order, msgtype 0, failures as strings", async () => {
    const s = await open();
    s.send(q("(set z 5)", MsgType.ASYNC));
    s.send(q("z", MsgType.ASYNC));
    s.send(q("(+ 1 'a)", MsgType.ASYNC));
    assert.equal(await hex(s), "fadeface01000000" + "0900000000000000" + "fb0500000000000000");
    assert.equal(await hex(s), "fadeface01000000" + "0900000000000000" + "fb0500000000000000");
    const failure = decodeMessage(await s.next() as Uint8Array);
    assert.equal(failure.header.msgtype, MsgType.ASYNC);
    assert.equal(
      toHex((failure.value as { data: Uint8Array }).data),
      toHex(new TextEncoder().encode("expected: i64, got: symbol")),
    );
    s.close();
  });

  it("msgtype 0 with RFWS_FLAG → evaluated, never answered; msgtype 2 → never answered", async () => {
    const s = await open();
    s.send(q("(set w 7)", MsgType.ASYNC, RFWS_FLAG));
    s.send(q("(set w 8)", MsgType.RESPONSE));
    s.send(q('(raise "nobody hears this")', MsgType.ASYNC, RFWS_FLAG));
    s.send(q("w", MsgType.SYNC));
    assert.equal(await hex(s), response(9) + "fb0800000000000000");
    assert.equal(await s.silent(), true);
    s.close();
  });

  it("our client: send() is fire-and-forget, errors keep their messages", async () => {
    await using conn = await new WSClient(url).connect();
    conn.send("(set sent 11)");
    conn.send('(raise "unheard")');
    assert.equal(await conn.execute("sent"), 11n);
    await assert.rejects(conn.execute('(raise "heard")'), /heard/);
    assert.equal(await conn.execute("(+ sent 1)"), 12n);
  });
});

describe("reply styles on the TCP endpoint", () => {
  it("the engine's rules: msgtype 0 unanswered, error objects exactly the engine's", async () => {
    const port = await freePort();
    const tcpPort = await freePort();
    await using server = new WSServer({ port, workers: 1, tcpPort });
    await server.start();
    const socket = netConnect(tcpPort, "127.0.0.1");
    let buffered = new Uint8Array(0);
    let wake = () => {};
    socket.on("data", (d: Uint8Array) => {
      const next = new Uint8Array(buffered.length + d.length);
      next.set(buffered);
      next.set(d, buffered.length);
      buffered = next;
      wake();
    });
    const take = async (n: number) => {
      for (let i = 0; i < 100 && buffered.length < n; i++) {
        await new Promise<void>((r) => (wake = r, setTimeout(r, 50)));
      }
      const out = buffered.subarray(0, n);
      buffered = buffered.slice(n);
      return toHex(out);
    };
    await new Promise((r) => socket.on("connect", r));
    socket.write(Uint8Array.of(1, 0));
    assert.equal(await take(1), "01");
    socket.write(q("(set v 3)", MsgType.ASYNC));
    socket.write(q("(+ 1 'a)", MsgType.ASYNC));
    socket.write(q("nonexistent_variable", MsgType.SYNC));
    assert.equal(await take(26), response(10) + "7f060000000000000000");
    socket.write(q('(raise "boo")', MsgType.SYNC));
    assert.equal(await take(27), response(11) + "7f0b000000000000000000");
    socket.write(q("v", MsgType.SYNC, RFWS_FLAG));
    assert.equal(await take(25), response(9) + "fb0300000000000000");
    socket.destroy();
  });
});
