/**
 * `write-csv` and `read-csv` against the engine (engine/csv.ts): writing the tables of
 * `tests/fixtures/engine-files/csv/` gives the engine's files byte for byte, and reading
 * the engine's files gives its answers byte for byte (`csv/read.json`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../engine/mod.ts";
import { printfG } from "../engine/csv.ts";
import { encode, str } from "../ipc/mod.ts";
import { toHex } from "./_helpers/corpus.ts";
import { repoRoot } from "./_helpers/runtime.ts";
import { NODE_HOST } from "../host/node_host.ts";

const CSV = repoRoot + "tests/fixtures/engine-files/csv/";

const TABLES: [string, string][] = [
  [
    "f",
    "(table [f] (list [1.0 3.25 1.0e20 -0.5 100000.0 1234567.891 0.000001 0Nf 1.0e400 0.1 123456789.0 1.0e-5 2.5e15]))",
  ],
  ["s", '(table [s c] (list [a b] (list "x,y" "q\\"z")))'],
  ["i", "(table [i j b u] (list [1i 0Ni] [-5 0Nl] [true false] (as 'U8 [0 255])))"],
  [
    "t",
    "(table [d t p] (list [2024.01.01 0Nd] [10:00:00.000 -01:00:00.000] [2024.01.01D10:00:00.000000001 0Np]))",
  ],
  ["e", "(table [a] (list []))"],
];

describe("CSV as the engine writes and reads it", () => {
  it("write-csv writes the engine's bytes: %g doubles, empty nulls, quoted fields", () => {
    const dir = mkdtempSync(join(tmpdir(), "rf-csv-"));
    try {
      const e = new Engine();
      e.host = NODE_HOST;
      e.permissions = { write: [dir] };
      for (const [name, table] of TABLES) {
        const { value } = e.evalMessage(str(`(write-csv "${dir}/${name}.csv" ${table})`));
        assert.equal(value.type, 126, `${name}: write-csv answers null`);
        assert.equal(
          readFileSync(`${dir}/${name}.csv`, "utf8"),
          readFileSync(`${CSV}${name}.csv`, "utf8"),
          name,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("read-csv of the engine's files answers what the engine answers", () => {
    const e = new Engine();
    e.host = NODE_HOST;
    e.permissions = { read: [CSV] };
    const answers = JSON.parse(readFileSync(CSV + "read.json", "utf8")) as {
      query: string;
      hex: string;
    }[];
    assert.ok(answers.length >= 4);
    for (const { query, hex } of answers) {
      const q = query.replace('"csv/', `"${CSV}`);
      assert.equal(toHex(encode(e.evalMessage(str(q)).value)), hex, query);
    }
  });

  it("a string separator is a type error, as the engine's; a char works both ways", () => {
    const dir = mkdtempSync(join(tmpdir(), "rf-csv-"));
    try {
      const e = new Engine();
      e.host = NODE_HOST;
      e.permissions = { read: [dir], write: [dir] };
      const bad = e.evalMessage(str(`(write-csv "${dir}/x.csv" (table [a] (list [1])) ";")`));
      assert.equal((bad.value as { code: number }).code, 1);
      e.evalMessage(str(`(write-csv "${dir}/x.csv" (table [a b] (list [1 2] [3.5 4.0])) ';')`));
      assert.equal(readFileSync(`${dir}/x.csv`, "utf8"), "a;b\n1;3.5\n2;4\n");
      const back = e.evalMessage(str(`(read-csv [I64 F64] "${dir}/x.csv" ';')`)).value;
      const again = e.evalMessage(str("(table [a b] (list [1 2] [3.5 4.0]))")).value;
      assert.deepEqual(encode(back), encode(again));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("printfG is C's %g", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [-0, "-0"],
      [1, "1"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
      [123456, "123456"],
      [1234567, "1.23457e+06"],
      [-2.5e-300, "-2.5e-300"],
      [1e100, "1e+100"],
      [999999.5, "1e+06"],
      [NaN, "nan"],
      [-Infinity, "-inf"],
    ];
    for (const [x, s] of cases) assert.equal(printfG(x), s, String(x));
  });
});
