/**
 * Error codes of the Rayforce engine and the JS exceptions of @rf/ws.
 *
 * @module
 */

/** Rayforce error codes (`core/error.h`, `rayforce-ipc.md` §7.1). */
export const ErrorCode = {
  OK: 0,
  TYPE: 1,
  ARITY: 2,
  LENGTH: 3,
  DOMAIN: 4,
  INDEX: 5,
  VALUE: 6,
  LIMIT: 7,
  OS: 8,
  PARSE: 9,
  NYI: 10,
  USER: 11,
} as const;

/** The names by code, from the one table above (the user error has the empty name). */
const ERROR_NAMES: readonly string[] = Object.entries(ErrorCode)
  .sort(([, a], [, b]) => a - b)
  .map(([key, code]) => (code === ErrorCode.USER ? "" : key.toLowerCase()));

/**
 * The engine's name of an error code: `type`, `domain`, …; the user error (11) has the
 * empty name and codes ≥ 12 are `error`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(errorName(1), "type");
 * assert.equal(errorName(11), ""); // the user error has no name
 * ```
 */
export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? "error";
}

/**
 * Base class of every exception thrown by @rf/ws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode } from "./decode.ts";
 * assert.throws(() => decode(new Uint8Array()), RayforceError);
 * ```
 */
export class RayforceError extends Error {
  /** Always `"RayforceError"`. */
  override name = "RayforceError";
}

/**
 * Malformed, truncated, oversized or unsupported IPC bytes. `code` is the Rayforce error
 * code a server answers with (`domain` for truncated data as the engine does, `type` for
 * unknown types, `limit` for configured limits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decode } from "./decode.ts";
 * assert.throws(() => decode(Uint8Array.of(0x05, 0x00, 0xff)), RayforceIPCError);
 * ```
 */
export class RayforceIPCError extends RayforceError {
  /** Always `"RayforceIPCError"`. */
  override name = "RayforceIPCError";
  /** The Rayforce error code that describes the failure. */
  readonly code: number;
  /** An error with this message and Rayforce error code (default `domain`). */
  constructor(message: string, code: number = ErrorCode.DOMAIN) {
    super(message);
    this.code = code;
  }
}

/**
 * An invalid option of the server or the client (a port out of range, an unknown log
 * level, …). (Before 0.2 this was `RayforceValueError`, which now is the engine's `value`
 * error, as in rayforce-py.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSServer } from "../server.ts";
 * assert.throws(() => new WSServer({ port: 70000 }), RayforceOptionError);
 * ```
 */
export class RayforceOptionError extends RayforceError {
  /** Always `"RayforceOptionError"`. */
  override name = "RayforceOptionError";
}

/**
 * A WebSocket-level failure: connecting, a handshake timeout, a closed connection, a
 * server used before `start()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSClient } from "../client.ts";
 * const client = new WSClient("ws://127.0.0.1:1", undefined, { timeoutMs: 1000 }); // nothing listens
 * await assert.rejects(client.connect(), RayforceWSError);
 * ```
 */
export class RayforceWSError extends RayforceError {
  /** Always `"RayforceWSError"`. */
  override name = "RayforceWSError";
}

/**
 * A query the engine answered with an error. `code` is the engine's error code; the
 * subclasses below name each code, so callers can `catch` the one they expect.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = queryError(1, "expected i64, got symbol"); // what conn.execute("(+ 1 'a)") rejects with
 * assert.ok(e instanceof RayforceTypeError && e instanceof RayforceQueryError);
 * assert.equal(e.code, 1);
 * ```
 */
export class RayforceQueryError extends RayforceError {
  /** Always `"RayforceQueryError"`. */
  override name = "RayforceQueryError";
  /** The Rayforce error code. */
  readonly code: number;
  /** An error with the Rayforce error code the server answered and its message. */
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** `type` error (code 1): wrong argument types. */
export class RayforceTypeError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.TYPE;
  /** Always `"RayforceTypeError"`. */
  override name = "RayforceTypeError";
}
/** `arity` error (code 2): wrong number of arguments. */
export class RayforceArityError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.ARITY;
  /** Always `"RayforceArityError"`. */
  override name = "RayforceArityError";
}
/** `length` error (code 3): lengths differ. */
export class RayforceLengthError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.LENGTH;
  /** Always `"RayforceLengthError"`. */
  override name = "RayforceLengthError";
}
/** `domain` error (code 4): value out of range, malformed source. */
export class RayforceDomainError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.DOMAIN;
  /** Always `"RayforceDomainError"`. */
  override name = "RayforceDomainError";
}
/** `index` error (code 5): index out of range. */
export class RayforceIndexError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.INDEX;
  /** Always `"RayforceIndexError"`. */
  override name = "RayforceIndexError";
}
/** `value` error (code 6): an undefined name (as rayforce-py's `RayforceValueError`). */
export class RayforceValueError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.VALUE;
  /** Always `"RayforceValueError"`. */
  override name = "RayforceValueError";
}
/** `limit` error (code 7): a resource or time limit. */
export class RayforceLimitError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.LIMIT;
  /** Always `"RayforceLimitError"`. */
  override name = "RayforceLimitError";
}
/** `os` error (code 8): a system call failed or is not permitted. */
export class RayforceOSError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.OS;
  /** Always `"RayforceOSError"`. */
  override name = "RayforceOSError";
}
/** `parse` error (code 9): malformed source. */
export class RayforceParseError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.PARSE;
  /** Always `"RayforceParseError"`. */
  override name = "RayforceParseError";
}
/** `nyi` error (code 10): not implemented for a type. */
export class RayforceNYIError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.NYI;
  /** Always `"RayforceNYIError"`. */
  override name = "RayforceNYIError";
}
/** `user` error (code 11): raised by `raise`. */
export class RayforceUserError extends RayforceQueryError {
  /** The error code it stands for. */
  static readonly code: number = ErrorCode.USER;
  /** Always `"RayforceUserError"`. */
  override name = "RayforceUserError";
}

/**
 * The engine's `value` error under its name before 0.2.
 *
 * @deprecated Use {@link RayforceValueError}.
 */
export const RayforceNameError: typeof RayforceValueError = RayforceValueError;

/** The exception class of each error code, as each class declares it. */
const QUERY_ERRORS: ReadonlyMap<number, typeof RayforceTypeError> = new Map(
  [
    RayforceTypeError,
    RayforceArityError,
    RayforceLengthError,
    RayforceDomainError,
    RayforceIndexError,
    RayforceValueError,
    RayforceLimitError,
    RayforceOSError,
    RayforceParseError,
    RayforceNYIError,
    RayforceUserError,
  ].map((c) => [c.code, c]),
);

/**
 * The exception for an engine error code and message: `RayforceTypeError` for 1, … .
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = queryError(1, "expected i64, got symbol");
 * assert.ok(e instanceof RayforceTypeError);
 * assert.equal(e.message, "type: expected i64, got symbol");
 * ```
 */
export function queryError(code: number, message: string): RayforceQueryError {
  const Cls = QUERY_ERRORS.get(code) ?? RayforceQueryError;
  const name = errorName(code);
  return new Cls(code, message ? (name ? `${name}: ${message}` : message) : name || "error");
}
