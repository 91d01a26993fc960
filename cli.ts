#!/usr/bin/env -S deno run -A
/**
 * The `rf-ws` command line: `serve` starts a Rayforce WebSocket server.
 *
 * Run it with either runtime:
 *
 * ```sh
 * npx -y deno run -A cli.ts serve --port 8765
 * npx -y bun cli.ts serve --port 8765
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { VERSION } from "./version.ts";
import { DEFAULT_HOST, DEFAULT_PORT } from "./server.ts";

const USAGE = `rf-ws ${VERSION} — Rayforce over WebSocket for Deno and Bun

Usage:
  rf-ws serve [options]     start a Rayforce WebSocket server
  rf-ws version             print the version
  rf-ws help                print this help

Options of serve:
  -p, --port <n>            TCP port (1-65535)            [default: ${DEFAULT_PORT}]
  -H, --host <addr>         address to bind               [default: ${DEFAULT_HOST}]
  -h, --help                print this help

Run with Deno:  npx -y deno run -A cli.ts serve
Run with Bun:   npx -y bun cli.ts serve
`;

/** What `main` decided to do, returned for tests instead of exiting the process. */
export interface CliResult {
  /** Process exit code. */
  code: number;
  /** Text for stdout. */
  stdout: string;
  /** Text for stderr. */
  stderr: string;
}

/**
 * Parses `argv` (without the runtime and script) and runs the command.
 *
 * @example
 * ```ts
 * const { code, stdout } = main(["--help"]);
 * console.log(code, stdout);
 * ```
 */
export function main(argv: string[]): CliResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: "string", short: "p" },
        host: { type: "string", short: "H" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    return { code: 2, stdout: "", stderr: `rf-ws: ${(e as Error).message}\n\n${USAGE}` };
  }
  const [command = "help"] = parsed.positionals;
  if (parsed.values.help || command === "help") return { code: 0, stdout: USAGE, stderr: "" };
  if (command === "version") return { code: 0, stdout: `${VERSION}\n`, stderr: "" };
  if (command === "serve") {
    const port = parsed.values.port === undefined ? DEFAULT_PORT : Number(parsed.values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return { code: 2, stdout: "", stderr: `rf-ws: invalid port: ${parsed.values.port}\n` };
    }
    // The WebSocket server lands with its own issue; until then serve explains itself.
    return {
      code: 0,
      stdout: USAGE,
      stderr: "rf-ws: the WebSocket server is not built yet; see README.md (status).\n",
    };
  }
  return { code: 2, stdout: "", stderr: `rf-ws: unknown command: ${command}\n\n${USAGE}` };
}

if (import.meta.main) {
  const result = main(process.argv.slice(2));
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.code;
}
