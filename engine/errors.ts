/**
 * Evaluation errors. Inside the engine an error is a thrown {@link EvalError} (cheaper and
 * simpler than checking every return value); at the boundary — `try`, a request, the
 * REPL — it becomes an error value (`ipc` ErrorValue) with the engine's code, and the
 * REPL block with the detail line of `rayforce-ipc.md` §7.3.
 *
 * @module
 */
import { ErrorCode, type ErrorValue, errorValue, typeName } from "../ipc/mod.ts";

/** A Rayforce error raised during reading or evaluation. */
export class EvalError extends Error {
  /** Always `"EvalError"`. */
  override name = "EvalError";
  /** Source offset of the form that raised it, filled in by the evaluator. */
  offset?: number;
  /** Source text the offset refers to. */
  source?: string;
  /** An error with its code, detail line, and (user errors) message. */
  constructor(
    /** Rayforce error code (`ErrorCode`). */
    readonly code: number,
    /** The REPL's detail line (without the `├─ ` prefix), empty when there is none. */
    readonly detail = "",
    /** For user errors: the message. */
    readonly userMessage = "",
  ) {
    super(detail || userMessage || `error ${code}`);
  }

  /** The error as an IPC error value (message: the detail text). */
  toValue(): ErrorValue {
    return errorValue(this.code, this.code === ErrorCode.USER ? this.userMessage : this.detail);
  }
}

/**
 * The host stopped the query (its time limit, its memory budget): thrown by the engine's
 * `poll` hook. It is not an {@link EvalError}, so `try` does not catch it and the whole
 * query unwinds; at the boundary it becomes a `limit` error with its message.
 */
export class Interrupted extends Error {
  /** Always `"Interrupted"`. */
  override name = "Interrupted";
}

/** `type` error: `expected X, got Y` with engine type names of codes or plain names. */
export function typeError(expected: number | string, got: number | string): EvalError {
  const e = typeof expected === "number" ? typeName(expected) : expected;
  const g = typeof got === "number" ? typeName(got) : got;
  return new EvalError(ErrorCode.TYPE, `expected ${e}, got ${g}`);
}

/** `arity` error: `expected N argument(s), got M`. */
export function arityError(expected: number, got: number): EvalError {
  return new EvalError(
    ErrorCode.ARITY,
    `expected ${expected} argument${expected === 1 ? "" : "s"}, got ${got}`,
  );
}

/**
 * `length` error: `need N, have M`. The engine fills in the counts only where it checks a
 * lambda's arguments and an `update` column; elsewhere (vectors of different lengths,
 * `dict`, `table`, `insert`, `map`, …) its detail line reads `need 0, have 0`, so that is
 * the default.
 */
export function lengthError(need = 0, have = 0): EvalError {
  return new EvalError(ErrorCode.LENGTH, `need ${need}, have ${have}`);
}

/** `domain` error (no detail line). */
export function domainError(detail = ""): EvalError {
  return new EvalError(ErrorCode.DOMAIN, detail);
}

/** `index` error: `index I not in [0 N]`. */
export function indexError(index: number | bigint, max: number): EvalError {
  return new EvalError(ErrorCode.INDEX, `index ${index} not in [0 ${max}]`);
}

/** `value` error: `'name' not found`, or no detail line without a name (an unknown column). */
export function valueError(name?: string): EvalError {
  return new EvalError(ErrorCode.VALUE, name === undefined ? "" : `'${name}' not found`);
}

/** `limit` error: `limit N exceeded`. */
export function limitError(limit: number): EvalError {
  return new EvalError(ErrorCode.LIMIT, `limit ${limit} exceeded`);
}

/** `parse` error (no detail line). */
export function parseError(detail = ""): EvalError {
  return new EvalError(ErrorCode.PARSE, detail);
}

/** `nyi` error: `for type X`. */
export function nyiError(type: number): EvalError {
  return new EvalError(ErrorCode.NYI, `for type ${typeName(type)}`);
}

/** `os` error with the operating system's text (or the missing permission). */
export function osError(detail: string): EvalError {
  return new EvalError(ErrorCode.OS, detail);
}

/** A user error raised by `raise` (the engine drops the message; see `raise`). */
export function userError(message: string): EvalError {
  return new EvalError(ErrorCode.USER, "", message);
}
