/**
 * The interface each runtime adapter implements: a native HTTP server that upgrades
 * WebSocket connections. The server logic (`server.ts`) only sees these types.
 *
 * @module
 */

/** One accepted WebSocket, as the server logic sees it. */
export interface ServerSocket {
  /** Sends a text or binary frame. */
  send(data: string | Uint8Array | ArrayBuffer): void;
  /** Closes with a WebSocket close code and reason. */
  close(code?: number, reason?: string): void;
  /** Native topic subscription, where the runtime has pub/sub (Bun). */
  subscribe?(topic: string): void;
  /** Native topic unsubscription, where the runtime has pub/sub (Bun). */
  unsubscribe?(topic: string): void;
}

/** What the server logic does with requests and sockets. */
export interface ServeHandlers<C> {
  /**
   * A WebSocket upgrade request: return the connection's context to accept it, or a
   * Response to refuse it (401, 503, …).
   */
  upgrade(request: Request, remote: string): C | Response;
  /** A plain HTTP request (health, metrics, the console page). */
  fetch(request: Request): Response | Promise<Response>;
  open(socket: ServerSocket, context: C): void;
  message(socket: ServerSocket, context: C, data: string | ArrayBuffer): void;
  close(socket: ServerSocket, context: C, code: number, reason: string): void;
}

/** Options for the native server. */
export interface ServeOptions {
  hostname: string;
  port: number;
  /** Largest WebSocket message accepted, in bytes. */
  maxPayload: number;
  /** Seconds without traffic (pings included) before a peer is dropped. */
  idleTimeout: number;
  /** Let several processes listen on the same port (Linux: SO_REUSEPORT). */
  reusePort?: boolean;
}

/** A running native server. */
export interface NativeServer {
  readonly hostname: string;
  readonly port: number;
  /** Stops listening and closes every connection. */
  stop(): Promise<void>;
  /** Sends to every socket subscribed to `topic`, where the runtime has pub/sub (Bun). */
  publish?(topic: string, data: string): void;
}

/** A TCP connection on the runtime's native sockets. */
export interface TcpConnection {
  /** Queues bytes for sending (in order; partial writes are completed by the adapter). */
  write(bytes: Uint8Array): void;
  /** Closes the connection. */
  close(): void;
  /** Called with each chunk received. */
  onData: (chunk: Uint8Array) => void;
  /** Called once when the connection ends, for any reason. */
  onClose: () => void;
  /** The peer's address. */
  readonly remote: string;
}

/** A TCP listener. */
export interface TcpListener {
  readonly port: number;
  /** Stops accepting and closes the listener. */
  stop(): Promise<void>;
}
