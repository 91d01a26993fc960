/**
 * `select` (`rayforce-language.md` §4): a query dict's output columns evaluated with the
 * `from` table's columns in scope, after `where:` and per group of `by:`.
 *
 * @module
 */
import type { RayObject, Table } from "../ipc/mod.ts";
import { type BuiltinFn, unary } from "./builtins.ts";
import { sliceRows, takeN } from "./collections.ts";
import { typeError, valueError } from "./errors.ts";
import { count, listOf, take } from "./values.ts";
import { broadcast } from "./tables.ts";
import {
  clause,
  entries,
  grouping,
  namesOnlyColumns,
  perGroup,
  referencedNames,
  RESERVED,
  scopeOf,
  whereRows,
} from "./query_clauses.ts";
import { isCollection, Type } from "../ipc/mod.ts";
import { releaseScratch } from "./result_buffers.ts";

/** The columns of `t` that `forms` name. */
function referredColumns(t: Table, forms: RayObject[]): Table {
  const names = new Set<number>();
  for (const form of forms) referencedNames(form, names);
  const keep = Array.from(t.keys.data, (id, i) => (names.has(id) ? i : -1)).filter((i) => i >= 0);
  return {
    type: 98,
    keys: { type: 6, data: Int32Array.from(keep, (i) => t.keys.data[i]) },
    values: listOf(keep.map((i) => t.values.items[i])),
  };
}

/** The builtins defined here. */
export const SELECT_BUILTINS: readonly BuiltinFn[] = [
  unary("select", (e, q) => {
    const ent = entries(q);
    const from = clause(ent, "from");
    if (!from) throw valueError("from");
    const source = e.eval(from.form);
    if (source.type !== Type.TABLE) throw typeError("TABLE", source.type);
    let t = source as Table;
    const where = clause(ent, "where");
    const mappings = ent.filter((x) => !RESERVED.has(x.name));
    const by = clause(ent, "by");
    if (where) {
      const rows = whereRows(e, t, where.form);
      // Only the columns the output columns and by: name are kept, when nothing in them can
      // see another column (a lambda called by name sees them all).
      const forms = [by, ...mappings].flatMap((x) => (x ? [x.form] : []));
      const kept = mappings.length && namesOnlyColumns(t, forms) ? referredColumns(t, forms) : t;
      t = sliceRows(kept, rows) as Table;
      releaseScratch(rows); // the slice took its own columns
    }
    let result: Table;
    if (by) {
      const g = grouping(e, t, by.form);
      const firsts = g.groups.firsts;
      const names = [...g.names];
      const columns = g.columns.map((c) => take(c, firsts));
      if (mappings.length) {
        for (const m of mappings) {
          names.push(m.id);
          columns.push(perGroup(e, t, g.groups, m.form));
        }
      } else {
        t.keys.data.forEach((id, i) => {
          if (names.includes(id)) return;
          names.push(id);
          columns.push(take(t.values.items[i], firsts));
        });
      }
      result = {
        type: 98,
        keys: { type: 6, data: Int32Array.from(names) },
        values: listOf(columns),
      };
      g.groups.release(); // the result took its own rows: the group arrays are done with
    } else if (mappings.length) {
      const scope = scopeOf(t);
      const values = mappings.map((m) => e.withScope(scope, () => e.eval(m.form)));
      const vectorLen = values.find((v) => isCollection(v));
      const n = vectorLen ? count(vectorLen) : 1;
      result = {
        type: 98,
        keys: { type: 6, data: Int32Array.from(mappings, (m) => m.id) },
        values: listOf(values.map((v) => (isCollection(v) ? v : broadcast(v, n)))),
      };
    } else {
      result = t;
    }
    const takeEntry = clause(ent, "take");
    if (takeEntry) return takeN(result, e.eval(takeEntry.form));
    return result;
  }),
];
