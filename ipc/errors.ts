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

const ERROR_NAMES = [
  "ok",
  "type",
  "arity",
  "length",
  "domain",
  "index",
  "value",
  "limit",
  "os",
  "parse",
  "nyi",
  "",
];

/**
 * The engine's name of an error code: `type`, `domain`, …; the user error (11) has the
 * empty name and codes ≥ 12 are `error`.
 *
 * @example
 * ```ts
 * errorName(1); // "type"
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
 * try { decode(new Uint8Array()); } catch (e) { if (e instanceof RayforceError) console.log(e.message); }
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
 * try { decode(Uint8Array.of(0x05, 0x00, 0xff)); }
 * catch (e) { if (e instanceof RayforceIPCError) console.log(e.code, e.message); }
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
 * An invalid argument value (a port out of range, an unknown option, …).
 *
 * @example
 * ```ts
 * throw new RayforceValueError("port must be 1-65535");
 * ```
 */
export class RayforceValueError extends RayforceError {
  /** Always `"RayforceValueError"`. */
  override name = "RayforceValueError";
}

/**
 * A WebSocket-level failure: connecting, a handshake timeout, a closed connection, a
 * server used before `start()`.
 *
 * @example
 * ```ts
 * try { await client.connect(); } catch (e) { if (e instanceof RayforceWSError) console.log(e.message); }
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
 * try { await conn.execute("(+ 1 'a)"); } catch (e) { if (e instanceof RayforceTypeError) ...; }
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
  /** Always `"RayforceTypeError"`. */
  override name = "RayforceTypeError";
}
/** `arity` error (code 2): wrong number of arguments. */
export class RayforceArityError extends RayforceQueryError {
  /** Always `"RayforceArityError"`. */
  override name = "RayforceArityError";
}
/** `length` error (code 3): lengths differ. */
export class RayforceLengthError extends RayforceQueryError {
  /** Always `"RayforceLengthError"`. */
  override name = "RayforceLengthError";
}
/** `domain` error (code 4): value out of range, malformed source. */
export class RayforceDomainError extends RayforceQueryError {
  /** Always `"RayforceDomainError"`. */
  override name = "RayforceDomainError";
}
/** `index` error (code 5): index out of range. */
export class RayforceIndexError extends RayforceQueryError {
  /** Always `"RayforceIndexError"`. */
  override name = "RayforceIndexError";
}
/** `value` error (code 6): an undefined name. */
export class RayforceNameError extends RayforceQueryError {
  /** Always `"RayforceNameError"`. */
  override name = "RayforceNameError";
}
/** `limit` error (code 7): a resource or time limit. */
export class RayforceLimitError extends RayforceQueryError {
  /** Always `"RayforceLimitError"`. */
  override name = "RayforceLimitError";
}
/** `os` error (code 8): a system call failed or is not permitted. */
export class RayforceOSError extends RayforceQueryError {
  /** Always `"RayforceOSError"`. */
  override name = "RayforceOSError";
}
/** `parse` error (code 9): malformed source. */
export class RayforceParseError extends RayforceQueryError {
  /** Always `"RayforceParseError"`. */
  override name = "RayforceParseError";
}
/** `nyi` error (code 10): not implemented for a type. */
export class RayforceNYIError extends RayforceQueryError {
  /** Always `"RayforceNYIError"`. */
  override name = "RayforceNYIError";
}
/** `user` error (code 11): raised by `raise`. */
export class RayforceUserError extends RayforceQueryError {
  /** Always `"RayforceUserError"`. */
  override name = "RayforceUserError";
}

const QUERY_ERRORS = [
  RayforceQueryError,
  RayforceTypeError,
  RayforceArityError,
  RayforceLengthError,
  RayforceDomainError,
  RayforceIndexError,
  RayforceNameError,
  RayforceLimitError,
  RayforceOSError,
  RayforceParseError,
  RayforceNYIError,
  RayforceUserError,
];

/**
 * The exception for an engine error code and message: `RayforceTypeError` for 1, … .
 *
 * @example
 * ```ts
 * throw queryError(1, "expected i64, got symbol"); // RayforceTypeError
 * ```
 */
export function queryError(code: number, message: string): RayforceQueryError {
  const Cls = QUERY_ERRORS[code] ?? RayforceQueryError;
  const name = errorName(code);
  return new Cls(code, message ? (name ? `${name}: ${message}` : message) : name || "error");
}
