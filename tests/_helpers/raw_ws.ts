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
  /** The server's 101 response head (status line and headers). */
  head: string;
  /** Bytes the server sent after its response head (frames), as they arrive. */
  received: Uint8Array[];
}

/**
 * Encodes a masked client frame; `cut` keeps only that many of its bytes; `rsv` sets the
 * reserved bits (0x40: RSV1, a permessage-deflate compressed message).
 */
export function clientFrame(
  opcode: number,
  payload: Uint8Array,
  cut?: number,
  rsv = 0,
): Uint8Array {
  const n = payload.length;
  const first = 0x80 | rsv | opcode;
  const head = n < 126 ? [first, 0x80 | n] : n < 65536 ? [first, 0x80 | 126, n >> 8, n & 255] : [
    first,
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

/**
 * Opens a WebSocket by hand (HTTP upgrade over TCP) to 127.0.0.1:`port``path`, with extra
 * request header lines (`headers`, each `Name: value`).
 */
export function rawWs(port: number, path = "/", headers: string[] = []): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    let bytes = new Uint8Array(0);
    const received: Uint8Array[] = [];
    const onData = (d: Uint8Array) => {
      const all = new Uint8Array(bytes.length + d.length);
      all.set(bytes);
      all.set(d, bytes.length);
      bytes = all;
      const text = new TextDecoder("latin1").decode(bytes);
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const head = text.slice(0, end);
      if (!/^HTTP\/1\.1 101/.test(head)) {
        return reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
      }
      if (bytes.length > end + 4) received.push(bytes.slice(end + 4));
      socket.on("data", (more: Uint8Array) => received.push(new Uint8Array(more)));
      resolve({
        socket,
        head,
        received,
        frame: (opcode, payload) => socket.write(clientFrame(opcode, payload)),
        write: (bytes) => socket.write(bytes),
        destroy: () => socket.destroy(),
      });
    };
    socket.on("data", onData);
    socket.on("connect", () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
          headers.map((h) => h + "\r\n").join("") + "\r\n",
      ));
  });
}

/** One frame the server sent (servers do not mask). */
export interface ServerFrame {
  opcode: number;
  payload: Uint8Array;
}

/**
 * Parses the server's frames out of the bytes received so far; `rest` is an incomplete
 * frame at the end (pass it back with the next bytes).
 */
export function serverFrames(bytes: Uint8Array): { frames: ServerFrame[]; rest: Uint8Array } {
  const frames: ServerFrame[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const opcode = bytes[at] & 0x0f;
    let n = bytes[at + 1] & 0x7f;
    let head = 2;
    if (n === 126) {
      if (bytes.length - at < 4) break;
      n = (bytes[at + 2] << 8) | bytes[at + 3];
      head = 4;
    } else if (n === 127) {
      if (bytes.length - at < 10) break;
      n = new DataView(bytes.buffer, bytes.byteOffset + at + 2, 8).getUint32(4);
      head = 10;
    }
    if (bytes.length - at < head + n) break;
    frames.push({ opcode, payload: bytes.slice(at + head, at + head + n) });
    at += head + n;
  }
  return { frames, rest: bytes.slice(at) };
}

/** Joins byte chunks into one array. */
export function joinBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Takes the server's complete frames out of a `RawWs`'s received bytes, as they arrive. */
export class ServerFrameReader {
  #rest: Uint8Array = new Uint8Array(0);

  /** The frames completed since the last call (the received chunks are consumed). */
  take(ws: RawWs): ServerFrame[] {
    const { frames, rest } = serverFrames(joinBytes([this.#rest, ...ws.received.splice(0)]));
    this.#rest = rest;
    return frames;
  }
}
