/**
 * A global's value from its chain of commits: a whole value, then the rows appended to it and
 * the columns replaced in it (worker/protocol.ts `Change`), applied in version order. The
 * snapshot's table export and the live-table feed both rebuild values this way, outside any
 * worker.
 *
 * @example
 * ```ts
 * import { replayChain } from "./chain_replay.ts";
 * import { encode } from "../ipc/mod.ts";
 * import { Engine } from "../engine/mod.ts";
 * import assert from "node:assert/strict";
 * const e = new Engine();
 * const t = e.evalSource("(table [x] (list [1 2]))").value;
 * const rows = e.evalSource("(table [x] (list [3]))").value;
 * const value = replayChain([
 *   { version: 1, name: "t", bytes: encode(t) },
 *   { version: 2, name: "t", bytes: encode(rows), change: "append" },
 * ]);
 * assert.equal(value?.type, 98);
 * ```
 *
 * @module
 */
import { decode, type RayObject, type Table } from "../ipc/mod.ts";
import { appendTable } from "../engine/append.ts";
import { resolveBuiltin } from "../engine/library.ts";
import { patchColumns } from "../engine/column_patch.ts";
import type { StoreRecord } from "./records.ts";

/** Decoding as a replica does: builtins resolved, lambdas kept. */
export const replicaOptions = { resolveBuiltin, replica: true };

/** The value after one more record of its chain (`current` is the value before it). */
export function applyRecord(current: RayObject | undefined, r: StoreRecord): RayObject {
  const value = decode(r.bytes, replicaOptions);
  if (!r.change || current?.type !== 98) return value;
  return r.change === "append"
    ? appendTable(current as Table, value as Table)
    : patchColumns(current as Table, value as Table);
}

/** The value a chain (one global's records) ends at; undefined for an empty chain. */
export function replayChain(records: StoreRecord[]): RayObject | undefined {
  let value: RayObject | undefined;
  for (const r of [...records].sort((a, b) => a.version - b.version)) value = applyRecord(value, r);
  return value;
}

/** Each global's latest value from the records of many globals. */
export function latestValues(records: StoreRecord[]): Map<string, RayObject> {
  const values = new Map<string, RayObject>();
  for (const r of [...records].sort((a, b) => a.version - b.version)) {
    values.set(r.name, applyRecord(values.get(r.name), r));
  }
  return values;
}
