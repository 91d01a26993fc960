/** The JSON mapping and the calendar arithmetic behind it. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  b8,
  c8,
  civilFromDays,
  date,
  daysFromCivil,
  dict,
  errorValue,
  f64,
  guid,
  i64,
  list,
  NULL,
  NULLS,
  str,
  symbol,
  table,
  time,
  timestamp,
  toJSON,
  Type,
  vector,
} from "../ipc/mod.ts";

describe("toJSON", () => {
  it("atoms", () => {
    assert.equal(toJSON(b8(true)), true);
    assert.equal(toJSON(i64(42n)), 42);
    assert.equal(toJSON(i64(2n ** 60n)), "1152921504606846976");
    assert.equal(toJSON(i64(NULLS.i64)), null);
    assert.equal(toJSON(f64(NaN)), null);
    assert.equal(toJSON(f64(1.5)), 1.5);
    assert.equal(toJSON(symbol("AAPL")), "AAPL");
    assert.equal(toJSON(c8("x")), "x");
    assert.equal(toJSON(date(8766)), "2024-01-01");
    assert.equal(toJSON(time(45_000_500)), "12:30:00.500");
    assert.equal(toJSON(time(-3_600_000)), "-01:00:00.000");
    assert.equal(toJSON(timestamp(757_427_400_000_000_001n)), "2024-01-01T12:30:00.000000001Z");
    assert.equal(
      toJSON(guid("00112233-4455-6677-8899-aabbccddeeff")),
      "00112233-4455-6677-8899-aabbccddeeff",
    );
    assert.equal(toJSON(guid(new Uint8Array(16))), null);
    assert.equal(toJSON(NULL), null);
  });

  it("vectors, strings, lists, dicts, tables, errors", () => {
    assert.deepEqual(toJSON(vector(Type.I64, [1n, NULLS.i64])), [1, null]);
    assert.equal(toJSON(str("héllo")), "héllo");
    assert.deepEqual(toJSON(list(i64(1n), str("a"), symbol("b"))), [1, "a", "b"]);
    assert.deepEqual(toJSON(dict(vector(Type.SYMBOL, ["a", "b"]), vector(Type.I64, [1n, 2n]))), {
      a: 1,
      b: 2,
    });
    assert.deepEqual(toJSON(dict(vector(Type.I64, [1n]), list(str("x")))), {
      keys: [1],
      values: ["x"],
    });
    assert.deepEqual(
      toJSON(table(["sym", "px"], [vector(Type.SYMBOL, ["A", "B"]), vector(Type.F64, [1.5, 2])])),
      { columns: { sym: ["A", "B"], px: [1.5, 2] } },
    );
    assert.deepEqual(toJSON(errorValue(1, "expected i64")), {
      error: "type",
      code: 1,
      message: "expected i64",
    });
    assert.deepEqual(toJSON(errorValue(11, "boom")), { error: "boom", code: 11, message: "boom" });
  });
});

describe("calendar", () => {
  it("round-trips every 97th day over ±2,000,000 days and agrees with Date where Date applies", () => {
    for (let d = -2_000_000; d <= 2_000_000; d += 97) {
      const c = civilFromDays(d);
      assert.equal(daysFromCivil(c.year, c.month, c.day), d);
      if (Math.abs(d) < 100_000) {
        const js = new Date(Date.UTC(2000, 0, 1) + d * 86_400_000);
        assert.deepEqual(c, {
          year: js.getUTCFullYear(),
          month: js.getUTCMonth() + 1,
          day: js.getUTCDate(),
        });
      }
    }
  });
});
