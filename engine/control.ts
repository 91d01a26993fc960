/**
 * Control and special forms, logic and higher-order builtins: `quote set let do if try
 * raise return and or not map apply format` (`rayforce-language.md` §2.3, §3.1–3.2, §3.10,
 * §3.16).
 *
 * @module
 */
import {
  type Atom,
  AtomType,
  ErrorCode,
  errorName,
  isCollection,
  isVector,
  isVectorOf,
  type Lambda,
  NULL,
  type RayObject,
  str,
  symbols,
  Type,
  type Vector,
} from "../ipc/mod.ts";
import { atomic1 } from "./atomic.ts";
import { binary, type BuiltinFn, unary, vary } from "./builtins.ts";
import { Formatter } from "./display.ts";
import type { Engine } from "./engine.ts";
import { arityError, EvalError, lengthError, osError, typeError, userError } from "./errors.ts";
import type { SymbolNode } from "./reader.ts";
import { collect, count, itemAt, items, listOf, NULL_I64 } from "./values.ts";
import { at } from "./collections.ts";

/** Truthiness (§2.5): false for b8 false, zero u8/c8/i64/symbol/timestamp atoms, empty B8/U8/C8/I64/SYMBOL/TIMESTAMP/LIST. */
export function truthy(x: RayObject): boolean {
  switch (x.type) {
    case AtomType.B8:
    case AtomType.U8:
    case AtomType.C8:
    case AtomType.SYMBOL:
      return (x as { value: number }).value !== 0;
    case AtomType.I64:
    case AtomType.TIMESTAMP:
      return (x as { value: bigint }).value !== 0n;
    case Type.LIST:
      return x.items.length !== 0;
    case Type.B8:
    case Type.U8:
    case Type.C8:
    case Type.I64:
    case Type.SYMBOL:
    case Type.TIMESTAMP:
      return x.data.length !== 0;
  }
  return true;
}

/** The symbol id named by a `set`/`let` target form (a bare word or a quoted symbol). */
function targetId(form: RayObject): number {
  if (form.type === AtomType.SYMBOL) return (form as SymbolNode).value;
  throw typeError("symbol", form.type);
}

/** A lambda bound with `set` displays as `@name`: bind a named copy. */
function named(value: RayObject, id: number): RayObject {
  if (value.type === Type.LAMBDA) return { ...(value as Lambda), name: symbols.text(id) };
  return value;
}

/** The string a `try` handler receives: the error's name with the engine's stray NUL. */
function handlerArgument(err: EvalError): RayObject {
  // User errors have the empty name: the engine's string is then two NUL bytes.
  const name = err.code === ErrorCode.USER
    ? "\0"
    : err.code === ErrorCode.OS
    ? err.detail
    : errorName(err.code);
  return str(name + "\0");
}

// ---------------------------------------------------------------- logic

/**
 * The combining step of `and`/`or` for two b8 operands (atoms or B8 vectors: `logic` has
 * refused anything else), element-wise with an atom spread over a vector.
 */
function boolKernel(f: (a: number, b: number) => number) {
  return (x: RayObject, y: RayObject): RayObject => {
    if (x.type < 0 && y.type < 0) {
      return {
        type: -1,
        value: f((x as { value: number }).value, (y as { value: number }).value),
      };
    }
    const n = x.type > 0 ? count(x) : count(y);
    // The engine reports vectors of different lengths here as a type error.
    if (x.type > 0 && y.type > 0 && count(y) !== n) throw typeError("LIST", "LIST");
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const p = x.type > 0 ? (x as Vector<1>).data[i] : (x as { value: number }).value;
      const q = y.type > 0 ? (y as Vector<1>).data[i] : (y as { value: number }).value;
      out[i] = f(p, q);
    }
    return { type: 1, data: out };
  };
}

const and2 = boolKernel((a, b) => (a && b ? 1 : 0));
const or2 = boolKernel((a, b) => (a || b ? 1 : 0));

/**
 * `and`/`or` as the engine runs them (session and-or-order): no short-circuit, but a fold as
 * it goes: each argument is evaluated, then combined with what came before, and only b8
 * atoms and B8 vectors combine (`(and true 0 zz)` is a `type` error before `zz` is looked
 * up; `(and 0 zz)` a `value` error). One argument is answered as it is.
 */
function logic(combine: (a: RayObject, b: RayObject) => RayObject) {
  return (e: Engine, forms: RayObject[]) => {
    if (forms.length === 0) return { type: 1, data: new Uint8Array(0) } as RayObject;
    let acc = e.eval(forms[0]);
    for (let i = 1; i < forms.length; i++) {
      const v = e.eval(forms[i]);
      if (Math.abs(acc.type) !== 1 || Math.abs(v.type) !== 1) throw typeError("LIST", "LIST");
      acc = combine(acc, v);
    }
    return acc;
  };
}

// ---------------------------------------------------------------- higher order

/** `fold`/`scan`: reduce with a binary function; one collection argument is reduced over its elements. */
function reducer(running: boolean) {
  return (e: Engine, args: RayObject[]): RayObject => {
    if (args.length < 2) throw arityError(2, args.length);
    const [f, ...rest] = args;
    let elements: RayObject[];
    if (rest.length === 1) {
      if (f.type === Type.UNARY) return e.apply(f, rest);
      if (f.type === Type.BINARY) throw arityError(1, 1); // the engine's message, verbatim
      // An atom reduces to itself (a scan of it is a list of it).
      elements = rest[0].type < 0 || rest[0].type > 12 ? [rest[0]] : items(rest[0]);
    } else {
      elements = rest;
    }
    // Nothing to reduce: the empty collection itself.
    if (elements.length === 0) return rest.length === 1 ? rest[0] : NULL;
    let acc = elements[0];
    const steps = [acc];
    for (let i = 1; i < elements.length; i++) {
      acc = e.apply(f, [acc, elements[i]]);
      steps.push(acc);
    }
    return running ? listOf(steps) : acc;
  };
}

/**
 * `(map-left f xs y)`: f(x, y) for each x; `(map-right f x ys)`: f(x, y) for each y. As the
 * engine (session map-sides): a unary builtin is an `arity` error whatever it would map over;
 * nothing to map over answers, for a builtin, what `(at xs 0Nl)` picks (`[]` → 0Nl, `""` → a
 * null char, a LIST or U8 vector → null), and for a lambda the empty collection itself.
 */
function mapSide(left: boolean) {
  return (e: Engine, args: RayObject[]): RayObject => {
    const [f, x, y] = args;
    if (f?.type === Type.UNARY) throw arityError(1, args.length - 1);
    if (args.length !== 3) throw arityError(3, args.length);
    const over = left ? x : y;
    if (!isCollection(over)) return e.apply(f, [x, y]);
    if (count(over) === 0) {
      return f.type === Type.BINARY ? at(over, { type: -5, value: NULL_I64 } as Atom) : over;
    }
    return collect(items(over).map((v) => e.apply(f, left ? [v, y] : [x, v])));
  };
}

// ---------------------------------------------------------------- format

/**
 * Display text of a value as `format` sees it: a string as it is; alone, as the REPL shows a
 * value, else in its compact form, as inside a list: one line, chars and strings unquoted
 * (session format-compact: `(format "%" (dict [a b] [1 2]))` is `{a: 1 b: 2}`).
 */
function formatText(e: Engine, x: RayObject, compact = true): string {
  if (isVectorOf(x, Type.C8)) return new TextDecoder().decode(x.data);
  const f = new Formatter(e.displayOptions);
  return compact ? f.nested(x) : f.top(x);
}

/** `(set name x)`: binds a global (os.ts's `set` adds paths). */
export const setBuiltin: BuiltinFn = binary("set", (e, target, expr) => {
  if (target.type === Type.C8) throw osError("writing files needs --allow-write");
  const id = targetId(target);
  const value = e.eval(expr);
  e.setGlobal(id, named(value, id));
  return value;
}, { special: true });

/** `(map f x …)`: `f` applied to each item (or items at the same index). */
export const mapBuiltin: BuiltinFn = vary("map", (e, args) => {
  if (args.length === 0) throw arityError(2, 0);
  const [f, ...xs] = args;
  if (xs.length === 0) return { type: 0, items: [] };
  // A builtin's arity is checked before the lengths (`(map count [1 2 3] [0 2])`: arity).
  const arity = f.type === Type.UNARY ? 1 : f.type === Type.BINARY ? 2 : xs.length;
  if (arity !== xs.length) throw arityError(arity, xs.length);
  // The engine maps `at` over a vector (not a list), by indices that are not a list, by
  // indexing it whole: `(map at [1.0 2.0 3.0] [0 2])` is `[1.00 3.00]`, `(map at [1 2 3] 1)`
  // is 2 (rayforce-py compiles filtered aggregations to it).
  if (
    f.type === Type.BINARY && f.name === "at" && isVector(xs[0]) && xs[1]?.type !== Type.LIST
  ) {
    return e.apply(f, xs);
  }
  // A builtin of one argument takes a vector, an atom, a dict or a table whole (`(map count
  // [1 2 3])` is 3); only a non-empty LIST is mapped item by item. Over an empty LIST a
  // builtin finds nothing (session map-empty-list): null for one of one argument, a `type`
  // error for one of two.
  const emptyList = xs[0].type === Type.LIST && count(xs[0]) === 0;
  if (emptyList && f.type === Type.UNARY) return NULL;
  if (emptyList && f.type === Type.BINARY) throw typeError("LIST", xs[1].type);
  if (f.type === Type.UNARY && xs[0].type !== Type.LIST) return e.apply(f, xs);
  let n = -1;
  let lists = false;
  for (const x of xs) {
    if (isCollection(x)) {
      const c = count(x);
      lists ||= x.type === Type.LIST;
      // The engine reports the counts when a list is involved, else `need 0, have 0`.
      if (n >= 0 && c !== n) throw lists ? lengthError(n, c) : lengthError();
      n = c;
    }
  }
  // Atoms alone are one item: `(map (fn [x] x) 5)` is `[5]`.
  if (n < 0) return collect([e.apply(f, xs)]);
  // Nothing to map: the first argument's empty vector (its type kept), or an empty LIST.
  const first = xs.find((x) => isCollection(x))!;
  if (n === 0) return first.type === Type.LIST ? listOf([]) : first;
  const out: RayObject[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = e.apply(f, xs.map((x) => (isCollection(x) ? itemAt(x, i) : x)));
  }
  return collect(out);
});

/** `(format x)` and `(format "a % b" x …)`: display text, or a template filled in. */
export const formatBuiltin: BuiltinFn = vary("format", (e, args) => {
  if (args.length === 0) throw arityError(1, 0);
  if (args.length === 1) return str(formatText(e, args[0], false));
  const template = formatText(e, args[0]);
  const parts = template.split("%");
  if (parts.length - 1 !== args.length - 1) return NULL;
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) out += formatText(e, args[i]) + parts[i];
  return str(out);
});

/** `(quote x)`: its argument unevaluated. */
export const quoteBuiltin: BuiltinFn = unary("quote", (_e, x) => x, { special: true });

/** The builtins defined here. */
export const CONTROL_BUILTINS: readonly BuiltinFn[] = [
  quoteBuiltin,
  setBuiltin,
  binary("let", (e, target, expr) => {
    const id = targetId(target);
    const value = e.eval(expr);
    e.setLocal(id, named(value, id));
    return value;
  }, { special: true }),
  vary("do", (e, forms) => {
    let last: RayObject = NULL;
    for (const f of forms) last = e.eval(f);
    return last;
  }, { special: true }),
  vary("if", (e, forms) => {
    if (forms.length < 2 || forms.length > 3) throw arityError(3, forms.length);
    if (truthy(e.eval(forms[0]))) return e.eval(forms[1]);
    return forms.length === 3 ? e.eval(forms[2]) : NULL;
  }, { special: true }),
  binary("try", (e, expr, handler) => {
    const depth = e.frames.length;
    const scopes = e.scopes.length;
    try {
      return e.eval(expr);
    } catch (caught) {
      if (!(caught instanceof EvalError)) throw caught;
      e.frames.length = depth;
      e.scopes.length = scopes;
      if (handler.type === Type.LAMBDA) {
        return e.callLambda(handler as Lambda, [handlerArgument(caught)]);
      }
      if (handler.type === AtomType.SYMBOL && !(handler as SymbolNode).quoted) {
        const id = (handler as SymbolNode).value;
        let f: RayObject | undefined;
        try {
          f = e.lookup(id);
        } catch {
          return { type: -6, value: id };
        }
        if (f.type === Type.LAMBDA) return e.callLambda(f as Lambda, [handlerArgument(caught)]);
        return f;
      }
      return e.eval(handler);
    }
  }, { special: true }),
  unary("raise", (_e, x) => {
    if (!isVectorOf(x, Type.C8)) throw typeError("C8", x.type);
    throw userError(new TextDecoder().decode(x.data));
  }),
  vary("return", (_e, args) => args[0] ?? NULL),
  vary("and", logic(and2), { special: true }),
  vary("or", logic(or2), { special: true }),
  unary("not", (_e, x) =>
    atomic1(x, (a) => {
      if (Math.abs(a.type) !== 1) throw typeError("LIST", "LIST");
      if (a.type < 0) return { type: -1, value: (a as { value: number }).value ? 0 : 1 };
      return { type: 1, data: (a as Vector<1>).data.map((b) => (b ? 0 : 1)) };
    })),
  mapBuiltin,
  vary("apply", (e, args) => {
    if (args.length === 0) throw arityError(2, 0);
    const [f, ...rest] = args;
    if (f.type === Type.LAMBDA) {
      const params = count((f as Lambda).args);
      if (params !== rest.length) throw arityError(params, rest.length);
    }
    return e.apply(f, rest);
  }),
  vary("fold", reducer(false)),
  vary("scan", reducer(true)),
  vary("map-left", mapSide(true)),
  vary("map-right", mapSide(false)),
  unary(
    "eval",
    (
      e,
      x,
    ) => (isVectorOf(x, Type.C8) ? e.eval(e.parse(new TextDecoder().decode(x.data))) : e.eval(x)),
  ),
  unary("parse", (e, x) => {
    if (!isVectorOf(x, Type.C8)) throw typeError("C8", x.type);
    return e.parse(new TextDecoder().decode(x.data));
  }),
  formatBuiltin,
];
