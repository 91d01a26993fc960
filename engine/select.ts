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
  evaluatePerGroup,
  grouping,
  namesOnlyColumns,
  referencedNames,
  RESERVED,
  scopeOf,
  whereRows,
} from "./query_clauses.ts";
import { AtomType, isAtomOf, isCollection, Type } from "../ipc/mod.ts";
import { releaseScratch } from "./result_buffers.ts";
import { aggregateByGroup } from "./grouped_aggregates.ts";
import type { SymbolNode } from "./reader.ts";

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
    let sliced = false; // t's columns are the where: rows, made here
    if (where) {
      const rows = whereRows(e, t, where.form);
      // Only the columns the output columns and by: name are kept, when nothing in them can
      // see another column (a lambda called by name sees them all).
      const forms = [by, ...mappings].flatMap((x) => (x ? [x.form] : []));
      const kept = mappings.length && namesOnlyColumns(t, forms) ? referredColumns(t, forms) : t;
      t = sliceRows(kept, rows) as Table;
      releaseScratch(rows); // the slice took its own columns
      sliced = true;
    }
    let result: Table;
    if (by) {
      const g = grouping(e, t, by.form);
      const firsts = g.groups.firsts;
      const names = [...g.names];
      const columns = g.columns.map((c) => take(c, firsts));
      // No form but the grouped kernels read the columns when by: names one and each output
      // column is a kernel's: then the where: rows of the columns are done with after them.
      let kernelsOnly = isAtomOf(by.form, AtomType.SYMBOL) && !(by.form as SymbolNode).quoted;
      if (mappings.length) {
        for (const m of mappings) {
          names.push(m.id);
          const fused = aggregateByGroup(e, t, g.groups, m.form);
          kernelsOnly &&= fused !== undefined;
          columns.push(fused ?? evaluatePerGroup(e, t, g.groups, m.form));
        }
      } else {
        kernelsOnly = false;
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
      if (sliced && kernelsOnly) {
        for (const c of t.values.items) if ("data" in c) releaseScratch(c.data);
      }
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
