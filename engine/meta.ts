/**
 * The environment and output: `get resolve env print println show timeit`
 * (`rayforce-language.md` §3.10, §3.17, §3.18). Output goes to the engine's `print` hook
 * (stdout by default).
 *
 * @module
 */
import {
  AtomType,
  type Dict,
  isAtomOf,
  isVector,
  isVectorOf,
  NULL,
  type RayObject,
  symbols,
  Type,
  typeName,
} from "../ipc/mod.ts";
import { type BuiltinFn, unary, vary } from "./builtins.ts";
import { Formatter } from "./display.ts";
import { osError, parseError, typeError, valueError } from "./errors.ts";
import { count, listOf } from "./values.ts";
import type { Engine } from "./engine.ts";
import { formatBuiltin } from "./control.ts";
import { makeTable } from "./tables.ts";

function printer(newline: boolean) {
  return (e: import("./engine.ts").Engine, args: RayObject[]): RayObject => {
    const text = formatBuiltin.fn(e, args);
    if (!isVectorOf(text, Type.C8)) throw parseError("placeholders and arguments differ"); // as the engine
    e.print(new TextDecoder().decode(text.data) + (newline ? "\n" : ""));
    return NULL;
  };
}

/** `(get 'name)`: a global's value (os.ts's `get` adds paths). */
export const getBuiltin: BuiltinFn = unary("get", (e, x) => {
  if (x.type === Type.C8) throw osError("reading files needs --allow-read");
  if (!isAtomOf(x, AtomType.SYMBOL)) throw typeError("symbol", x.type);
  const id = x.value;
  const v = e.global(id);
  if (v === undefined) throw valueError(symbols.text(id));
  return v;
});

function metaDict(e: Engine, x: RayObject): RayObject {
  const sym = (text: string): RayObject => ({ type: -6, value: e.intern(text) });
  const i64 = (n: number): RayObject => ({ type: -5, value: BigInt(n) });
  const name = (t: number) => t === Type.LIST ? "LIST" : typeName(t);
  let fields: [string, RayObject][];
  if (x.type < 0 && x.type >= -12) {
    fields = [["type", sym(typeName(x.type))], ["mmod", i64(255)], ["attrs", i64(0)]];
  } else if (isVector(x)) {
    fields = [["type", sym(typeName(x.type))], ["len", i64(count(x))], ["mmod", i64(255)], [
      "attrs",
      i64(0),
    ]];
  } else if (x.type === Type.LIST) {
    const elems = Int32Array.from(x.items, (i) => e.intern(name(i.type)));
    fields = [["type", sym("LIST")], ["len", i64(x.items.length)], ["mmod", i64(255)], [
      "elem_types",
      { type: 6, data: elems },
    ]];
  } else if (x.type === Type.DICT) {
    const d = x as Dict;
    fields = [
      ["type", sym("DICT")],
      ["len", i64(count(d.keys))],
      ["key_type", sym(name(d.keys.type))],
      ["val_type", sym(name(d.values.type))],
      ["keys", d.keys],
    ];
  } else throw typeError("TABLE", x.type);
  return {
    type: 99,
    keys: { type: 6, data: Int32Array.from(fields, ([k]) => e.intern(k)) },
    values: listOf(fields.map(([, v]) => v)),
  } as Dict;
}

/** The type name `meta` shows for a column: its vector type's, LIST for anything else. */
function typeNameOf(c: RayObject): string {
  return isVector(c) ? typeName(c.type) : "LIST";
}

/** The builtins defined here. */
export const META_BUILTINS: readonly BuiltinFn[] = [
  getBuiltin,
  unary("resolve", (e, x) => {
    if (!isAtomOf(x, AtomType.SYMBOL)) throw typeError("symbol", x.type);
    return e.global(x.value) ?? NULL;
  }),
  vary("env", (e) => {
    // In interning order, not in the order this replica happened to hold them, so that every
    // worker of a pool (which share one symbol order) lists the globals alike.
    const ids = [...new Set([...e.globals.keys(), ...e.pending.keys()])]
      .sort((a, b) => e.rank(a) - e.rank(b));
    return {
      type: 99,
      keys: { type: 6, data: Int32Array.from(ids) },
      values: listOf(ids.map((id) => e.global(id)!)),
    };
  }, { impure: true }),
  vary("print", printer(false), { impure: true }),
  vary("println", printer(true), { impure: true }),
  unary("show", (e, x) => {
    e.print(new Formatter({ ...e.displayOptions, width: Number.MAX_SAFE_INTEGER }).top(x) + "\n");
    return NULL;
  }, { impure: true }),
  vary("timeit", (e, forms) => {
    const t0 = performance.now();
    for (const f of forms) e.eval(f);
    return { type: -10, value: performance.now() - t0 };
  }, { special: true, impure: true }),
  /**
   * `(meta x)`: a table's schema as a table `name type mmod attrs`; for anything else a dict
   * describing it, as the engine gives it: `type mmod attrs` for an atom, `type len mmod attrs`
   * for a vector, `type len mmod elem_types` for a LIST, `type len key_type val_type keys`
   * for a dict (`mmod` is always 255 and `attrs` 0 here: no memory-mapped values).
   */
  unary("meta", (e, t) => {
    if (t.type !== Type.TABLE) return metaDict(e, t);
    const n = t.keys.data.length;
    return makeTable(
      { type: 6, data: Int32Array.from(["name", "type", "mmod", "attrs"], (x) => e.intern(x)) },
      listOf([
        t.keys,
        { type: 6, data: Int32Array.from(t.values.items, (c) => e.intern(typeNameOf(c))) },
        { type: 5, data: new BigInt64Array(n).fill(255n) },
        { type: 5, data: new BigInt64Array(n) },
      ]),
    );
  }),
];
