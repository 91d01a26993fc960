/**
 * The Rayforce object model shared by the codec, the engine, the worker pool and the
 * client. Every value has a signed type code (`docs/rayforce-ipc.md` §5.2):
 * atoms use the negative of their vector's code, vectors and compound values a
 * non-negative one.
 *
 * Vectors are backed by typed arrays, never by arrays of per-element JS objects:
 *
 * | vector | `data` | atom `value` |
 * |---|---|---|
 * | B8, U8, C8 | `Uint8Array` | `number` (B8: 0 false, any other byte true; C8: the byte) |
 * | I16 | `Int16Array` | `number` |
 * | I32, DATE, TIME | `Int32Array` | `number` |
 * | I64, TIMESTAMP | `BigInt64Array` | `bigint` (exact over the whole range, null = -2^63) |
 * | F64 | `Float64Array` | `number` (null = NaN) |
 * | SYMBOL | `Int32Array` of ids in {@link symbols} | `number` (an id) |
 * | GUID | `Uint8Array`, 16 bytes per element | `Uint8Array` of 16 bytes |
 *
 * @module
 */
import { symbols } from "./symbols.ts";

/** Type codes of the Rayforce object model. */
export const Type = {
  LIST: 0,
  B8: 1,
  U8: 2,
  I16: 3,
  I32: 4,
  I64: 5,
  SYMBOL: 6,
  DATE: 7,
  TIME: 8,
  TIMESTAMP: 9,
  F64: 10,
  GUID: 11,
  C8: 12,
  ENUM: 20,
  TABLE: 98,
  DICT: 99,
  LAMBDA: 100,
  UNARY: 101,
  BINARY: 102,
  VARY: 103,
  NULL: 126,
  ERROR: 127,
} as const;

/** Codes of the typed vectors (1–12). */
export type VectorType = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;
/** Codes of the atoms (−1 … −12): the negated vector code. */
export type AtomType = -1 | -2 | -3 | -4 | -5 | -6 | -7 | -8 | -9 | -10 | -11 | -12;

/**
 * Codes of the atoms by name: `AtomType.I64` is −5, the negated `Type.I64`, as a literal type
 * (which `-Type.I64` is not), so that {@link isAtomOf} narrows to the atom's value type.
 */
export const AtomType = {
  B8: -1,
  U8: -2,
  I16: -3,
  I32: -4,
  I64: -5,
  SYMBOL: -6,
  DATE: -7,
  TIME: -8,
  TIMESTAMP: -9,
  F64: -10,
  GUID: -11,
  C8: -12,
} as const;
/** Codes of the builtin function kinds. */
export type BuiltinType = 101 | 102 | 103;

/** The typed array behind each vector type. */
export interface VectorDataMap {
  /** B8: one byte per boolean, as sent. */
  1: Uint8Array;
  /** U8. */
  2: Uint8Array;
  /** I16. */
  3: Int16Array;
  /** I32. */
  4: Int32Array;
  /** I64. */
  5: BigInt64Array;
  /** SYMBOL: interned ids (see `symbols`). */
  6: Int32Array;
  /** DATE: days since 2000-01-01. */
  7: Int32Array;
  /** TIME: milliseconds since midnight. */
  8: Int32Array;
  /** TIMESTAMP: nanoseconds since 2000-01-01. */
  9: BigInt64Array;
  /** F64. */
  10: Float64Array;
  /** GUID: 16 bytes per element. */
  11: Uint8Array;
  /** C8: the string's bytes. */
  12: Uint8Array;
}

/** Any vector's backing array. */
export type VectorData = VectorDataMap[VectorType];
/** The JS value of an atom. */
export type AtomValue = number | bigint | Uint8Array;

/** The JS value of an atom of type `T`: a bigint (i64, timestamp), 16 bytes (guid) or a number. */
export type AtomValueOf<T extends AtomType> = T extends -5 | -9 ? bigint
  : T extends -11 ? Uint8Array
  : number;

/** An atom of type `T` (see {@link Atom}). */
export interface AtomOf<T extends AtomType> {
  /** The type code, negative (−1 B8 … −12 C8). */
  type: T;
  /** The value: a number, a bigint (i64, timestamp) or 16 bytes (guid). */
  value: AtomValueOf<T>;
}

/**
 * An atom: one value of a scalar type (`type` is negative). `Atom` is the union of the atoms
 * of every type, so a test of `type` narrows it (`x.type === AtomType.I64` makes `x.value` a
 * bigint); `Atom<T>` is an atom of type `T`.
 */
export type Atom<T extends AtomType = AtomType> = T extends AtomType ? AtomOf<T> : never;

/** A typed vector of type `T` (see {@link Vector}). */
export interface VectorOf<T extends VectorType> {
  /** The type code, 1–12. */
  type: T;
  /** The elements, in the typed array of the type. */
  data: VectorDataMap[T];
}

/**
 * A typed vector of a scalar type (`type` 1–12). `Vector` is the union of the vectors of
 * every type, so a test of `type` narrows it (`x.type === Type.F64` makes `x.data` a
 * `Float64Array`); `Vector<T>` is a vector of type `T`.
 */
export type Vector<T extends VectorType = VectorType> = T extends VectorType ? VectorOf<T>
  : never;

/** A generic list (type 0) of any objects. */
export interface List {
  /** 0. */
  type: 0;
  /** The elements. */
  items: RayObject[];
}

/** A dictionary (99): a key vector or list and a value vector or list of equal length. */
export interface Dict {
  /** 99. */
  type: 99;
  /** The keys: a vector or a list. */
  keys: RayObject;
  /** The values: a vector or a list as long as the keys. */
  values: RayObject;
}

/** A table (98): a SYMBOL vector of column names and a LIST of equal-length columns. */
export interface Table {
  /** 98. */
  type: 98;
  /** The column names. */
  keys: Vector<6>;
  /** The columns, each as long as the others. */
  values: List;
}

/**
 * A lambda (100): a SYMBOL vector of parameters and a body parse tree. `name` is set when
 * the lambda is bound with `set`; it is not serialized.
 */
export interface Lambda {
  /** 100. */
  type: 100;
  /** The parameters: a SYMBOL vector. */
  args: RayObject;
  /** The body's parse tree. */
  body: RayObject;
  /** The name it was bound to with `set`, if any. */
  name?: string;
}

/** A builtin function, identified on the wire by its name. */
export interface Builtin {
  /** 101 unary, 102 binary, 103 variadic. */
  type: BuiltinType;
  /** Its Rayforce name. */
  name: string;
}

/** The generic null (126). */
export interface Null {
  /** 126. */
  type: 126;
}

/**
 * An error value (127): the Rayforce error code, the engine's opaque 8 context bytes, and
 * a message (only user errors carry it in the engine; @rf/ws sends it for every code).
 */
export interface ErrorValue {
  /** 127. */
  type: 127;
  /** The Rayforce error code (`ErrorCode`). */
  code: number;
  /** The engine's 8 opaque context bytes. */
  context: Uint8Array;
  /** The message ("" when there is none). */
  message: string;
}

/** An ENUM (20): symbols encoded against the SYMBOL vector held in a global. Not serializable. */
export interface Enum {
  /** 20. */
  type: 20;
  /** The name of the global holding the domain. */
  domain: string;
  /** Positions in the domain. */
  data: Int32Array;
  /** The symbols themselves (ids), for display and `value`. */
  symbols?: Int32Array;
}

/** Any Rayforce value. */
export type RayObject =
  | Atom
  | Vector
  | List
  | Dict
  | Table
  | Lambda
  | Builtin
  | Null
  | ErrorValue
  | Enum;

/** Size in bytes of one element of each vector type (SYMBOL: variable, 0 here). */
export const ELEMENT_SIZE: Readonly<Record<VectorType, number>> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 0,
  7: 4,
  8: 4,
  9: 8,
  10: 8,
  11: 16,
  12: 1,
};

const TYPE_NAMES: Record<number, string> = {
  0: "LIST",
  1: "B8",
  2: "U8",
  3: "I16",
  4: "I32",
  5: "I64",
  6: "SYMBOL",
  7: "DATE",
  8: "TIME",
  9: "TIMESTAMP",
  10: "F64",
  11: "GUID",
  12: "C8",
  20: "ENUM",
  98: "TABLE",
  99: "DICT",
  100: "LAMBDA",
  101: "UNARY",
  102: "BINARY",
  103: "VARY",
  126: "NULL",
  127: "ERROR",
};

/**
 * The engine's name of a type code: `I64` for a vector, `i64` for an atom, `LIST`,
 * `TABLE`, … (as `(type x)` returns it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(typeName(-5), "i64");
 * assert.equal(typeName(5), "I64");
 * ```
 */
export function typeName(code: number): string {
  if (code < 0 && code >= -12) return TYPE_NAMES[-code].toLowerCase();
  return TYPE_NAMES[code] ?? `type(${code})`;
}

/** Null sentinels of the typed atoms (§5.3). */
export const NULLS = {
  i16: -32768,
  i32: -2147483648,
  i64: -(2n ** 63n),
  date: -2147483648,
  time: -2147483648,
  timestamp: -(2n ** 63n),
  f64: NaN,
} as const;

/** Creates the typed array for `length` elements of vector type `type`. */
export function allocVector<T extends VectorType>(type: T, length: number): VectorDataMap[T] {
  switch (type) {
    case 1:
    case 2:
    case 12:
      return new Uint8Array(length) as VectorDataMap[T];
    case 11:
      return new Uint8Array(length * 16) as VectorDataMap[T];
    case 3:
      return new Int16Array(length) as VectorDataMap[T];
    case 4:
    case 6:
    case 7:
    case 8:
      return new Int32Array(length) as VectorDataMap[T];
    case 5:
    case 9:
      return new BigInt64Array(length) as VectorDataMap[T];
    case 10:
      return new Float64Array(length) as VectorDataMap[T];
  }
  throw new RangeError(`not a vector type: ${type}`);
}

/** Number of elements of a vector (GUID vectors hold 16 bytes per element). */
export function vectorLength(v: Vector): number {
  return v.type === 11 ? v.data.length / 16 : v.data.length;
}

/** True for atoms (negative type codes −1 … −12). */
export function isAtom(x: RayObject): x is Atom {
  return x.type < 0;
}

/**
 * True for an atom of type `type`, whose value then has that type's JS type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symbols } from "./symbols.ts";
 * const x: RayObject = symbol("AAPL");
 * if (!isAtomOf(x, AtomType.SYMBOL)) throw new Error("a symbol");
 * assert.equal(symbols.text(x.value), "AAPL"); // x.value: number, an id
 * assert.equal(isAtomOf(i64(1n), AtomType.SYMBOL), false);
 * ```
 */
export function isAtomOf<T extends AtomType>(x: RayObject, type: T): x is Atom<T> {
  return x.type === type;
}

/**
 * True for a vector of type `type`, whose `data` then has that type's typed array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const x: RayObject = str("abc");
 * if (!isVectorOf(x, Type.C8)) throw new Error("a string");
 * assert.equal(x.data.length, 3); // x.data: Uint8Array
 * ```
 */
export function isVectorOf<T extends VectorType>(x: RayObject, type: T): x is Vector<T> {
  return x.type === type;
}

/** True for typed vectors (type codes 1–12). */
export function isVector(x: RayObject): x is Vector {
  return x.type >= 1 && x.type <= 12;
}

/** True for the generic list (type 0). */
export function isList(x: RayObject): x is List {
  return x.type === Type.LIST;
}

/**
 * True for a list or a typed vector (type codes 0–12): what has items by position.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isCollection(vector(Type.I64, [1n])), true);
 * assert.equal(isCollection(list()), true);
 * assert.equal(isCollection(i64(1n)), false);
 * assert.equal(isCollection(dict(list(), list())), false);
 * ```
 */
export function isCollection(x: RayObject): x is List | Vector {
  return x.type >= 0 && x.type <= 12;
}

/** True for dicts (99). */
export function isDict(x: RayObject): x is Dict {
  return x.type === Type.DICT;
}

/** True for tables (98). */
export function isTable(x: RayObject): x is Table {
  return x.type === Type.TABLE;
}

/** True for lambdas (100). */
export function isLambda(x: RayObject): x is Lambda {
  return x.type === Type.LAMBDA;
}

/** True for builtin functions (101–103). */
export function isBuiltin(x: RayObject): x is Builtin {
  return x.type >= Type.UNARY && x.type <= Type.VARY;
}

// ---------------------------------------------------------------- constructors

/**
 * Type code of a quoted symbol atom between two @rf/ws engines (the encoder's and decoder's
 * `replica` option): a SYMBOL atom's layout under a code Rayforce does not use.
 */
export const QUOTED_SYMBOL: number = -106;

/** The generic null. */
export const NULL: Null = Object.freeze({ type: 126 as const });

/** A b8 atom. @example `b8(true)` */
export function b8(v: boolean): Atom {
  return { type: -1, value: v ? 1 : 0 };
}
/** A u8 atom (0–255). @example `u8(0x1f)` */
export function u8(v: number): Atom {
  return { type: -2, value: v & 0xff };
}
/** An i16 atom. @example `i16(7)` */
export function i16(v: number): Atom {
  return { type: -3, value: (v << 16) >> 16 };
}
/** An i32 atom. @example `i32(42)` */
export function i32(v: number): Atom {
  return { type: -4, value: v | 0 };
}
/** An i64 atom, exact for bigints. @example `i64(42n)` */
export function i64(v: bigint | number): Atom {
  return { type: -5, value: BigInt.asIntN(64, BigInt(v)) };
}
/** A symbol atom. @example `symbol("AAPL")` */
export function symbol(text: string): Atom {
  return { type: -6, value: symbols.intern(text) };
}
/** A date atom: days since 2000-01-01. @example `date(8766)` // 2024.01.01 */
export function date(days: number): Atom {
  return { type: -7, value: days | 0 };
}
/** A time atom: milliseconds since midnight. @example `time(45_000_500)` // 12:30:00.500 */
export function time(ms: number): Atom {
  return { type: -8, value: ms | 0 };
}
/** A timestamp atom: nanoseconds since 2000-01-01T00:00. @example `timestamp(0n)` */
export function timestamp(ns: bigint | number): Atom {
  return { type: -9, value: BigInt.asIntN(64, BigInt(ns)) };
}
/** An f64 atom. @example `f64(1.5)` */
export function f64(v: number): Atom {
  return { type: -10, value: v };
}
/**
 * A guid atom from 16 bytes or the text form `00112233-4455-6677-8899-aabbccddeeff`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const g = guid("00112233-4455-6677-8899-aabbccddeeff");
 * assert.equal(g.type, -11);
 * assert.equal((g.value as Uint8Array)[15], 0xff);
 * ```
 */
export function guid(v: Uint8Array | string): Atom {
  if (typeof v !== "string") {
    if (v.length !== 16) throw new RangeError("a guid has 16 bytes");
    return { type: -11, value: v.slice() };
  }
  const hex = v.replaceAll("-", "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a guid: ${v}`);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { type: -11, value: bytes };
}
/** A c8 (char) atom from a one-byte string or a byte value. @example `c8("x")` */
export function c8(v: string | number): Atom {
  return { type: -12, value: typeof v === "number" ? v & 0xff : v.charCodeAt(0) & 0xff };
}

/**
 * A typed vector of `type` over `data`, which is used as is when it is the right typed
 * array, or converted from a plain array (`bigint`s or numbers for I64/TIMESTAMP, strings
 * for SYMBOL, a string for C8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(vector(Type.I64, [1n, 2n, 3n]).data, BigInt64Array.of(1n, 2n, 3n));
 * assert.equal(vector(Type.SYMBOL, ["a", "b"]).data.length, 2);
 * assert.deepEqual(vector(Type.F64, new Float64Array([1.5, 2])).data, Float64Array.of(1.5, 2));
 * ```
 */
export function vector<T extends VectorType>(
  type: T,
  data: VectorDataMap[T] | ArrayLike<number | bigint | string | boolean> | string,
): Vector<T> {
  // Built from a runtime type code: the pairing of code and array is this function's promise.
  if (ArrayBuffer.isView(data)) return { type, data } as Vector<T>;
  if (type === 12) {
    return { type, data: new TextEncoder().encode(String(data)) } as Vector<T>;
  }
  const items = data as ArrayLike<number | bigint | string | boolean>;
  const n = items.length;
  if (type === 11) {
    const out = new Uint8Array(n * 16);
    for (let i = 0; i < n; i++) out.set(guid(items[i] as string).value as Uint8Array, i * 16);
    return { type, data: out } as Vector<T>;
  }
  const out = allocVector(type, n);
  for (let i = 0; i < n; i++) {
    const x = items[i];
    if (type === 6) (out as Int32Array)[i] = symbols.intern(String(x));
    else if (type === 5 || type === 9) (out as BigInt64Array)[i] = BigInt(x as number | bigint);
    else (out as Int32Array)[i] = Number(x);
  }
  return { type, data: out } as Vector<T>;
}

/** A C8 vector (a string) holding the UTF-8 bytes of `text`. @example `str("hello")` */
export function str(text: string): Vector<12> {
  return { type: 12, data: new TextEncoder().encode(text) };
}

/** A generic LIST. @example `list(i64(1), str("a"), symbol("b"))` */
export function list(...items: RayObject[]): List {
  return { type: 0, items };
}

/** A dictionary. @example `dict(vector(Type.SYMBOL, ["a"]), vector(Type.I64, [1n]))` */
export function dict(keys: RayObject, values: RayObject): Dict {
  return { type: 99, keys, values };
}

/**
 * A table from column names and columns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = table(["a", "b"], [vector(Type.I64, [1n, 2n]), vector(Type.F64, [1.5, 2.5])]);
 * assert.equal(t.type, Type.TABLE);
 * assert.equal(t.values.items.length, 2);
 * ```
 */
export function table(names: string[] | Vector<6>, columns: RayObject[]): Table {
  const keys = Array.isArray(names) ? vector(6, names) : names;
  return { type: 98, keys, values: list(...columns) };
}

/** A builtin function reference by name. @example `builtin(Type.BINARY, "+")` */
export function builtin(type: BuiltinType, name: string): Builtin {
  return { type, name };
}

/** A lambda from a SYMBOL vector of parameters and a body. */
export function lambda(args: RayObject, body: RayObject): Lambda {
  return { type: 100, args, body };
}

/** An error value with a Rayforce error code and message. @example `errorValue(11, "boom")` */
export function errorValue(code: number, message = "", context?: Uint8Array): ErrorValue {
  return { type: 127, code, context: context ?? new Uint8Array(8), message };
}

/**
 * The text form of the GUID at byte `offset` of `bytes`:
 * `00112233-4455-6677-8899-aabbccddeeff`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = "00112233-4455-6677-8899-aabbccddeeff";
 * assert.equal(guidText(guid(text).value as Uint8Array), text);
 * ```
 */
export function guidText(bytes: Uint8Array, offset = 0): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += bytes[offset + i].toString(16).padStart(2, "0");
  }
  return s;
}

/** True when the 16 bytes at `offset` are all zero (the null GUID `0Ng`). */
export function isNullGuid(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 16; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}
