/**
 * What a builtin is, and tables of them. Every builtin is a `UNARY`, `BINARY` or `VARY`
 * object (as on the wire) carrying its implementation. Each group of builtins exports its
 * definitions as a list (`ARITH_BUILTINS`, `OS_BUILTINS`, …); an engine is made from a
 * table built from the lists it should have (library.ts puts the standard ones together).
 * The reader substitutes a table's objects for bare builtin names; the evaluator calls
 * `fn` with evaluated arguments, or with the raw argument forms for special forms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinTable, unary } from "./builtins.ts";
 * const twice = unary("twice", (_e, x) => x);
 * const table = builtinTable([twice]);
 * assert.equal(table.get("twice"), twice);
 * assert.throws(() => builtinTable([twice], [unary("twice", (_e, x) => x)]), /twice/);
 * ```
 *
 * @module
 */
import { type Builtin, type BuiltinType, isList, type RayObject } from "../ipc/mod.ts";
import type { Engine } from "./engine.ts";
import { osError } from "./errors.ts";

/** A builtin's implementation: receives the engine and its (evaluated) arguments. */
export type BuiltinImpl = (engine: Engine, args: RayObject[]) => RayObject;

/** A builtin function object of the engine. */
export interface BuiltinFn extends Builtin {
  /** The implementation. */
  readonly fn: BuiltinImpl;
  /** Special forms receive their arguments unevaluated. */
  readonly special: boolean;
  /**
   * Depends on or acts on more than its arguments and the globals it reads — the clock,
   * randomness, files, the network, the process, the output — so a query that called it
   * must be evaluated every time (the worker pool's result cache keeps no such answer).
   */
  readonly impure: boolean;
  /** Replaces a builtin of the same name from an earlier list of the table (see builtinTable). */
  readonly overrides: boolean;
  /** The permission it needs whatever its arguments (`system`, `os-get-var`, …). */
  readonly permission: Permission | undefined;
  /**
   * Its result is always new: it shares no memory with its arguments or anything else, so
   * the evaluator may reuse its arrays once the call it was an argument of is done with it
   * (result_buffers.ts).
   */
  readonly fresh: boolean;
}

/**
 * A permission a builtin needs as a whole (engine/os.ts `Permissions`); it answers an `os`
 * error naming the flag without it. Files and the network are allowed per path and per
 * address, so their builtins check their arguments themselves.
 */
export type Permission = "system" | "env";

/** How a builtin is declared beside its implementation. */
export interface BuiltinOptions {
  /** Receives its arguments unevaluated (`if`, `set`, `select`, …). */
  special?: boolean;
  /** Its result or effect goes beyond its arguments and the globals (see BuiltinFn). */
  impure?: boolean;
  /** Replaces the builtin of this name of an earlier list: a wrapper that calls it. */
  overrides?: boolean;
  /** Refused, before anything else, without this permission. */
  permission?: Permission;
  /** Always answers a new value sharing no memory with anything (see BuiltinFn). */
  fresh?: boolean;
}

/** Builtins by name, as an engine looks them up. */
export type Builtins = ReadonlyMap<string, BuiltinFn>;

function define(
  type: BuiltinType,
  name: string,
  fn: BuiltinImpl,
  options: BuiltinOptions,
): BuiltinFn {
  const permission = options.permission;
  return Object.freeze({
    type,
    name,
    fn: permission ? permitted(permission, fn) : fn,
    special: options.special ?? false,
    impure: options.impure ?? false,
    overrides: options.overrides ?? false,
    permission,
    fresh: options.fresh ?? false,
  });
}

function permitted(permission: Permission, fn: BuiltinImpl): BuiltinImpl {
  return (e, args) => {
    if (!e.permissions[permission]) throw osError(`--allow-${permission} is needed`);
    return fn(e, args);
  };
}

/** A one-argument builtin. */
export function unary(
  name: string,
  fn: (e: Engine, x: RayObject) => RayObject,
  options: BuiltinOptions = {},
): BuiltinFn {
  return define(101, name, (e, a) => fn(e, a[0]), options);
}

/** A two-argument builtin. */
export function binary(
  name: string,
  fn: (e: Engine, x: RayObject, y: RayObject) => RayObject,
  options: BuiltinOptions = {},
): BuiltinFn {
  return define(102, name, (e, a) => fn(e, a[0], a[1]), options);
}

/** A builtin of any number of arguments. */
export function vary(name: string, fn: BuiltinImpl, options: BuiltinOptions = {}): BuiltinFn {
  return define(103, name, fn, options);
}

/** Whether `form` is a call of a `fresh` builtin: its value is new, seen by nothing else yet. */
export function freshCall(form: RayObject): boolean {
  return isList(form) && (form.items[0] as Partial<BuiltinFn> | undefined)?.fresh === true;
}

/**
 * A table of the builtins of `lists`, in order. A name may appear once, unless a later
 * definition says it `overrides` (and then an earlier one must exist): replacing a builtin
 * is always explicit, never an accident of import order.
 */
export function builtinTable(...lists: readonly (readonly BuiltinFn[])[]): Builtins {
  const table = new Map<string, BuiltinFn>();
  for (const list of lists) {
    for (const b of list) {
      const known = table.has(b.name);
      if (known && !b.overrides) throw new Error(`builtin ${b.name} is defined twice`);
      if (!known && b.overrides) throw new Error(`builtin ${b.name} overrides nothing`);
      table.set(b.name, b);
    }
  }
  return table;
}
