/**
 * The engine's file formats (engine/object_files.ts, engine/splayed.ts) against files the
 * real engine wrote (`tests/fixtures/engine-files/`, see its README): we read each of them to
 * the value the engine stored, and writing the same values gives the same bytes — except
 * the order of a fresh `sym` file's symbols (the engine's hash order) and the uninitialised
 * last byte of a `#` file, which are checked by what they mean instead.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine } from "../engine/mod.ts";
import { encode, type RayObject, str } from "../ipc/mod.ts";
import { readObjectFile } from "../engine/object_files.ts";
import { repoRoot } from "./_helpers/runtime.ts";
import { NODE_HOST } from "../host/node_host.ts";

const FIXTURES = repoRoot + "tests/fixtures/engine-files/";

const TYPES_TABLE = `(table [b u h i j f c s d t p g str l] (list [true false] (as 'U8 [1 255])
  (as 'I16 [1 -2]) [1i 0Ni] [5 0Nl] [0.1 0Nf] "ab" [x y] [2024.01.01 0Nd] [10:00:00.000 0Nt]
  [2024.01.01D10:00:00.000000001 0Np]
  (as 'GUID (list "d3b4e6a2-5f1c-4c8e-9a7b-2e6f0c1d8a94" "00000000-0000-0000-0000-000000000000"))
  (list "hello" "") (list 1 'a)))`;
const SPLAYED_TABLE =
  "(table [s x f d] (list [a b a] [1 2 3] [1.5 2.5 3.5] [2024.01.01 2024.01.02 2024.01.01]))";

/** The single files of `files/` and the values the engine stored in them. */
const SINGLE_FILES: [string, string][] = [
  ["vector", "[1 2 3]"],
  ["table", SPLAYED_TABLE],
  ["symbols", "[a b]"],
  ["string", `"hello"`],
  ["list", "(list 1 2)"],
];

function engineFor(dir: string): Engine {
  const e = new Engine();
  e.host = NODE_HOST;
  e.permissions = { read: [FIXTURES, dir], write: [dir] };
  return e;
}

function run(e: Engine, source: string): RayObject {
  const { value } = e.evalMessage(str(source));
  if (value.type === 127) throw new Error(`${source}: ${e.display(value)}`);
  return value;
}

/** Two values are the same when their IPC bytes are. */
function assertSame(actual: RayObject, expected: RayObject, what: string) {
  assert.deepEqual(encode(actual), encode(expected), what);
}

const bytes = (path: string) => new Uint8Array(readFileSync(path));

function withDir(body: (dir: string, e: Engine) => void) {
  const dir = mkdtempSync(join(tmpdir(), "rf-engine-files-"));
  try {
    body(dir, engineFor(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("files the engine wrote, read by ours", () => {
  it("a splayed table of symbols, integers, doubles and dates", () => {
    withDir((_dir, e) => {
      assertSame(
        run(e, `(get-splayed "${FIXTURES}splayed/")`),
        run(e, SPLAYED_TABLE),
        "get-splayed",
      );
    });
  });

  it("a splayed table of every column type (I16, GUID, strings, lists, nulls)", () => {
    withDir((_dir, e) => {
      assertSame(run(e, `(get-splayed "${FIXTURES}types/")`), run(e, TYPES_TABLE), "types");
    });
  });

  it("single files: a vector, a table, symbols, a string, a list and its # file", () => {
    withDir((_dir, e) => {
      for (const [file, literal] of SINGLE_FILES) {
        assertSame(run(e, `(get "${FIXTURES}files/${file}")`), run(e, literal), file);
      }
    });
  });

  it("a parted table: the days in order, a Date column first", () => {
    withDir((_dir, e) => {
      assertSame(
        run(e, `(get-parted "${FIXTURES}parted/" 't)`),
        run(e, "(table [Date s x] (list [2024.01.01 2024.01.01 2024.01.02] [a b c] [1 2 3]))"),
        "get-parted",
      );
    });
  });
});

describe("files ours writes, byte for byte the engine's", () => {
  it("set-splayed writes the engine's .d and column files", () => {
    withDir((dir, e) => {
      run(e, `(set-splayed "${dir}/splayed/" ${SPLAYED_TABLE})`);
      for (const file of readdirSync(FIXTURES + "splayed")) {
        assert.deepEqual(
          bytes(`${dir}/splayed/${file}`),
          bytes(FIXTURES + "splayed/" + file),
          file,
        );
      }
    });
  });

  it("every column type: the same bytes, but the symbols' order and a # file's junk byte", () => {
    withDir((dir, e) => {
      run(e, `(set-splayed "${dir}/types/" ${TYPES_TABLE})`);
      const ours = (f: string) => bytes(`${dir}/types/${f}`);
      const theirs = (f: string) => bytes(FIXTURES + "types/" + f);
      assert.deepEqual(readdirSync(`${dir}/types`).sort(), readdirSync(FIXTURES + "types").sort());
      for (const file of readdirSync(FIXTURES + "types")) {
        if (file === "sym" || file === "s") continue;
        if (file.endsWith("#")) {
          assert.deepEqual(ours(file).subarray(0, -1), theirs(file).subarray(0, -1), file);
          assert.equal(ours(file).at(-1), 0, `${file}: the byte the engine leaves uninitialised`);
        } else assert.deepEqual(ours(file), theirs(file), file);
      }
      // The column s is [x y] on both sides, whatever order each domain lists x and y in.
      const symbolsOf = (s: Uint8Array, sym: Uint8Array) => {
        const read = readObjectFile(s, () => new Uint8Array(0));
        const domain = readObjectFile(sym, () => new Uint8Array(0));
        assert.equal(read.kind, "enum");
        assert.equal(domain.kind, "value");
        if (read.kind !== "enum" || domain.kind !== "value") return [];
        const ids = (domain.value as { data: Int32Array }).data;
        return Array.from(read.indexes, (i) => ids[Number(i)]);
      };
      assert.deepEqual(symbolsOf(ours("s"), ours("sym")), symbolsOf(theirs("s"), theirs("sym")));
      assert.equal(ours("s").length, theirs("s").length);
    });
  });

  it("set of a path writes the engine's vector, message and list files", () => {
    withDir((dir, e) => {
      for (const [file, literal] of SINGLE_FILES) {
        run(e, `(set "${dir}/${file}" ${literal})`);
        assert.deepEqual(bytes(`${dir}/${file}`), bytes(FIXTURES + "files/" + file), file);
      }
      assert.deepEqual(
        bytes(`${dir}/list#`).subarray(0, -1),
        bytes(FIXTURES + "files/list#").subarray(0, -1),
      );
    });
  });

  it("set of an atom or a dict to a path is a type error, as the engine's", () => {
    withDir((dir, e) => {
      for (const x of ["5", "(dict [a] [1])"]) {
        const { value } = e.evalMessage(str(`(set "${dir}/x" ${x})`));
        assert.equal(value.type, 127, x);
        assert.equal((value as { code: number }).code, 1, x);
      }
    });
  });

  it("a symfile shared by two tables keeps its indexes and appends new symbols", () => {
    withDir((dir, e) => {
      run(e, `(set-splayed "${dir}/a/" (table [s] (list [zz qq zz])) "${dir}/sym")`);
      run(e, `(set-splayed "${dir}/b/" (table [s] (list [kk qq])) "${dir}/sym")`);
      assertSame(run(e, `(get "${dir}/sym")`), run(e, "[zz qq kk]"), "symfile");
      assertSame(
        run(e, `(get-splayed "${dir}/b/" "${dir}/sym")`),
        run(e, "(table [s] (list [kk qq]))"),
        "b",
      );
      assertSame(
        run(e, `(get-splayed "${dir}/a/" "${dir}/sym")`),
        run(e, "(table [s] (list [zz qq zz]))"),
        "a",
      );
    });
  });

  it("set-parted with a name writes partitions that get-parted reads back", () => {
    withDir((dir, e) => {
      run(
        e,
        `(set-parted "${dir}/db/" 'q (table [d s x] (list [2024.01.02 2024.01.01 2024.01.02] [a b c] [1 2 3])))`,
      );
      assert.deepEqual(readdirSync(`${dir}/db`).sort(), ["2024.01.01", "2024.01.02"]);
      assertSame(
        run(e, `(get-parted "${dir}/db/" 'q)`),
        run(
          e,
          "(table [Date d s x] (list [2024.01.01 2024.01.02 2024.01.02] [2024.01.01 2024.01.02 2024.01.02] [b a c] [2 1 3]))",
        ),
        "parted",
      );
    });
  });
});
