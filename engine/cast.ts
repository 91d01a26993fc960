/**
 * `type`, `as` and `nil?` (`rayforce-language.md` §3.12). `as` converts between the
 * scalar types by value (numbers truncate toward zero) or by raw count (temporals are
 * reinterpreted without unit conversion), parses strings, and renders anything as a
 * string (`'C8`) or symbol.
 *
 * @module
 */
import {
  allocVector,
  type Atom,
  guid,
  type RayObject,
  str,
  symbols,
  typeName,
  type Vector,
  vectorLength,
  type VectorType,
} from "../ipc/mod.ts";
import { binary, unary } from "./builtins.ts";
import { Formatter } from "./display.ts";
import type { Engine } from "./engine.ts";
import { domainError, typeError, valueError } from "./errors.ts";
import { read } from "./reader.ts";
import { atom, isNullValue, listOf, NULL_I64, nullValue } from "./values.ts";

const NAMES: Record<string, number> = {
  b8: 1,
  u8: 2,
  i16: 3,
  i32: 4,
  i64: 5,
  symbol: 6,
  date: 7,
  time: 8,
  timestamp: 9,
  f64: 10,
  guid: 11,
  c8: 12,
};

unary("type", (e, x) => ({ type: -6, value: e.intern(typeName(x.type)) }));

unary("nil?", (_e, x) => {
  let v = false;
  switch (x.type) {
    case 126:
      v = true;
      break;
    case -5:
    case -9:
      v = (x as Atom).value === NULL_I64;
      break;
    case -6:
    case -12:
      v = (x as Atom).value === 0;
      break;
  }
  return atom(1, v ? 1 : 0);
});

/** Converts one scalar of base type `from` to base type `to` (both numeric or temporal). */
function convert(from: number, to: number, v: number | bigint | Uint8Array): number | bigint {
  if (from === 11 || to === 11) throw typeError(typeName(-to), typeName(-from));
  const isNull = isNullValue(from, v);
  if (to === 10) return isNull ? NaN : Number(v);
  if (to === 5 || to === 9) {
    if (isNull) return NULL_I64;
    if (typeof v === "number") return Number.isFinite(v) ? BigInt(Math.trunc(v)) : NULL_I64;
    return v as bigint;
  }
  // Narrow integers: truncate toward zero, then wrap to the width.
  let n: number;
  if (typeof v === "bigint") n = Number(BigInt.asIntN(32, v));
  else if (isNull && from !== 1 && from !== 2 && from !== 12) return nullValue(to) as number;
  else n = Number.isFinite(v as number) ? Math.trunc(v as number) : 0;
  switch (to) {
    case 1:
    case 2:
    case 12:
      return n & 0xff;
    case 3:
      return (n << 16) >> 16;
  }
  return n | 0;
}

const decoder = new TextDecoder();

/** Parses a string into an atom of base type `to` (`(as 'i64 "42")`). */
function parseAs(e: Engine, to: number, text: string): RayObject {
  if (to === 6) return atom(6, e.intern(text));
  if (to === 11) {
    try {
      return guid(text.trim());
    } catch {
      return atom(11, new Uint8Array(16));
    }
  }
  let parsed: RayObject;
  try {
    parsed = read(text.trim(), () => undefined);
  } catch {
    return atom(to, nullValue(to));
  }
  if (parsed.type >= 0 || parsed.type < -12) return atom(to, nullValue(to));
  const from = -parsed.type;
  if (from === 6 || from === 11) return atom(to, nullValue(to));
  return atom(to, convert(from, to, (parsed as Atom).value));
}

/** `(as 'name x)`. */
export function cast(e: Engine, name: RayObject, x: RayObject): RayObject {
  if (name.type !== -6) throw typeError("symbol", name.type);
  const text = symbols.text((name as Atom).value as number);
  const lower = NAMES[text];
  const upper = NAMES[text.toLowerCase()] !== undefined && text === text.toUpperCase()
    ? NAMES[text.toLowerCase()]
    : undefined;
  const fmt = new Formatter(e.displayOptions);
  if (lower === undefined && upper === undefined) {
    switch (text) {
      case "LIST":
        if (x.type >= 1 && x.type <= 12) {
          const n = vectorLength(x as Vector);
          const items: RayObject[] = [];
          for (let i = 0; i < n; i++) items.push(fmt.item(x, i));
          return listOf(items);
        }
        return x.type === 0 ? x : listOf([x]);
      case "DICT":
        if (x.type === 98) return { type: 99, keys: x.keys, values: x.values };
        if (x.type === 99) return x;
        throw typeError("DICT", x.type);
      case "TABLE":
        if (x.type === 99 && x.keys.type === 6) {
          return {
            type: 98,
            keys: x.keys as Vector<6>,
            values: x.values.type === 0 ? x.values : listOf([x.values]),
          };
        }
        if (x.type === 98) return x;
        throw typeError("TABLE", x.type);
    }
    throw valueError(text);
  }
  // Strings and symbols render or parse.
  if (upper === 12 || (lower === 12 && x.type !== -12 && !(x.type >= -11 && x.type <= -1))) {
    if (x.type === 12) return x;
    if (x.type === -6) return str(symbols.text((x as Atom).value as number));
    return str(fmt.top(x));
  }
  if (lower === 6) {
    if (x.type === 12) return atom(6, e.intern(decoder.decode((x as Vector<12>).data)));
    if (x.type < 0) return x.type === -6 ? x : atom(6, e.intern(fmt.top(x)));
    throw typeError("symbol", x.type);
  }
  if (upper === 6) {
    if (x.type === 6) return x;
    if (x.type === 0) {
      return {
        type: 6,
        data: Int32Array.from(
          x.items,
          (
            i,
          ) => (i.type === 12
            ? e.intern(decoder.decode((i as Vector<12>).data))
            : i.type === -6
            ? (i as Atom).value as number
            : e.intern(fmt.top(i))),
        ),
      };
    }
    throw typeError("SYMBOL", x.type);
  }
  const to = (lower ?? upper)!;
  if (x.type === 12) {
    if (upper !== undefined) throw typeError(text, x.type);
    return parseAs(e, to, decoder.decode((x as Vector<12>).data));
  }
  if (upper === 11 && x.type === 0) {
    const out = new Uint8Array(x.items.length * 16);
    x.items.forEach((s, i) =>
      out.set(
        (parseAs(e, 11, decoder.decode((s as Vector<12>).data)) as Atom).value as Uint8Array,
        i * 16,
      )
    );
    return { type: 11, data: out };
  }
  if (x.type < 0 && x.type >= -12) {
    if (upper !== undefined) throw typeError(text, x.type);
    if (x.type === -6) throw typeError(typeName(-to), x.type);
    return atom(to, convert(-x.type, to, (x as Atom).value));
  }
  if (x.type >= 1 && x.type <= 12) {
    if (x.type === 6) throw typeError(typeName(to), x.type);
    const v = x as Vector;
    const n = vectorLength(v);
    const out = allocVector(to as VectorType, n);
    for (let i = 0; i < n; i++) {
      (out as Int32Array)[i] = convert(v.type, to, v.data[i] as number) as number;
    }
    return { type: to as VectorType, data: out } as Vector;
  }
  throw typeError(text, x.type);
}

binary("as", (e, name, x) => cast(e, name, x));

export { domainError };
