/**
 * Engine behaviour beyond the corpus: reader error codes, the evaluation rule, dynamic
 * scope, limits, the engine's crash hazards (answered with errors here), IPC expression
 * messages, the display's limits and queries. Expected values derive from
 * `rayforce-language.md` and `rayforce-ipc.md`, as each test says.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../engine/mod.ts";
import { STANDARD_BUILTINS as BUILTINS } from "../engine/library.ts";
import { ErrorCode, i64, list, type RayObject, str, symbol, toJSON } from "../ipc/mod.ts";

function run(engine: Engine, source: string): RayObject {
  return engine.evalSource(source).value;
}

function text(engine: Engine, source: string): string {
  return engine.render(engine.evalSource(source));
}

function code(engine: Engine, source: string): number {
  const v = run(engine, source);
  assert.equal(v.type, 127, `${source} should fail`);
  return (v as { code: number }).code;
}

describe("reader", () => {
  it("answers malformed source with the engine's codes (§1.8)", () => {
    const e = new Engine();
    assert.equal(code(e, "(+ 1 2"), ErrorCode.DOMAIN);
    assert.equal(code(e, '"abc'), ErrorCode.DOMAIN);
    assert.equal(code(e, "{a: 1"), ErrorCode.DOMAIN);
    assert.equal(code(e, "[1 2"), ErrorCode.PARSE);
    assert.equal(code(e, ")"), ErrorCode.PARSE);
    assert.equal(code(e, "[1, 2]"), ErrorCode.PARSE);
    assert.equal(code(e, "{a 1}"), ErrorCode.PARSE);
    assert.equal(code(e, "1.5i"), ErrorCode.PARSE);
    assert.equal(code(e, "33000h"), ErrorCode.DOMAIN);
    assert.equal(code(e, "256x"), ErrorCode.DOMAIN);
    assert.equal(code(e, "[1 (+ 1 2)]"), ErrorCode.DOMAIN);
    assert.equal(code(e, "(fn x x)"), ErrorCode.PARSE);
  });

  it("reads literals of every type (§1.2)", () => {
    const e = new Engine();
    assert.equal(text(e, "255x"), "0xff");
    assert.equal(text(e, "5d"), "2000.01.06");
    assert.equal(text(e, "1000t"), "00:00:01.000");
    assert.equal(text(e, "-01:00:00"), "-01:00:00.000");
    assert.equal(text(e, "99999999999999999999"), "1.00e+20");
    assert.equal(text(e, "2024.02.30"), "2024.03.01");
    assert.equal(text(e, '"a\\101b"'), '"aAb"');
    assert.equal(text(e, "[1 2.5]"), "[1.00 2.50]");
    assert.equal(text(e, "#!/usr/bin/rayforce\n(+ 1 2)"), "3");
  });
});

describe("evaluation", () => {
  it("scopes dynamically through call frames and has no closures (§2.4)", () => {
    const e = new Engine();
    run(e, "(set f (fn [] x))");
    run(e, "(set g (fn [x] (f)))");
    assert.equal(text(e, "(g 5)"), "5");
    run(e, "(set mk (fn [n] (fn [x] (+ x n))))");
    assert.equal(code(e, "((mk 5) 1)"), ErrorCode.VALUE);
  });

  it("binds let locally inside lambdas and globally at top level", () => {
    const e = new Engine();
    assert.equal(text(e, "(do (let a 5) (+ a 1))"), "6");
    assert.equal(text(e, "a"), "5");
    run(e, "(set h (fn [] (let b 7) b))");
    assert.equal(text(e, "(h)"), "7");
    assert.equal(code(e, "b"), ErrorCode.VALUE);
  });

  it("refuses to rebind builtins and to call non-functions (§1.1, §2.2)", () => {
    const e = new Engine();
    assert.equal(code(e, "(set sum 1)"), ErrorCode.TYPE);
    assert.equal(code(e, "([1 2 3] 1)"), ErrorCode.TYPE);
    assert.equal(code(e, "((quote +) 1 2)"), ErrorCode.TYPE);
    assert.equal(code(e, "(-1)"), ErrorCode.TYPE);
    assert.equal(code(e, "((fn [x y] x) 1)"), ErrorCode.LENGTH);
  });

  it("recursion past 1,024 frames is a limit error, and the engine goes on", () => {
    const e = new Engine();
    run(e, "(set down (fn [n] (if (== n 0) 0 (+ 1 (down (- n 1))))))");
    assert.equal(text(e, "(down 500)"), "500");
    assert.equal(code(e, "(set loop (fn [n] (loop (+ n 1))))(loop 0)"), ErrorCode.LIMIT);
    assert.equal(text(e, "(down 10)"), "10");
  });

  it("answers the engine's crash hazards (§8.2) with errors or values, never a JS exception", () => {
    const e = new Engine();
    assert.equal(text(e, "(remove (list 1 2 3) 0)"), "(\n  2\n  3\n)");
    assert.deepEqual(toJSON(run(e, "(concat (dict [a b] [1 2]) (dict [c] [3]))")), {
      a: 1,
      b: 2,
      c: 3,
    });
    run(e, "(set two (fn [a b] (+ a b)))");
    run(e, "(set one (fn [x] (two x)))");
    assert.equal(code(e, "(one 1)"), ErrorCode.LENGTH);
    assert.equal(code(e, "(group 5)"), ErrorCode.TYPE);
  });

  it("try passes the error name with the engine's trailing NUL; raise is a user error", () => {
    const e = new Engine();
    assert.deepEqual(run(e, "(try (+ 1 'a) (fn [e] e))"), str("type\0"));
    assert.equal(text(e, '(try (raise "x") 99)'), "99");
    assert.equal(code(e, '(raise "boom")'), ErrorCode.USER);
    // The message stays in the error value for IPC clients (the engine drops it).
    assert.equal((run(e, '(raise "boom")') as { message: string }).message, "boom");
  });
});

describe("IPC expression messages (rayforce-ipc.md §4)", () => {
  it("evaluates a LIST whose head is a builtin, looks up symbols, echoes data", () => {
    const e = new Engine();
    const plus = BUILTINS.get("+")!;
    assert.deepEqual(e.evalMessage(list(plus, i64(1n), i64(2n))).value, i64(3n));
    e.evalSource("(set x 41)");
    assert.deepEqual(e.evalMessage(symbol("x")).value, i64(41n));
    assert.deepEqual(e.evalMessage(i64(7n)).value, i64(7n));
    assert.equal(e.evalMessage(list()).value.type, 126);
    // A symbol head is not a builtin: value error, as the engine.
    const v = e.evalMessage(list(symbol("+"), i64(1n), i64(2n))).value;
    assert.equal((v as { code: number }).code, ErrorCode.VALUE);
  });
});

describe("display", () => {
  it("cuts vectors at 80 characters and lists at 50 items", () => {
    const e = new Engine();
    const v = text(e, "(til 100)");
    assert.ok(v.endsWith("..]"), v);
    assert.ok(v.length <= 84);
    const l = text(e, "(map (fn [x] x) (til 60))");
    assert.ok(!l.includes("\n"));
    const lst = text(e, "(list " + Array.from({ length: 60 }, (_, i) => i).join(" ") + ")");
    assert.equal(lst.split("\n").length, 53); // ( + 50 items + .. + )
  });

  it("shows the first and last 10 rows of a long table with a separator", () => {
    const e = new Engine();
    const t = text(e, "(table [a] (list (til 30)))").split("\n");
    assert.ok(t.some((row) => row.startsWith("┆")), "separator row");
    const cells = t.filter((row) => /^│ \d+ +│$/.test(row)).map((row) => Number(row.slice(2, -1)));
    assert.deepEqual(cells, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    assert.ok(t.some((r) => r.includes("30 rows (20 shown) 1 columns (1 shown)")));
  });
});

describe("queries", () => {
  it("select with where, by and aggregates; update by; insert; upsert (§4)", () => {
    const e = new Engine();
    run(
      e,
      "(set t (table [sym price qty] (list [AAPL MSFT GOOG AAPL] [150.25 300.5 125.75 151.0] [10 20 30 40])))",
    );
    assert.deepEqual(toJSON(run(e, "(select {s: (sum qty) from: t by: sym where: (> qty 15)})")), {
      columns: { sym: ["MSFT", "GOOG", "AAPL"], s: [20, 30, 40] },
    });
    assert.deepEqual(toJSON(run(e, "(update {qty: (sum qty) from: t by: sym})")), {
      columns: {
        sym: ["AAPL", "MSFT", "GOOG", "AAPL"],
        price: [150.25, 300.5, 125.75, 151],
        qty: [50, 20, 30, 50],
      },
    });
    assert.deepEqual(toJSON(run(e, "(select {p: (first price) from: t by: (> price 140)})")), {
      columns: { price: [150.25, 125.75], p: [150.25, 125.75] },
    });
    run(e, "(insert 't (dict [qty sym] (list 7 'Z)))");
    assert.deepEqual(toJSON(run(e, "(at t 4)")), { sym: "Z", price: null, qty: 7 });
    run(e, "(upsert 't 1 (list [MSFT NEW] [1.0 2.0] [1 2]))");
    assert.equal(text(e, "(count t)"), "6");
    assert.deepEqual(toJSON(run(e, "(at (select {from: t where: (== sym 'MSFT)}) 'qty)")), [1]);
    assert.equal(code(e, "(insert t (list 'IBM 99 5))"), ErrorCode.TYPE);
    assert.equal(code(e, "(select {a: 1})"), ErrorCode.VALUE);
    assert.equal(code(e, "(select {from: 5})"), ErrorCode.TYPE);
  });
});

describe("builtins", () => {
  it("registers every stage-A builtin of rayforce-language.md §6 (74 names)", () => {
    const stageA =
      ("quote set let do if try raise return and or not + - * / % div neg round floor ceil xbar " +
        "== != < > <= >= sum avg med dev min max first last count til reverse distinct group where key value " +
        "at take concat filter in find except union sect enlist list raze dict table type as nil? asc desc " +
        "iasc idesc xasc xdesc select update insert upsert format map apply").split(" ");
    assert.equal(stageA.length, 74);
    assert.deepEqual(stageA.filter((n) => !BUILTINS.has(n)), []);
    for (const n of ["quote", "set", "let", "do", "if", "try", "and", "or"]) {
      assert.ok(BUILTINS.get(n)!.special, n);
    }
  });
});
