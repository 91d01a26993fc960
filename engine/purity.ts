/**
 * Which builtins are pure: their result follows from their arguments and the globals they
 * read (which the evaluator records), and they change nothing but globals (which it records
 * too). The others also depend on, or act on, something else — the clock, randomness,
 * files, the network, the process, the output — so a query that called one must be
 * evaluated every time: the worker pool's result cache (worker/result_cache.ts) only keeps
 * answers of queries that called none.
 *
 * Every builtin is listed in exactly one of the two sets (a test checks it), so a new
 * builtin cannot be cached by default before someone decides.
 *
 * @module
 */
import { BUILTINS } from "./builtins.ts";
import "./library.ts";

/** Builtins whose result or effect goes beyond their arguments and the globals. */
// deno-fmt-ignore
export const IMPURE: ReadonlySet<string> = new Set([
  // clock, randomness, timing
  "date", "time", "timestamp", "rand", "guid", "timeit",
  // output
  "print", "println", "show",
  // files (get and set also name globals; with a path they touch files)
  "read", "load", "write", "read-csv", "write-csv", "get", "set",
  "set-splayed", "get-splayed", "set-parted", "get-parted",
  // network, process, environment, this worker's own state
  "hopen", "hclose", "system", "os-get-var", "os-set-var", "exit", "loadfn", "timer",
  "gc", "memstat", "rc", "sysinfo", "internals", "args",
  // every global at once, without recording the reads
  "env",
]);

/** Builtins whose result follows from their arguments and the globals they read. */
// deno-fmt-ignore
export const PURE: ReadonlySet<string> = new Set([
  "!=", "%", "*", "+", "-", "/", "<", "<=", "==", ">", ">=",
  "alter", "and", "apply", "as", "asc", "asof-join", "at", "avg", "bin", "binr", "ceil",
  "concat", "count", "de", "desc", "dev", "dict", "distinct", "div", "diverse", "do", "enlist",
  "enum", "eval", "except", "filter", "find", "first", "floor", "fold", "fold-left",
  "fold-right", "format", "group", "iasc", "idesc", "if", "in", "inner-join", "insert", "key",
  "last", "left-join", "let", "like", "list", "map", "map-left", "map-right", "max", "med",
  "meta", "min", "modify", "neg", "nil?", "not", "or", "parse", "pmap", "quote", "raise",
  "rank", "raze", "remove", "resolve", "return", "reverse", "round", "row", "scan",
  "scan-left", "scan-right", "sect", "select", "ser", "split", "sum", "table", "take", "til",
  "try", "type", "unify", "union", "update", "upsert", "value", "where", "window-join",
  "window-join1", "within", "xasc", "xbar", "xdesc", "xrank",
]);

for (const name of IMPURE) {
  const b = BUILTINS.get(name);
  if (b) b.impure = true;
}
