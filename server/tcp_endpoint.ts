/**
 * The TCP IPC endpoint: the engine's native protocol on a TCP port, so that real Rayforce
 * processes (`hopen`) and rayforce-py's TCP client can query @rf/ws. A thin adapter over
 * {@link RayforceSession}, like the WebSocket one: it cuts the byte stream into the
 * handshake (up to the first `00` at position ≥ 2) and IPC messages, and caps connections
 * (a new one first closes the oldest that has not handshaken). Handshake time-out, token,
 * queries in flight, flow control and statistics are the session's, as on WebSocket.
 *
 * @module
 */
import { encodeHeader, FrameReader, HEADER_SIZE } from "../ipc/mod.ts";
import type { Logger } from "../log.ts";
import { listenTcp, type TcpConnection, type TcpListener } from "../runtime/mod.ts";
import type { SessionCounters } from "../session/counters.ts";
import {
  RayforceSession,
  type SessionEvaluator,
  type SessionLimits,
  type SessionOptions,
} from "../session/rayforce_session.ts";
import type { Metric } from "../metrics.ts";

/** Options of {@link serveTcpIpc}. */
export interface TcpIpcOptions {
  host: string;
  port: number;
  /** Required token (the handshake credentials `token` or `user:token`). */
  token?: string;
  /** Connections open at once. */
  maxConnections: number;
  limits: SessionLimits;
  evaluator: SessionEvaluator;
  /** Live-table subscriptions (`.u.sub`), see `SessionOptions.subscribe`. */
  subscribe?: SessionOptions["subscribe"];
  /** Gives the handle passed to `.z.po`/`.z.pc` (shared with the WebSocket sessions). */
  nextHandle(): number;
  counters: SessionCounters;
  log: Logger;
}

/** Connections of the TCP endpoint: open now, accepted, closed before their handshake. */
export interface TcpStats {
  /** Connections open now. */
  current: number;
  /** Connections accepted since the start. */
  total: number;
  /** Connections closed before their handshake: a limit, a time-out, a refused handshake. */
  refused: number;
}

/** The TCP IPC endpoint: its listener and its connection counts. */
export interface TcpIpcEndpoint extends TcpListener {
  stats(): TcpStats;
  /** Its figures for `GET /metrics`. */
  metrics(): Metric[];
}

/** The longest handshake accepted before the connection is dropped. */
const MAX_HANDSHAKE = 1024;

/** Starts the TCP IPC endpoint. */
export async function serveTcpIpc(options: TcpIpcOptions): Promise<TcpIpcEndpoint> {
  /** Open connections, oldest first. */
  const open = new Map<TcpConnection, RayforceSession>();
  const counts = { total: 0, refused: 0 };
  const listener = await listenTcp(options.host, options.port, (conn) => {
    counts.total++;
    if (open.size >= options.maxConnections) {
      // The oldest connection that has not handshaken makes room; with none, this one goes.
      const oldest = [...open].find(([, s]) => s.mode === "new" && !s.closing)?.[1];
      if (!oldest) {
        counts.refused++;
        options.log.warn("tcp connection refused: server full", { remote: conn.remote });
        conn.close();
        return;
      }
      oldest.close(1013, "server full: handshake not sent in time");
    }
    const session = new RayforceSession({
      id: `tcp-${crypto.randomUUID()}`,
      remote: conn.remote,
      transport: {
        kind: "tcp",
        send: (data) =>
          conn.write(
            typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data),
          ),
        close: (code, reason) => {
          if (session.mode === "new") counts.refused++;
          options.log.debug("tcp close", { remote: conn.remote, code, reason });
          conn.close();
        },
      },
      evaluator: options.evaluator,
      subscribe: options.subscribe,
      limits: options.limits,
      token: options.token,
      authorized: !options.token,
      nextHandle: options.nextHandle,
      counters: options.counters,
      log: options.log,
    });
    open.set(conn, session);
    const stream = new TcpMessages(options.limits.maxPayload);
    conn.onData = (chunk) => {
      try {
        for (const message of stream.push(chunk)) {
          session.receive(message);
          if (session.closing) return;
        }
      } catch (e) {
        session.close(1002, (e as Error).message);
      }
    };
    conn.onDrain = () => session.drain(0);
    conn.onClose = () => {
      open.delete(conn);
      session.closed();
    };
  });
  const stats = () => ({ current: open.size, ...counts });
  return {
    port: listener.port,
    stop: () => listener.stop(),
    stats,
    metrics: () => {
      const s = stats();
      return [
        ["rfws_tcp_connections", "gauge", "Open TCP IPC connections", s.current],
        ["rfws_tcp_connections_total", "counter", "TCP IPC connections accepted", s.total],
        [
          "rfws_tcp_refused_total",
          "counter",
          "TCP IPC connections closed before their handshake (limit, time-out, refused)",
          s.refused,
        ],
      ];
    },
  };
}

/**
 * Cuts a TCP byte stream into Rayforce messages: first the handshake (through its `00`),
 * then whole IPC messages (header and payload), each as its own `ArrayBuffer`.
 */
class TcpMessages {
  #handshake: number[] | undefined = [];
  readonly #reader: FrameReader;

  constructor(maxPayload: number) {
    this.#reader = new FrameReader({ maxSize: maxPayload });
  }

  /** The messages `chunk` completes; throws on a malformed header or an oversized one. */
  push(chunk: Uint8Array): ArrayBuffer[] {
    const out: ArrayBuffer[] = [];
    let rest = chunk;
    const hs = this.#handshake;
    if (hs) {
      let end = -1;
      for (let i = 0; i < chunk.length; i++) {
        hs.push(chunk[i]);
        if (chunk[i] === 0 && hs.length >= 2) {
          end = i;
          break;
        }
      }
      if (end < 0) {
        if (hs.length > MAX_HANDSHAKE) {
          throw new Error(`bad handshake: no 00 in its first ${MAX_HANDSHAKE} bytes`);
        }
        return out;
      }
      out.push(Uint8Array.from(hs).buffer);
      this.#handshake = undefined;
      rest = chunk.subarray(end + 1);
      if (rest.length === 0) return out;
    }
    for (const f of this.#reader.push(rest)) {
      const frame = new Uint8Array(HEADER_SIZE + f.payload.length);
      encodeHeader(f.header.msgtype, f.payload.length, frame, 0, f.header.flags);
      frame.set(f.payload, HEADER_SIZE);
      out.push(frame.buffer);
    }
    return out;
  }
}
