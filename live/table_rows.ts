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
import { type JSONValue, type RayObject, symbols, type Table, toJSON, vector } from "../ipc/mod.ts";
import { count, take } from "../engine/values.ts";

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
  const keep = keptRows(all, length, filter);
  const columns: Record<string, JSONValue[]> = {};
  for (const name of names) {
    const column = all[name];
    if (column === undefined) continue;
    columns[name] = keep ? keep.map((i) => column[i]) : column;
  }
  return { columns, rows: keep ? keep.length : length };
}

/** The rows `filter.where` keeps (undefined: all), given at least the `where` columns as JSON. */
function keptRows(
  columns: Record<string, JSONValue[] | undefined>,
  length: number,
  filter: RowFilter,
): number[] | undefined {
  if (!filter.where?.size) return undefined;
  const keep: number[] = [];
  const tests = [...filter.where].map(([name, values]) => ({ column: columns[name], values }));
  for (let i = 0; i < length; i++) {
    if (tests.every((t) => t.column !== undefined && t.values.has(t.column[i]))) keep.push(i);
  }
  return keep;
}

/**
 * The same cut as {@link tableRows}, as a table (for IPC subscribers); only the `where`
 * columns are mapped to JSON to test the rows.
 */
export function cutTable(t: Table, filter: RowFilter): Table {
  const names = Array.from(t.keys.data, (id) => symbols.text(id));
  const length = t.values.items[0] ? count(t.values.items[0]) : 0;
  const tested: Record<string, JSONValue[] | undefined> = {};
  for (const name of filter.where?.keys() ?? []) {
    const i = names.indexOf(name);
    if (i >= 0) tested[name] = toJSON(t.values.items[i]) as JSONValue[];
  }
  const keep = keptRows(tested, length, filter);
  const wanted = filter.columns ?? names;
  const kept = names.map((n, i) => [n, i] as const).filter(([n]) => wanted.includes(n));
  return {
    type: 98,
    keys: vector(6, kept.map(([n]) => n)),
    values: {
      type: 0,
      items: kept.map(([, i]) => keep ? take(t.values.items[i], keep) : t.values.items[i]),
    },
  } as Table;
}
