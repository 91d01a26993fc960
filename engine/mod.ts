/**
 * The Rayforce language in TypeScript: reader, evaluator, builtins and the REPL display.
 * Pure computation over the `ipc/` object model: no sockets, timers or runtime globals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Engine } from "@rf/ws/engine";
 * const engine = new Engine();
 * engine.evalSource("(set t (table [sym qty] (list [a b a] [1 2 3])))");
 * const outcome = engine.evalSource("(select {s: (sum qty) from: t by: sym})");
 * assert.equal(outcome.error, undefined);
 * assert.match(engine.render(outcome), /sym/);
 * ```
 *
 * @module
 */
export {
  Engine,
  type EngineOptions,
  errorValueOf,
  type Frame,
  MAX_DEPTH,
  type Outcome,
  type SharedSymbolOrder,
  toEvalError,
} from "./engine.ts";
export { display, type DisplayOptions, Formatter } from "./display.ts";
export { EvalError, Interrupted } from "./errors.ts";
export { renderError } from "./render_error.ts";
export { type BuiltinLookup, read } from "./reader.ts";
export type { NetHook, Permissions, TimerHook } from "./os.ts";
export type { Allowed, FileHook, HostHook, ProcessHook } from "./host.ts";
export {
  binary,
  type BuiltinFn,
  type BuiltinImpl,
  type BuiltinOptions,
  type Builtins,
  builtinTable,
  type Permission,
  unary,
  vary,
} from "./builtins.ts";
export { CORE_BUILTINS, resolveBuiltin, STANDARD_BUILTINS } from "./library.ts";
