/**
 * The standard tables of builtins. {@link CORE_BUILTINS} computes and touches nothing
 * outside the engine but the clock, randomness and the engine's own `print` hook: an engine
 * made from it alone reaches no file, process or environment variable, whatever its
 * permissions say — a sandbox, or an engine in a browser. {@link STANDARD_BUILTINS} adds
 * the OS builtins (files, CSV, splayed and parted tables, the network, processes), which
 * still need the engine's permissions and host hooks (engine/os.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Engine } from "./engine.ts";
 * import { CORE_BUILTINS } from "./library.ts";
 * const sandbox = new Engine({ builtins: CORE_BUILTINS });
 * assert.equal(sandbox.display(sandbox.evalSource("(sum (til 4))").value), "6");
 * assert.equal(sandbox.evalSource('(read "/etc/passwd")').error?.code, 6); // not a builtin here
 * ```
 *
 * @module
 */
import { type BuiltinType, NULL, type RayObject } from "../ipc/mod.ts";
import { AGGREGATE_BUILTINS } from "./aggregate.ts";
import { ARITH_BUILTINS } from "./arith.ts";
import { type BuiltinFn, type Builtins, builtinTable } from "./builtins.ts";
import { CAST_BUILTINS } from "./cast.ts";
import { CLOCK_BUILTINS } from "./clock.ts";
import { COLLECTIONS_BUILTINS } from "./collections.ts";
import { COMPARE_BUILTINS } from "./compare.ts";
import { CONTROL_BUILTINS } from "./control.ts";
import { CSV_BUILTINS } from "./csv.ts";
import { GENERATORS_BUILTINS } from "./generators.ts";
import { ITERATION_BUILTINS } from "./iteration.ts";
import { JOINS_BUILTINS } from "./joins.ts";
import { META_BUILTINS } from "./meta.ts";
import { ORDER_BUILTINS } from "./order.ts";
import { OS_BUILTINS } from "./os.ts";
import { SELECT_BUILTINS } from "./select.ts";
import { UPDATE_BUILTINS } from "./update.ts";
import { INSERT_BUILTINS } from "./insert.ts";
import { ALTER_BUILTINS } from "./alter.ts";
import { TABLES_BUILTINS } from "./tables.ts";
import { SEARCH_BUILTINS } from "./search.ts";
import { SERIALIZE_BUILTINS } from "./serialize.ts";
import { SPLAYED_BUILTINS } from "./splayed.ts";
import { STRINGS_BUILTINS } from "./strings.ts";
import { XBAR_BUILTINS } from "./xbar.ts";

/** The lists of builtins that need nothing of the host. */
const CORE_LISTS: readonly (readonly BuiltinFn[])[] = [
  ARITH_BUILTINS,
  XBAR_BUILTINS,
  COMPARE_BUILTINS,
  CONTROL_BUILTINS,
  AGGREGATE_BUILTINS,
  COLLECTIONS_BUILTINS,
  CAST_BUILTINS,
  ORDER_BUILTINS,
  TABLES_BUILTINS,
  SELECT_BUILTINS,
  UPDATE_BUILTINS,
  INSERT_BUILTINS,
  ALTER_BUILTINS,
  STRINGS_BUILTINS,
  SEARCH_BUILTINS,
  CLOCK_BUILTINS,
  JOINS_BUILTINS,
  ITERATION_BUILTINS,
  GENERATORS_BUILTINS,
  META_BUILTINS,
  SERIALIZE_BUILTINS,
];

/** The language without the OS builtins. */
export const CORE_BUILTINS: Builtins = builtinTable(...CORE_LISTS);

/**
 * Every builtin of the engine: the core, then the OS builtins (whose `get`, `set` and
 * `load` override the core's to add paths, and splayed tables' `load` the file one).
 */
export const STANDARD_BUILTINS: Builtins = builtinTable(
  ...CORE_LISTS,
  OS_BUILTINS,
  CSV_BUILTINS,
  SPLAYED_BUILTINS,
);

/**
 * The standard builtin for an IPC builtin reference, or null when the name is unknown (as
 * the engine answers it): the `resolveBuiltin` option of `decode` for messages that an
 * engine of the standard builtins evaluates.
 */
export function resolveBuiltin(_type: BuiltinType, name: string): RayObject {
  return STANDARD_BUILTINS.get(name) ?? NULL;
}
