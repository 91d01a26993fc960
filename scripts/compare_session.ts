/**
 * Replays recorded engine sessions (JSONL files in the corpus's format, as `oracle.mjs`
 * writes them) through our engine and prints the lines that differ, with the reason: the
 * step between asking the real engine and adding a session to
 * `tests/fixtures/conformance/sessions/`.
 *
 * ```sh
 * npx deno run -A scripts/compare_session.ts answers.jsonl [more.jsonl …]
 * ```
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { runSession } from "../tests/_helpers/conformance.ts";
import type { CorpusLine } from "../tests/_helpers/corpus.ts";

let failed = 0;
for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusLine);
  const results = runSession(file, lines);
  for (const r of results) {
    if (!r.pass) console.log(`✗ ${r.index} ${r.query}\n    ${r.why}`);
  }
  const passed = results.filter((r) => r.pass).length;
  failed += results.length - passed;
  console.log(`${file}: ${passed}/${results.length}`);
}
process.exit(failed ? 1 : 0);
