/**
 * The evaluator (`rayforce-language.md` §2): globals, call frames with dynamic scoping,
 * query-column scopes, the evaluation rule, and the entry points for source text and IPC
 * message objects.
 *
 * @module
 */
import {
  AtomType,
  type BuiltinType,
  ErrorCode,
  type ErrorValue,
  isBuiltin,
  type Lambda,
  type List,
  NULL,
  RayforceIPCError,
  type RayObject,
  symbols,
  Type,
} from "../ipc/mod.ts";
import { type BuiltinFn, type Builtins, freshCall } from "./builtins.ts";
import { STANDARD_BUILTINS } from "./library.ts";
import { quoteBuiltin } from "./control.ts";
import { display, type DisplayOptions } from "./display.ts";
import {
  arityError,
  EvalError,
  Interrupted,
  lengthError,
  limitError,
  typeError,
  valueError,
} from "./errors.ts";
import { positions, read, type SymbolNode } from "./reader.ts";
import { renderError } from "./render_error.ts";
import { STARTUP_SYMBOLS } from "./startup_symbols.ts";
import type { NetHook, Permissions, TimerHook } from "./os.ts";
import type { HostHook } from "./host.ts";
import { DEFAULTS } from "../defaults.ts";
import { pinResult, releaseResult, releaseTemporary } from "./result_buffers.ts";

/** Maximum call depth, as in the engine. */
export const MAX_DEPTH = 1024;
/** Calls (forms and lambda calls) between two calls of the `poll` hook. */
export const POLL_CALLS = 1024;

/** A lambda call's frame: its parameters and `let` locals, visible to callees (dynamic scope). */
export interface Frame {
  /** The lambda called. */
  lambda: Lambda;
  /** Its parameters and locals, by symbol id. */
  vars: Map<number, RayObject>;
}

/** The outcome of evaluating source text: a value, or an error with its REPL text. */
export interface Outcome {
  /** The result, or the error value sent over IPC. */
  value: RayObject;
  /** The error that was raised, when there was one. */
  error?: EvalError;
}

/**
 * A symbol order shared by several engines (the worker pool's `SymbolOrder`): a name's rank
 * by its bytes, the same in every engine; -1 when it can rank no more names.
 */
export interface SharedSymbolOrder {
  /** Ranks it can hold; past them a new name is refused. */
  readonly capacity: number;
  /** The rank of the name with these bytes, assigning the next one when new; -1 when full. */
  rank(bytes: Uint8Array): number;
}

/**
 * `self`, the running lambda. Found by text, not by an id interned at load: a worker's
 * symbol table must hold only the engine's start-up names before it shares the pool's
 * registry (ipc/symbols.ts), and `self` has its place among them.
 */
const SELF = "self";

/** How an engine is made. */
export interface EngineOptions {
  /**
   * Its builtins (library.ts): the standard ones by default; `CORE_BUILTINS` for an engine
   * that reaches no file, process or environment variable whatever its permissions.
   */
  builtins?: Builtins;
}

/**
 * One Rayforce engine: a global environment and the evaluator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const { value } = engine.evalSource("(+ 1 2)");
 * assert.equal(engine.display(value), "3");
 * ```
 */
export class Engine {
  /** The builtins its reader finds by name. */
  readonly builtins: Builtins;
  /** Global variables by symbol id. */
  readonly globals: Map<number, RayObject> = new Map();
  /** Active lambda frames, innermost last. */
  readonly frames: Frame[] = [];
  /** Column scopes of running queries, innermost last. */
  readonly scopes: Map<number, RayObject>[] = [];
  /** Display settings. */
  displayOptions: DisplayOptions = {};
  /**
   * Largest vector an operation may build from a small argument (`til`, `take`), in
   * bytes: past it the query answers a `limit` error instead of exhausting memory.
   */
  maxVectorBytes: number = DEFAULTS.maxVectorBytes;
  /** Where `print`, `println` and `show` write (the process's stdout by default). */
  print: (text: string) => void = (text) =>
    console.log(text.endsWith("\n") ? text.slice(0, -1) : text);
  /** What the OS builtins may touch (engine/os.ts); nothing by default. */
  permissions: Permissions = {};
  /** Synchronous TCP IPC for `hopen` (set by the worker; absent elsewhere). */
  net: NetHook | undefined;
  /** Files and processes for the OS builtins (set by the worker: host/node_host.ts). */
  host: HostHook | undefined;
  /** The scheduler of `timer` (set by the worker; absent elsewhere). */
  timers: TimerHook | undefined;
  /** Rows of the group being evaluated in a grouped query (for `row`). */
  groupRows: ArrayLike<number> | undefined;
  /** Interning order of symbols in this engine (comparisons and `distinct` follow it). */
  readonly #ranks = new Map<number, number>();
  /** Ranks given here, without a shared order. */
  #localRanks = 0;
  /** A symbol order shared with other engines (the worker pool's), if any. */
  #order: SharedSymbolOrder | undefined;
  /**
   * Replication hooks (the worker pool): while `overlay` is set, global writes go to it
   * instead of `globals`, and every global looked up is recorded in `read`. `pending`
   * holds globals received as IPC bytes, decoded on first use.
   */
  overlay: Map<number, RayObject> | undefined;
  /**
   * An impure builtin (BuiltinFn.impure) was called since the host last cleared this: the answer
   * may not be reused for the same query.
   */
  impure = false;
  /** Globals read (hit or miss) while `overlay` is set. */
  readonly read: Set<number> = new Set();
  /** Globals replicated as IPC bytes, not decoded yet. */
  readonly pending: Map<number, Uint8Array> = new Map();
  /** Decodes a pending global (set by the worker; the engine does not decode by itself). */
  decodePending: ((bytes: Uint8Array, id: number) => RayObject) | undefined;
  /**
   * Called every {@link POLL_CALLS} calls while a query runs; it stops the query by throwing
   * (an `Interrupted`). The worker checks its stop flag and the query's memory there: a
   * runaway query is stopped from inside, on every runtime, rather than by terminating a
   * thread that may keep running.
   */
  poll: (() => void) | undefined;
  #calls = POLL_CALLS;

  /** An engine with the standard builtins, or those of `options`. */
  constructor(options: EngineOptions = {}) {
    this.builtins = options.builtins ?? STANDARD_BUILTINS;
    for (const name of STARTUP_SYMBOLS) this.rank(symbols.intern(name));
  }

  /** The interning rank of a symbol id, assigning the next one when first met. */
  rank(id: number): number {
    let r = this.#ranks.get(id);
    if (r === undefined) {
      if (this.#order) {
        r = this.#order.rank(symbols.bytes(id));
        // Ranks of its own would make symbol comparisons answer by worker, for good: a new
        // name is refused, alike on every engine that shares the order.
        if (r < 0) {
          throw new EvalError(
            ErrorCode.LIMIT,
            `too many distinct symbols: the server ranks at most ${this.#order.capacity}`,
          );
        }
      } else r = this.#localRanks++;
      this.#ranks.set(id, r);
    }
    return r;
  }

  /**
   * Takes symbol order from `order`, shared with other engines, so that they all compare
   * symbols alike. The names ranked so far are ranked again there, in their order.
   */
  shareSymbolOrder(order: SharedSymbolOrder): void {
    const met = [...this.#ranks].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    this.#order = order;
    this.#ranks.clear();
    this.#localRanks = 0;
    for (const id of met) this.rank(id);
  }

  /** Interns `text` and ranks it (the reader's path). */
  intern(text: string): number {
    const id = symbols.intern(text);
    this.rank(id);
    return id;
  }

  /**
   * This engine's builtin for an IPC builtin reference, or null when it has none (as the
   * engine answers): the `resolveBuiltin` option of `decode` for what it evaluates.
   */
  readonly resolveBuiltin = (_type: BuiltinType, name: string): RayObject =>
    this.builtins.get(name) ?? NULL;

  /** Parses source text (builtin names become builtin objects). */
  parse(source: string): RayObject {
    return read(source, (name) => this.builtins.get(name), (t) => this.intern(t));
  }

  /** Evaluates a parse tree. Throws {@link EvalError}. */
  eval(x: RayObject): RayObject {
    if (x.type === Type.LIST) return this.call(x as List);
    if (x.type === AtomType.SYMBOL) {
      const s = x as SymbolNode;
      if (s.quoted) return { type: -6, value: s.value };
      return this.lookup(s.value, s);
    }
    return x;
  }

  /** The value of variable `id`: frames innermost first, then query columns, then globals. */
  lookup(id: number, node?: object): RayObject {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const v = this.frames[i].vars.get(id);
      if (v !== undefined) return v;
    }
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i].get(id);
      if (v !== undefined) return v;
    }
    const g = this.global(id);
    if (g !== undefined) return g;
    if (this.frames.length && symbols.text(id) === SELF) {
      return this.frames[this.frames.length - 1].lambda;
    }
    throw located(valueError(symbols.text(id)), node);
  }

  /** Sets a global (what `set` and top-level `let` do). */
  setGlobal(id: number, value: RayObject): void {
    pinResult(value); // a global's buffers are never reused (result_buffers.ts)
    if (this.overlay) this.overlay.set(id, value);
    else this.globals.set(id, value);
  }

  /** The value of global `id` (the task's own writes first), recording the read. */
  global(id: number): RayObject | undefined {
    if (this.overlay) {
      this.read.add(id);
      const own = this.overlay.get(id);
      if (own !== undefined) return own;
    }
    const bytes = this.pending.get(id);
    if (bytes !== undefined && this.decodePending) {
      // Decoded before it leaves `pending`: a failure must not lose the committed value.
      this.globals.set(id, this.decodePending(bytes, id));
      this.pending.delete(id);
    }
    return this.globals.get(id);
  }

  /** Binds a local in the innermost lambda frame, or a global at top level. */
  setLocal(id: number, value: RayObject): void {
    if (this.frames.length) this.frames[this.frames.length - 1].vars.set(id, value);
    else this.setGlobal(id, value);
  }

  /** Evaluates a call form `(head arg…)`. */
  call(form: List): RayObject {
    const items = form.items;
    if (items.length === 0) return NULL;
    if (--this.#calls === 0) this.#poll();
    try {
      const head = items[0];
      let f: RayObject = head;
      if (head.type === AtomType.SYMBOL && !(head as SymbolNode).quoted) {
        f = this.lookup((head as SymbolNode).value, head);
      } else if (head.type === Type.LIST) {
        // A call form as head is evaluated, and only a lambda result is callable:
        // ((mk 5) 1) calls the lambda mk returns; ((quote +) 1 2) is a type error.
        f = this.eval(head);
        if (f.type !== Type.LAMBDA) throw typeError("LAMBDA", f.type);
      }
      if (isBuiltin(f)) {
        const b = f as BuiltinFn;
        if (!b.fn) throw typeError("LAMBDA", f.type);
        const n = items.length - 1;
        if (b.type === Type.UNARY && n !== 1) throw arityError(1, n);
        if (b.type === Type.BINARY && n !== 2) throw arityError(2, n);
        const args = items.slice(1);
        if (!b.special) { for (let i = 0; i < n; i++) args[i] = this.eval(args[i]); }
        if (b.impure) this.impure = true;
        const result = b.fn(this, args);
        if (!b.special) {
          // The arrays of arguments that fresh calls made are free again, unless the result
          // holds them (result_buffers.ts).
          for (let i = 0; i < n; i++) {
            if (freshCall(items[i + 1])) releaseTemporary(args[i], result);
          }
        }
        return result;
      }
      if (f.type === Type.LAMBDA) {
        const args = items.slice(1);
        for (let i = 0; i < args.length; i++) args[i] = this.eval(args[i]);
        return this.callLambda(f as Lambda, args);
      }
      throw typeError("LAMBDA", f.type);
    } catch (e) {
      throw located(e, form);
    }
  }

  /** Calls any function value with evaluated arguments (map, apply, try handlers). */
  apply(f: RayObject, args: RayObject[]): RayObject {
    if (isBuiltin(f)) {
      const b = f as BuiltinFn;
      if (!b.fn) throw typeError("LAMBDA", f.type);
      if (b.type === Type.UNARY && args.length !== 1) throw arityError(1, args.length);
      if (b.type === Type.BINARY && args.length !== 2) throw arityError(2, args.length);
      if (b.impure) this.impure = true;
      if (b.special) return b.fn(this, args.map(quoteValue));
      return b.fn(this, args);
    }
    if (f.type === Type.LAMBDA) return this.callLambda(f as Lambda, args);
    throw typeError("LAMBDA", f.type);
  }

  /** Calls a lambda: binds its parameters in a new frame and evaluates its body. */
  callLambda(f: Lambda, args: RayObject[]): RayObject {
    const params = f.args.type === Type.SYMBOL
      ? (f.args as { data: Int32Array }).data
      : new Int32Array(0);
    if (params.length !== args.length) throw lengthError(params.length, args.length);
    if (this.frames.length >= MAX_DEPTH) throw limitError(MAX_DEPTH);
    if (--this.#calls === 0) this.#poll();
    const vars = new Map<number, RayObject>();
    for (let i = 0; i < params.length; i++) vars.set(params[i], args[i]);
    this.frames.push({ lambda: f, vars });
    try {
      return this.eval(f.body);
    } finally {
      this.frames.pop();
    }
  }

  #poll(): void {
    this.#calls = POLL_CALLS;
    this.poll?.();
  }

  /** Runs `fn` with table columns in scope (select, update, window-join). */
  withScope<T>(scope: Map<number, RayObject>, fn: () => T): T {
    this.scopes.push(scope);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * Parses and evaluates source text, as a REPL line or an IPC string message. Never
   * throws: an error becomes the outcome's error value.
   */
  evalSource(source: string): Outcome {
    try {
      return { value: this.eval(this.parse(source)) };
    } catch (e) {
      return this.#failed(e, source);
    }
  }

  /**
   * Evaluates an IPC message payload as the engine does (`rayforce-ipc.md` §4): a string
   * is parsed and evaluated, an error or null-like value is echoed, anything else is
   * evaluated as an expression.
   */
  evalMessage(message: RayObject): Outcome {
    if (message.type === Type.C8) {
      return this.evalSource(new TextDecoder().decode((message as { data: Uint8Array }).data));
    }
    if (message.type === Type.ERROR || message.type === Type.NULL) return { value: message };
    try {
      return { value: this.eval(message) };
    } catch (e) {
      return this.#failed(e, "");
    }
  }

  #failed(e: unknown, source: string): Outcome {
    const err = toEvalError(e);
    this.frames.length = 0;
    this.scopes.length = 0;
    if (err.source === undefined) err.source = source;
    return { value: err.toValue(), error: err };
  }

  /** The REPL text of a value. */
  display(x: RayObject): string {
    return display(x, this.displayOptions);
  }

  /**
   * The host is done with `value`, an answer of this engine (encoded, displayed): its large
   * arrays that nothing else holds may serve later results (result_buffers.ts). The value
   * must not be used afterwards.
   */
  release(value: RayObject): void {
    releaseResult(value);
  }

  /** The REPL text of an outcome: the value's display or the error block. */
  render(outcome: Outcome): string {
    return outcome.error ? renderError(outcome.error) : this.display(outcome.value);
  }
}

/** Wraps a value so that a special form receiving it as an argument form gets it back unevaluated. */
function quoteValue(x: RayObject): RayObject {
  if (x.type === Type.LIST || (x.type === AtomType.SYMBOL && !(x as SymbolNode).quoted)) {
    return { type: 0, items: [quoteBuiltin, x] };
  }
  return x;
}

/** Attaches the source position of `node` to an error that has none yet. */
function located(e: unknown, node: object | undefined): unknown {
  if (e instanceof EvalError && e.offset === undefined && node) {
    const p = positions.get(node);
    if (p) {
      e.offset = p.offset;
      e.source = p.source;
    }
  }
  return e;
}

/** Converts anything thrown during evaluation into an {@link EvalError}. */
export function toEvalError(e: unknown): EvalError {
  if (e instanceof EvalError) return e;
  if (e instanceof Interrupted) return new EvalError(ErrorCode.LIMIT, e.message);
  if (e instanceof RayforceIPCError) return new EvalError(e.code, e.message);
  if (e instanceof RangeError && /call stack|too much recursion/i.test(e.message)) {
    return limitError(MAX_DEPTH);
  }
  if (
    e instanceof RangeError &&
    /allocation|Invalid (typed )?array length|out of memory/i.test(e.message)
  ) {
    return new EvalError(ErrorCode.LIMIT, "memory limit exceeded");
  }
  // An engine bug must not take the server down: report it as an error value.
  return new EvalError(ErrorCode.DOMAIN, `internal error: ${(e as Error)?.message ?? String(e)}`);
}

/** The error value of a thrown error (for callers outside the evaluator). */
export function errorValueOf(e: unknown): ErrorValue {
  return toEvalError(e).toValue();
}
