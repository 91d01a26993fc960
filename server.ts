/**
 * The Rayforce WebSocket server (`WSServer`). Its API lands with the WSServer issue;
 * this module holds the defaults that the CLI and the client already share.
 *
 * @module
 */

/** Default TCP port of the server, as in the rayforce-py seeds. */
export const DEFAULT_PORT = 8765;

/** Default bind address: loopback, so a server is never exposed by accident. */
export const DEFAULT_HOST = "127.0.0.1";
