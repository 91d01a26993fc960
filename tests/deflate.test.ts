/**
 * permessage-deflate (RFC 7692): offered where the runtime supports it (Bun; Deno's
 * `upgradeWebSocket` has no extensions, so it must decline), compressed messages are
 * inflated, and a deflate bomb is closed with 1009 before it costs more than the limit.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { constants, deflateRawSync } from "node:zlib";
import { encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { toHex } from "./_helpers/corpus.ts";
import { freePort } from "./_helpers/net.ts";
import { clientFrame, type RawWs, rawWs } from "./_helpers/raw_ws.ts";
import { runtime } from "./_helpers/runtime.ts";
import { until } from "./_helpers/until.ts";

const OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits";

/** A compressed message: deflate-raw, sync-flushed, without its 00 00 ff ff (RFC 7692 §7.2.1). */
function compressed(payload: Uint8Array): Uint8Array {
  const d = new Uint8Array(deflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH }));
  assert.equal(toHex(d.subarray(d.length - 4)), "0000ffff");
  return d.subarray(0, d.length - 4);
}

/** The server's frames so far (they are small and unmasked). */
function frames(w: RawWs): { opcode: number; payload: Uint8Array }[] {
  const all = new Uint8Array(w.received.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of w.received) (all.set(b, o), o += b.length);
  const out = [];
  for (let p = 0; p + 2 <= all.length;) {
    let n = all[p + 1] & 0x7f;
    let h = 2;
    if (n === 126) (n = (all[p + 2] << 8) | all[p + 3], h = 4);
    if (p + h + n > all.length) break;
    out.push({ opcode: all[p] & 0x0f, payload: all.slice(p + h, p + h + n) });
    p += h + n;
  }
  return out;
}

describe("permessage-deflate", () => {
  it(`${runtime === "bun" ? "is negotiated" : "is declined on Deno"}, and compressed queries are answered`, async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1 });
    await server.start();
    const w = await rawWs(port, "/", [OFFER]);
    const negotiated = /sec-websocket-extensions: permessage-deflate/i.test(w.head);
    assert.equal(negotiated, runtime === "bun", w.head);
    if (!negotiated) return w.destroy();
    w.write(clientFrame(2, compressed(Uint8Array.of(1, 0)), undefined, 0x40));
    w.write(
      clientFrame(2, compressed(encodeMessage(str("(+ 1 2)"), MsgType.SYNC)), undefined, 0x40),
    );
    await until(() => frames(w).length >= 2, "two frames");
    const [handshake, answer] = frames(w);
    assert.equal(toHex(handshake.payload), "01");
    assert.equal(
      toHex(answer.payload),
      "fadeface01000002" + "0900000000000000" + "fb0300000000000000",
    );
    w.destroy();
  });

  // Where deflate is not negotiated (Deno) there is nothing to inflate: skipped, and said so.
  (runtime === "bun" ? it : it.skip)(
    "a deflate bomb is closed with 1009 and the server serves on",
    async () => {
      const port = await freePort();
      await using server = new WSServer({ port, workers: 1, maxPayload: 65536 });
      await server.start();
      const w = await rawWs(port, "/", [OFFER]);
      w.write(clientFrame(2, compressed(Uint8Array.of(1, 0)), undefined, 0x40));
      // 64 MiB of zeros in about 64 KiB: a thousand times the limit.
      const bomb = compressed(new Uint8Array(64 * 1024 * 1024));
      assert.ok(bomb.length < 128 * 1024);
      w.write(clientFrame(2, bomb, undefined, 0x40));
      await until(() => frames(w).some((f) => f.opcode === 8), "a close frame");
      const close = frames(w).find((f) => f.opcode === 8)!;
      assert.equal((close.payload[0] << 8) | close.payload[1], 1009);
      w.destroy();
      const again = await rawWs(port);
      again.frame(2, Uint8Array.of(1, 0));
      await until(() => frames(again).length >= 1, "the handshake reply");
      assert.equal(toHex(frames(again)[0].payload), "01");
      again.destroy();
    },
  );
});
