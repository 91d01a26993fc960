/**
 * How a mutation treats its first argument: a value is changed as a copy, which is the
 * answer; a symbol names a global that is changed in place, and the symbol is the answer
 * (`(insert 't row)`, `(update {from: 't …})`, `(alter 'x + 0 1)`, `(modify 'x …)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Engine } from "./engine.ts";
 * const e = new Engine();
 * e.evalSource("(set v [1 2 3])");
 * assert.equal(e.display(e.evalSource("(alter v + 0 10)").value), "[11 2 3]");
 * assert.equal(e.display(e.evalSource("v").value), "[1 2 3]");
 * assert.equal(e.display(e.evalSource("(alter 'v + 0 10)").value), "v"); // the name
 * assert.equal(e.display(e.evalSource("v").value), "[11 2 3]");
 * ```
 *
 * @module
 */
import type { RayObject } from "../ipc/mod.ts";
import type { Engine } from "./engine.ts";
import { AtomType, isAtomOf } from "../ipc/mod.ts";

/**
 * `change(x)`; or, when `x` is a symbol, `change` of the global it names, written back, and
 * the symbol.
 */
export function changeInPlace(
  e: Engine,
  x: RayObject,
  change: (value: RayObject) => RayObject,
): RayObject {
  if (!isAtomOf(x, AtomType.SYMBOL)) return change(x);
  const id = x.value;
  e.setGlobal(id, change(e.lookup(id)));
  return { type: -6, value: id };
}
