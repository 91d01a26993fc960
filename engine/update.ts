/**
 * `update` (`rayforce-language.md` §4): columns replaced or added, at the rows of `where:` and
 * per group of `by:`; a quoted table name changes the global in place.
 *
 * @module
 */
import {
  AtomType,
  type Dict,
  isCollection,
  NULL,
  type RayObject,
  type Table,
  Type,
} from "../ipc/mod.ts";
import { type BuiltinFn, unary } from "./builtins.ts";
import { sliceRows } from "./collections.ts";
import { withGroupedAggregates } from "./grouped_aggregates.ts";
import { groupsOf } from "./grouping.ts";
import { lengthError, valueError } from "./errors.ts";
import type { SymbolNode } from "./reader.ts";
import { collect, count, itemAt, items, tableColumn, tableRows, take } from "./values.ts";
import { changeInPlace } from "./in_place.ts";
import { asTable, broadcast, setColumn, writeRows } from "./tables.ts";
import { clause, entries, grouping, RESERVED, scopeOf, whereRows } from "./query_clauses.ts";

/** The builtins defined here. */
export const UPDATE_BUILTINS: readonly BuiltinFn[] = [
  unary("update", (e, q) => {
    // As the engine: anything but a dict naming `from` is a `length` error.
    if (q.type !== Type.DICT || (q as Dict).keys.type !== Type.SYMBOL) throw lengthError();
    const ent = entries(q);
    const from = clause(ent, "from");
    if (!from) throw lengthError();
    const source: RayObject = from.form.type === AtomType.SYMBOL && (from.form as SymbolNode).quoted
      ? { type: AtomType.SYMBOL, value: (from.form as SymbolNode).value }
      : e.eval(from.form);
    return changeInPlace(e, source, (value) => {
      let t = asTable(value);
      const n = tableRows(t);
      const where = clause(ent, "where");
      // The rows written: those of where:, or every row when grouping (without either, the
      // columns are computed whole and no row list is needed).
      const rows: ArrayLike<number> = where
        ? whereRows(e, t, where.form)
        : clause(ent, "by")
        ? Int32Array.from({ length: n }, (_, i) => i)
        : [];
      const by = clause(ent, "by");
      const mappings = ent.filter((x) => !RESERVED.has(x.name));
      if (mappings.length === 0) throw valueError("update needs a column");
      const view = where ? sliceRows(t, rows) as Table : t;
      const grouped = by ? grouping(e, view, by.form).groups : undefined;
      const groups = grouped ? groupsOf(grouped) : undefined;
      for (const m of mappings) {
        const existing = tableColumn(t, m.id);
        let col: RayObject;
        if (groups) {
          const inner = withGroupedAggregates(e, view, grouped!, m.form);
          const perGroupValues = groups.map((g, k) => {
            const scope = new Map<number, RayObject>();
            view.keys.data.forEach((id, i) => scope.set(id, take(view.values.items[i], g)));
            for (const [id, v] of inner.values) scope.set(id, itemAt(v, k));
            return e.withScope(scope, () => e.eval(inner.form));
          });
          const full: RayObject[] = new Array(rows.length);
          groups.forEach((g, gi) => {
            const v = perGroupValues[gi];
            Array.from(g).forEach((
              r,
              k,
            ) => (full[r] = v.type < 0 || v.type > 12 ? v : items(v)[k] ?? NULL));
          });
          col = writeRows(existing, rows, n, collect(full));
        } else {
          const value = e.withScope(scopeOf(view), () => e.eval(m.form));
          if (!where) {
            if (isCollection(value)) {
              if (count(value) !== n) throw lengthError(n, count(value));
              col = value;
            } else col = broadcast(value, n);
          } else col = writeRows(existing, rows, n, value);
        }
        t = setColumn(t, m.id, col);
      }
      grouped?.release(); // done with the group arrays (the columns hold their own)
      return t;
    });
  }),
];
