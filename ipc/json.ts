/**
 * The JSON mapping of Rayforce values, used by the event protocol and the console.
 *
 * | Rayforce | JSON |
 * |---|---|
 * | b8 | `true` / `false` |
 * | u8, i16, i32, f64 | number |
 * | i64 | number when it is a safe integer, else a decimal string |
 * | symbol, c8, guid | string |
 * | date / time / timestamp | ISO 8601 `"2024-01-01"` / `"12:30:00.500"` / `"2024-01-01T12:30:00.000000001Z"` |
 * | every typed null (`0Nl`, `0Nf`, `0Ns`, …) and `null` | `null` |
 * | C8 vector (string) | string |
 * | other vectors, LIST | array |
 * | DICT with symbol or string keys | object; other keys: `{keys: [...], values: [...]}` |
 * | TABLE | `{columns: {name: [...], ...}}` |
 * | lambda, builtin | `"@fn"` / `"@name"`, the builtin's name |
 * | error | `{error: name, code, message}` |
 *
 * @module
 */
import { errorName } from "./errors.ts";
import { symbols } from "./symbols.ts";
import { dateToISO, timestampToISO, timeToISO } from "./temporal.ts";
import { guidText, isNullGuid, NULLS, type RayObject, type Vector, vectorLength } from "./types.ts";

/** A JSON value. */
export type JSONValue =
  | null
  | boolean
  | number
  | string
  | JSONValue[]
  | { [key: string]: JSONValue };

const decoder = new TextDecoder();

/** A GUID's text, null for the null GUID. */
function guidJSON(b: Uint8Array, off: number): string | null {
  return isNullGuid(b, off) ? null : guidText(b, off);
}

let bigints = false;

function i64JSON(v: bigint): JSONValue {
  if (v === NULLS.i64) return null;
  if (bigints) return v as unknown as JSONValue;
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString();
}

/** JSON of the scalar of (atom) type `t` with value `v`. */
function scalarJSON(t: number, v: number | bigint | Uint8Array, off = 0): JSONValue {
  switch (t) {
    case 1:
      return v !== 0;
    case 2:
      return v as number;
    case 3:
      return v === NULLS.i16 ? null : v as number;
    case 4:
      return v === NULLS.i32 ? null : v as number;
    case 5:
      return i64JSON(v as bigint);
    case 6:
      return v === 0 ? null : symbols.text(v as number);
    case 7:
      return v === NULLS.date ? null : dateToISO(v as number);
    case 8:
      return v === NULLS.time ? null : timeToISO(v as number);
    case 9:
      return v === NULLS.timestamp ? null : timestampToISO(v as bigint);
    case 10:
      return Number.isFinite(v) ? v as number : null;
    case 11:
      return guidJSON(v as Uint8Array, off);
    case 12:
      return String.fromCharCode(v as number);
  }
  return null;
}

function vectorJSON(v: Vector): JSONValue {
  if (v.type === 12) return decoder.decode(v.data as Uint8Array);
  const n = vectorLength(v);
  const out: JSONValue[] = new Array(n);
  if (v.type === 11) {
    for (let i = 0; i < n; i++) out[i] = guidJSON(v.data as Uint8Array, i * 16);
    return out;
  }
  const data = v.data;
  for (let i = 0; i < n; i++) out[i] = scalarJSON(v.type, data[i]);
  return out;
}

/** The elements of a vector or LIST as JSON values. */
function elementsJSON(x: RayObject): JSONValue[] {
  if (x.type === 0) return x.items.map(toJSON);
  const j = toJSON(x);
  return Array.isArray(j) ? j : typeof j === "string" ? Array.from(j) : [j];
}

/**
 * Maps a Rayforce value to a JSON-compatible value (see the module table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { table, Type, vector } from "./types.ts";
 * const value = table(["a"], [vector(Type.I64, [1n, 2n])]);
 * assert.deepEqual(toJSON(value), { columns: { a: [1, 2] } });
 * assert.equal(JSON.stringify(toJSON(value)), '{"columns":{"a":[1,2]}}');
 * ```
 */
export function toJSON(x: RayObject): JSONValue {
  const t = x.type;
  if (t < 0) {
    const a = x as { type: number; value: number | bigint | Uint8Array };
    return scalarJSON(-t, a.value);
  }
  if (t >= 1 && t <= 12) return vectorJSON(x as Vector);
  switch (x.type) {
    case 0:
      return x.items.map(toJSON);
    case 99: {
      const keys = x.keys;
      const values = elementsJSON(x.values);
      if (keys.type === 6) {
        const out: Record<string, JSONValue> = {};
        const ids = keys.data;
        for (let i = 0; i < ids.length; i++) out[symbols.text(ids[i])] = values[i] ?? null;
        return out;
      }
      return { keys: elementsJSON(keys), values };
    }
    case 98: {
      const columns: Record<string, JSONValue> = {};
      const ids = x.keys.data;
      for (let i = 0; i < ids.length; i++) {
        columns[symbols.text(ids[i])] = elementsJSON(x.values.items[i]);
      }
      return { columns };
    }
    case 100:
      return `@${x.name ?? "fn"}`;
    case 101:
    case 102:
    case 103:
      return x.name;
    case 126:
      return null;
    case 127:
      return { error: errorName(x.code) || x.message, code: x.code, message: x.message };
    case 20:
      return { enum: x.domain, indices: Array.from(x.data) };
  }
  return null;
}

/** A JS value: the JSON mapping, with exact `bigint`s for i64 values. */
export type JSValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JSValue[]
  | { [key: string]: JSValue };

/**
 * Maps a Rayforce value to plain JS values: as {@link toJSON}, except that i64 values
 * are exact `bigint`s (`(+ 1 2)` → `3n`). Timestamps and other temporals stay ISO strings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { i64 } from "./types.ts";
 * assert.equal(toJS(i64(3n)), 3n);
 * ```
 */
export function toJS(x: RayObject): JSValue {
  bigints = true;
  try {
    return toJSON(x) as JSValue;
  } finally {
    bigints = false;
  }
}
