/** What queries print reaches the server's terminal without control sequences. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { printable } from "../worker/print.ts";

describe("print to the server's stdout", () => {
  it("escapes control characters but keeps newlines, tabs and Unicode", () => {
    assert.equal(printable("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
    assert.equal(printable("x\ry\x7f\u009b2J"), "x\\x0dy\\x7f\\u009b2J");
    assert.equal(printable("line 1\n\tline 2 — ünïcode 📈"), "line 1\n\tline 2 — ünïcode 📈");
  });
});
