/**
 * `print`, `println` and `show` in a worker write to the server's stdout, which is often a
 * terminal. Any client can run them, so their text must not reach the terminal raw: an
 * escape sequence could retitle the window, move the cursor over earlier log lines or, on
 * some terminals, answer back input. Control characters other than newline and tab are
 * written as `\xNN` (C0, DEL) or `\u00NN` (C1).
 *
 * @module
 */

/**
 * The text with terminal control characters made visible.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { printable } from "./print.ts";
 * assert.equal(printable("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
 * ```
 */
export function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g, (ch) => {
    const code = ch.charCodeAt(0);
    const hex = code.toString(16).padStart(2, "0");
    return code < 0x80 ? `\\x${hex}` : `\\u00${hex}`;
  });
}

/** Writes what a query printed to the server's stdout, made safe for a terminal. */
export function printToServer(text: string): void {
  const line = printable(text);
  console.log(line.endsWith("\n") ? line.slice(0, -1) : line);
}
