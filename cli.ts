#!/usr/bin/env -S deno run -A
/**
 * The `rf-ws` command line: `serve` starts a Rayforce WebSocket server; `query` sends one
 * query to a server and prints the REPL display; `repl` is an interactive prompt.
 *
 * ```sh
 * npx -y deno run -A cli.ts serve --port 8765
 * npx -y bun cli.ts serve --port 8765
 * npx -y deno run -A cli.ts query "(+ 1 2)" --url ws://127.0.0.1:8765
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { createInterface } from "node:readline";
import { VERSION } from "./version.ts";
import { DEFAULT_HOST, DEFAULT_PORT, WSServer } from "./server.ts";
import { defaultMaxResultBytes, DEFAULTS } from "./defaults.ts";
import { isLogLevel, type LogLevel } from "./log.ts";
import type { Route } from "./upstream/gateway.ts";
import type { FsyncMode } from "./store/wal.ts";

const USAGE = `rf-ws ${VERSION} — Rayforce over WebSocket for Deno and Bun

Usage:
  rf-ws serve [options]            start a Rayforce WebSocket server
  rf-ws query "<source>" [--url]   run one query on a server and print the result
  rf-ws repl [--url]               interactive prompt against a server (history: up/down)
  rf-ws version, -V, --version    print the version
  rf-ws help, -h, --help           print this help

Options of serve:
  -p, --port <n>            TCP port (1-65535)                 [default: ${DEFAULT_PORT}]
  -H, --host <addr>         address to bind                    [default: ${DEFAULT_HOST}]
  -w, --workers <n>         worker threads evaluating queries  [default: number of cores]
      --max-payload <bytes> largest message accepted           [default: ${DEFAULTS.maxPayload}]
      --query-timeout <ms>  time limit of one query            [default: ${DEFAULTS.queryTimeoutMs}]
      --max-connections <n> concurrent connections             [default: ${DEFAULTS.maxConnections}]
      --token <token>       require this token from clients
      --log-level <level>   silent|error|warn|info|debug       [default: ${DEFAULTS.logLevel}]
      --no-console          do not serve the web console at GET /
      --upstream <list>     forward queries to Rayforce engines: rayforce://host:port[,host:port...]
      --route <how>         round-robin|least-busy|sticky      [default: ${DEFAULTS.route}]
      --tcp-port <n>        also serve Rayforce's native TCP IPC on this port
      --reuse-port          share the port with other serve processes (Linux)
      --max-result <bytes>  largest answer of one query        [default: max-payload - 1 = ${
  defaultMaxResultBytes(DEFAULTS.maxPayload)
}]
      --max-pending-output <bytes>
                            unsent output of a connection above which its next queries wait;
                            past it plus max-result the peer is closed as a slow consumer
                                                               [default: ${DEFAULTS.maxPendingOutput}]
      --max-query-memory <bytes>
                            memory one query may grow its worker by [default: ${DEFAULTS.maxQueryMemoryBytes}]
      --memory-watermark <bytes>  refuse new queries above this resident memory [default: 80% of RAM]
      --allow-read=<dir>    let read/load/get/read-csv read below dir (repeatable)
      --allow-write=<dir>   let write/set/write-csv write below dir (repeatable)
      --allow-net=<h:p>     let hopen connect to host:port (repeatable)
      --allow-system        let system, gc, memstat, sysinfo, ... run
      --allow-env           let os-get-var and os-set-var touch the environment
      --result-cache        answer repeated read-only queries from a cache while their data is unchanged
      --data <dir>          keep the database in dir (write-ahead log and snapshots); one server per dir
                                                               [default: in memory only]
      --fsync <when>        with --data: always|batch|never    [default: batch]

Options of query and repl:
  -u, --url <url>           server URL                         [default: ws://${DEFAULT_HOST}:${DEFAULT_PORT}]
      --token <token>       token for a server that requires one

  -h, --help                print this help

Run with Deno:  npx -y deno run -A cli.ts serve
Run with Bun:   npx -y bun cli.ts serve
`;

/** What `main` did, returned for tests instead of exiting the process. */
export interface CliResult {
  /** Process exit code. */
  code: number;
  /** Text for stdout. */
  stdout: string;
  /** Text for stderr. */
  stderr: string;
}

const OPTIONS = {
  port: { type: "string", short: "p" },
  host: { type: "string", short: "H" },
  workers: { type: "string", short: "w" },
  "max-payload": { type: "string" },
  "query-timeout": { type: "string" },
  "max-connections": { type: "string" },
  token: { type: "string" },
  "log-level": { type: "string" },
  "no-console": { type: "boolean" },
  upstream: { type: "string" },
  route: { type: "string" },
  "tcp-port": { type: "string" },
  "reuse-port": { type: "boolean" },
  "max-result": { type: "string" },
  "max-pending-output": { type: "string" },
  "max-query-memory": { type: "string" },
  "memory-watermark": { type: "string" },
  "allow-read": { type: "string", multiple: true },
  "allow-write": { type: "string", multiple: true },
  "allow-net": { type: "string", multiple: true },
  "allow-system": { type: "boolean" },
  "allow-env": { type: "boolean" },
  "result-cache": { type: "boolean" },
  data: { type: "string" },
  fsync: { type: "string" },
  url: { type: "string", short: "u" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`invalid --${name}: ${value}`);
  return n;
}

/**
 * Parses `argv` (without the runtime and script) and runs the command. `serve` runs until
 * SIGINT or SIGTERM.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { code, stdout } = await main(["--help"]);
 * assert.equal(code, 0);
 * assert.match(stdout, /serve/);
 * ```
 */
export async function main(argv: string[]): Promise<CliResult> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    return { code: 2, stdout: "", stderr: `rf-ws: ${(e as Error).message}\n\n${USAGE}` };
  }
  const v = parsed.values;
  const [command = "help", ...rest] = parsed.positionals;
  if (v.help || (command === "help" && !v.version)) return { code: 0, stdout: USAGE, stderr: "" };
  if (v.version || command === "version") return { code: 0, stdout: `${VERSION}\n`, stderr: "" };
  try {
    if (command === "serve") {
      const port = v.port === undefined ? DEFAULT_PORT : Number(v.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`invalid port: ${v.port}`);
      }
      if (v["log-level"] !== undefined && !isLogLevel(v["log-level"])) {
        throw new Error(`invalid --log-level: ${v["log-level"]}`);
      }
      const server = new WSServer({
        port,
        host: v.host,
        workers: integer("workers", v.workers, 1),
        maxPayload: integer("max-payload", v["max-payload"], 1024),
        queryTimeoutMs: integer("query-timeout", v["query-timeout"], 1),
        maxConnections: integer("max-connections", v["max-connections"], 1),
        token: v.token,
        logLevel: v["log-level"] as LogLevel | undefined,
        console: !v["no-console"],
        upstream: v.upstream,
        route: v.route as Route | undefined,
        tcpPort: integer("tcp-port", v["tcp-port"], 1),
        reusePort: v["reuse-port"],
        maxResultBytes: integer("max-result", v["max-result"], 1),
        maxPendingOutput: integer("max-pending-output", v["max-pending-output"], 1),
        maxQueryMemoryBytes: integer("max-query-memory", v["max-query-memory"], 1),
        memoryWatermarkBytes: integer("memory-watermark", v["memory-watermark"], 1),
        resultCache: v["result-cache"],
        dataDir: v.data,
        fsync: v.fsync as FsyncMode | undefined,
        permissions: {
          read: v["allow-read"],
          write: v["allow-write"],
          net: v["allow-net"],
          system: v["allow-system"],
          env: v["allow-env"],
        },
      });
      await server.run();
      return { code: 0, stdout: "", stderr: "" };
    }
    if (command === "query") {
      if (rest.length !== 1) throw new Error('query needs one argument: rf-ws query "(+ 1 2)"');
      const answer = await textQuery(
        v.url ?? `ws://${DEFAULT_HOST}:${DEFAULT_PORT}`,
        rest[0],
        v.token,
      );
      return {
        code: /^\n {2}× Error/.test(answer) ? 1 : 0,
        stdout: answer.endsWith("\n") ? answer : answer + "\n",
        stderr: "",
      };
    }
    if (command === "repl") {
      await repl(v.url ?? `ws://${DEFAULT_HOST}:${DEFAULT_PORT}`, v.token);
      return { code: 0, stdout: "", stderr: "" };
    }
  } catch (e) {
    return { code: 1, stdout: "", stderr: `rf-ws: ${(e as Error).message}\n` };
  }
  return { code: 2, stdout: "", stderr: `rf-ws: unknown command: ${command}\n\n${USAGE}` };
}

/** Opens a text-mode connection (the server answers each text frame with the REPL display). */
function openText(url: string, token?: string): Promise<WebSocket> {
  const full = token
    ? `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`
    : url;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(full);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
  });
}

function ask(ws: WebSocket, source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.onmessage = (e) => resolve(String(e.data));
    ws.onclose = (e) =>
      reject(new Error(`connection closed (${e.code}${e.reason ? `: ${e.reason}` : ""})`));
    ws.send(source);
  });
}

async function textQuery(url: string, source: string, token?: string): Promise<string> {
  const ws = await openText(url, token);
  try {
    return await ask(ws, source);
  } finally {
    ws.close();
  }
}

async function repl(url: string, token?: string): Promise<void> {
  const ws = await openText(url, token);
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: "‣ ",
    historySize: 1000,
  });
  let gone = "";
  // A server that goes away while the prompt waits ends the session at once, with why.
  ws.addEventListener("close", (e) => {
    gone = `server closed the connection (${e.code}${e.reason ? `: ${e.reason}` : ""})`;
    rl.close();
  });
  process.stdout.write(`connected to ${url}; Ctrl+D quits\n`);
  rl.prompt();
  for await (const line of rl) {
    if (line.trim()) {
      try {
        const answer = await ask(ws, line);
        process.stdout.write(answer.endsWith("\n") ? answer : answer + "\n");
      } catch (e) {
        gone ||= (e as Error).message;
        break;
      }
    }
    rl.prompt();
  }
  ws.close();
  if (gone) throw new Error(gone);
}

/**
 * Runs the command line with `argv` (without the runtime and script), writes its output
 * and sets the exit code: what `rf-ws`, `deno run -A cli.ts` and `deno run -A mod.ts` do.
 * (`main`'s example shows what a command returns.)
 */
export async function runCli(argv: string[]): Promise<void> {
  const result = await main(argv);
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.code;
}

if (import.meta.main) await runCli(process.argv.slice(2));
