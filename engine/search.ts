/**
 * Searching sorted data and ranges: `bin binr within`, and `remove`
 * (`rayforce-language.md` §3.6).
 *
 * @module
 */
import type { Atom, RayObject, Vector } from "../ipc/mod.ts";
import { binary, type BuiltinFn } from "./builtins.ts";
import { compare } from "./compare.ts";
import type { Engine } from "./engine.ts";
import { nyiError, typeError } from "./errors.ts";
import { count, itemAt, listOf, tableRows, take } from "./values.ts";
import { checkSearch, checkWithin } from "./argument_types.ts";
import { AtomType, isCollection, Type } from "../ipc/mod.ts";

function less(e: Engine, a: RayObject, b: RayObject): boolean {
  return ((compare(e, "<", a, b)) as Atom).value === 1;
}

/** Last index with element ≤ y (−1 if none) — or, for `right`, first index with element ≥ y. */
function search(e: Engine, xs: RayObject, y: RayObject, right: boolean): bigint {
  let lo = 0, hi = count(xs);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const goRight = right ? less(e, itemAt(xs, mid), y) : !less(e, y, itemAt(xs, mid));
    if (goRight) lo = mid + 1;
    else hi = mid;
  }
  return BigInt(right ? lo : lo - 1);
}

function searcher(right: boolean) {
  return (e: Engine, xs: RayObject, y: RayObject): RayObject => {
    checkSearch(xs, y);
    if (y.type < 0) {
      const at = search(e, xs, y, right);
      // The engine's `bin` of a 4-byte atom (i32, date, time) answers an i32; `binr` an i64.
      if (
        !right && (y.type === AtomType.I32 || y.type === AtomType.DATE || y.type === AtomType.TIME)
      ) {
        return { type: -4, value: Number(at) };
      }
      return { type: -5, value: at };
    }
    const n = count(y);
    return {
      type: 5,
      data: BigInt64Array.from({ length: n }, (_, i) => search(e, xs, itemAt(y, i), right)),
    };
  };
}

/**
 * The length `remove` sees in an atom: the engine reads the length field of an object whose
 * storage holds the atom's value, so an i64 of 2 "has" 2 elements, an i32 or a date its value
 * unsigned, a b8, u8 or char its byte, a double's bits, a symbol any number; a GUID one.
 */
function atomLength(x: Atom): number {
  const v = x.value;
  switch (x.type) {
    case AtomType.I64:
    case AtomType.TIMESTAMP:
      return Number(v);
    case AtomType.I32:
    case AtomType.DATE:
    case AtomType.TIME:
      return (v as number) >>> 0;
    case AtomType.I16:
      return (v as number) & 0xffff;
    case AtomType.B8:
    case AtomType.U8:
    case AtomType.C8:
      return v as number;
    case AtomType.F64:
      return (v as number) < 0 ? -1 : Infinity; // its bits as a signed integer
    case AtomType.GUID:
      return 1;
  }
  return Infinity;
}

/** The builtins defined here. */
export const SEARCH_BUILTINS: readonly BuiltinFn[] = [
  binary("bin", searcher(false)),
  binary("binr", searcher(true)),
  /** `(within xs [lo hi])`: inclusive range test. (The engine's atom case returns junk; here an atom gives a 1-element B8.) */
  binary("within", (e, x, range) => {
    checkWithin(x, range);
    const lo = itemAt(range, 0), hi = itemAt(range, 1);
    const xs = x.type < 0 ? listOf([x]) : x;
    const n = count(xs);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = itemAt(xs, i);
      out[i] = !less(e, v, lo) && !less(e, hi, v) ? 1 : 0;
    }
    return { type: 1, data: out };
  }),
  /**
   * `(remove xs i)`: xs without the element at index i, as the engine answers: i an i64 or i32
   * atom (an F64 vector a `domain` error, anything else a `type` error); an index outside xs
   * (a null too) leaves xs as it is; an atom, a dict or a table is refused only when the
   * index falls inside it (an atom's length is `atomLength`).
   */
  binary("remove", (_e, x, i) => {
    if (i.type !== AtomType.I64 && i.type !== AtomType.I32) throw typeError("i64", i.type);
    if (x.type === Type.DATE || x.type === Type.TIME) throw nyiError(x.type); // the engine has no DATE or TIME case
    const n = x.type < 0
      ? atomLength(x as Atom)
      : x.type === Type.DICT
      ? count(x.keys)
      : x.type === Type.TABLE
      ? tableRows(x)
      : count(x);
    const k = Number(i.value);
    if (k < 0 || k >= n) return x;
    if (!isCollection(x)) throw typeError("LIST", x.type);
    const idx = Array.from({ length: n - 1 }, (_, j) => (j < k ? j : j + 1));
    return x.type === Type.LIST ? listOf(idx.map((j) => x.items[j])) : take(x as Vector, idx);
  }),
];
