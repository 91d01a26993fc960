/**
 * Every `@example` in the sources asserts something (Deno std's rule): `npm test` runs them
 * with `deno test --doc` (package.json `test:doc`), and an example that asserts nothing
 * would pass whatever the code does.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const SKIP = new Set(["node_modules", "dist", "tests", "bench", "scripts", ".git", "test-output"]);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith(".ts") && name !== "client_bundle.ts") out.push(path);
  }
  return out;
}

/** The code of each `@example` block of a file, with its line. */
function examples(text: string): { line: number; code: string }[] {
  const found: { line: number; code: string }[] = [];
  const re =
    /@example[^\n]*\n(?:\s*\*[^\n]*\n)*?\s*\* ```(ts|typescript)?[^\n]*\n((?:\s*\*[^\n]*\n)*?)\s*\* ```/g;
  for (const m of text.matchAll(re)) {
    found.push({ line: text.slice(0, m.index).split("\n").length, code: m[2] });
  }
  return found;
}

describe("doc examples", () => {
  it("every @example asserts (node:assert) or throws on a wrong result", () => {
    const files = sources(ROOT);
    assert.ok(files.length > 100, "found the sources");
    let count = 0;
    const silent: string[] = [];
    for (const file of files) {
      for (const { line, code } of examples(readFileSync(file, "utf8"))) {
        count++;
        if (!/\bassert\b|throw new Error/.test(code)) {
          silent.push(`${file.slice(ROOT.length)}:${line}`);
        }
      }
    }
    assert.ok(count > 80, `found the examples (${count})`);
    assert.deepEqual(silent, [], "examples that assert nothing");
  });
});
