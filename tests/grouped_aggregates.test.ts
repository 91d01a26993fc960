/**
 * The one-pass grouped aggregates (engine/grouped_aggregates.ts): where the engine's grouped
 * aggregation computes `(agg c)`, the kernel answers exactly what the aggregate applied to
 * each group's own vector answers — the same query is run as `(agg c)` (the kernel) and as
 * `((fn [v] (agg v)) c)` (a form no kernel takes, so evaluated per group), on random tables
 * with nulls, NaN, 64-bit values at and beyond 2^53, keys of few and many groups, and with a
 * `where:`; the answers must be the same bytes. Columns `c` (32-bit values, no null: the
 * kernels' pass over the low words) and `late` (the same but for a 2^40 in its last row: that
 * pass given up at the end and its partial sums set back) cover the 32-bit passes. Where the engine refuses the column type,
 * the kernel answers a type error; for `med` and `dev`, a null per group (session
 * grouped-aggregates records the engine's answers).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../engine/mod.ts";
import { encode } from "../ipc/mod.ts";
import { groupedAggregate } from "../engine/grouped_aggregates.ts";
import { prng } from "./_helpers/random.ts";

const hex = (e: Engine, q: string) => {
  const out = e.evalSource(q);
  return out.error
    ? `error ${out.error.code}`
    : Array.from(encode(out.value), (b) => b.toString(16).padStart(2, "0")).join("");
};

describe("grouped aggregates in one pass", () => {
  const rnd = prng(3);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));
  /** A column literal of `n` values: `make(i)` or, with probability `nulls`, the null. */
  const column = (n: number, nulls: number, nul: string, make: () => string) =>
    "[" + Array.from({ length: n }, () => (rnd() < nulls ? nul : make())).join(" ") + "]";

  const AGGREGATES = ["sum", "avg", "min", "max", "dev", "med", "first", "last", "count"];
  const COLUMNS = ["x", "big", "f", "i", "h", "u", "d", "tm", "ts", "s", "c", "late"];
  /** Each column's type code. */
  const TYPES: Record<string, number> = {
    x: 5,
    big: 5,
    f: 10,
    i: 4,
    h: 3,
    u: 2,
    d: 7,
    tm: 8,
    ts: 9,
    s: 6,
    c: 5,
    late: 5,
  };

  for (const rows of [1, 7, 60, 400]) {
    it(`${rows} rows: every aggregate of every column type, by few and many keys`, () => {
      const e = new Engine();
      const n = rows;
      const ts = () => `2024.01.0${int(1, 9)}D1${int(0, 9)}:00:00.00000000${int(0, 9)}`;
      const edge = () => String([-2147483648, 2147483647, -1, 0][int(0, 4)]);
      const bits32 = () => (rnd() < 0.3 ? edge() : String(int(-1e9, 1e9)));
      const late = "[" + [...Array.from({ length: n - 1 }, bits32), "1099511627776"].join(" ") +
        "]";
      const setup = `(set t (table [k g x big f i h u d tm ts s c late] (list ` +
        [
          column(n, 0, "", () => ["a", "b", "c"][int(0, 3)]),
          column(n, 0.05, "0Nl", () => String(int(-1e6, 1e6) * 1000003)), // many groups
          column(n, 0.1, "0Nl", () => String(int(-50, 50))),
          column(n, 0.1, "0Nl", () => (rnd() < 0.2 ? "9007199254740993" : String(int(-9, 9)))),
          column(n, 0.1, "0Nf", () => (int(-500, 500) / 8).toFixed(3)),
          column(n, 0.1, "0Ni", () => `${int(-99, 99)}i`),
          column(n, 0.1, "0Nh", () => `${int(-99, 99)}h`),
          `(as 'U8 ${column(n, 0, "", () => String(int(0, 255)))})`,
          column(n, 0.1, "0Nd", () => `2024.0${int(1, 9)}.1${int(0, 9)}`),
          column(n, 0.1, "0Nt", () => `1${int(0, 9)}:00:0${int(0, 9)}.000`),
          column(n, 0.1, "0Np", ts),
          column(n, 0, "", () => ["p", "q"][int(0, 2)]),
          column(n, 0, "", bits32),
          late,
        ].join(" ") + ")))";
      assert.equal(e.evalSource(setup).error, undefined, setup);
      for (const by of ["k", "g", "x"]) {
        for (const agg of AGGREGATES) {
          for (const c of COLUMNS) {
            for (const where of ["", " where: (> x 0)"]) {
              const fused = `(select {r: (${agg} ${c}) from: t${where} by: ${by}})`;
              const perGroup = `(select {r: ((fn [v] (${agg} v)) ${c}) from: t${where} by: ${by}})`;
              const rows = e.evalSource(`(count (select {from: t${where}}))`).value;
              // No group: the grouped path answers an empty typed column (the engine's; the
              // per-group form has no value to type its column by), or the refusal.
              if ((rows as { value: bigint }).value === 0n) {
                const { value } = e.evalSource(fused);
                if (groupedAggregate(agg, TYPES[c]) === "refused") {
                  assert.equal(value.type, 127, fused);
                } else {
                  const r = (value as { values: { items: { type: number }[] } }).values.items.at(
                    -1,
                  )!;
                  assert.ok(r.type >= 1 && r.type <= 12, `${fused}: an empty typed column`);
                }
                continue;
              }
              const what = groupedAggregate(agg, TYPES[c]);
              // Where the grouped path answers otherwise than the plain aggregate: the avg of
              // dates and times (their counts averaged; a plain avg refuses them), and the
              // first or last of a U8 column (U8 there; a plain first of U8 is a b8).
              const unlikePlain = (agg === "avg" && (c === "d" || c === "tm")) ||
                ((agg === "first" || agg === "last") && c === "u");
              if (what === "computed" && unlikePlain) {
                assert.notEqual(hex(e, fused), "error 1", fused);
              } else if (what === "computed") {
                assert.equal(hex(e, fused), hex(e, perGroup), fused);
              } else if (what === "refused") assert.equal(hex(e, fused), "error 1", fused);
              else {
                const { value } = e.evalSource(fused);
                const r = (value as { values: { items: { type: number; data: Float64Array }[] } })
                  .values.items.at(-1)!;
                assert.equal(r.type, 10, fused);
                assert.ok(r.data.every((x) => Number.isNaN(x)), `${fused}: a null per group`);
              }
            }
          }
        }
      }
    });
  }

  it("a lambda's local of a column's name is the local, not the column", () => {
    const e = new Engine();
    e.evalSource("(set t (table [k x] (list [a b a] [1 2 3])))");
    const q = "((fn [x] (select {r: (sum x) from: t by: k})) 100)";
    const out = e.evalSource(q);
    assert.equal(out.error, undefined);
    assert.match(e.display(out.value), /100/);
  });
});
