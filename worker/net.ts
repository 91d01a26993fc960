/**
 * The pool's network thread: it holds every TCP IPC connection opened by `hopen`, so a
 * handle is valid on every worker, and serves the engines' synchronous calls.
 *
 * An engine worker sends a request on its MessagePort and blocks with `Atomics.wait` on a
 * SharedArrayBuffer; this thread does the I/O with `UpstreamClient`, writes the answer
 * into that buffer and wakes it. Layout of the buffer: Int32 [0] state (0 waiting,
 * 1 done), [1] status (0 ok, 1 error), [2] length; then the answer's bytes (a response
 * message, a handle as text, or an error message).
 *
 * @module
 */
import { UpstreamClient } from "../upstream/client.ts";

/** Bytes reserved in each channel for an answer. */
export const CHANNEL_BYTES = 64 * 1024 * 1024;
/** Offset of the answer's bytes in a channel. */
export const CHANNEL_DATA = 16;

/** One request from an engine worker. */
export type NetRequest =
  | { op: "open"; host: string; port: number }
  | { op: "request"; handle: number; frame: Uint8Array }
  | { op: "send"; handle: number; frame: Uint8Array }
  | { op: "close"; handle: number };

interface Scope {
  onmessage: ((e: MessageEvent) => void) | null;
}

const encoder = new TextEncoder();

/** Runs the network thread on `scope`. */
export function startNet(scope: Scope): void {
  const connections = new Map<number, UpstreamClient>();
  let next = 3; // like the engine's file descriptors, handles start above 2

  /** Serves one engine worker's channel. */
  const serve = (port: MessagePort, shared: SharedArrayBuffer) => {
    const ctrl = new Int32Array(shared, 0, 4);
    const data = new Uint8Array(shared, CHANNEL_DATA);
    const answer = (ok: boolean, bytes: Uint8Array) => {
      const b = bytes.length > data.length
        ? encoder.encode(`answer of ${bytes.length} bytes is too large`)
        : bytes;
      data.set(b);
      Atomics.store(ctrl, 1, ok && b === bytes ? 0 : 1);
      Atomics.store(ctrl, 2, b.length);
      Atomics.store(ctrl, 0, 1);
      Atomics.notify(ctrl, 0);
    };
    const fail = (e: unknown) => answer(false, encoder.encode((e as Error).message ?? String(e)));
    port.onmessage = async (e: MessageEvent) => {
      const r = e.data as NetRequest;
      try {
        if (r.op === "open") {
          const client = new UpstreamClient(r.host, r.port);
          await client.connect();
          const h = next++;
          connections.set(h, client);
          client.onLost = () => connections.delete(h);
          return answer(true, encoder.encode(String(h)));
        }
        const client = connections.get(r.handle);
        if (!client) throw new Error(`handle ${r.handle} is not open`);
        if (r.op === "request") return answer(true, await client.request(r.frame));
        if (r.op === "send") {
          client.send(r.frame);
          return answer(true, new Uint8Array(0));
        }
        client.close();
        connections.delete(r.handle);
        answer(true, new Uint8Array(0));
      } catch (err) {
        fail(err);
      }
    };
  };

  scope.onmessage = (e: MessageEvent) => {
    const { port, shared } = e.data as { port: MessagePort; shared: SharedArrayBuffer };
    serve(port, shared);
  };
}
