/**
 * The REPL's error block (`rayforce-ipc.md` §7.3):
 *
 * ```text
 *
 *   × Error: type
 *     ├─ expected i64, got symbol
 *
 *    ╭─[repl:1:1]
 *  1 │ (+ 1 'a)
 *    │ ▲
 *    │ ╰─ type
 *    ╰─ in λ
 * ```
 *
 * @module
 */
import { ErrorCode, errorName } from "../ipc/mod.ts";
import type { EvalError } from "./errors.ts";

/**
 * Renders an error as the REPL prints it (without colours). `file` names the source
 * (`repl` for REPL lines and text frames, `ipc` for IPC string messages).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Engine } from "./engine.ts";
 * const outcome = new Engine().evalSource("(+ 1 'a)");
 * assert.match(renderError(outcome.error!), /type/);
 * ```
 */
export function renderError(e: EvalError, file = "repl"): string {
  const name = e.code === ErrorCode.USER ? "" : errorName(e.code);
  let out = `\n  × Error: ${name}\n`;
  if (e.detail) out += `    ├─ ${e.detail}\n`;
  if (e.offset !== undefined && e.source !== undefined) {
    const before = e.source.slice(0, e.offset);
    const line = before.split("\n").length;
    const col = e.offset - before.lastIndexOf("\n");
    const text = e.source.split("\n")[line - 1];
    const gutter = Math.max(2, String(line).length);
    const pad = " ".repeat(gutter + 1);
    const caret = " ".repeat(col - 1);
    out += `\n${pad}╭─[${file}:${line}:${col}]\n`;
    out += `${String(line).padStart(gutter)} │ ${text}\n`;
    out += `${pad}│ ${caret}▲\n`;
    out += `${pad}│ ${caret}╰─${name ? " " + name : ""}\n`;
    out += `${pad}╰─ in λ\n`;
  }
  return out;
}
