/**
 * Test helper: a fake Rayforce engine on TCP, written with node:net (independent of our
 * runtime adapters), speaking the protocol byte for byte. It answers a C8 query with an
 * i64: its own `id` for `who`, `a + b` for `(+ a b)`; `empty` gets a zero-size payload
 * (what the engine sends for an unserializable result), `slow` an answer after 1.5 s,
 * `drop` a closed connection.
 */
import { createServer, type Server, type Socket } from "node:net";

export interface FakeUpstream {
  port: number;
  /** Sync requests received. */
  requests: number;
  close(): Promise<void>;
}

function header(msgtype: number, size: number): Uint8Array {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0xcefadefa, true);
  v.setUint8(4, 1);
  v.setUint8(7, msgtype);
  v.setBigInt64(8, BigInt(size), true);
  return h;
}

function i64(n: bigint): Uint8Array {
  const p = new Uint8Array(9);
  p[0] = 0xfb;
  new DataView(p.buffer).setBigInt64(1, n, true);
  return p;
}

/** Starts a fake engine on 127.0.0.1 (`port` 0: any free port). */
export function fakeUpstream(id: number, port = 0): Promise<FakeUpstream> {
  const sockets = new Set<Socket>();
  const state = { requests: 0 };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buf = new Uint8Array(0);
    let handshaken = false;
    socket.on("data", (chunk: Uint8Array) => {
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
      if (!handshaken) {
        const end = buf.findIndex((b, i) => b === 0 && i >= 1);
        if (end < 0) return;
        handshaken = true;
        socket.write(Uint8Array.of(1));
        buf = buf.subarray(end + 1);
      }
      while (buf.length >= 16) {
        const v = new DataView(buf.buffer, buf.byteOffset);
        const size = Number(v.getBigInt64(8, true));
        if (buf.length < 16 + size) return;
        const msgtype = buf[7];
        const payload = buf.subarray(16, 16 + size);
        buf = buf.subarray(16 + size);
        const query = payload[0] === 0x0c ? new TextDecoder().decode(payload.subarray(10)) : "";
        if (msgtype !== 1) continue;
        state.requests++;
        const answer = (p: Uint8Array) => {
          const out = new Uint8Array(16 + p.length);
          out.set(header(2, p.length));
          out.set(p, 16);
          if (!socket.destroyed) socket.write(out);
        };
        if (query === "drop") {
          socket.destroy();
          return;
        }
        if (query === "empty") socket.write(header(2, 0));
        else if (query === "slow") setTimeout(() => answer(i64(1n)), 1500);
        else if (query === "who") answer(i64(BigInt(id)));
        else {
          const m = /^\(\+ (-?\d+) (-?\d+)\)$/.exec(query);
          answer(m ? i64(BigInt(m[1]) + BigInt(m[2])) : i64(BigInt(query.length)));
        }
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      resolve({
        port: (server.address() as { port: number }).port,
        get requests() {
          return state.requests;
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
