/**
 * Every payload the real engine sent in the conformance corpus decodes to the value the
 * corpus records and re-encodes to the identical bytes (a LAMBDA to its bytes minus the
 * engine's 8 trailing junk bytes, as the corpus README says).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decode,
  encode,
  errorName,
  type RayObject,
  symbols,
  toJSON,
  typeName,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { expectedPayload, fromHex, loadCorpus, toHex } from "./_helpers/corpus.ts";

/** A double as the corpus writes it: NaN and the infinities by name. */
const floatValue = (x: number) => (Number.isFinite(x) ? x : String(x));

/** Our decoded object in the corpus's structural notation (`{t, v}`, `{t, k, v}`, ...). */
function corpusValue(x: RayObject): unknown {
  const t = typeName(x.type);
  if (x.type < 0) {
    const v = (x as { value: number | bigint | Uint8Array }).value;
    switch (x.type) {
      case -1:
        return { t, v: v !== 0 };
      case -5:
      case -9:
        return { t, v: String(v) };
      case -6:
        return { t, v: symbols.text(v as number) };
      case -12:
        return { t, v: String.fromCharCode(v as number) };
      case -11:
        return { t, v: guidText(v as Uint8Array, 0) };
      case -10:
        return { t, v: floatValue(v as number) };
      default:
        return { t, v };
    }
  }
  if (x.type >= 1 && x.type <= 12) {
    const vec = x as Vector;
    if (vec.type === 12) return { t, v: new TextDecoder().decode(vec.data as Uint8Array) };
    const out: unknown[] = [];
    for (let i = 0; i < vectorLength(vec); i++) {
      const e = vec.data[i];
      if (vec.type === 1) out.push(e !== 0);
      else if (vec.type === 5 || vec.type === 9) out.push(String(e));
      else if (vec.type === 6) out.push(symbols.text(e as number));
      else if (vec.type === 11) out.push(guidText(vec.data as Uint8Array, i * 16));
      else if (vec.type === 10) out.push(floatValue(e as number));
      else out.push(e);
    }
    return { t, v: out };
  }
  switch (x.type) {
    case 0:
      return { t, v: x.items.map(corpusValue) };
    case 98:
    case 99:
      return { t, k: corpusValue(x.keys), v: corpusValue(x.values) };
    case 100:
      return { t, args: corpusValue(x.args), body: corpusValue(x.body) };
    case 101:
    case 102:
    case 103:
      return { t, v: x.name };
    case 126:
      return { t };
    case 127:
      // The corpus names code 11 "user" and records its message as `msg`.
      if (x.code === 11) return { t, code: x.code, name: "user", msg: x.message };
      return { t, code: x.code, name: errorName(x.code) };
  }
  return { t };
}

function guidText(b: Uint8Array, off: number): string {
  const h = toHex(b.subarray(off, off + 16));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The corpus records an error's context bytes as `ctx`; we compare code and name only. */
function normalize(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, val) => (k === "ctx" ? undefined : val)));
}

/**
 * Whether this runtime keeps a NaN's sign bit in a plain number. JavaScriptCore (Bun) stores
 * every NaN it boxes as the one canonical NaN, so an F64 atom the engine sent as `-nan`
 * (`xbar` by a zero bar answers one) decodes to a number that re-encodes as `+nan`; both
 * are `0Nf`. Vectors keep their bytes on every runtime.
 */
const keepsNaNSign = (() => {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, 0xfff80000);
  const n = view.getFloat64(0);
  view.setFloat64(0, n);
  return view.getUint32(0) === 0xfff80000;
})();

/** The bytes an atom re-encodes to here: a negative NaN atom as the canonical one on JSC. */
function reencodedPayload(hex: string): string {
  const NEGATIVE_NAN_ATOM = "f6000000000000f8ff";
  return !keepsNaNSign && hex === NEGATIVE_NAN_ATOM ? "f6000000000000f87f" : hex;
}

const corpus = loadCorpus();

describe("IPC codec against the real engine's corpus", () => {
  let checked = 0;
  for (const [session, lines] of corpus) {
    it(`${session}: every payload decodes to the recorded value and re-encodes byte for byte`, () => {
      for (const line of lines) {
        // No payload: the engine could not serialize the result, or crashed.
        if (line.hex === undefined || line.hex === "") continue;
        const bytes = fromHex(line.hex);
        const value = decode(bytes);
        const where = `${session}: ${line.query}`;
        assert.equal(typeName(value.type), line.type, where);
        assert.deepEqual(normalize(corpusValue(value)), normalize(line.value), where);
        if (!line.ok) {
          assert.equal(value.type, 127, where);
          continue;
        }
        assert.equal(
          toHex(encode(value)),
          reencodedPayload(expectedPayload(line, value.type === 100)),
          where,
        );
        JSON.stringify(toJSON(value)); // every corpus value has a JSON form
        checked++;
      }
    });
  }
  it("covered the corpus", () => {
    // The corpus has 1,382 ok lines with a payload; a loader bug must not pass silently.
    assert.ok(checked >= 1382, `only ${checked} payloads checked`);
  });
});
