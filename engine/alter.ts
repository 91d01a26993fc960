/**
 * `alter` and `modify`: a binary function applied to an element of a value (a position, a
 * dict key, a table column), or along a path of them; a quoted name changes the global in
 * place.
 *
 * @module
 */
import {
  type Atom,
  AtomType,
  isAtomOf,
  isCollection,
  isVectorOf,
  NULL,
  type RayObject,
  symbols,
  type Table,
  Type,
} from "../ipc/mod.ts";
import { type BuiltinFn, vary } from "./builtins.ts";
import { concat, elementKeys, objectKey } from "./collections.ts";
import type { Engine } from "./engine.ts";
import { arityError, indexError, lengthError, typeError, valueError } from "./errors.ts";
import { atom, collect, count, items, listOf, nullValue, tableColumn } from "./values.ts";
import { changeInPlace } from "./in_place.ts";
import { setColumn } from "./tables.ts";

/** `f` applied to an element and a value; `set`/`let` store the value. */
function combine(e: Engine, f: RayObject, old: RayObject, value: RayObject): RayObject {
  const name = (f as { name: string }).name;
  return name === "set" || name === "let" ? value : e.apply(f, [old, value]);
}

/** A copy of `current` whose element at `index` (position, dict key, table column) is `change(old)`. */
function alterAt(
  current: RayObject,
  index: RayObject,
  change: (old: RayObject) => RayObject,
): RayObject {
  if (current.type === Type.TABLE) {
    if (!isAtomOf(index, AtomType.SYMBOL)) throw typeError("symbol", index.type);
    const id = index.value;
    const col = tableColumn(current as Table, id);
    if (!col) throw valueError(symbols.text(id));
    return setColumn(current as Table, id, change(col));
  }
  if (current.type === Type.DICT) {
    const keys = elementKeys(current.keys);
    const k = keys.indexOf(objectKey(index) as never);
    const vals = items(current.values);
    if (k < 0) {
      // A new key: its value is the change applied to the values' null (so `+` gives null).
      const t = current.values.type;
      const blank = t >= 1 && t <= 12 ? atom(t, nullValue(t)) : NULL;
      return {
        type: 99,
        keys: concat(current.keys, index),
        values: collect([...vals, change(blank)]),
      };
    }
    vals[k] = change(vals[k]);
    return { type: 99, keys: current.keys, values: collect(vals) };
  }
  if (isCollection(current) && isVectorOf(index, Type.I64)) {
    // Several positions: each changed in turn.
    return Array.from(index.data).reduce(
      (acc: RayObject, k) => alterAt(acc, { type: -5, value: k } as Atom, change),
      current,
    );
  }
  if (isCollection(current)) {
    if (index.type !== AtomType.I64 && index.type !== AtomType.I32) {
      throw typeError("i64", index.type);
    }
    const n = count(current);
    const k = Number(index.value);
    if (k < 0 || k >= n) throw indexError(k, n - 1);
    const vals = items(current);
    vals[k] = change(vals[k]);
    if (current.type === Type.LIST) return listOf(vals);
    const typed = collect(vals);
    return typed.type === current.type ? typed : listOf(vals);
  }
  throw typeError("LIST", current.type);
}

/** The builtins defined here. */
export const ALTER_BUILTINS: readonly BuiltinFn[] = [
  /**
   * `(modify obj f path value)`: `alter` through a nested path of indexes (a LIST or
   * vector); a quoted symbol `obj` names a global changed in place. (It crashed the engine
   * on nested lists; here it is an ordinary update.)
   */
  vary("modify", (e, args) => {
    if (args.length !== 4) throw arityError(4, args.length);
    const [obj, f, path, value] = args;
    if (f.type < 101 || f.type > 103) throw typeError("BINARY", f.type);
    const steps = isCollection(path) ? items(path) : [path];
    if (steps.length === 0) throw lengthError();
    const walk = (x: RayObject, i: number): RayObject =>
      alterAt(
        x,
        steps[i],
        (old) => (i === steps.length - 1 ? combine(e, f, old, value) : walk(old, i + 1)),
      );
    return changeInPlace(e, obj, (current) => walk(current, 0));
  }),
  /**
   * `(alter obj f index value)`: applies binary `f` to the element at `index` (position, dict
   * key or table column) and `value`; `set` stores, `concat` appends, `remove` removes. A
   * quoted symbol `obj` names a global changed in place.
   */
  vary("alter", (e, args) => {
    if (args.length < 3 || args.length > 4) throw lengthError();
    if (args.length === 3) {
      const [obj, f, value] = args;
      if (f.type < 101 || f.type > 103) throw typeError("BINARY", f.type);
      return changeInPlace(e, obj, (current) => {
        const name = (f as { name: string }).name;
        if (name !== "concat" && name !== "remove") throw typeError("LIST", current.type);
        return e.apply(f, [current, value]);
      });
    }
    const [obj, f, index, value] = args;
    if (f.type < 101 || f.type > 103) throw typeError("BINARY", f.type);
    return changeInPlace(
      e,
      obj,
      (current) => alterAt(current, index, (old) => combine(e, f, old, value)),
    );
  }),
];
