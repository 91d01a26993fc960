/**
 * @rf/ws — Rayforce over WebSocket for Deno and Bun.
 *
 * This module re-exports the public API: the IPC codec and object model, and the
 * engine; the server and client as they land.
 *
 * @example
 * ```ts
 * import { decode, encode, i64 } from "@rf/ws";
 * const bytes = encode(i64(42n));
 * console.log(decode(bytes));
 * ```
 *
 * @module
 */
export { VERSION } from "./version.ts";
export * from "./ipc/mod.ts";
export { display, Engine, type Outcome, renderError } from "./engine/mod.ts";
