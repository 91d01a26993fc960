/**
 * Random generators `rand` and `guid` (`rayforce-language.md` §3.7).
 *
 * @module
 */
import type { RayObject } from "../ipc/mod.ts";
import { binary, type BuiltinFn, unary } from "./builtins.ts";
import { domainError, typeError } from "./errors.ts";
import { fromDoubles } from "./int64.ts";
import { checkVectorSize } from "./values.ts";
import { AtomType, isAtomOf } from "../ipc/mod.ts";

function count(n: RayObject): number {
  if (n.type !== AtomType.I64 && n.type !== AtomType.I32) throw typeError("i64", n.type);
  const k = Number(n.value);
  if (k < 0) throw domainError("a negative count");
  return k;
}

/** The builtins defined here. */
export const GENERATORS_BUILTINS: readonly BuiltinFn[] = [
  /** `(rand n max)`: n random values in [0, max): i64 for an integer max, f64 for a float. */
  binary("rand", (e, n, max) => {
    const k = count(n);
    checkVectorSize(e.maxVectorBytes, k, 8);
    if (isAtomOf(max, AtomType.F64)) {
      const m = max.value;
      if (!(m > 0)) throw domainError("rand needs a positive maximum");
      return { type: 10, data: Float64Array.from({ length: k }, () => Math.random() * m) };
    }
    if (max.type !== AtomType.I64 && max.type !== AtomType.I32) throw typeError("i64", max.type);
    const m = Number(max.value);
    if (m <= 0) throw domainError("rand needs a positive maximum");
    return {
      type: 5,
      data: fromDoubles(Float64Array.from({ length: k }, () => Math.floor(Math.random() * m))),
    };
  }, { impure: true }),
  /** `(guid n)`: n random version-4 GUIDs. */
  unary("guid", (e, n) => {
    const k = count(n);
    checkVectorSize(e.maxVectorBytes, k, 16);
    const out = new Uint8Array(k * 16);
    crypto.getRandomValues(out);
    for (let i = 0; i < k; i++) {
      out[i * 16 + 6] = (out[i * 16 + 6] & 0x0f) | 0x40;
      out[i * 16 + 8] = (out[i * 16 + 8] & 0x3f) | 0x80;
    }
    return { type: 11, data: out };
  }, { impure: true }),
];
