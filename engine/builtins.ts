/**
 * The builtin registry: every builtin is a `UNARY`, `BINARY` or `VARY` object (as on the
 * wire) carrying its implementation. The reader substitutes these objects for bare
 * builtin names; the evaluator calls `fn` with evaluated arguments, or with the raw
 * argument forms for special forms.
 *
 * @module
 */
import type { Builtin, BuiltinType, RayObject } from "../ipc/mod.ts";
import type { Engine } from "./engine.ts";

/** A builtin's implementation: receives the engine and its (evaluated) arguments. */
export type BuiltinImpl = (engine: Engine, args: RayObject[]) => RayObject;

/** A builtin function object of the engine. */
export interface BuiltinFn extends Builtin {
  /** The implementation. */
  fn: BuiltinImpl;
  /** Special forms receive their arguments unevaluated. */
  special: boolean;
  /** Depends on or acts on more than its arguments and the globals (purity.ts). */
  impure?: boolean;
}

/** All builtins by name. */
export const BUILTINS: Map<string, BuiltinFn> = new Map();

function define(type: BuiltinType, name: string, fn: BuiltinImpl, special: boolean): BuiltinFn {
  const b: BuiltinFn = { type, name, fn, special };
  BUILTINS.set(name, b);
  return b;
}

/** Registers a one-argument builtin. */
export function unary(
  name: string,
  fn: (e: Engine, x: RayObject) => RayObject,
  special = false,
): BuiltinFn {
  return define(101, name, (e, a) => fn(e, a[0]), special);
}

/** Registers a two-argument builtin. */
export function binary(
  name: string,
  fn: (e: Engine, x: RayObject, y: RayObject) => RayObject,
  special = false,
): BuiltinFn {
  return define(102, name, (e, a) => fn(e, a[0], a[1]), special);
}

/** Registers a variadic builtin. */
export function vary(name: string, fn: BuiltinImpl, special = false): BuiltinFn {
  return define(103, name, fn, special);
}

/** The builtin for an IPC builtin reference, or null when the name is unknown (as the engine). */
export function resolveBuiltin(_type: BuiltinType, name: string): RayObject {
  return BUILTINS.get(name) ?? { type: 126 };
}
