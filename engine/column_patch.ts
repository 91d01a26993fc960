/**
 * A table's change as the columns that changed: when an update replaces some columns of a
 * table (or adds some) and keeps the others as they were (the same objects: values never
 * change in place), the change is a table of the replaced and added columns alone, which a
 * replica applies to its own copy. So updating one column of a wide table commits that column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changedColumns, patchColumns } from "./column_patch.ts";
 * import { list, type Table, table, vector } from "../ipc/mod.ts";
 * const before = table(["a", "b"], [vector(5, [1n, 2n]), vector(10, [1, 2])]);
 * const after: Table = { ...before, values: list(before.values.items[0], vector(10, [3, 4])) };
 * const patch = changedColumns(before, after)!; // just column b
 * assert.equal(patch.values.items.length, 1);
 * assert.equal(patchColumns(before, patch).values.items[1], patch.values.items[0]);
 * ```
 *
 * @module
 */
import type { RayObject, Table, Vector } from "../ipc/mod.ts";
import { Type } from "../ipc/mod.ts";

/** Rows of a column (a vector's elements or a list's items). */
function rows(x: RayObject): number {
  if (x.type === Type.LIST) return x.items.length;
  const v = x as Vector;
  return v.type === Type.GUID ? v.data.length / 16 : v.data.length;
}

/**
 * The columns of `after` that are not `before`'s own (replaced or added), as a table, when
 * that is all that changed: same rows, `before`'s columns first and in order, at least one
 * kept. Otherwise undefined (the whole value must be committed).
 */
export function changedColumns(before: Table, after: Table): Table | undefined {
  const oldNames = before.keys.data;
  const newNames = after.keys.data;
  if (newNames.length < oldNames.length) return undefined;
  for (let i = 0; i < oldNames.length; i++) if (oldNames[i] !== newNames[i]) return undefined;
  const old = before.values.items;
  const now = after.values.items;
  const n = old.length ? rows(old[0]) : 0;
  const changed: number[] = [];
  for (let c = 0; c < now.length; c++) {
    if (c < old.length && now[c] === old[c]) continue;
    if (rows(now[c]) !== n) return undefined;
    changed.push(c);
  }
  if (changed.length === 0 || changed.length === now.length) return undefined;
  const keys = new Int32Array(changed.map((c) => newNames[c]));
  return {
    type: 98,
    keys: { type: 6, data: keys },
    values: { type: 0, items: changed.map((c) => now[c]) },
  };
}

/** `t` with the columns of `patch` replacing those of the same name, or added after them. */
export function patchColumns(t: Table, patch: Table): Table {
  const names = Array.from(t.keys.data);
  const cols = [...t.values.items];
  patch.keys.data.forEach((id, i) => {
    const at = names.indexOf(id);
    if (at >= 0) cols[at] = patch.values.items[i];
    else {
      names.push(id);
      cols.push(patch.values.items[i]);
    }
  });
  return {
    type: 98,
    keys: names.length === t.keys.data.length ? t.keys : { type: 6, data: new Int32Array(names) },
    values: { type: 0, items: cols },
  };
}
