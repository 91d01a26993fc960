/**
 * A TCP IPC endpoint speaking the engine's native protocol, so real Rayforce processes
 * (`hopen`) and rayforce-py's TCP client can query @rf/ws: the handshake ends at the
 * first `00` at position ≥ 2 and is answered with `01`; then messages are framed as on
 * WebSocket, sync ones answered in order, async ones not. A bad header or an oversized
 * message closes that connection only.
 *
 * @module
 */
import {
  encodeHeader,
  FrameReader,
  HANDSHAKE_REPLY,
  HEADER_SIZE,
  parseHandshake,
  replyStyle,
} from "../ipc/mod.ts";
import type { Logger } from "../log.ts";
import { listenTcp, type TcpListener } from "../runtime/mod.ts";
import type { TaskRequest, TaskResult } from "../worker/pool.ts";

/** Options of {@link serveTcpIpc}. */
export interface TcpIpcOptions {
  host: string;
  port: number;
  /** Largest message accepted, in bytes. */
  maxPayload: number;
  /** Required token (the handshake credentials `token` or `user:token`). */
  token?: string;
  /** Evaluates one request for a session (the server's worker or upstream pool). */
  run(request: TaskRequest, session: string): Promise<TaskResult>;
  /** A connection completed its handshake (`"open"`), or one that had closed (`"close"`). */
  connection?(event: "open" | "close", session: string): void;
  log: Logger;
}

/** The longest handshake accepted before the connection is dropped. */
const MAX_HANDSHAKE = 1024;

/** Starts the TCP IPC endpoint. */
export function serveTcpIpc(options: TcpIpcOptions): Promise<TcpListener> {
  return listenTcp(options.host, options.port, (conn) => {
    const session = `tcp-${crypto.randomUUID()}`;
    let handshake: number[] | undefined = [];
    const reader = new FrameReader({ maxSize: options.maxPayload });
    conn.onData = (chunk) => {
      let rest = chunk;
      if (handshake) {
        let end = -1;
        for (let i = 0; i < chunk.length; i++) {
          handshake.push(chunk[i]);
          if (chunk[i] === 0 && handshake.length >= 2) {
            end = i;
            break;
          }
        }
        if (end < 0) {
          if (handshake.length > MAX_HANDSHAKE) conn.close();
          return;
        }
        const hs = parseHandshake(Uint8Array.from(handshake));
        const token = options.token;
        if (!hs || (token && hs.credentials !== token && hs.password !== token)) {
          options.log.warn("tcp handshake refused", { remote: conn.remote });
          conn.close();
          return;
        }
        handshake = undefined;
        conn.write(HANDSHAKE_REPLY);
        options.connection?.("open", session);
        rest = chunk.subarray(end + 1);
        if (rest.length === 0) return;
      }
      let frames;
      try {
        frames = reader.push(rest);
      } catch (e) {
        options.log.warn("tcp protocol violation", {
          remote: conn.remote,
          reason: (e as Error).message,
        });
        conn.close();
        return;
      }
      for (const f of frames) {
        const frame = new Uint8Array(HEADER_SIZE + f.payload.length);
        encodeHeader(f.header.msgtype, f.payload.length, frame, 0, f.header.flags);
        frame.set(f.payload, HEADER_SIZE);
        const request = {
          kind: "ipc",
          frame: frame.buffer,
          reply: replyStyle(frame, "tcp"),
        } as const;
        options.run(request, session).then((r) => {
          if (r.response instanceof ArrayBuffer) conn.write(new Uint8Array(r.response));
        });
      }
    };
    conn.onClose = () => {
      options.log.debug("tcp close", { remote: conn.remote });
      if (!handshake) options.connection?.("close", session);
    };
  });
}
