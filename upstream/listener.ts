/**
 * A TCP IPC endpoint speaking the engine's native protocol, so real Rayforce processes
 * (`hopen`) and rayforce-py's TCP client can query @rf/ws: the handshake ends at the
 * first `00` at position ≥ 2 and is answered with `01`; then messages are framed as on
 * WebSocket, sync ones answered in order, async ones not. A bad header or an oversized
 * message closes that connection only.
 *
 * Like a WebSocket connection, a TCP one is bounded: it has `handshakeTimeoutMs` to send its
 * handshake, at most `maxConnections` are open (a new one first closes the oldest that has
 * not handshaken), and `maxInFlight` of its queries run at once; the rest are refused with
 * a `limit` error, in order, and a peer that goes on sending regardless is disconnected.
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
import { listenTcp, type TcpConnection, type TcpListener } from "../runtime/mod.ts";
import type { TaskRequest, TaskResult } from "../worker/pool.ts";
import { ErrorCode } from "../ipc/mod.ts";
import { failureResult } from "../worker/failure.ts";
import { AnswerOrder } from "../session/answer_order.ts";

/** Options of {@link serveTcpIpc}. */
export interface TcpIpcOptions {
  host: string;
  port: number;
  /** Largest message accepted, in bytes. */
  maxPayload: number;
  /** Required token (the handshake credentials `token` or `user:token`). */
  token?: string;
  /** Time a connection has to send its handshake, in ms. */
  handshakeTimeoutMs: number;
  /** Connections open at once. */
  maxConnections: number;
  /** Queries of one connection running at once. */
  maxInFlight: number;
  /** Evaluates one request for a session (the server's worker or upstream pool). */
  run(request: TaskRequest, session: string): Promise<TaskResult>;
  /** A query was refused (the connection's cap). */
  refused?(): void;
  /** A connection completed its handshake (`"open"`), or one that had closed (`"close"`). */
  connection?(event: "open" | "close", session: string): void;
  log: Logger;
}

/** The TCP IPC endpoint: its listener and its connection counts. */
export interface TcpIpcEndpoint extends TcpListener {
  /** Connections open now, accepted in all, and closed for a limit or a violation. */
  stats(): { current: number; total: number; refused: number };
}

/** The longest handshake accepted before the connection is dropped. */
const MAX_HANDSHAKE = 1024;

/** Starts the TCP IPC endpoint. */
export async function serveTcpIpc(options: TcpIpcOptions): Promise<TcpIpcEndpoint> {
  /** Open connections, oldest first, and whether each has handshaken. */
  const open = new Map<TcpConnection, { handshaken: boolean }>();
  const counts = { total: 0, refused: 0 };
  const listener = await listenTcp(options.host, options.port, (conn) => {
    counts.total++;
    if (open.size >= options.maxConnections) {
      // The oldest connection that has not handshaken makes room; with none, this one goes.
      counts.refused++;
      const oldest = [...open].find(([, s]) => !s.handshaken)?.[0];
      if (!oldest) {
        options.log.warn("tcp connection refused: server full", { remote: conn.remote });
        conn.close();
        return;
      }
      open.delete(oldest);
      oldest.close();
    }
    const state = { handshaken: false };
    open.set(conn, state);
    const session = `tcp-${crypto.randomUUID()}`;
    let handshake: number[] | undefined = [];
    const timer = setTimeout(() => {
      if (!handshake) return;
      counts.refused++;
      options.log.warn("tcp handshake timeout", { remote: conn.remote });
      conn.close();
    }, options.handshakeTimeoutMs);
    const reader = new FrameReader({ maxSize: options.maxPayload });
    const answers = new AnswerOrder<ArrayBuffer>({
      maxInFlight: options.maxInFlight,
      send: (bytes) => conn.write(new Uint8Array(bytes)),
    });
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
          counts.refused++;
          options.log.warn("tcp handshake refused", { remote: conn.remote });
          conn.close();
          return;
        }
        handshake = undefined;
        clearTimeout(timer);
        state.handshaken = true;
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
        const ticket = answers.admit((why) =>
          failureResult(request, ErrorCode.LIMIT, why).response as ArrayBuffer | null
        );
        if (ticket === "flood") {
          counts.refused++;
          options.log.warn("tcp peer floods queries", { remote: conn.remote });
          conn.close();
          return;
        }
        if (ticket === "refused") {
          options.refused?.();
          continue;
        }
        options.run(request, session).then((r) =>
          answers.finish(ticket, r.response instanceof ArrayBuffer ? r.response : null)
        );
      }
    };
    conn.onClose = () => {
      clearTimeout(timer);
      open.delete(conn);
      options.log.debug("tcp close", { remote: conn.remote });
      if (!handshake) options.connection?.("close", session);
    };
  });
  return {
    port: listener.port,
    stop: () => listener.stop(),
    stats: () => ({ current: open.size, ...counts }),
  };
}
