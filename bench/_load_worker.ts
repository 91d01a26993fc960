/**
 * Benchmark helper: a load generator in its own thread, so that client work does not run
 * on the event loop of the server under test. Receives {url, connections, window,
 * seconds, frame, handshake}; answers {qps, p50, p99, bytes}.
 */
import { encodeHandshake } from "../ipc/mod.ts";
import { percentile } from "./_util.ts";

interface Job {
  url: string;
  connections: number;
  window: number;
  seconds: number;
  frame: Uint8Array;
  handshake: boolean;
}

const scope = self as unknown as {
  onmessage: (e: MessageEvent) => void;
  postMessage: (m: unknown) => void;
};

async function open(url: string, n: number, handshake: boolean): Promise<WebSocket[]> {
  return await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.binaryType = "arraybuffer";
        ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
        ws.onopen = () => {
          if (!handshake) return resolve(ws);
          ws.onmessage = () => resolve(ws);
          ws.send(encodeHandshake());
        };
      })),
  );
}

scope.onmessage = async (e: MessageEvent) => {
  const job = e.data as Job;
  const sockets = await open(job.url, job.connections, job.handshake);
  const latencies: number[] = [];
  let done = 0, bytes = 0;
  const deadline = performance.now() + job.seconds * 1000;
  const t0 = performance.now();
  await Promise.all(sockets.map((ws) =>
    new Promise<void>((resolve) => {
      const sent: number[] = [];
      let stopping = false;
      const send = () => {
        sent.push(performance.now());
        ws.send(job.frame);
      };
      ws.onmessage = (m) => {
        const now = performance.now();
        latencies.push(now - sent.shift()!);
        done++;
        bytes += (m.data as ArrayBuffer).byteLength;
        if (now < deadline && !stopping) send();
        else stopping = true;
        if (stopping && sent.length === 0) resolve();
      };
      for (let i = 0; i < job.window; i++) send();
    })
  ));
  const seconds = (performance.now() - t0) / 1000;
  sockets.forEach((ws) => ws.close());
  scope.postMessage({
    qps: done / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    bytes: bytes / seconds,
  });
};
