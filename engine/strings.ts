/**
 * String builtins `like` and `split` (`rayforce-language.md` §3.9).
 *
 * @module
 */
import {
  type Atom,
  AtomType,
  isCollection,
  isVectorOf,
  NULL,
  type RayObject,
  symbols,
  Type,
  type Vector,
} from "../ipc/mod.ts";
import { binary, type BuiltinFn } from "./builtins.ts";
import { indexError, lengthError, typeError } from "./errors.ts";
import { collect, count, listOf, take } from "./values.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Glob match of bytes against a pattern: `*`, `?`, `[set]`, `[^set]` (no ranges). */
export function globMatch(text: Uint8Array, pattern: Uint8Array): boolean {
  const STAR = 42, QUESTION = 63, OPEN = 91, CLOSE = 93, CARET = 94;
  const match = (ti: number, pi: number): boolean => {
    while (pi < pattern.length) {
      const p = pattern[pi];
      if (p === STAR) {
        for (let k = ti; k <= text.length; k++) if (match(k, pi + 1)) return true;
        return false;
      }
      if (ti >= text.length) return false;
      if (p === QUESTION) {
        ti++;
        pi++;
        continue;
      }
      if (p === OPEN) {
        const end = pattern.indexOf(CLOSE, pi + 1);
        if (end > pi) {
          const negate = pattern[pi + 1] === CARET;
          const set = pattern.subarray(pi + (negate ? 2 : 1), end);
          if (set.includes(text[ti]) === negate) return false;
          ti++;
          pi = end + 1;
          continue;
        }
      }
      if (p !== text[ti]) return false;
      ti++;
      pi++;
    }
    return ti === text.length;
  };
  return match(0, 0);
}

/** Types of the position vectors `split` takes. */
const POSITIONS = new Set([3, 4, 5]);

/** The builtins defined here. */
export const STRINGS_BUILTINS: readonly BuiltinFn[] = [
  binary("like", (_e, x, pattern) => {
    if (!isVectorOf(pattern, Type.C8)) throw typeError("C8", pattern.type);
    const p = pattern.data;
    if (isVectorOf(x, Type.C8)) {
      return { type: -1, value: globMatch(x.data, p) ? 1 : 0 };
    }
    if (x.type === Type.LIST) {
      return {
        type: 1,
        data: Uint8Array.from(x.items, (s) => {
          if (!isVectorOf(s, Type.C8)) throw typeError("C8", s.type);
          return globMatch(s.data, p) ? 1 : 0;
        }),
      };
    }
    throw typeError("C8", x.type);
  }),
  /**
   * `(split x sep)` as the engine answers it (sessions split-remove-xrank, at-split-list): a
   * string by a string or char delimiter; any vector or LIST at ascending i16, i32 or i64
   * positions (each part runs to the next position; a LIST's parts are what `at` picks, atoms
   * of one type unified); an empty position list (or an atom 0, whose length the engine reads
   * as its value) is null; a dict or table is a `type` error.
   */
  binary("split", (_e, x, sep) => {
    if (!isCollection(x) && x.type !== AtomType.SYMBOL) throw typeError("C8", x.type);
    const textual = x.type === Type.C8 || x.type === AtomType.SYMBOL; // a symbol splits as its text
    if (textual && (sep.type === Type.C8 || sep.type === AtomType.C8)) {
      const text = isVectorOf(x, Type.C8)
        ? decoder.decode(x.data)
        : symbols.text(x.value as number);
      const delim = isVectorOf(sep, Type.C8)
        ? decoder.decode(sep.data)
        : String.fromCharCode(sep.value as number);
      if (delim === "") throw typeError("LIST", "LIST");
      return listOf(
        text.split(delim).map((p) => ({ type: 12, data: encoder.encode(p) }) as RayObject),
      );
    }
    if (x.type === AtomType.SYMBOL) throw typeError("C8", x.type);
    // An atom's 8 bytes read as a length: 0 for any zero atom, but not for -0.0 (its sign bit).
    const empty = sep.type < 0 ? Object.is(Number((sep as Atom).value), 0) : count(sep) === 0;
    if (empty) return NULL;
    if (!POSITIONS.has(sep.type)) throw typeError("I64", sep.type);
    const n = count(x);
    const starts = Array.from((sep as Vector).data as ArrayLike<number | bigint>, Number);
    if (starts.length > n) throw lengthError(n, starts.length);
    starts.forEach((s, i) => {
      if (!(s >= (starts[i - 1] ?? 0) && s <= n)) throw indexError(0, n - 1);
    });
    return listOf(starts.map((s, i) => {
      const end = i + 1 < starts.length ? starts[i + 1] : n;
      const part = take(x, Array.from({ length: end - s }, (_, k) => s + k));
      return part.type === Type.LIST ? collect(part.items) : part;
    }));
  }),
];
