/**
 * Arithmetic builtins: `+ - * / % div neg round floor ceil` (`xbar` is in `xbar.ts`) (`rayforce-language.md`
 * §2.7–2.8). One mechanism serves all six binary operators: a promotion rule gives the
 * result type from the operand types (or a type error), operands are converted into the
 * result's domain (f64, 64-bit integers in BigInt, narrower integers in Number) and unit
 * (a date added to a time is a timestamp in nanoseconds), nulls propagate, integers wrap.
 *
 * @module
 */
import {
  allocVector,
  type Atom,
  isCollection,
  type RayObject,
  Type,
  type Vector,
  vectorLength,
  type VectorType,
} from "../ipc/mod.ts";
import { atomic1, atomic2 } from "./atomic.ts";
import { binary, type BuiltinFn, unary } from "./builtins.ts";
import { lengthError, typeError } from "./errors.ts";
import { fastPath } from "./arith_fast.ts";
import { atom, count, isNullValue, NULL_I64, nullValue } from "./values.ts";
import { resultArray } from "./result_buffers.ts";

/** The binary arithmetic operators. */
export type ArithOp = "+" | "-" | "*" | "/" | "%" | "div";

const U8 = 2, I16 = 3, I32 = 4, I64 = 5, DATE = 7, TIME = 8, TS = 9, F64 = 10;
const WIDE = new Set([I32, I64]);
const NUMERIC = new Set([U8, I16, I32, I64, F64]);

/** Result type of `+ - *` on plain numbers: the wider type; u8 with i16 is refused. */
function numeric(ta: number, tb: number): number {
  if (!NUMERIC.has(ta) || !NUMERIC.has(tb)) return 0;
  if (ta === tb) return ta;
  if (ta === F64 || tb === F64) return F64;
  if ((ta === U8 && tb === I16) || (ta === I16 && tb === U8)) return 0;
  return Math.max(ta, tb);
}

/** The promotion rule of each operator (0: type error), as `core/math.c` behaves. */
const RESULT: Record<ArithOp, (ta: number, tb: number) => number> = {
  "+": (ta, tb) => {
    if (WIDE.has(ta) && (tb === DATE || tb === TIME || tb === TS)) return tb;
    if (WIDE.has(tb) && (ta === DATE || ta === TIME || ta === TS)) return ta;
    if ((ta === DATE && tb === TIME) || (ta === TIME && tb === DATE)) return TS;
    if (ta === TIME && tb === TIME) return TIME;
    if ((ta === TIME && tb === TS) || (ta === TS && tb === TIME)) return TS;
    return numeric(ta, tb);
  },
  "-": (ta, tb) => {
    if ((ta === DATE || ta === TIME || ta === TS) && WIDE.has(tb)) return ta;
    if (WIDE.has(ta) && tb === TIME) return TIME;
    if (ta === DATE && tb === DATE) return I32;
    if (ta === DATE && tb === TIME) return TS;
    if (ta === TIME && tb === TIME) return TIME;
    if (ta === TS && tb === TIME) return TS;
    if (ta === TS && tb === TS) return I64;
    return numeric(ta, tb);
  },
  "*": (ta, tb) => {
    if ((WIDE.has(ta) && tb === TIME) || (ta === TIME && WIDE.has(tb))) return TIME;
    return numeric(ta, tb);
  },
  "/": (ta, tb) => {
    if (ta === TIME && (WIDE.has(tb) || tb === F64)) return TIME;
    if (!NUMERIC.has(ta) || !NUMERIC.has(tb)) return 0;
    if (ta === I32 || ta === I64 || ta === F64) return ta; // follows the left operand
    if (tb === ta) return ta;
    return tb === U8 || tb === I16 ? 0 : tb;
  },
  "%": (ta, tb) => {
    if (ta === TIME && WIDE.has(tb)) return TIME;
    if (!NUMERIC.has(ta) || !NUMERIC.has(tb)) return 0;
    if (ta === U8 || ta === I16) return tb === ta ? ta : WIDE.has(tb) ? tb : 0;
    if (ta === F64) return tb === U8 || tb === I16 ? 0 : F64;
    if (tb === F64) return F64;
    return WIDE.has(tb) ? tb : ta; // mixed integer widths follow the right operand
  },
  div: (ta, tb) => {
    const ok = (t: number) => t === I32 || t === I64 || t === F64;
    return ok(ta) && ok(tb) ? F64 : 0;
  },
};

const NS_PER_DAY = 86_400_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** An operand value as a number (nulls → NaN). */
function toF(t: number, v: number | bigint): number {
  if (isNullValue(t, v)) return NaN;
  return typeof v === "bigint" ? Number(v) : v;
}

/** An operand value as a BigInt in the unit of result type `rt` (nulls → undefined). */
function toB(t: number, v: number | bigint, rt: number): bigint | undefined {
  if (isNullValue(t, v)) return undefined;
  const b = typeof v === "bigint" ? v : BigInt(v);
  if (rt === TS) {
    if (t === DATE) return b * NS_PER_DAY;
    if (t === TIME) return b * NS_PER_MS;
  }
  return b;
}

function floorDivB(x: bigint, y: bigint): bigint {
  const q = x / y;
  return (x % y !== 0n && (x < 0n) !== (y < 0n)) ? q - 1n : q;
}

function floorModB(x: bigint, y: bigint): bigint {
  const r = x % y;
  return r !== 0n && (r < 0n) !== (y < 0n) ? r + y : r;
}

/** Wraps an integer result to the width of type `rt`. */
function wrapN(rt: number, x: number): number {
  switch (rt) {
    case U8:
      return x & 0xff;
    case I16:
      return (x << 16) >> 16;
  }
  return x | 0;
}

/** Builds the per-element function of `op` for operand types `ta`, `tb` and result `rt`. */
function elementOp(
  op: ArithOp,
  ta: number,
  tb: number,
  rt: number,
  vectorByAtom = false,
): (a: number | bigint, b: number | bigint) => number | bigint {
  if (rt === F64) {
    switch (op) {
      case "+":
        return (a, b) => toF(ta, a) + toF(tb, b);
      case "-":
        return (a, b) => toF(ta, a) - toF(tb, b);
      case "*":
        return (a, b) => toF(ta, a) * toF(tb, b);
      case "div":
        // A vector divided by an atom is multiplied by the reciprocal in the engine,
        // which decides the last bit; other shapes divide.
        if (vectorByAtom) {
          return (a, b) => {
            const y = toF(tb, b);
            return y === 0 ? NaN : toF(ta, a) * (1 / y);
          };
        }
        return (a, b) => {
          const y = toF(tb, b);
          return y === 0 ? NaN : toF(ta, a) / y;
        };
      case "/":
        return (a, b) => {
          const y = toF(tb, b);
          return y === 0 ? NaN : Math.floor(toF(ta, a) / y);
        };
      case "%":
        return (a, b) => {
          const x = toF(ta, a), y = toF(tb, b);
          return y === 0 ? NaN : x - y * Math.floor(x / y);
        };
    }
  }
  const nul = nullValue(rt) as number | bigint;
  // An integer result of a division by a float: floor of the float quotient.
  if ((op === "/" || op === "%") && (ta === F64 || tb === F64)) {
    return (a, b) => {
      const x = toF(ta, a), y = toF(tb, b);
      const q = op === "/" ? Math.floor(x / y) : x - y * Math.floor(x / y);
      if (y === 0 || !Number.isFinite(q)) return nul;
      return rt === I64 || rt === TS ? BigInt.asIntN(64, BigInt(q)) : wrapN(rt, q);
    };
  }
  const big = rt === I64 || rt === TS;
  const anyBig = big || ta === I64 || ta === TS || tb === I64 || tb === TS;
  if (anyBig) {
    const f = bigOp(op);
    return (a, b) => {
      const x = toB(ta, a, rt), y = toB(tb, b, rt);
      if (x === undefined || y === undefined) return nul;
      const r = f(x, y);
      if (r === undefined) return nul;
      return big ? BigInt.asIntN(64, r) : wrapN(rt, Number(BigInt.asIntN(32, r)));
    };
  }
  const nullable = (t: number) => t !== U8 && t !== Type.B8;
  const f = numOp(op);
  return (a, b) => {
    if ((nullable(ta) && isNullValue(ta, a)) || (nullable(tb) && isNullValue(tb, b))) return nul;
    const r = f(a as number, b as number);
    return r === undefined ? (rt === U8 ? 0 : nul) : wrapN(rt, r);
  };
}

function bigOp(op: ArithOp): (x: bigint, y: bigint) => bigint | undefined {
  switch (op) {
    case "+":
      return (x, y) => x + y;
    case "-":
      return (x, y) => x - y;
    case "*":
      return (x, y) => x * y;
    case "/":
      return (x, y) => (y === 0n ? undefined : floorDivB(x, y));
    default:
      return (x, y) => (y === 0n ? undefined : floorModB(x, y));
  }
}

function numOp(op: ArithOp): (x: number, y: number) => number | undefined {
  switch (op) {
    case "+":
      return (x, y) => x + y;
    case "-":
      return (x, y) => x - y;
    case "*":
      return (x, y) => Math.imul(x, y);
    case "/":
      return (x, y) => (y === 0 ? undefined : Math.floor(x / y));
    default:
      return (x, y) => (y === 0 ? undefined : x - y * Math.floor(x / y));
  }
}

/** Two vectors of different lengths: a `length` error, before any type check (the engine's order). */
export function checkLengths(a: Atom | Vector, b: Atom | Vector): void {
  if (a.type > 0 && b.type > 0 && vectorLength(a as Vector) !== vectorLength(b as Vector)) {
    throw lengthError();
  }
}

/** The kernel of one operator over typed operands. */
function arithKernel(op: ArithOp): (a: Atom | Vector, b: Atom | Vector) => RayObject {
  return (a, b) => {
    let ta = Math.abs(a.type), tb = Math.abs(b.type);
    // A B8 vector takes part as integers beside an I64 vector (+ and * only).
    if ((op === "+" || op === "*") && a.type > 0 && b.type > 0) {
      if (ta === Type.B8 && tb === I64) [a, ta] = [booleansAsI64(a as Vector), I64];
      else if (tb === Type.B8 && ta === I64) [b, tb] = [booleansAsI64(b as Vector), I64];
    }
    checkLengths(a, b);
    const rt = RESULT[op](ta, tb);
    if (rt === Type.LIST) throw typeError(a.type, b.type);
    const f = elementOp(op, ta, tb, rt, a.type > 0 && b.type < 0);
    const av = a.type < 0 ? (a as Atom).value as number | bigint : undefined;
    const bv = b.type < 0 ? (b as Atom).value as number | bigint : undefined;
    if (av !== undefined && bv !== undefined) return atom(rt, f(av, bv));
    const ad = a.type > 0 ? (a as Vector).data : undefined;
    const bd = b.type > 0 ? (b as Vector).data : undefined;
    const n = ad ? vectorLength(a as Vector) : vectorLength(b as Vector);
    // Every element is written below: a reused result array will do.
    const out = resultArray(rt as VectorType, n) as Int32Array | Float64Array | BigInt64Array;
    const fast = fastPath(op, ta, tb, rt, ad, bd, av, bv, out);
    if (!fast) {
      for (let i = 0; i < n; i++) {
        (out as Int32Array)[i] = f(
          ad ? ad[i] as number : av!,
          bd ? bd[i] as number : bv!,
        ) as number;
      }
    }
    return { type: rt as VectorType, data: out } as Vector;
  };
}

function booleansAsI64(v: Vector): Vector {
  return { type: 5, data: BigInt64Array.from(v.data as Uint8Array, BigInt) };
}

const KERNELS = new Map<ArithOp, (a: Atom | Vector, b: Atom | Vector) => RayObject>();
for (const op of ["+", "-", "*", "/", "%", "div"] as const) KERNELS.set(op, arithKernel(op));

/**
 * An empty LIST takes no part in arithmetic, as in the engine: beside a collection of another
 * length it is a `length` error, else a `type` error (`(+ (list) 1)`, `(xbar 0 (list))`).
 */
export function refuseEmptyList(a: RayObject, b: RayObject): void {
  const emptyList = (x: RayObject) => x.type === Type.LIST && x.items.length === 0;
  if (!emptyList(a) && !emptyList(b)) return;
  const other = emptyList(a) ? b : a;
  if (isCollection(other) && count(other) !== 0) {
    throw lengthError(count(a), count(b));
  }
  throw typeError(a.type, b.type);
}

/** Applies a binary arithmetic operator with broadcasting. */
export function arith(op: ArithOp, a: RayObject, b: RayObject): RayObject {
  refuseEmptyList(a, b);
  return atomic2(a, b, KERNELS.get(op)!);
}

// ---------------------------------------------------------------- unary

/** Maps the elements of a typed atom or vector through `f` into result type `rt`. */
export function mapTyped(
  x: Atom | Vector,
  rt: number,
  f: (v: number | bigint) => number | bigint,
): RayObject {
  if (x.type < 0) return atom(rt, f((x as Atom).value as number));
  const v = x as Vector;
  const n = vectorLength(v);
  const out = allocVector(rt as VectorType, n);
  for (let i = 0; i < n; i++) (out as Int32Array)[i] = f(v.data[i] as number) as number;
  return { type: rt as VectorType, data: out } as Vector;
}

/** Types whose values `round floor ceil` answer unchanged: i32, i64, date, time, timestamp. */
const ROUNDED = new Set([4, 5, 7, 8, 9]);

function rounding(name: string, f: (x: number) => number): BuiltinFn {
  return unary(name, (_e, x) =>
    atomic1(x, (a) => {
      const t = Math.abs(a.type);
      if (t === F64) return mapTyped(a, F64, (v) => f(v as number));
      // As the engine: whole numbers of 4 and 8 bytes, dates, times and timestamps are
      // their own rounding; i16, u8 and b8 are refused (asked: rounding.jsonl).
      if (ROUNDED.has(t)) return a;
      throw typeError("F64", a.type);
    }));
}

/** The builtins defined here. */
export const ARITH_BUILTINS: readonly BuiltinFn[] = [
  ...(["+", "-", "*", "/", "%", "div"] as const).map((op) =>
    binary(op, (_e, a, b) => arith(op, a, b), { fresh: true })
  ),
  /**
   * `neg`, as the engine answers it: a u8 or b8 is negated to an i64, an i16 or i32 atom keeps
   * its type (and its null) while an I16, I32, U8 or B8 vector becomes an I64 vector (its
   * nulls negated as numbers); dates, times, timestamps and anything else are a `type` error.
   */
  unary("neg", (_e, x) =>
    atomic1(x, (a) => {
      const t = Math.abs(a.type);
      const vector = a.type > 0;
      switch (t) {
        case Type.B8:
        case U8:
          return mapTyped(a, I64, (v) => -BigInt(v));
        case I16:
        case I32:
          if (vector) return mapTyped(a, I64, (v) => -BigInt(v as number));
          return mapTyped(a, t, (v) => (v === nullValue(t) ? v : wrapN(t, -(v as number))));
        case I64:
          return mapTyped(a, t, (v) => (v === NULL_I64 ? v : BigInt.asIntN(64, -(v as bigint))));
        case F64:
          return mapTyped(a, t, (v) => -(v as number));
      }
      throw typeError("LIST", "LIST");
    })),
  /**
   * Round half away from zero, as the engine computes it (`floor(x + 0.5)`, mirrored below
   * zero): `(round -0.0)` is 0.0 and `(round -0.4)` is -0.0, as there.
   */
  rounding("round", (x) => (x >= 0 ? Math.floor(x + 0.5) : -Math.floor(-x + 0.5))),
  rounding("floor", Math.floor),
  rounding("ceil", Math.ceil),
];
