/**
 * Comparison builtins `== != < > <= >=` (`rayforce-language.md` §2.7–2.8): numbers and
 * temporals compare by value across widths (a date beside a timestamp in nanoseconds),
 * nulls are the smallest values and equal to themselves, symbols compare by interning
 * order, strings compare whole and lexicographically.
 *
 * @module
 */
import {
  allocVector,
  type Atom,
  AtomType,
  isAtomOf,
  isCollection,
  isVector,
  type RayObject,
  Type,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { atomic2 } from "./atomic.ts";
import { binary, type BuiltinFn } from "./builtins.ts";
import type { Engine } from "./engine.ts";
import { lengthError, typeError } from "./errors.ts";
import { equalFloats, greaterFloats, notLessFloats } from "./compare_loops.ts";
import { compareI64, words } from "./int64.ts";
import { inRanges } from "./parallel.ts";
import { collect, count, isNullValue } from "./values.ts";
import { resultArray } from "./result_buffers.ts";

type Cmp = "==" | "!=" | "<" | ">" | "<=" | ">=";
const NS_PER_DAY = 86_400_000_000_000n;

/**
 * Comparison class of a base type, as the engine has them (asked: tests/fixtures/conformance/
 * sessions/compare-classes.jsonl): numbers of every width together (i16 i32 i64 f64), b8
 * with u8, a date with a timestamp (by the instant), and symbols, chars, times and guids
 * each alone. Values of different classes do not compare: a `type` error.
 */
function cls(t: number): number {
  switch (t) {
    case Type.I16:
    case Type.I32:
    case Type.I64:
    case Type.F64:
      return 5;
    case Type.B8:
    case Type.U8:
      return 1;
    case Type.TIMESTAMP:
      return 7;
    default:
      return t;
  }
}

function test(op: Cmp, c: number): boolean {
  switch (op) {
    case "==":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<":
      return c < 0;
    case ">":
      return c > 0;
    case "<=":
      return c <= 0;
    case ">=":
      return c >= 0;
  }
}

/** A comparable key of one value: nulls are −∞; a date beside a timestamp counts nanoseconds. */
function keyOf(
  engine: Engine,
  t: number,
  v: number | bigint,
  other: number,
): number | bigint {
  if (isNullValue(t, v)) return -Infinity;
  if (t === Type.SYMBOL) return engine.rank(v as number);
  if (t === Type.DATE && other === 9) return BigInt(v) * NS_PER_DAY;
  return v;
}

function order(x: number | bigint, y: number | bigint): number {
  // Loose comparison compares a bigint and a number by value.
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Compares two values with `op`: b8 for atoms and whole strings, B8 for vectors. */
export function compare(engine: Engine, op: Cmp, a: RayObject, b: RayObject): RayObject {
  // The engine's order of checks: lengths first; an empty LIST compares to nothing (an
  // empty B8), beside a collection of other length it is a `length` error.
  const collection = (x: RayObject) => isCollection(x);
  if (collection(a) && collection(b) && a.type !== Type.LIST && b.type !== Type.LIST) {
    const strings = a.type === Type.C8 && b.type === Type.C8; // compared whole
    if (!strings && vectorLength(a as Vector) !== vectorLength(b as Vector)) throw lengthError();
  }
  for (const [x, other] of [[a, b], [b, a]]) {
    if (x.type !== Type.LIST || x.items.length !== 0) continue;
    if (collection(other) && count(other) !== 0) throw lengthError();
    return { type: 1, data: new Uint8Array(0) };
  }
  // null against null is true whatever the operator, and so is a dict against a dict, a
  // table against a table; null against a list compares with each item, against an empty
  // vector with nothing, against anything else it is refused.
  if (
    a.type === b.type && (a.type === Type.NULL || a.type === Type.DICT || a.type === Type.TABLE)
  ) {
    return { type: -1, value: 1 };
  }
  if (a.type === Type.NULL || b.type === Type.NULL) {
    const other = a.type === Type.NULL ? b : a;
    if (other.type === Type.LIST) {
      return collect(
        other.items.map((item) =>
          compare(engine, op, a === other ? item : a, b === other ? item : b)
        ),
      );
    }
    if (isVector(other) && vectorLength(other as Vector) === 0) {
      return { type: 1, data: new Uint8Array(0) };
    }
    throw typeError("LIST", "LIST");
  }
  // Strings compare whole: one boolean, not one per character.
  if (a.type === Type.C8 && (b.type === Type.C8 || isAtomOf(b, AtomType.C8))) {
    const bb = isAtomOf(b, AtomType.C8) ? Uint8Array.of(b.value) : b.data as Uint8Array;
    return {
      type: -1,
      value: test(op, compareBytes(a.data as Uint8Array, bb)) ? 1 : 0,
    };
  }
  if (isAtomOf(a, AtomType.C8) && b.type === Type.C8) {
    const c = compareBytes(
      Uint8Array.of(a.value),
      b.data as Uint8Array,
    );
    return { type: -1, value: test(op, c) ? 1 : 0 };
  }
  return atomic2(a, b, (x, y) => {
    // Two strings met inside lists compare whole too, as at the top.
    if (x.type === Type.C8 && y.type === Type.C8) return compare(engine, op, x, y);
    const ta = Math.abs(x.type), tb = Math.abs(y.type);
    // B8 and U8 vectors do not compare at all in the engine (their atoms do).
    const bytes = (v: Atom | Vector) => v.type === Type.B8 || v.type === Type.U8;
    if ((bytes(x) || bytes(y)) && count(x) + count(y) > 0) throw typeError("LIST", "LIST");
    if (cls(ta) !== cls(tb)) {
      // An empty side has no element to refuse (`(== [] 'a)` is `[]`).
      const empty = (x.type > 0 && vectorLength(x as Vector) === 0) ||
        (y.type > 0 && vectorLength(y as Vector) === 0);
      if (!empty) throw typeError("LIST", "LIST"); // the engine's detail, whatever the types
    }
    if (ta === Type.GUID) {
      const eq = (i: number, j: number) =>
        compareBytes(
          ((x.type < 0 ? (x as Atom).value : (x as Vector).data) as Uint8Array).subarray(
            i * 16,
            i * 16 + 16,
          ),
          ((y.type < 0 ? (y as Atom).value : (y as Vector).data) as Uint8Array).subarray(
            j * 16,
            j * 16 + 16,
          ),
        );
      return elementwise(x, y, (i, j) => test(op, eq(i, j)));
    }
    const fast = fastCompare(op, ta, tb, x, y);
    if (fast) return fast;
    const xs = x.type < 0 ? [(x as Atom).value as number | bigint] : (x as Vector).data;
    const ys = y.type < 0 ? [(y as Atom).value as number | bigint] : (y as Vector).data;
    return elementwise(
      x,
      y,
      (i, j) =>
        test(
          op,
          order(keyOf(engine, ta, xs[i] as number, tb), keyOf(engine, tb, ys[j] as number, ta)),
        ),
    );
  }, (x, y) => {
    // A null inside a list compares as a null does; anything else untyped is refused.
    if (x.type === Type.NULL || y.type === Type.NULL) return compare(engine, op, x, y);
    // An empty vector beside a dict or a table compares to nothing.
    const empty = (v: RayObject) => isVector(v) && vectorLength(v as Vector) === 0;
    if (empty(x) || empty(y)) return { type: 1, data: new Uint8Array(0) };
    throw typeError("LIST", "LIST");
  });
}

const SAME_WIDTH_INTEGERS = new Set([1, 2, 3, 4, 7, 8, 12]);

/**
 * Typed loops for same-typed numeric operands with at least one vector: raw values order
 * correctly because each type's null is its smallest value; f64 NaN counts as −∞.
 */
function fastCompare(
  op: Cmp,
  ta: number,
  tb: number,
  x: Atom | Vector,
  y: Atom | Vector,
): RayObject | undefined {
  if (ta !== tb || (x.type < 0 && y.type < 0)) return undefined;
  const flip = x.type < 0;
  const vec = (flip ? y : x) as Vector;
  const other = flip ? x : y;
  const t = flip ? (c: number) => test(op, -c) : (c: number) => test(op, c);
  const n = vectorLength(vec);
  if (other.type > 0 && vectorLength(other as Vector) !== n) {
    throw lengthError();
  }
  const out = resultArray(Type.B8, n); // every element is written below
  // The answer for each outcome, looked up in the loops instead of calling `t` per element.
  const lt = t(-1) ? 1 : 0, eq = t(0) ? 1 : 0, gt = t(1) ? 1 : 0;
  if ((ta === Type.I64 || ta === Type.TIMESTAMP) && words(vec.data as BigInt64Array)) {
    const o = other.type < 0
      ? (other as Atom).value as bigint
      : (other as Vector).data as BigInt64Array;
    compareI64(vec.data as BigInt64Array, o, out, lt, eq, gt);
    return { type: 1, data: out };
  }
  if (ta === Type.F64 && other.type < 0 && ((other as Atom).value as number) > -Infinity) {
    // Against a number above −∞ a NaN (−∞ here) is below it: `a > b` and `a >= b` are false
    // for it as they must be, and `<`, `<=` are their negations. One loop per kind, no
    // branch per element.
    const loop = lt === gt ? equalFloats : eq === lt ? greaterFloats : notLessFloats;
    inRanges(loop, [vec.data, out, (other as Atom).value, lt], n);
    return { type: 1, data: out };
  }
  if (SAME_WIDTH_INTEGERS.has(ta) || ta === Type.F64) {
    // A NaN (the f64 null) orders below every number.
    const d = vec.data as Int32Array;
    const nanLow = ta === Type.F64;
    if (other.type < 0) {
      let b = (other as Atom).value as number;
      if (nanLow && b !== b) b = -Infinity;
      for (let i = 0; i < n; i++) {
        let a = d[i];
        if (nanLow && a !== a) a = -Infinity;
        out[i] = a < b ? lt : a > b ? gt : eq;
      }
    } else {
      const e = (other as Vector).data as Int32Array;
      for (let i = 0; i < n; i++) {
        let a = d[i], b = e[i];
        if (nanLow && a !== a) a = -Infinity;
        if (nanLow && b !== b) b = -Infinity;
        out[i] = a < b ? lt : a > b ? gt : eq;
      }
    }
    return { type: 1, data: out };
  }
  return undefined;
}

/** Runs `f(i, j)` over atom/vector index pairs with broadcasting → b8 or B8. */
function elementwise(
  x: Atom | Vector,
  y: Atom | Vector,
  f: (i: number, j: number) => boolean,
): RayObject {
  if (x.type < 0 && y.type < 0) return { type: -1, value: f(0, 0) ? 1 : 0 };
  const nx = x.type > 0 ? vectorLength(x as Vector) : -1;
  const ny = y.type > 0 ? vectorLength(y as Vector) : -1;
  if (nx >= 0 && ny >= 0 && nx !== ny) throw lengthError();
  const n = nx >= 0 ? nx : ny;
  const out = allocVector(1, n);
  for (let i = 0; i < n; i++) out[i] = f(nx >= 0 ? i : 0, ny >= 0 ? i : 0) ? 1 : 0;
  return { type: 1, data: out };
}

/** The builtins defined here. */
export const COMPARE_BUILTINS: readonly BuiltinFn[] = (["==", "!=", "<", ">", "<=", ">="] as const)
  .map((op) => binary(op, (e, a, b) => compare(e, op, a, b), { fresh: true }));
