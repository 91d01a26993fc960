/**
 * The Rayforce WebSocket client (`WSClient`). It uses only the standard `WebSocket` API
 * and `ipc/`, so it runs in Deno, Bun, browsers and Node ≥ 22. Its API lands with the
 * WSServer issue; until then this module re-exports the codec a client needs.
 *
 * @example
 * ```ts
 * import { encodeMessage, MsgType, str } from "@rf/ws/client";
 * socket.send(encodeMessage(str("(+ 1 2)"), MsgType.SYNC));
 * ```
 *
 * @module
 */
export * from "./ipc/mod.ts";
export { DEFAULT_HOST, DEFAULT_PORT } from "./server.ts";
