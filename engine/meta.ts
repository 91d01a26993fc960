/**
 * The environment and output: `get resolve env print println show timeit`
 * (`rayforce-language.md` §3.10, §3.17, §3.18). Output goes to the engine's `print` hook
 * (stdout by default).
 *
 * @module
 */
import { type Atom, NULL, type RayObject, symbols, type Vector } from "../ipc/mod.ts";
import { type BuiltinFn, unary, vary } from "./builtins.ts";
import { Formatter } from "./display.ts";
import { osError, parseError, typeError, valueError } from "./errors.ts";
import { listOf } from "./values.ts";
import { formatBuiltin } from "./control.ts";

function printer(newline: boolean) {
  return (e: import("./engine.ts").Engine, args: RayObject[]): RayObject => {
    const text = formatBuiltin.fn(e, args);
    if (text.type !== 12) throw parseError("placeholders and arguments differ"); // as the engine
    e.print(new TextDecoder().decode((text as Vector<12>).data) + (newline ? "\n" : ""));
    return NULL;
  };
}

/** `(get 'name)`: a global's value (os.ts's `get` adds paths). */
export const getBuiltin: BuiltinFn = unary("get", (e, x) => {
  if (x.type === 12) throw osError("reading files needs --allow-read");
  if (x.type !== -6) throw typeError("symbol", x.type);
  const id = (x as Atom).value as number;
  const v = e.global(id);
  if (v === undefined) throw valueError(symbols.text(id));
  return v;
});

/** The builtins defined here. */
export const META_BUILTINS: readonly BuiltinFn[] = [
  getBuiltin,
  unary("resolve", (e, x) => {
    if (x.type !== -6) throw typeError("symbol", x.type);
    return e.global((x as Atom).value as number) ?? NULL;
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
];
