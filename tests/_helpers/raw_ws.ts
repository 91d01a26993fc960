/**
 * Test helper: a WebSocket client on a bare TCP socket (node:net), for what the standard
 * API cannot do: send half a frame, then disconnect abruptly.
 */
import { connect, type Socket } from "node:net";

/** A WebSocket opened by hand over TCP. */
export interface RawWs {
  socket: Socket;
  /** Sends one masked client frame (opcode 1 text, 2 binary). */
  frame(opcode: number, payload: Uint8Array): void;
  /** Writes raw bytes on the TCP socket. */
  write(bytes: Uint8Array): void;
  /** Destroys the TCP socket without a close frame. */
  destroy(): void;
}

/** Encodes a masked client frame; `cut` keeps only that many of its bytes. */
export function clientFrame(opcode: number, payload: Uint8Array, cut?: number): Uint8Array {
  const n = payload.length;
  const head = n < 126
    ? [0x80 | opcode, 0x80 | n]
    : n < 65536
    ? [0x80 | opcode, 0x80 | 126, n >> 8, n & 255]
    : [
      0x80 | opcode,
      0x80 | 127,
      0,
      0,
      0,
      0,
      (n >>> 24) & 255,
      (n >>> 16) & 255,
      (n >>> 8) & 255,
      n & 255,
    ];
  const mask = [0x12, 0x34, 0x56, 0x78];
  const out = new Uint8Array(head.length + 4 + n);
  out.set(head);
  out.set(mask, head.length);
  for (let i = 0; i < n; i++) out[head.length + 4 + i] = payload[i] ^ mask[i & 3];
  return cut === undefined ? out : out.subarray(0, cut);
}

/** Opens a WebSocket by hand (HTTP upgrade over TCP) to 127.0.0.1:`port``path`. */
export function rawWs(port: number, path = "/"): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    let head = "";
    const onData = (d: Uint8Array) => {
      head += new TextDecoder().decode(d);
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      if (!/^HTTP\/1\.1 101/.test(head)) {
        return reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
      }
      resolve({
        socket,
        frame: (opcode, payload) => socket.write(clientFrame(opcode, payload)),
        write: (bytes) => socket.write(bytes),
        destroy: () => socket.destroy(),
      });
    };
    socket.on("data", onData);
    socket.on("connect", () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ));
  });
}
