/** Round-trip properties: decode(encode(x)) is x, for random objects of every type. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decode,
  encode,
  encodedSize,
  i64,
  list,
  NULL,
  NULLS,
  QUOTED_SYMBOL,
  type RayObject,
  str,
  symbol,
  symbols,
  table,
  Type,
  vector,
} from "../ipc/mod.ts";
import { RandomObjects, VECTOR_TYPES } from "./_helpers/random.ts";
import { toHex } from "./_helpers/corpus.ts";

/** Encodes with error messages (what our own peers get), decodes, and encodes again. */
function roundTrip(x: RayObject, where: string): void {
  const bytes = encode(x, WITH_MESSAGES);
  assert.equal(bytes.length, encodedSize(x, WITH_MESSAGES), `${where}: encodedSize`);
  const back = decode(bytes);
  assert.deepEqual(back, x, where);
  assert.equal(toHex(encode(back, WITH_MESSAGES)), toHex(bytes), `${where}: re-encoding`);
}

const WITH_MESSAGES = { errorMessages: true };

describe("IPC round trip", () => {
  it("every atom and vector type, including nulls and empty vectors", () => {
    const r = new RandomObjects(1);
    for (const t of VECTOR_TYPES) {
      for (let i = 0; i < 50; i++) {
        roundTrip(r.atom(t), `atom ${t} #${i}`);
        roundTrip(r.vector(t), `vector ${t} #${i}`);
      }
      roundTrip(r.vector(t, 0), `empty vector ${t}`);
    }
  });

  it("i64 and timestamp are exact over the whole range, null included", () => {
    for (const v of [NULLS.i64, -(2n ** 63n) + 1n, 2n ** 63n - 1n, 2n ** 53n + 1n, -1n, 0n]) {
      const back = decode(encode(i64(v)));
      assert.equal((back as { value: bigint }).value, v);
      const vec = decode(encode(vector(Type.TIMESTAMP, [v, v - 1n])));
      assert.deepEqual(Array.from((vec as { data: BigInt64Array }).data), [
        v,
        BigInt.asIntN(64, v - 1n),
      ]);
    }
  });

  it("I16 vectors serialize (an improvement over the engine)", () => {
    const v = vector(Type.I16, [1, -2, NULLS.i16]);
    assert.equal(toHex(encode(v)), "03000300000000000000" + "0100" + "feff" + "0080");
    roundTrip(v, "I16");
  });

  it("nested lists, dicts and tables", () => {
    roundTrip(list(list(list(i64(1n)), list()), str("x")), "nested lists");
    roundTrip(
      table(["a", "b"], [vector(Type.I64, [1n, 2n]), list(str("x"), NULL)]),
      "table with a LIST column",
    );
    roundTrip(table([], []), "table without columns");
  });

  it("error values: the engine's bytes by default, code and message with errorMessages", () => {
    const e = {
      type: 127 as const,
      code: 1,
      context: new Uint8Array(8),
      message: "expected i64, got symbol",
    };
    const bytes = encode(e, WITH_MESSAGES);
    assert.equal(toHex(bytes.subarray(0, 10)), "7f010000000000000000");
    assert.equal(bytes[bytes.length - 1], 0);
    roundTrip(e, "type error with message");
    // What a v1 engine client can read: no message after the context bytes.
    assert.equal(toHex(encode(e)), "7f010000000000000000");
    assert.equal(
      toHex(encode({ ...e, code: 11, message: "boo" })),
      "7f0b000000000000000000",
    );
    // The engine's own user error: code 11, empty message, terminator present.
    assert.equal(
      toHex(encode({ type: 127, code: 11, context: new Uint8Array(8), message: "" })),
      "7f0b000000000000000000",
    );
    // Codes other than user without a message are exactly 10 bytes, as the engine sends.
    assert.equal(
      encode({ type: 127, code: 6, context: new Uint8Array(8), message: "" }).length,
      10,
    );
  });

  it("non-ASCII and invalid UTF-8 symbols keep their exact bytes", () => {
    const bytes = Uint8Array.of(0xfa, 0xff, 0xfe, 0x41, 0x00);
    const x = decode(bytes);
    assert.equal(toHex(encode(x)), toHex(bytes));
    roundTrip({ type: -6, value: symbols.intern("日本語") }, "utf-8 symbol");
  });

  it("quoted symbols in a lambda body survive only with the replica option", () => {
    // (fn [] (insert 't 1)): the engine's wire has no way to say 't is quoted, so a
    // plain round trip turns it into a variable reference; between our workers it must not.
    const quoted = { type: -6, value: symbols.intern("t"), quoted: true } as RayObject;
    const body = list({ type: 103, name: "insert" } as RayObject, quoted, i64(1n));
    const lambda = { type: 100, args: vector(Type.SYMBOL, []), body } as RayObject;
    const plain = encode(lambda);
    const kept = encode(lambda, { replica: true });
    assert.equal(plain.length, kept.length);
    const at = plain.indexOf(0xfa); // the symbol atom's type byte
    assert.equal(plain[at], 0xfa);
    assert.equal(kept[at], QUOTED_SYMBOL & 0xff);
    const back = decode(kept, { replica: true }) as { body: { items: RayObject[] } };
    assert.deepEqual(back.body.items[1], quoted);
    const lost = decode(plain) as { body: { items: RayObject[] } };
    assert.equal((lost.body.items[1] as { quoted?: boolean }).quoted, undefined);
    assert.throws(() => decode(kept), /unknown type code -106/, "not accepted off our own trip");
  });

  it("lambda names and enums pass only between our engines (replica option)", () => {
    const named = {
      type: 100,
      args: vector(Type.SYMBOL, ["x"]),
      body: symbol("x"),
      name: "f",
    } as RayObject;
    assert.equal((decode(encode(named)) as { name?: string }).name, undefined, "the wire drops it");
    const back = decode(encode(named, { replica: true }), { replica: true });
    assert.equal((back as { name?: string }).name, "f");
    assert.equal(encodedSize(named, { replica: true }), encode(named, { replica: true }).length);

    const e = {
      type: 20,
      domain: "dom",
      data: Int32Array.of(2, 0, 2),
      symbols: vector(Type.SYMBOL, ["c", "a", "c"]).data,
    } as RayObject;
    assert.throws(() => encode(e), /cannot serialize ENUM/, "as the engine: not on the wire");
    const bytes = encode(e, { replica: true });
    assert.equal(encodedSize(e, { replica: true }), bytes.length);
    assert.deepEqual(decode(bytes, { replica: true }), e);
    assert.throws(() => decode(bytes), /unknown type code 20/);
  });

  it("10,000 random nested objects", () => {
    for (let seed = 1; seed <= 10_000; seed++) {
      const x = new RandomObjects(seed).object();
      roundTrip(x, `seed ${seed}`);
    }
  });

  it("refuses to encode what cannot be serialized, with a clear error", () => {
    assert.throws(
      () => encode({ type: 20, domain: "s", data: Int32Array.of(0) }),
      /cannot serialize ENUM/,
    );
    const cyclic = list();
    cyclic.items.push(cyclic);
    assert.throws(() => encode(cyclic), /nested deeper than/);
  });
});
