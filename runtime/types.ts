/**
 * The interface each runtime adapter implements: a native HTTP server that upgrades
 * WebSocket connections. The server logic (`server.ts`) only sees these types.
 *
 * @module
 */

/**
 * One accepted WebSocket, as the server logic sees it. Sending never drops a frame: what the
 * peer has not read yet waits in the runtime, and `send` says how much waits, so that the
 * server can slow down or close a peer that does not read (flow control).
 */
export interface ServerSocket {
  /**
   * Sends a text or binary frame; returns the bytes now waiting to be written to the peer,
   * this frame included (0 once the socket is closed).
   */
  send(data: string | Uint8Array | ArrayBuffer): number;
  /** The bytes waiting to be written to the peer now. */
  buffered(): number;
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
  /**
   * A socket whose unsent output went above `ServeOptions.outputBudget` is back at or
   * below it; `buffered` is what still waits.
   */
  drain(socket: ServerSocket, context: C, buffered: number): void;
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
  /** Unsent bytes of one socket above which `drain` is called when it falls back. */
  outputBudget: number;
  /**
   * Unsent bytes past which the runtime itself closes a socket rather than drop a frame
   * (Bun's `backpressureLimit`); the server closes slow peers well before it.
   */
  outputCeiling: number;
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
  /**
   * Queues bytes for sending (in order; partial writes are completed by the adapter);
   * returns the bytes now waiting to be written, these included.
   */
  write(bytes: Uint8Array): number;
  /** Called when bytes that waited have all been written. */
  onDrain: () => void;
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
