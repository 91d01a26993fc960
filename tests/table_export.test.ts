/**
 * The tables of a `--data` directory in the engine's splayed layout (store/table_export.ts):
 * written with every snapshot (a clean stop makes one), holding the rows inserts appended and
 * the columns updates replaced, readable by `get-splayed` (ours here; the real engine's by hand,
 * see the README); a global that is no longer a table loses its directory.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Engine } from "../engine/mod.ts";
import { encode, str } from "../ipc/mod.ts";
import { WorkerPool } from "../worker/pool.ts";
import { NODE_HOST } from "../host/node_host.ts";

describe("tables exported beside each snapshot", () => {
  it("a clean stop writes every table as a splayed directory, appends and updates included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rfws-export-"));
    try {
      const pool = new WorkerPool({ size: 2, dataDir: dir });
      const run = async (source: string) => {
        const r = await pool.run({ kind: "text", source }, "w");
        assert.equal(r.failed, false, `${source}: ${r.response}`);
      };
      await run("(set t (table [s x f] (list [a b] [1 2] [1.5 2.5])))");
      for (let k = 0; k < 20; k++) await run(`(insert 't (list 'c ${k} 0.5))`);
      await run("(set t (update {f: (* f 2.0) from: t}))");
      await run("(set gone (table [a] (list [1])))");
      await run("(set gone 5)"); // no longer a table
      await run("(set n 42)");
      await pool.close();
      assert.deepEqual(readdirSync(join(dir, "tables")).sort(), ["t"]);
      assert.deepEqual(pool.exported, { written: ["t"], skipped: [] });

      const e = new Engine();
      e.host = NODE_HOST;
      e.permissions = { read: [dir] };
      const read = e.evalMessage(str(`(get-splayed "${dir}/tables/t/")`)).value;
      const expected = e.evalMessage(
        str(
          `(table [s x f] (list (concat [a b] (take 'c 20)) (concat [1 2] (til 20)) ` +
            `(* 2.0 (concat [1.5 2.5] (take 0.5 20)))))`,
        ),
      ).value;
      assert.deepEqual(encode(read), encode(expected));

      // The next run's snapshot replaces the directory and drops a table that is gone.
      const again = new WorkerPool({ size: 1, dataDir: dir });
      const r = await again.run({ kind: "text", source: "(set t 0)" }, "w");
      assert.equal(r.failed, false);
      await again.close();
      assert.equal(existsSync(join(dir, "tables", "t")), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
