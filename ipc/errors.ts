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
  override name = "RayforceIPCError";
  /** The Rayforce error code that describes the failure. */
  readonly code: number;
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
  override name = "RayforceValueError";
}
