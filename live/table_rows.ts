/**
 * A table as the live-table messages carry it: `{columns: {name: [...]}, rows}` in the JSON
 * mapping of ipc/json.ts, cut to the columns a subscriber asked for and the rows its `where`
 * keeps (a row stays when each named column's value is one of the listed values).
 *
 * @example
 * ```ts
 * import { tableRows } from "./table_rows.ts";
 * import { Engine } from "../engine/mod.ts";
 * import assert from "node:assert/strict";
 * const t = new Engine().evalSource("(table [s p] (list [a b a] [1 2 3]))").value;
 * assert.deepEqual(tableRows(t, { columns: ["p"], where: new Map([["s", new Set(["a"])]]) }), {
 *   columns: { p: [1, 3] },
 *   rows: 2,
 * });
 * ```
 *
 * @module
 */
import { type JSONValue, type RayObject, toJSON } from "../ipc/mod.ts";

/** A subscriber's cut of a table: columns to keep (all if absent) and values to keep rows by. */
export interface RowFilter {
  columns?: readonly string[];
  where?: ReadonlyMap<string, ReadonlySet<JSONValue>>;
}

/** The rows of a table as JSON columns; undefined when `value` is not a table. */
export function tableRows(
  value: RayObject,
  filter: RowFilter = {},
): { columns: Record<string, JSONValue[]>; rows: number } | undefined {
  if (value.type !== 98) return undefined;
  const all = (toJSON(value) as { columns: Record<string, JSONValue[]> }).columns;
  return cutRows(all, filter);
}

/** `tableRows` of a table already in JSON (shared by every subscriber of one commit). */
export function cutRows(
  all: Record<string, JSONValue[]>,
  filter: RowFilter,
): { columns: Record<string, JSONValue[]>; rows: number } {
  const names = filter.columns ?? Object.keys(all);
  const length = Object.values(all)[0]?.length ?? 0;
  let keep: number[] | undefined;
  if (filter.where?.size) {
    keep = [];
    const tests = [...filter.where].map(([name, values]) => ({ column: all[name], values }));
    for (let i = 0; i < length; i++) {
      if (tests.every((t) => t.column !== undefined && t.values.has(t.column[i]))) keep.push(i);
    }
  }
  const columns: Record<string, JSONValue[]> = {};
  for (const name of names) {
    const column = all[name];
    if (column === undefined) continue;
    columns[name] = keep ? keep.map((i) => column[i]) : column;
  }
  return { columns, rows: keep ? keep.length : length };
}
