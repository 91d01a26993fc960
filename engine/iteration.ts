/**
 * Iteration builtins beyond `map fold scan map-left map-right` (control.ts):
 * `pmap fold-left fold-right scan-left scan-right` (`rayforce-language.md` §3.16).
 *
 * The engine's seeded folds are irregular; the one observed case,
 * `(fold-left - 100 [1 2 3])` → `[99 98 97]`, applies `f` to the seed and each element
 * without accumulating, and that is what `fold-left` (`f seed x`) and `fold-right`
 * (`f x seed`) do here. The scans accumulate: `(scan-left f seed xs)` is the running
 * `f(acc, x)` from the seed, `scan-right` the same from the right end.
 *
 * @module
 */
import { type Lambda, type RayObject, Type } from "../ipc/mod.ts";
import { type BuiltinFn, vary } from "./builtins.ts";
import type { Engine } from "./engine.ts";
import { arityError } from "./errors.ts";
import { collect, count, items } from "./values.ts";
import { mapBuiltin } from "./control.ts";
import { isCollection } from "../ipc/mod.ts";

/**
 * A seeded fold or scan given no seed, `(fold-left f x)`, as the engine answers it (session
 * seedless-folds): a unary builtin is applied to `x` (`(fold-left max [1 2 3])` is 3), any
 * other function is an `arity` error for its one argument.
 */
function seedless(e: Engine, [f, x]: RayObject[]): RayObject {
  if (f.type === Type.UNARY) return e.apply(f, [x]);
  throw arityError(f.type === Type.LAMBDA ? count((f as Lambda).args) : 1, 1);
}

function seeded(args: RayObject[]): [RayObject, RayObject, RayObject[]] {
  if (args.length !== 3) throw arityError(3, args.length);
  const [f, seed, xs] = args;
  return [f, seed, isCollection(xs) ? items(xs) : [xs]];
}

function scan(e: Engine, args: RayObject[], fromRight: boolean): RayObject {
  const [f, seed, xs] = seeded(args);
  const order = fromRight ? [...xs].reverse() : xs;
  let acc = seed;
  const out = order.map((x) => (acc = e.apply(f, fromRight ? [x, acc] : [acc, x])));
  return collect(fromRight ? out.reverse() : out);
}

/** The builtins defined here. */
export const ITERATION_BUILTINS: readonly BuiltinFn[] = [
  vary("pmap", (e, args) => mapBuiltin.fn(e, args)),
  vary("fold-left", (e, args) => {
    if (args.length === 2) return seedless(e, args);
    const [f, seed, xs] = seeded(args);
    return collect(xs.map((x) => e.apply(f, [seed, x])));
  }),
  vary("fold-right", (e, args) => {
    if (args.length === 2) return seedless(e, args);
    const [f, seed, xs] = seeded(args);
    return collect(xs.map((x) => e.apply(f, [x, seed])));
  }),
  vary("scan-left", (e, args) => args.length === 2 ? seedless(e, args) : scan(e, args, false)),
  vary("scan-right", (e, args) => args.length === 2 ? seedless(e, args) : scan(e, args, true)),
];
