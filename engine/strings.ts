/**
 * String builtins `like` and `split` (`rayforce-language.md` §3.9).
 *
 * @module
 */
import { type Atom, type RayObject, symbols, type Vector } from "../ipc/mod.ts";
import { binary } from "./builtins.ts";
import { typeError } from "./errors.ts";
import { count, listOf, take } from "./values.ts";

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

binary("like", (_e, x, pattern) => {
  if (pattern.type !== 12) throw typeError("C8", pattern.type);
  const p = (pattern as Vector<12>).data;
  if (x.type === 12) return { type: -1, value: globMatch((x as Vector<12>).data, p) ? 1 : 0 };
  if (x.type === 0) {
    return {
      type: 1,
      data: Uint8Array.from(x.items, (s) => {
        if (s.type !== 12) throw typeError("C8", s.type);
        return globMatch((s as Vector<12>).data, p) ? 1 : 0;
      }),
    };
  }
  throw typeError("C8", x.type);
});

binary("split", (_e, x, sep) => {
  let text: string;
  if (x.type === 12) text = decoder.decode((x as Vector<12>).data);
  else if (x.type === -6) text = symbols.text((x as Atom).value as number);
  else if (x.type >= 1 && x.type <= 12 && (sep.type === 5 || sep.type === -5)) {
    // A vector split at ascending start positions.
    const starts = sep.type === -5
      ? [Number((sep as Atom).value)]
      : Array.from((sep as Vector<5>).data, Number);
    const n = count(x);
    return listOf(starts.map((s, i) => {
      const end = i + 1 < starts.length ? starts[i + 1] : n;
      return take(x, Array.from({ length: Math.max(0, end - s) }, (_, k) => s + k));
    }));
  } else throw typeError("C8", x.type);
  let delim: string;
  if (sep.type === 12) delim = decoder.decode((sep as Vector<12>).data);
  else if (sep.type === -12) delim = String.fromCharCode((sep as Atom).value as number);
  else throw typeError("C8", sep.type);
  const parts = delim === "" ? [...text] : text.split(delim);
  return listOf(parts.map((p) => ({ type: 12, data: encoder.encode(p) }) as RayObject));
});
