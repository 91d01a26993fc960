/** Handshake, the 16-byte header, whole messages and the streaming frame reader. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decodeHeader,
  decodeMessage,
  encode,
  encodeHandshake,
  encodeHeader,
  encodeMessage,
  FrameReader,
  HANDSHAKE_REPLY,
  i64,
  MsgType,
  parseHandshake,
  RayforceIPCError,
  str,
} from "../ipc/mod.ts";
import { toHex } from "./_helpers/corpus.ts";
import { RandomObjects } from "./_helpers/random.ts";

describe("handshake", () => {
  it("client bytes are [credentials] version 00 and the reply is the single byte 01", () => {
    assert.equal(toHex(encodeHandshake()), "0100");
    assert.equal(
      toHex(encodeHandshake("ann:pw")),
      toHex(new TextEncoder().encode("ann:pw")) + "0100",
    );
    assert.equal(toHex(HANDSHAKE_REPLY), "01");
  });

  it("parses credentials and version, and rejects what is not a handshake", () => {
    assert.deepEqual(parseHandshake(encodeHandshake("ann:s3:cret")), {
      version: 1,
      credentials: "ann:s3:cret",
      user: "ann",
      password: "s3:cret",
    });
    assert.equal(parseHandshake(Uint8Array.of(7, 0))?.version, 7); // any version byte, as the engine
    assert.equal(parseHandshake(Uint8Array.of(0)), undefined); // one byte: the engine waits forever
    assert.equal(parseHandshake(Uint8Array.of(1, 2)), undefined); // no terminator
    assert.equal(parseHandshake(Uint8Array.of(0x61, 0x62, 0, 1, 0)), undefined); // NUL inside
  });
});

describe("header", () => {
  it("matches the engine's response header for (+ 1 2)", () => {
    const msg = encodeMessage(i64(3n), MsgType.RESPONSE);
    assert.equal(toHex(msg), "fadeface01000002" + "0900000000000000" + "fb0300000000000000");
  });

  it("matches the engine's request frame for the string (+ 1 2)", () => {
    assert.equal(
      toHex(encodeMessage(str("(+ 1 2)"), MsgType.SYNC)),
      "fadeface010000011100000000000000" + "0c000700000000000000282b20312032 29".replace(" ", ""),
    );
  });

  it("validates prefix, endian, msgtype and size", () => {
    const h = encodeHeader(MsgType.ASYNC, 10);
    assert.deepEqual(decodeHeader(h), { version: 1, flags: 0, endian: 0, msgtype: 0, size: 10 });
    const bad = (mutate: (b: Uint8Array) => void, re: RegExp) => {
      const b = encodeHeader(MsgType.SYNC, 10);
      mutate(b);
      assert.throws(
        () => decodeHeader(b),
        (e) => e instanceof RayforceIPCError && re.test(e.message),
      );
    };
    bad((b) => (b[0] = 0), /bad header prefix/);
    bad((b) => (b[6] = 1), /unsupported endian/);
    bad((b) => (b[7] = 3), /bad msgtype 3/);
    bad((b) => b.fill(0xff, 8, 16), /negative payload size/);
    bad((b) => (b[14] = 1), /exceeds the limit/);
    assert.throws(() => decodeHeader(new Uint8Array(15)), /truncated header/);
  });

  it("decodeMessage checks that the frame carries exactly the announced payload", () => {
    const msg = encodeMessage(str("hello"), MsgType.SYNC);
    const { header, value } = decodeMessage(msg);
    assert.equal(header.msgtype, MsgType.SYNC);
    assert.deepEqual(value, str("hello"));
    assert.throws(
      () => decodeMessage(msg.subarray(0, msg.length - 1)),
      /announces 15 payload bytes but the frame carries 14/,
    );
    const longer = new Uint8Array(msg.length + 3);
    longer.set(msg);
    assert.throws(() => decodeMessage(longer), /carries 18/);
  });
});

describe("FrameReader", () => {
  it("reassembles messages split into arbitrary chunks, several per chunk", () => {
    const r = new RandomObjects(3);
    const objects = Array.from({ length: 300 }, () => r.object());
    const stream = new Uint8Array(objects.reduce((n, o) => n + 16 + encode(o).length, 0));
    let off = 0;
    for (const o of objects) {
      const m = encodeMessage(o, MsgType.RESPONSE);
      stream.set(m, off);
      off += m.length;
    }
    for (const maxChunk of [1, 3, 17, 4096]) {
      const reader = new FrameReader();
      const got: Uint8Array[] = [];
      for (let p = 0; p < stream.length;) {
        const n = Math.min(stream.length - p, 1 + r.int(maxChunk));
        for (const f of reader.push(stream.subarray(p, p + n))) got.push(f.payload);
        p += n;
      }
      assert.equal(got.length, objects.length, `chunks ≤ ${maxChunk}`);
      got.forEach((payload, i) => assert.equal(toHex(payload), toHex(encode(objects[i]))));
      assert.equal(reader.buffered, 0);
    }
  });

  it("yields a zero-size frame as such (the engine's 'cannot serialize' reply)", () => {
    const reader = new FrameReader();
    const frames = reader.push(encodeHeader(MsgType.RESPONSE, 0));
    assert.equal(frames.length, 1);
    assert.equal(frames[0].payload.length, 0);
  });

  it("refuses a header announcing more than maxSize before buffering it", () => {
    const reader = new FrameReader({ maxSize: 1024 });
    assert.throws(() => reader.push(encodeHeader(MsgType.SYNC, 1025)), /exceeds the limit of 1024/);
  });
});
