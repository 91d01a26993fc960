/**
 * The clauses of a query dict (`from where by take` and the output columns) and the column
 * scope their forms are evaluated in: a table's columns, or a group's rows of them
 * (`rayforce-language.md` §4). Shared by `select` and `update`.
 *
 * @module
 */
import {
  AtomType,
  isAtomOf,
  isBuiltin,
  isCollection,
  isVectorOf,
  NULL,
  type RayObject,
  symbols,
  type Table,
  Type,
  type Vector,
} from "../ipc/mod.ts";
import { maskPositions32 } from "./mask_positions.ts";
import { withGroupedAggregates } from "./grouped_aggregates.ts";
import { groupRows, type Groups, groupsOf } from "./grouping.ts";
import type { Engine } from "./engine.ts";
import { lengthError, typeError } from "./errors.ts";
import type { SymbolNode } from "./reader.ts";
import { collect, count, itemAt, items, tableColumn, tableRows, take } from "./values.ts";
import { freshCall } from "./builtins.ts";
import { releaseTemporary } from "./result_buffers.ts";

/** Names of a query dict that are clauses or reserved, not output columns. */
export const RESERVED = new Set([
  "from",
  "where",
  "by",
  "take",
  "fn",
  "do",
  "set",
  "self",
  "let",
  "sym",
]);

export interface Entry {
  id: number;
  name: string;
  form: RayObject;
}

export function entries(q: RayObject): Entry[] {
  if (q.type !== Type.DICT || q.keys.type !== Type.SYMBOL) throw typeError("DICT", q.type);
  const ids = (q.keys as Vector<6>).data;
  const forms = items(q.values);
  return Array.from(ids, (id, i) => ({ id, name: symbols.text(id), form: forms[i] }));
}

/** Column scope of a table: name → column. */
export function scopeOf(t: Table): Map<number, RayObject> {
  const m = new Map<number, RayObject>();
  t.keys.data.forEach((id, i) => m.set(id, t.values.items[i]));
  return m;
}

/** The symbol ids a form refers to (to slice only the columns an expression uses). */
export function referencedNames(form: RayObject, out: Set<number> = new Set()): Set<number> {
  if (isAtomOf(form, AtomType.SYMBOL) && !(form as SymbolNode).quoted) {
    out.add(form.value);
  } else if (form.type === Type.LIST) { for (const f of form.items) referencedNames(f, out); }
  else if (form.type === Type.DICT) referencedNames(form.values, out);
  return out;
}

/** Builtins that find a value by a name they are given at run time (so, maybe a column). */
const NAME_READERS = new Set(["eval", "get", "resolve", "value"]);

/**
 * Whether `forms` can see no column but those they name: every name in them is a column of
 * `t` (no lambda called by a global's name, which would see every column, as in the engine)
 * and none calls a builtin that reads a name given at run time.
 */
export function namesOnlyColumns(t: Table, forms: RayObject[]): boolean {
  const columns = new Set(t.keys.data);
  const visit = (form: RayObject): boolean => {
    if (isAtomOf(form, AtomType.SYMBOL)) {
      return (form as SymbolNode).quoted || columns.has(form.value);
    }
    if (isBuiltin(form)) return !NAME_READERS.has(form.name);
    if (form.type === Type.LIST) return form.items.every(visit);
    if (form.type === Type.DICT) return visit(form.values);
    return true;
  };
  return forms.every(visit);
}

export interface Grouping {
  names: number[];
  columns: RayObject[];
  groups: Groups;
}

/** Key types the engine's `by:` refuses (a `type` error): I32, DATE and TIME. */
const UNGROUPABLE = new Set([4, 7, 8]);

/** Resolves `by:` against table `t`: a column name, a dict of expressions, or an expression. */
export function grouping(e: Engine, t: Table, by: RayObject): Grouping {
  const g = keysOf(e, t, by);
  if (g.columns.some((c) => UNGROUPABLE.has(c.type))) throw typeError("LIST", "LIST");
  return g;
}

function keysOf(e: Engine, t: Table, by: RayObject): Grouping {
  const n = tableRows(t);
  const scope = scopeOf(t);
  if (isAtomOf(by, AtomType.SYMBOL) && !(by as SymbolNode).quoted) {
    const id = by.value;
    const col = scope.get(id) ?? e.eval(by);
    return { names: [id], columns: [col], groups: groupRows([col], n) };
  }
  if (by.type === Type.DICT && by.keys.type === Type.SYMBOL) {
    const names = Array.from((by.keys as Vector<6>).data);
    const columns = items(by.values).map((f) => e.withScope(scope, () => e.eval(f)));
    return { names, columns, groups: groupRows(columns, n) };
  }
  const values = e.withScope(scope, () => e.eval(by));
  if (!isCollection(values) || count(values) !== n) {
    throw typeError("LIST", values.type);
  }
  const refs = [...referencedNames(by)].filter((id) => scope.has(id));
  const groups = groupRows([values], n);
  if (refs.length) return { names: [refs[0]], columns: [scope.get(refs[0])!], groups };
  return { names: [symbols.intern("By")], columns: [values], groups };
}

/**
 * One value per group of `form`, evaluated once per group with that group's rows of the
 * referenced columns in scope (the aggregates inside it computed for every group in one
 * pass). The caller tries `aggregateByGroup` for the whole form first.
 */
export function evaluatePerGroup(
  e: Engine,
  t: Table,
  groups: Groups,
  form: RayObject,
): RayObject {
  const inner = withGroupedAggregates(e, t, groups, form);
  // The group's rows of the columns the form names, or of every column when a lambda it
  // calls may read one by name.
  const refs = namesOnlyColumns(t, [inner.form])
    ? [...referencedNames(inner.form)].filter((id) => tableColumn(t, id))
    : Array.from(t.keys.data);
  const results = groupsOf(groups).map((rows, k) => {
    const scope = new Map<number, RayObject>();
    for (const id of refs) scope.set(id, take(tableColumn(t, id)!, rows));
    for (const [id, v] of inner.values) scope.set(id, itemAt(v, k));
    e.groupRows = rows;
    try {
      return e.withScope(scope, () => e.eval(inner.form));
    } finally {
      e.groupRows = undefined;
    }
  });
  return collect(results);
}

export function whereRows(e: Engine, t: Table, form: RayObject): Int32Array {
  const mask = e.withScope(scopeOf(t), () => e.eval(form));
  if (!isVectorOf(mask, Type.B8)) throw typeError("B8", mask.type);
  const d = mask.data;
  if (d.length !== tableRows(t)) throw lengthError();
  const rows = maskPositions32(d);
  if (freshCall(form)) releaseTemporary(mask, NULL); // `(> x 500)`: a mask nothing else holds
  return rows;
}

/** The clause `name` of a query dict, if given. */
export function clause(entries: Entry[], name: string): Entry | undefined {
  return entries.find((x) => x.name === name);
}
