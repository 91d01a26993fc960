/**
 * End-to-end WebSocket throughput and latency: `(+ 1 2)` as IPC frames over 1, 16 and 64
 * connections, one query in flight per connection and pipelined (16 in flight), beside a
 * bare echo server on the runtime's own WebSocket server (it sends each frame straight
 * back) measured in the same run — the ratio is the figure. The load generator runs in a
 * worker thread, as clients would run elsewhere, for the echo and for @rf/ws alike; the
 * "cached" columns are the same server with `resultCache` on, where the repeated query is
 * answered from the cache (every other query still runs on a worker); the "postMessage" columns
 * are the same server handing queries to its workers by `postMessage` instead of its rings in
 * shared memory (`handoff: "messages"`), the path before them. Then a 100,000-row
 * `(select {from: t})` returned to 16 clients, beside echoing responses of the same size.
 *
 * ```sh
 * npx deno run -A bench/ws.ts [seconds-per-case]   # default 2
 * npx bun bench/ws.ts
 * RF_BENCH_WORKERS=1 npx deno run -A bench/ws.ts    # the server's worker count (default: cores)
 * RFPY_PYTHON=~/.cache/rayforce-py-venv/bin/python npx deno run -A bench/ws.ts  # + rayforce-py
 * ```
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import process from "node:process";
import { encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { WSClient } from "../client.ts";
import { WSServer } from "../server.ts";
import { serveNative } from "../runtime/mod.ts";
import { formatTable, runtimeName } from "./_util.ts";
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";

const SECONDS = Number(process.argv[2] ?? 2);
const ECHO_PORT = 18831, RF_PORT = 18832, CACHED_PORT = 18833, MESSAGES_PORT = 18834;
const RFPY_PORT = 18835;

interface Result {
  qps: number;
  p50: number;
  p99: number;
  bytes: number;
}

/** Runs one load case in a worker thread (the load generator does not share the server's event loop). */
function load(
  url: string,
  connections: number,
  frame: Uint8Array,
  window: number,
  handshake: boolean,
): Promise<Result> {
  const worker = new Worker(new URL("./_load_worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve) => {
    worker.onmessage = (e) => {
      worker.terminate();
      resolve(e.data as Result);
    };
    worker.postMessage({ url, connections, window, seconds: SECONDS, frame, handshake });
  });
}

// The bare echo server.
const echo = await serveNative<null>({
  hostname: "127.0.0.1",
  port: ECHO_PORT,
  maxPayload: 1 << 30,
  idleTimeout: 120,
  // The server's defaults, so that the baseline pays for the same runtime settings.
  outputBudget: DEFAULTS.maxPendingOutput,
  outputCeiling: 2 * DEFAULTS.maxPayload,
}, {
  upgrade: () => null,
  fetch: () => new Response("echo"),
  open: () => {},
  message: (socket, _c, data) => socket.send(data),
  close: () => {},
  drain: () => {},
});
const server = new WSServer({
  port: RF_PORT,
  maxConnections: 200,
  maxPayload: 1 << 30,
  workers: Number(process.env.RF_BENCH_WORKERS ?? 0) || undefined,
});
await server.start();
// The same server with the result cache: a repeated query is answered without a worker.
const cached = new WSServer({
  port: CACHED_PORT,
  maxConnections: 200,
  maxPayload: 1 << 30,
  workers: Number(process.env.RF_BENCH_WORKERS ?? 0) || undefined,
  resultCache: true,
});
await cached.start();
// The same server handing queries to its workers with postMessage (the path before rings).
const messages = new WSServer({
  port: MESSAGES_PORT,
  maxConnections: 200,
  maxPayload: 1 << 30,
  workers: Number(process.env.RF_BENCH_WORKERS ?? 0) || undefined,
  handoff: "messages",
});
await messages.start();

/**
 * rayforce-py's own `WSServer` (Python, evaluating in its event loop), the server a user of
 * rayforce-py would otherwise run, when `RFPY_PYTHON` names a Python that imports rayforce
 * (rayforce-py's own test runner makes one in ~/.cache/rayforce-py-venv).
 */
async function startRayforcePy(python: string): Promise<ChildProcess> {
  const program = [
    "import asyncio",
    "from rayforce.network.websocket import WSServer",
    "async def main():",
    `    await WSServer(port=${RFPY_PORT}).start()`,
    "    await asyncio.Event().wait()",
    "asyncio.run(main())",
  ].join("\n");
  const child = spawn(python, ["-c", program], { stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(RFPY_PORT, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error("rayforce-py's WSServer did not start");
}
const rfpy = process.env.RFPY_PYTHON ? await startRayforcePy(process.env.RFPY_PYTHON) : undefined;

const query = encodeMessage(str("(+ 1 2)"), MsgType.SYNC);
const rows: (string | number)[][] = [[
  "connections",
  "in flight",
  "echo q/s",
  "@rf/ws q/s",
  "ratio",
  "p50 ms",
  "p99 ms",
  "postMessage q/s",
  "ratio",
  "cached q/s",
  "ratio",
  ...(rfpy ? ["rayforce-py q/s", "ratio", "@rf/ws ÷ rayforce-py"] : []),
]];
for (const n of [1, 16, 64]) {
  for (const window of [1, 16]) {
    const bare = await load(`ws://127.0.0.1:${ECHO_PORT}`, n, query, window, false);
    const ours = await load(`ws://127.0.0.1:${RF_PORT}`, n, query, window, true);
    const posted = await load(`ws://127.0.0.1:${MESSAGES_PORT}`, n, query, window, true);
    const hits = await load(`ws://127.0.0.1:${CACHED_PORT}`, n, query, window, true);
    const py = rfpy && await load(`ws://127.0.0.1:${RFPY_PORT}`, n, query, window, true);
    rows.push([
      n,
      window,
      bare.qps.toFixed(0),
      ours.qps.toFixed(0),
      `${(ours.qps / bare.qps * 100).toFixed(0)}%`,
      ours.p50.toFixed(2),
      ours.p99.toFixed(2),
      posted.qps.toFixed(0),
      `${(posted.qps / bare.qps * 100).toFixed(0)}%`,
      hits.qps.toFixed(0),
      `${(hits.qps / bare.qps * 100).toFixed(0)}%`,
      ...(py
        ? [
          py.qps.toFixed(0),
          `${(py.qps / bare.qps * 100).toFixed(0)}%`,
          `${(ours.qps / py.qps).toFixed(2)}×`,
        ]
        : []),
    ]);
  }
}

// A 100,000-row select to 16 clients, beside echoing a response of the same size.
const setup = await new WSClient("127.0.0.1", RF_PORT).connect();
await setup.execute(
  "(set t (table [sym price qty] (list (take [AAPL MSFT GOOG IBM] 100000) (* 1.5 (til 100000)) (til 100000))))",
);
const sizeProbe =
  encodeMessage(await setup.executeRaw("(select {from: t})"), MsgType.RESPONSE).length;
setup.close();
const bareBig = await load(`ws://127.0.0.1:${ECHO_PORT}`, 16, new Uint8Array(sizeProbe), 1, false);
const oursBig = await load(
  `ws://127.0.0.1:${RF_PORT}`,
  16,
  encodeMessage(str("(select {from: t})"), MsgType.SYNC),
  1,
  true,
);

await server.stop();
await cached.stop();
await messages.stop();
await echo.stop();
rfpy?.kill();

console.log(`bench/ws.ts — ${runtimeName()}, ${SECONDS} s per case, (+ 1 2) as IPC frames`);
console.log(formatTable(rows));
if (!rfpy) console.log("rayforce-py's WSServer: skipped (RFPY_PYTHON is not set)");
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
