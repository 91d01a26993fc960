/**
 * The tables of the database in the engine's own splayed layout, `DIR/tables/<name>/`,
 * written beside every snapshot, so that a real engine reads them with
 * `(get-splayed "DIR/tables/<name>/")` (the layout is engine/object_files.ts). This is an
 * export, not the database: the snapshot and the log are what the server loads. Each table
 * is written to a temporary directory renamed into place, so a reader sees a whole table, the
 * last exported or the one before; a global that is no longer a table loses its directory.
 * A table the layout cannot hold (a column of lambdas, an enum) is left out and named.
 *
 * @example
 * ```ts
 * import { exportTables } from "./table_export.ts";
 * import { encode } from "../ipc/mod.ts";
 * import { Engine } from "../engine/mod.ts";
 * import { mkdtempSync, readdirSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import assert from "node:assert/strict";
 * const t = new Engine().evalSource("(table [s x] (list [a b] [1 2]))").value;
 * const dir = mkdtempSync(join(tmpdir(), "rfws-export-"));
 * exportTables(dir, [{ version: 1, name: "t", bytes: encode(t) }]);
 * assert.deepEqual(readdirSync(join(dir, "tables", "t")).sort(), [".d", "s", "sym", "x"]);
 * ```
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { symbols, type Table } from "../ipc/mod.ts";
import { isFileName, splayedFiles } from "../engine/object_files.ts";
import type { StoreRecord } from "./records.ts";
import { latestValues } from "./chain_replay.ts";

/** Whether the splayed layout holds a column of this type: vectors and lists. */
const splayable = (t: Table) =>
  t.values.items.every((c) => c.type >= 0 && c.type <= 12) &&
  Array.from(t.keys.data).every((id) => isFileName(symbols.text(id)));

/** Writes the tables among `records` under `dir/tables/`; answers what it wrote and left out. */
export function exportTables(
  dir: string,
  records: StoreRecord[],
): { written: string[]; skipped: string[] } {
  const root = join(dir, "tables");
  mkdirSync(root, { recursive: true });
  const written: string[] = [], skipped: string[] = [];
  const tables = new Set<string>();
  for (const [name, value] of latestValues(records)) {
    if (value.type !== 98) continue;
    if (!splayable(value as Table) || !isFileName(name)) {
      skipped.push(name);
      continue;
    }
    tables.add(name);
    const files = splayedFiles(value as Table, [], (id) => symbols.text(id));
    const tmp = join(root, `.${name}.tmp-${crypto.randomUUID()}`);
    mkdirSync(tmp);
    if (files.symbols) writeFileSync(join(tmp, "sym"), files.symbols);
    for (const { name: column, file } of files.columns) {
      if (file.blob) writeFileSync(join(tmp, column + "#"), file.blob);
      writeFileSync(join(tmp, column), file.bytes);
    }
    writeFileSync(join(tmp, ".d"), files.names);
    const target = join(root, name);
    const old = join(root, `.${name}.old-${crypto.randomUUID()}`);
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
    written.push(name);
  }
  // A global that is no longer a table (or no longer exists) loses its directory.
  for (const entry of readdirSync(root)) {
    if (!tables.has(entry)) rmSync(join(root, entry), { recursive: true, force: true });
  }
  return { written, skipped };
}
