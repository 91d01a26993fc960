/**
 * `UpstreamClient`: a Rayforce TCP IPC client (`rayforce-ipc.md` §2–4) on the runtime's
 * native sockets: the handshake `[user:password] 01 00` answered by one byte, framed
 * sync and async messages, responses matched to requests by order (the protocol has no
 * ids), a per-request time limit, and a clear error for a zero-size payload (what the
 * engine sends for a result it cannot serialize).
 *
 * After a time-out or a framing error the connection is closed (later responses could no
 * longer be matched); the owner reconnects.
 *
 * @module
 */
import {
  encodeHandshake,
  encodeHeader,
  FrameReader,
  HEADER_SIZE,
  MsgType,
  RayforceIPCError,
  RayforceWSError,
} from "../ipc/mod.ts";
import { connectTcp, type TcpConnection } from "../runtime/mod.ts";

/** Options of {@link UpstreamClient}. */
export interface UpstreamOptions {
  /** `user:password` sent in the handshake (the engine ignores it). */
  credentials?: string;
  /** Time to connect and complete the handshake, in ms. Default 3,000. */
  connectTimeoutMs?: number;
  /** Time a sync request waits for its response, in ms. Default 30,000. */
  requestTimeoutMs?: number;
  /** Largest response accepted, in bytes. Default 256 MiB. */
  maxSize?: number;
}

interface Waiting {
  resolve: (frame: Uint8Array) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** One TCP connection to a Rayforce engine. */
export class UpstreamClient {
  readonly host: string;
  readonly port: number;
  readonly #options: Required<UpstreamOptions>;
  #conn: TcpConnection | undefined;
  #reader: FrameReader;
  readonly #waiting: Waiting[] = [];
  /** Set when the engine answered the handshake with two bytes (Windows): drop a stray 00. */
  #skipZero = false;
  #closed = true;
  /** Called when the connection is lost (not on `close()`). */
  onLost: ((reason: string) => void) | undefined;

  constructor(host: string, port: number, options: UpstreamOptions = {}) {
    this.host = host;
    this.port = port;
    this.#options = {
      credentials: options.credentials ?? "",
      connectTimeoutMs: options.connectTimeoutMs ?? 3_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      maxSize: options.maxSize ?? 256 * 1024 * 1024,
    };
    this.#reader = new FrameReader({ maxSize: this.#options.maxSize });
  }

  /** `host:port`. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** True while connected. */
  get connected(): boolean {
    return !this.#closed;
  }

  /** Sync requests waiting for their response. */
  get inFlight(): number {
    return this.#waiting.length;
  }

  /** Connects and performs the handshake; resolves with the engine's version byte. */
  async connect(): Promise<number> {
    const conn = await withTimeout(
      connectTcp(this.host, this.port),
      this.#options.connectTimeoutMs,
      `connecting to ${this.address}`,
    );
    this.#conn = conn;
    this.#reader = new FrameReader({ maxSize: this.#options.maxSize });
    const version = await withTimeout(
      new Promise<number>((resolve, reject) => {
        conn.onData = (chunk) => {
          if (chunk.length === 0) return;
          this.#skipZero = chunk.length === 1;
          conn.onData = (c) => this.#data(c);
          if (chunk.length > 1) this.#data(chunk.subarray(chunk[1] === 0 ? 2 : 1));
          resolve(chunk[0]);
        };
        conn.onClose = () =>
          reject(new RayforceWSError(`${this.address} closed during the handshake`));
        conn.write(encodeHandshake(this.#options.credentials));
      }),
      this.#options.connectTimeoutMs,
      `handshake with ${this.address}`,
    ).catch((e) => {
      conn.close();
      throw e;
    });
    this.#closed = false;
    conn.onClose = () => this.#lost(`connection to ${this.address} lost`);
    return version;
  }

  /** Sends a complete sync message (header + payload) and resolves with the response message. */
  request(frame: Uint8Array): Promise<Uint8Array> {
    if (this.#closed || !this.#conn) {
      return Promise.reject(new RayforceWSError(`not connected to ${this.address}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.#lost(`${this.address} did not answer within ${this.#options.requestTimeoutMs} ms`),
        this.#options.requestTimeoutMs,
      );
      this.#waiting.push({ resolve, reject, timer });
      this.#conn!.write(withMsgtype(frame, MsgType.SYNC));
    });
  }

  /** Sends a complete message as async (no response). */
  send(frame: Uint8Array): void {
    if (this.#closed || !this.#conn) throw new RayforceWSError(`not connected to ${this.address}`);
    this.#conn.write(withMsgtype(frame, MsgType.ASYNC));
  }

  /** Closes the connection; waiting requests reject. */
  close(): void {
    this.#fail(`connection to ${this.address} closed`);
    this.#closed = true;
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn) {
      conn.onClose = () => {};
      conn.close();
    }
  }

  #data(chunk: Uint8Array): void {
    if (this.#skipZero && chunk.length && chunk[0] === 0 && this.#reader.buffered === 0) {
      chunk = chunk.subarray(1);
    }
    this.#skipZero = false;
    let frames;
    try {
      frames = this.#reader.push(chunk);
    } catch (e) {
      return this.#lost(`bad frame from ${this.address}: ${(e as Error).message}`);
    }
    for (const f of frames) {
      const w = this.#waiting.shift();
      if (!w) continue; // a response nobody waits for (e.g. to a msgtype 2 we sent): drop it
      clearTimeout(w.timer);
      if (f.header.size === 0) {
        w.reject(
          new RayforceIPCError(
            `${this.address} sent an empty payload: the engine could not serialize the result (it may be unstable now)`,
          ),
        );
        continue;
      }
      const out = new Uint8Array(HEADER_SIZE + f.payload.length);
      encodeHeader(MsgType.RESPONSE, f.payload.length, out, 0);
      out.set(f.payload, HEADER_SIZE);
      w.resolve(out);
    }
  }

  #fail(message: string): void {
    for (const w of this.#waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new RayforceWSError(message));
    }
  }

  #lost(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(reason);
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn) {
      conn.onClose = () => {};
      conn.close();
    }
    this.onLost?.(reason);
  }
}

/** A copy of a message with its msgtype byte set. */
function withMsgtype(frame: Uint8Array, msgtype: number): Uint8Array {
  if (frame[7] === msgtype) return frame;
  const copy = frame.slice();
  copy[7] = msgtype;
  return copy;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new RayforceWSError(`${what} timed out after ${ms} ms`)), ms);
    p.then((v) => {
      clearTimeout(t);
      resolve(v);
    }, (e) => {
      clearTimeout(t);
      reject(
        e instanceof RayforceWSError
          ? e
          : new RayforceWSError(`${what} failed: ${(e as Error).message}`),
      );
    });
  });
}
