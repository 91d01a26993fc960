/**
 * Structured logs: one JSON object per line on stderr, quiet by default (warnings and
 * errors only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const log = new Logger("info", (line) => lines.push(line)); // stderr by default
 * log.info("listening", { port: 8765 }); // {"time":"…","level":"info","msg":"listening","port":8765}
 * log.debug("not written"); // below the level
 * assert.equal(lines.length, 1);
 * assert.deepEqual({ ...JSON.parse(lines[0]), time: 0 }, {
 *   time: 0,
 *   level: "info",
 *   msg: "listening",
 *   port: 8765,
 * });
 * ```
 *
 * @module
 */
import process from "node:process";

/** Log levels, most severe first. */
export type LogLevel = "silent" | "error" | "warn" | "info" | "debug";

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** A structured logger writing JSON lines to stderr. */
export class Logger {
  readonly #line: (line: string) => void;

  /** A logger writing the entries of `level` and above to `line` (stderr by default). */
  constructor(
    readonly level: LogLevel = "warn",
    line: (line: string) => void = (l) => process.stderr.write(l + "\n"),
  ) {
    this.#line = line;
  }

  #write(level: Exclude<LogLevel, "silent">, msg: string, fields: Record<string, unknown>): void {
    if (RANK[level] > RANK[this.level]) return;
    const line = JSON.stringify(
      { time: new Date().toISOString(), level, msg, ...fields },
      (_k, v) => typeof v === "bigint" ? v.toString() : v,
    );
    this.#line(line);
  }

  /** Logs an error. */
  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.#write("error", msg, fields);
  }
  /** Logs a warning. */
  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.#write("warn", msg, fields);
  }
  /** Logs information. */
  info(msg: string, fields: Record<string, unknown> = {}): void {
    this.#write("info", msg, fields);
  }
  /** Logs details. */
  debug(msg: string, fields: Record<string, unknown> = {}): void {
    this.#write("debug", msg, fields);
  }
}

/** True when `s` names a log level. */
export function isLogLevel(s: string): s is LogLevel {
  return s in RANK;
}
