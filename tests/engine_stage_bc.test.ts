/**
 * Engine stages B and C, as sessions in the style of the conformance corpus. The corpus
 * covers few of these builtins, so the expected values are derived by hand from
 * `rayforce-language.md` (§3, §4.6), the section cited in each test; they are not
 * recorded engine output.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../engine/mod.ts";
import { ErrorCode, toJSON } from "../ipc/mod.ts";

/** Runs `[query, expected display]` pairs on one engine (`!code` expects that error code). */
function session(lines: [string, string][]): void {
  const e = new Engine();
  for (const [query, expected] of lines) {
    const outcome = e.evalSource(query);
    if (expected.startsWith("!")) {
      assert.equal(outcome.value.type, 127, `${query} should fail`);
      assert.equal((outcome.value as { code: number }).code, Number(expected.slice(1)), query);
    } else {
      assert.equal(e.render(outcome), expected, query);
    }
  }
}

describe("joins (§4.6)", () => {
  it("left-join and inner-join on a key", () => {
    const e = new Engine();
    e.evalSource("(set l (table [id x] (list [1 2 3] [10 20 30])))");
    e.evalSource("(set r (table [id y] (list [2 3 4] [200 300 400])))");
    assert.deepEqual(toJSON(e.evalSource("(left-join [id] l r)").value), {
      columns: { id: [1, 2, 3], x: [10, 20, 30], y: [null, 200, 300] },
    });
    assert.deepEqual(toJSON(e.evalSource("(inner-join [id] l r)").value), {
      columns: { id: [2, 3], x: [20, 30], y: [200, 300] },
    });
    // Unmatched rows make the right column a LIST holding Null.
    assert.equal(e.render(e.evalSource("(type (at (left-join [id] l r) 'y))")), "LIST");
    // An empty side returns the left table unchanged.
    assert.deepEqual(
      toJSON(e.evalSource("(left-join [id] l (take r 0))").value),
      toJSON(e.evalSource("l").value),
    );
  });

  it("asof-join: the latest right row at or before each left time (the test-suite example)", () => {
    const e = new Engine();
    e.evalSource("(set trades (table [sym ts] (list [A A] [10:00:01.000 10:00:03.000])))");
    e.evalSource(
      "(set quotes (table [sym ts bid] (list [A A A] [10:00:00.000 10:00:02.000 10:00:04.000] [99.0 100.5 101.0])))",
    );
    assert.deepEqual(toJSON(e.evalSource("(asof-join [sym ts] trades quotes)").value), {
      columns: { sym: ["A", "A"], ts: ["10:00:01.000", "10:00:03.000"], bid: [99, 100.5] },
    });
  });

  it("window-join counts the row prevailing at the window start, window-join1 does not", () => {
    const e = new Engine();
    e.evalSource("(set q (table [sym t p] (list [A A A A] [1 3 5 7] [10 20 30 40])))");
    e.evalSource("(set l (table [sym t] (list [A A] [4 8])))");
    // Windows [t-2, t]: for 4 → [2 4] holds t=3 (20), prevailing at 2 is t=1 (10); for 8 → [6 8] holds 7, prevailing 5.
    assert.deepEqual(
      toJSON(
        e.evalSource("(window-join [sym t] (list (- (at l 't) 2) (at l 't)) l q {s: (sum p)})")
          .value,
      ),
      {
        columns: { sym: ["A", "A"], t: [4, 8], s: [30, 70] },
      },
    );
    assert.deepEqual(
      toJSON(
        e.evalSource("(window-join1 [sym t] (list (- (at l 't) 2) (at l 't)) l q {s: (sum p)})")
          .value,
      ),
      {
        columns: { sym: ["A", "A"], t: [4, 8], s: [20, 40] },
      },
    );
  });
});

describe("iteration and collections (§3.6, §3.16)", () => {
  it("pmap, seeded folds and scans, unify, diverse, xrank, row", () => {
    session([
      ["(pmap (fn [x] (* x x)) [1 2 3])", "[1 4 9]"],
      ["(fold-left - 100 [1 2 3])", "[99 98 97]"], // the one observed case (§3.16)
      ["(fold-right - 100 [1 2 3])", "[-99 -98 -97]"],
      ["(scan-left + 0 [1 2 3])", "[1 3 6]"],
      ["(scan-right + 0 [1 2 3])", "[6 5 3]"],
      ["(unify (list 1 2 3))", "[1 2 3]"],
      ["(unify (list 1 'a))", "(\n  1\n  a\n)"],
      ["(diverse [1 2])", "(\n  1\n  2\n)"],
      ["(xrank [30 10 20 40] 2)", "[1 0 0 1]"],
      ["(row [5 6 7])", "3"],
    ]);
    const e = new Engine();
    e.evalSource("(set t (table [k v] (list [a b a] [1 2 3])))");
    assert.deepEqual(toJSON(e.evalSource("(select {r: (row v) from: t by: k})").value), {
      columns: { k: ["a", "b"], r: [[0, 2], [1]] },
    });
  });

  it("modify walks a nested path; alter of a table column", () => {
    session([
      ["(modify (list 1 (list 2 3)) + (list 1 0) 100)", "(\n  1\n  (102 3)\n)"], // crashed the engine (§8.2)
      ["(modify [1 2 3] set [1] 9)", "[1 9 3]"],
      ["(alter [100 200 300] + 1 10)", "[100 210 300]"],
      ["(alter [1 2 3] + 5 1)", "!5"],
    ]);
  });
});

describe("generators, environment, output (§3.7, §3.17, §3.18)", () => {
  it("rand and guid", () => {
    const e = new Engine();
    const r = toJSON(e.evalSource("(rand 100 10)").value) as number[];
    assert.equal(r.length, 100);
    assert.ok(r.every((x) => Number.isInteger(x) && x >= 0 && x < 10));
    assert.equal(e.render(e.evalSource("(count (guid 4))")), "4");
    assert.match(
      String(toJSON(e.evalSource("(first (guid 1))").value)),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    session([["(rand 5 0)", "!4"], ["(rand -1 5)", "!4"]]);
  });

  it("get, resolve, env, print, show, timeit", () => {
    const e = new Engine();
    const printed: string[] = [];
    e.print = (t) => printed.push(t);
    e.evalSource("(set a 1)");
    assert.equal(e.render(e.evalSource("(get 'a)")), "1");
    assert.equal((e.evalSource("(get 'nope)").value as { code: number }).code, ErrorCode.VALUE);
    assert.equal(e.render(e.evalSource("(resolve 'nope)")), "Null");
    assert.deepEqual(toJSON(e.evalSource("(env)").value), { a: 1 });
    assert.equal(e.evalSource('(println "x=%" 42)').value.type, 126);
    assert.equal(e.evalSource('(print "%" 1)').value.type, 126);
    assert.equal((e.evalSource('(print "% %" 1)').value as { code: number }).code, ErrorCode.PARSE);
    e.evalSource("(show (til 100))");
    assert.deepEqual(printed.slice(0, 2), ["x=42\n", "1"]);
    assert.ok(printed[2].includes(" 99]") && !printed[2].includes(".."), "show is not truncated");
    assert.equal(e.evalSource("(timeit (sum (til 1000)))").value.type, -10);
  });
});

describe("ser, de, enum (§3.12, §3.19)", () => {
  it("ser gives the IPC message bytes; de reads them back with the engine's checks", () => {
    session([
      [
        "(ser 42)", // the 80-character display budget cuts a U8 vector after 16 bytes
        "[0xfa 0xde 0xfa 0xce 0x01 0x00 0x00 0x00 0x09 0x00 0x00 0x00 0x00 0x00 0x00 0x00..]",
      ],
      ['(de (ser (list 1 "a" \'b)))', "(\n  1\n  a\n  b\n)"],
    ]);
    session([["(de [0x00 0x01])", "!4"], ["(de 5)", "!4"]]); // the engine: domain for any non-message
    const e = new Engine();
    // rayforce-ipc.md §6: (ser 42) → fa de fa ce 01 00 00 00 09 00…00 fb 2a 00…00.
    assert.deepEqual(toJSON(e.evalSource("(ser 42)").value), [
      0xfa,
      0xde,
      0xfa,
      0xce,
      1,
      0,
      0,
      0,
      9,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0xfb,
      0x2a,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    assert.deepEqual(toJSON(e.evalSource("(de (ser (table [a] (list [1 2]))))").value), {
      columns: { a: [1, 2] },
    });
  });

  it("enum encodes symbols against a global domain", () => {
    session([
      ["(set s [a b c])", "[a b c]"],
      ["(enum 's [a b c a])", "'s#[a b c a]"],
      ["(value (enum 's [c a]))", "[c a]"],
      ["(type (enum 's [a]))", "ENUM"],
      ["(enum 'missing [a])", "!1"],
      ["(enum 's [z])", "!4"],
    ]);
  });
});
