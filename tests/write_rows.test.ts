/**
 * `writeRows` (engine/tables.ts), what `update … where:` and `upsert` write with: an atom of the
 * column's type goes through a copy-and-fill path of its own (i64 by words); every other value
 * through the general one. Both answer a new column with the value at the rows and the rest
 * untouched, the old column unchanged.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeRows } from "../engine/tables.ts";
import { type Atom, type RayObject, symbols, type Vector } from "../ipc/mod.ts";

const rows = Int32Array.of(0, 3, 4, 9);
const n = 10;

function check(col: Vector, value: RayObject, expected: unknown[]) {
  const before = Array.from(col.data as ArrayLike<unknown>);
  const out = writeRows(col, rows, n, value) as Vector;
  assert.equal(out.type, col.type);
  assert.deepEqual(Array.from(out.data as ArrayLike<unknown>), expected);
  assert.deepEqual(Array.from(col.data as ArrayLike<unknown>), before, "the old column unchanged");
  assert.notEqual(out.data.buffer, col.data.buffer);
}

describe("writeRows", () => {
  const at = (i: number) => rows.includes(i);
  it("an atom of the column's type, for every fixed-width type", () => {
    for (const x of [-5n, 7n, -(2n ** 62n) - 3n, 2n ** 40n + 1n]) {
      const col: Vector = { type: 5, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)) };
      check(
        col,
        { type: -5, value: x },
        Array.from({ length: n }, (_, i) => at(i) ? x : BigInt(i)),
      );
    }
    const ts: Vector = { type: 9, data: new BigInt64Array(n) };
    check(ts, { type: -9, value: -1n }, Array.from({ length: n }, (_, i) => at(i) ? -1n : 0n));
    const f: Vector = { type: 10, data: Float64Array.from({ length: n }, (_, i) => i / 2) };
    check(f, { type: -10, value: NaN }, Array.from({ length: n }, (_, i) => at(i) ? NaN : i / 2));
    const i32: Vector = { type: 4, data: Int32Array.from({ length: n }, (_, i) => -i) };
    check(i32, { type: -4, value: 42 }, Array.from({ length: n }, (_, i) => at(i) ? 42 : -i));
    const id = symbols.intern("zed");
    const s: Vector = { type: 6, data: new Int32Array(n) };
    check(s, { type: -6, value: id } as Atom, Array.from({ length: n }, (_, i) => at(i) ? id : 0));
    const b: Vector = { type: 1, data: new Uint8Array(n) };
    check(b, { type: -1, value: 1 }, Array.from({ length: n }, (_, i) => at(i) ? 1 : 0));
  });

  it("other values: an f64 into an i64 column truncates, a vector gives one value per row", () => {
    const col: Vector = { type: 5, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)) };
    check(
      col,
      { type: -10, value: -2.7 },
      Array.from({ length: n }, (_, i) => at(i) ? -2n : BigInt(i)),
    );
    const perRow: Vector = { type: 5, data: BigInt64Array.of(100n, 103n, 104n, 109n) };
    check(col, perRow, Array.from({ length: n }, (_, i) => at(i) ? BigInt(100 + i) : BigInt(i)));
    const whole: Vector = {
      type: 5,
      data: BigInt64Array.from({ length: n }, (_, i) => BigInt(-i)),
    };
    check(col, whole, Array.from({ length: n }, (_, i) => at(i) ? BigInt(-i) : BigInt(i)));
    assert.throws(
      () => writeRows(col, rows, n, { type: 5, data: new BigInt64Array(3) }),
      (e) => (e as { code?: number }).code === 3, // a length error
    );
  });
});
