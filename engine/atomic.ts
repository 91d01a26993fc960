/**
 * Atomic application (`rayforce-language.md` §2.6): atom ⊕ atom → atom, atom ⊕ vector →
 * vector, vector ⊕ vector → vector of the same length, and a generic LIST walked
 * recursively, its per-element results reassembled into a typed vector when they are
 * atoms of one type.
 *
 * @module
 */
import { type Atom, NULL, type RayObject, Type, type Vector } from "../ipc/mod.ts";
import { lengthError, typeError } from "./errors.ts";
import { collect, count, isTyped, itemAt } from "./values.ts";

/** A kernel over typed operands (atoms or vectors of types 1–12). */
export type Kernel2 = (a: Atom | Vector, b: Atom | Vector) => RayObject;

/**
 * Applies a binary atomic kernel with broadcasting and LIST recursion. A pair that is not
 * typed (a null, a dict, …) goes to `other`, or is a type error.
 */
export function atomic2(
  a: RayObject,
  b: RayObject,
  kernel: Kernel2,
  other?: (a: RayObject, b: RayObject) => RayObject,
): RayObject {
  if (a.type === Type.LIST || b.type === Type.LIST) {
    const la = a.type === Type.LIST || (a.type > 0 && a.type <= 12);
    const lb = b.type === Type.LIST || (b.type > 0 && b.type <= 12);
    if (la && lb) {
      const n = count(a);
      if (count(b) !== n) throw lengthError();
      const out: RayObject[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = atomic2(itemAt(a, i), itemAt(b, i), kernel, other);
      return collect(out);
    }
    if (a.type === Type.LIST) return collect(a.items.map((x) => atomic2(x, b, kernel, other)));
    return collect((b as { items: RayObject[] }).items.map((y) => atomic2(a, y, kernel, other)));
  }
  if (!isTyped(a) || !isTyped(b)) {
    if (other) return other(a, b);
    throw typeError(a.type, b.type);
  }
  return kernel(a, b);
}

/** Applies a unary atomic kernel, walking LISTs. */
export function atomic1(x: RayObject, kernel: (x: Atom | Vector) => RayObject): RayObject {
  if (x.type === Type.LIST) {
    // An empty LIST maps to null, as in the engine (`(neg (list))`, `(not (list))`).
    if (x.items.length === 0) return NULL;
    return collect(x.items.map((i) => atomic1(i, kernel)));
  }
  if (!isTyped(x)) throw typeError("LIST", x.type);
  return kernel(x);
}
