/**
 * End-to-end WebSocket throughput and latency: `(+ 1 2)` as IPC frames over 1, 16 and 64
 * connections, one query in flight per connection and pipelined (16 in flight), beside a
 * bare echo server on the runtime's own WebSocket server (it sends each frame straight
 * back) measured in the same run — the ratio is the figure. Then a 100,000-row
 * `(select {from: t})` returned to 16 clients, beside echoing responses of the same size.
 *
 * ```sh
 * npx deno run -A bench/ws.ts [seconds-per-case]   # default 2
 * npx bun bench/ws.ts
 * ```
 *
 * @module
 */
import process from "node:process";
import { encodeHandshake, encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { serveNative } from "../runtime/mod.ts";
import { formatTable, runtimeName } from "./_util.ts";

const SECONDS = Number(process.argv[2] ?? 2);
const ECHO_PORT = 18831, RF_PORT = 18832;

interface Result {
  qps: number;
  p50: number;
  p99: number;
  bytes: number;
}

/** Opens `n` WebSockets (performing the Rayforce handshake when `handshake`). */
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

/** Sends `frame` on every socket with `window` in flight each, for SECONDS; measures. */
async function load(sockets: WebSocket[], frame: Uint8Array, window: number): Promise<Result> {
  const latencies: number[] = [];
  let done = 0, bytes = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(sockets.map((ws) =>
    new Promise<void>((resolve) => {
      const sent: number[] = [];
      let stopping = false;
      const send = () => {
        sent.push(performance.now());
        ws.send(frame);
      };
      ws.onmessage = (e) => {
        const now = performance.now();
        latencies.push(now - sent.shift()!);
        done++;
        bytes += (e.data as ArrayBuffer).byteLength;
        if (now < deadline && !stopping) send();
        else stopping = true;
        if (stopping && sent.length === 0) resolve();
      };
      for (let i = 0; i < window; i++) send();
    })
  ));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { qps: done / seconds, p50: pct(0.5), p99: pct(0.99), bytes: bytes / seconds };
}

// The bare echo server.
const echo = await serveNative<null>({
  hostname: "127.0.0.1",
  port: ECHO_PORT,
  maxPayload: 1 << 30,
  idleTimeout: 120,
}, {
  upgrade: () => null,
  fetch: () => new Response("echo"),
  open: () => {},
  message: (socket, _c, data) => socket.send(data),
  close: () => {},
});
const server = new WSServer({ port: RF_PORT, maxConnections: 200, maxPayload: 1 << 30 });
await server.start();

const query = encodeMessage(str("(+ 1 2)"), MsgType.SYNC);
const rows: (string | number)[][] = [[
  "connections",
  "in flight",
  "echo q/s",
  "@rf/ws q/s",
  "ratio",
  "p50 ms",
  "p99 ms",
]];
for (const n of [1, 16, 64]) {
  for (const window of [1, 16]) {
    const e = await open(`ws://127.0.0.1:${ECHO_PORT}`, n, false);
    const bare = await load(e, query, window);
    e.forEach((ws) => ws.close());
    const r = await open(`ws://127.0.0.1:${RF_PORT}`, n, true);
    const ours = await load(r, query, window);
    r.forEach((ws) => ws.close());
    rows.push([
      n,
      window,
      bare.qps.toFixed(0),
      ours.qps.toFixed(0),
      `${(ours.qps / bare.qps * 100).toFixed(0)}%`,
      ours.p50.toFixed(2),
      ours.p99.toFixed(2),
    ]);
  }
}

// A 100,000-row select to 16 clients, beside echoing a response of the same size.
const setup = (await open(`ws://127.0.0.1:${RF_PORT}`, 1, true))[0];
await new Promise((resolve) => {
  setup.onmessage = resolve;
  setup.send(
    encodeMessage(
      str(
        "(set t (table [sym price qty] (list (take [AAPL MSFT GOOG IBM] 100000) (* 1.5 (til 100000)) (til 100000))))",
      ),
      MsgType.SYNC,
    ),
  );
});
const sizeProbe = await new Promise<number>((resolve) => {
  setup.onmessage = (e) => resolve((e.data as ArrayBuffer).byteLength);
  setup.send(encodeMessage(str("(select {from: t})"), MsgType.SYNC));
});
setup.close();
const bigFrame = new Uint8Array(sizeProbe);
const e16 = await open(`ws://127.0.0.1:${ECHO_PORT}`, 16, false);
const bareBig = await load(e16, bigFrame, 1);
e16.forEach((ws) => ws.close());
const r16 = await open(`ws://127.0.0.1:${RF_PORT}`, 16, true);
const oursBig = await load(r16, encodeMessage(str("(select {from: t})"), MsgType.SYNC), 1);
r16.forEach((ws) => ws.close());

await server.stop();
await echo.stop();

console.log(`bench/ws.ts — ${runtimeName()}, ${SECONDS} s per case, (+ 1 2) as IPC frames`);
console.log(formatTable(rows));
console.log(
  `\n100,000-row select (${
    (sizeProbe / 1e6).toFixed(1)
  } MB per answer) to 16 clients, one in flight each:`,
);
console.log(formatTable([
  ["server", "answers/s", "MB/s", "p50 ms", "p99 ms"],
  [
    "echo of the same bytes",
    bareBig.qps.toFixed(1),
    (bareBig.bytes / 1e6).toFixed(0),
    bareBig.p50.toFixed(1),
    bareBig.p99.toFixed(1),
  ],
  [
    "@rf/ws select",
    oursBig.qps.toFixed(1),
    (oursBig.bytes / 1e6).toFixed(0),
    oursBig.p50.toFixed(1),
    oursBig.p99.toFixed(1),
  ],
]));
process.exit(0);
