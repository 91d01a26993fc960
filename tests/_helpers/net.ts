/** Test helper: free loopback ports and raw WebSocket exchanges. */
import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Taken below Linux's ephemeral range
 * (32768–60999): a port the kernel hands out for `listen(0)` may meanwhile be given to the
 * local end of some client connection, and the server the test then starts on it fails with
 * "address in use" (seen once in CI). Random, so that tests running at once rarely pick alike.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await listens(port)) return port;
  }
  return listenAndRelease(0);
}

/** True when a server could listen on `port` (it is released again). */
function listens(port: number): Promise<boolean> {
  return listenAndRelease(port).then(() => true, () => false);
}

/** Listens on `port` (0: any), closes, and answers the port it had. */
function listenAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(port, "127.0.0.1", () => {
      const got = (srv.address() as { port: number }).port;
      srv.close(() => resolve(got));
    });
  });
}

/** A WebSocket whose incoming frames and close event can be awaited in order. */
export class RawSocket {
  readonly ws: WebSocket;
  readonly #frames: (string | Uint8Array)[] = [];
  readonly #waiters: ((x: string | Uint8Array) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    this.closed = new Promise((
      resolve,
    ) => (this.ws.onclose = (e) => resolve({ code: e.code, reason: e.reason })));
    this.ws.onmessage = (e) => {
      const f = typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer);
      const w = this.#waiters.shift();
      if (w) w(f);
      else this.#frames.push(f);
    };
  }

  /** The next frame, or a rejection after `ms`. */
  next(ms = 5000): Promise<string | Uint8Array> {
    const f = this.#frames.shift();
    if (f !== undefined) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const waiter = (x: string | Uint8Array) => {
        clearTimeout(t);
        resolve(x);
      };
      const t = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1); // a late frame must not go to a gone waiter
        reject(new Error("no frame"));
      }, ms);
      this.#waiters.push(waiter);
    });
  }

  /** True if no frame arrives within `ms`. */
  async silent(ms = 300): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  send(data: string | Uint8Array): void {
    this.ws.send(data);
  }

  close(): void {
    this.ws.close();
  }
}
