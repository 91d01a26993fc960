/**
 * Conformance: every session of `tests/fixtures/conformance/` replayed through a fresh engine,
 * scored line by line (see `_helpers/conformance.ts`). The score is printed per session
 * and in total. `tests/conformance.passing.txt` lists every line that passed: a line in it
 * that no longer passes fails the test (the set only grows). After an improvement, run
 * `RF_CONFORMANCE_UPDATE=1 npx deno test -A tests/conformance.test.ts` to record it;
 * `RF_CONFORMANCE_REPORT=session` prints that session's failing lines with the reason.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { loadCorpus } from "./_helpers/corpus.ts";
import { lineKey, type LineResult, runSession } from "./_helpers/conformance.ts";
import { repoRoot } from "./_helpers/runtime.ts";

const PASSING_FILE = repoRoot + "tests/conformance.passing.txt";

describe("conformance with the real engine", () => {
  const results: LineResult[] = [];
  const corpus = loadCorpus();
  for (const [session, lines] of corpus) {
    it(`session ${session}`, () => {
      const r = runSession(session, lines);
      results.push(...r);
      const passed = r.filter((x) => x.pass).length;
      console.log(`conformance ${session}: ${passed}/${r.length}`);
      const report = process.env.RF_CONFORMANCE_REPORT;
      if (report === session || report === "all") {
        for (const x of r) if (!x.pass) console.log(`  ✗ ${x.index} ${x.query}\n      ${x.why}`);
      }
    });
  }

  it("no line that passed before regresses", () => {
    const passed = new Set(results.filter((r) => r.pass).map(lineKey));
    const total = results.length;
    console.log(
      `conformance total: ${passed.size}/${total} (${(100 * passed.size / total).toFixed(1)}%)`,
    );
    const before = existsSync(PASSING_FILE)
      ? readFileSync(PASSING_FILE, "utf8").split("\n").filter((l) => l)
      : [];
    const regressed = before.filter((k) => !passed.has(k));
    if (process.env.RF_CONFORMANCE_UPDATE && regressed.length === 0) {
      writeFileSync(PASSING_FILE, [...passed].sort().join("\n") + "\n");
    }
    assert.deepEqual(regressed, [], `${regressed.length} corpus lines regressed`);
  });
});
