/**
 * `type`, `as` and `nil?` (`rayforce-language.md` §3.12). `as` converts between the
 * scalar types by value (numbers truncate toward zero) or by raw count (temporals are
 * reinterpreted without unit conversion), parses strings, and renders anything as a
 * string (`'C8`) or symbol.
 *
 * @module
 */
import { resultArray } from "./result_buffers.ts";
import {
  allocVector,
  type Atom,
  AtomType,
  guid,
  isAtomOf,
  isVector,
  isVectorOf,
  type RayObject,
  str,
  symbols,
  Type,
  typeName,
  type Vector,
  vectorLength,
  type VectorType,
} from "../ipc/mod.ts";
import { binary, type BuiltinFn, unary } from "./builtins.ts";
import { Formatter } from "./display.ts";
import { decimalToDouble } from "./decimal.ts";
import type { Engine } from "./engine.ts";
import { typeError, valueError } from "./errors.ts";
import { dateFromText, timeFromText, timestampFromText } from "./temporal_text.ts";
import { atom, listOf, NULL_I64, nullValue } from "./values.ts";

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

/**
 * Converts one scalar of base type `from` to base type `to`. Casts reinterpret raw values
 * as the engine does: no null mapping for integers (an i64 null cast to i32 keeps its low
 * 32 bits, 0), floats truncate toward zero as x86 converts them, temporals keep their raw
 * count.
 */
function convert(from: number, to: number, v: number | bigint | Uint8Array): number | bigint {
  if (from === 11 || to === Type.GUID) throw typeError(typeName(-to), typeName(-from));
  if (to === Type.F64) return from === 10 ? v as number : Number(v);
  if (to === Type.I64 || to === Type.TIMESTAMP) {
    if (typeof v === "number") {
      // x86's conversion: a NaN or a value outside the 64-bit range is 0x8000…, the null.
      return v >= -(2 ** 63) && v < 2 ** 63 ? BigInt(Math.trunc(v)) : NULL_I64;
    }
    return v as bigint;
  }
  let n: number;
  if (typeof v === "bigint") n = Number(BigInt.asIntN(32, v));
  else if (from === 10) {
    // Through a 32-bit conversion, as the engine's: out of range (or NaN) is 0x80000000,
    // whose low bits narrower types keep.
    n = (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31
      ? Math.trunc(v as number)
      : -(2 ** 31);
  } else n = v as number;
  switch (to) {
    case Type.B8:
    case Type.U8:
    case Type.C8:
      return n & 0xff;
    case Type.I16:
      return (n << 16) >> 16;
  }
  return n | 0;
}

/** A C `strtol`/`strtod` prefix parse: leading blanks, sign, digits (and a fraction for floats). */
function leadingNumber(text: string, float: boolean): number | bigint {
  const m = (float ? /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/ : /^\s*[+-]?\d+/).exec(text);
  if (!m) return float ? 0 : 0n;
  return float ? decimalToDouble(m[0].trim()) : BigInt(m[0].trim());
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Parses a string into an atom of base type `to` (`(as 'i64 "42")`): integers as C's
 * strtol reads the prefix, floats as the engine's decimal scanner, temporals by the
 * engine's lenient scanners (engine/temporal_text.ts).
 */
function parseAs(e: Engine, to: number, text: string): RayObject {
  switch (to) {
    case Type.SYMBOL:
      return atom(6, e.intern(text));
    case Type.GUID:
      try {
        return guid(text.trim());
      } catch {
        return atom(11, new Uint8Array(16));
      }
    case Type.F64:
      return atom(10, leadingNumber(text, true) as number);
    case Type.B8:
      return atom(1, text.length > 0 ? 1 : 0); // any text at all is true
    case Type.U8:
    case Type.I16:
    case Type.I32:
    case Type.I64:
    case Type.C8:
      return atom(to, convert(5, to, leadingNumber(text, false)));
    case Type.DATE:
      return atom(7, dateFromText(text));
    case Type.TIME:
      return atom(8, timeFromText(text));
    case Type.TIMESTAMP:
      return atom(9, timestampFromText(text));
  }
  return atom(to, nullValue(to));
}

/** C's `printf("%f", x)`: six decimals, every integer digit, `inf`, `-inf`, `nan`. */
function printfFixed6(x: number): string {
  if (x !== x) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  // toFixed switches to exponents from 1e21 on; such doubles are integers.
  return Math.abs(x) < 1e21 ? x.toFixed(6) : BigInt(x).toString() + ".000000";
}

/** The text of a scalar as `(as 'symbol x)` writes it: integers raw, f64 with 6 decimals. */
function symbolText(fmt: Formatter, x: Atom): string {
  const t = -x.type;
  if (t === Type.F64) return printfFixed6(x.value as number);
  if (t === Type.B8 || t === Type.U8 || t === Type.I16 || t === Type.I32 || t === Type.I64) {
    return String(x.value);
  }
  return fmt.top(x);
}

/** `(as 'name x)`. */
export function cast(e: Engine, name: RayObject, x: RayObject): RayObject {
  if (!isAtomOf(name, AtomType.SYMBOL)) throw typeError("symbol", name.type);
  const text = symbols.text(name.value);
  const lower = NAMES[text];
  const upper = NAMES[text.toLowerCase()] !== undefined && text === text.toUpperCase()
    ? NAMES[text.toLowerCase()]
    : undefined;
  const fmt = new Formatter(e.displayOptions);
  if (lower === undefined && upper === undefined) {
    switch (text) {
      case "DICT":
        if (x.type === Type.TABLE) return { type: 99, keys: x.keys, values: x.values };
        if (x.type === Type.DICT) return x;
        throw typeError("DICT", x.type);
      case "TABLE":
        if (x.type === Type.DICT && x.keys.type === Type.SYMBOL) {
          return {
            type: 98,
            keys: x.keys as Vector<6>,
            values: x.values.type === Type.LIST ? x.values : listOf([x.values]),
          };
        }
        if (x.type === Type.TABLE) return x;
        throw typeError("TABLE", x.type);
      case "LIST":
        if (x.type === Type.LIST) return x;
        throw typeError("LIST", x.type);
    }
    throw valueError(text);
  }
  // Anything renders to a string (nested display: a list is "(1 2)").
  if (upper === 12 || (lower === 12 && !(x.type >= -11 && x.type <= -1) && x.type !== Type.C8)) {
    if (x.type === Type.C8) return x;
    if (isAtomOf(x, AtomType.SYMBOL)) return str(symbols.text(x.value));
    return str(fmt.nested(x));
  }
  const symbolOf = (i: RayObject) =>
    isVectorOf(i, Type.C8)
      ? e.intern(decoder.decode(i.data))
      : isAtomOf(i, AtomType.SYMBOL)
      ? i.value
      : i.type < 0
      ? e.intern(symbolText(fmt, i as Atom))
      : e.intern(fmt.nested(i));
  if (lower === 6) {
    if (x.type === Type.C8 && vectorLength(x as Vector) === 0) {
      return { type: 6, data: new Int32Array(0) };
    }
    if (x.type === Type.C8 || x.type < 0) return atom(6, symbolOf(x));
    throw typeError("symbol", x.type);
  }
  if (upper === 6) {
    if (x.type === Type.SYMBOL) return x;
    if (x.type === Type.LIST) return { type: 6, data: Int32Array.from(x.items, symbolOf) };
    // I64 vectors convert element by element; other vectors are refused.
    if (x.type === Type.I64) {
      const n = vectorLength(x as Vector);
      return { type: 6, data: Int32Array.from({ length: n }, (_, i) => symbolOf(fmt.item(x, i))) };
    }
    throw typeError("SYMBOL", x.type);
  }
  const to = (lower ?? upper)!;
  if (x.type === Type.C8) {
    if (upper !== undefined) throw typeError(text, x.type);
    // An empty string is an empty vector of the type, as any empty vector casts.
    if (vectorLength(x as Vector) === 0) {
      return to === Type.C8
        ? x
        : { type: to as VectorType, data: allocVector(to as VectorType, 0) } as Vector;
    }
    if (to === Type.C8) return atom(12, x.data[0]); // its first character
    return parseAs(e, to, decoder.decode(x.data));
  }
  if (upper === 11 && x.type === Type.LIST) {
    const out = new Uint8Array(x.items.length * 16);
    x.items.forEach((s, i) =>
      out.set(
        (parseAs(e, 11, decoder.decode((s as Vector<12>).data)) as Atom).value as Uint8Array,
        i * 16,
      )
    );
    return { type: 11, data: out };
  }
  if (upper !== undefined && x.type === Type.LIST) {
    const out = allocVector(to as VectorType, x.items.length);
    x.items.forEach((item, i) => {
      if (item.type >= 0 || item.type < -12) throw typeError(text, item.type);
      const raw = (item as Atom).value;
      (out as Int32Array)[i] = to === Type.B8
        ? (raw !== 0 && raw !== 0n ? 1 : 0)
        : convert(-item.type, to, raw) as number;
    });
    return { type: to as VectorType, data: out } as Vector;
  }
  if (x.type < 0 && x.type >= -12) {
    if (upper !== undefined) throw typeError(text, x.type);
    const raw = (x as Atom).value;
    if (to === Type.C8) {
      // A char: a symbol's first character, a b8's digit, a number's low byte; no temporal.
      if (x.type === AtomType.SYMBOL) {
        return atom(12, encoder.encode(symbols.text(raw as number))[0] ?? 0);
      }
      if (x.type === AtomType.B8) return atom(12, raw ? 49 : 48);
      if (
        x.type === AtomType.DATE || x.type === AtomType.TIME || x.type === AtomType.TIMESTAMP ||
        x.type === AtomType.GUID
      ) {
        throw typeError("c8", typeName(x.type));
      }
    }
    if (x.type === AtomType.SYMBOL) throw typeError(typeName(-to), x.type);
    // A b8 atom is normalized: any non-zero value is true.
    if (to === Type.B8) return atom(1, raw !== 0 && raw !== 0n ? 1 : 0);
    return atom(to, convert(-x.type, to, raw));
  }
  if (isVector(x)) {
    if (x.type === Type.SYMBOL) throw typeError(typeName(to), x.type);
    const v = x as Vector;
    const n = vectorLength(v);
    const out = resultArray(to as VectorType, n); // every element written below
    for (let i = 0; i < n; i++) {
      (out as Int32Array)[i] = convert(v.type, to, v.data[i] as number) as number;
    }
    return { type: to as VectorType, data: out } as Vector;
  }
  throw typeError(text, x.type);
}

/** The builtins defined here. */
export const CAST_BUILTINS: readonly BuiltinFn[] = [
  unary("type", (e, x) => ({ type: -6, value: e.intern(typeName(x.type)) })),
  unary("nil?", (_e, x) => {
    let v = false;
    switch (x.type) {
      case Type.NULL:
        v = true;
        break;
      case AtomType.I64:
      case AtomType.TIMESTAMP:
        v = x.value === NULL_I64;
        break;
      case AtomType.SYMBOL:
      case AtomType.C8:
        v = x.value === 0;
        break;
    }
    return atom(1, v ? 1 : 0);
  }),
  binary("as", (e, name, x) => cast(e, name, x)),
];
