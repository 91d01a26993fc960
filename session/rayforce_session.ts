/**
 * `RayforceSession`: one client connection speaking Rayforce, whatever carries it (a
 * WebSocket, a TCP socket). It is fed the peer's messages one at a time and answers through
 * its {@link SessionTransport}; the transports are thin adapters over it.
 *
 * - **Handshake**: the first binary message is `[user:password] version 00`, answered with
 *   `01`; with a token, the credentials (`token` or `user:token`) must match unless the
 *   transport authorized the peer already (a WebSocket's `?token=`). A first text message
 *   (WebSocket only) puts the session in text mode instead. Either must come within
 *   `handshakeTimeoutMs`.
 * - **Queries**: each IPC message (or text) is a query, evaluated by the
 *   {@link SessionEvaluator}; answers go out in the order of the queries (`AnswerOrder`),
 *   async messages have none. At most `maxInFlight` queries are in flight; more are
 *   answered "server busy", in their place.
 * - **Flow control**: while the peer's unsent output is over `maxPendingOutput`, the next
 *   queries wait (unrun) in the session; the transport's drain lets them go. Past
 *   `outputCeiling` of unsent output, or with its queue full while it is not reading, the
 *   peer is closed with 1008 "slow consumer". No answer is dropped or reordered.
 * - **Hooks**: `.z.po` once the session speaks Rayforce, `.z.pc` when it closes.
 * - **Violations** (bad handshake, wrong token, malformed or oversized frame, flooding)
 *   close this session only, with a WebSocket close code and a reason.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  encodeReply,
  ErrorCode,
  errorValue,
  HANDSHAKE_REPLY,
  parseHandshake,
  type RayforceIPCError,
  type RayObject,
  type ReplyStyle,
  replyStyle,
  splitMessage,
} from "../ipc/mod.ts";
import { type SubscribeCall, subscribeCall } from "../live/ipc_subscribe.ts";
import type { Transport } from "../ipc/reply.ts";
import type { Logger } from "../log.ts";
import { failureResult } from "../worker/failure.ts";
import type { TaskRequest } from "../worker/protocol.ts";
import { AnswerOrder } from "./answer_order.ts";
import type { SessionCounters } from "./counters.ts";
import type { Evaluator } from "./evaluator.ts";

/** What carries a session's messages. */
export interface SessionTransport {
  /** `websocket` (text messages exist) or `tcp`: also selects the reply style. */
  readonly kind: Transport;
  /** Sends one message; returns the bytes now waiting unsent to the peer. */
  send(data: string | ArrayBuffer): number;
  /** Closes the connection (a WebSocket close code and reason; TCP just closes). */
  close(code: number, reason: string): void;
}

/** The part of the {@link Evaluator} a session uses. */
export type SessionEvaluator = Pick<Evaluator, "submit" | "connection" | "forget">;

/** The limits of a session. */
export interface SessionLimits {
  /** Largest message accepted, in bytes. */
  maxPayload: number;
  /** Time to send the handshake (or a first text message), in ms. */
  handshakeTimeoutMs: number;
  /** Queries in flight (running or waiting) at once. */
  maxInFlight: number;
  /** Unsent output above which the next queries wait, in bytes. */
  maxPendingOutput: number;
  /** Unsent output past which the peer is closed as a slow consumer, in bytes. */
  outputCeiling: number;
}

/** Options of {@link RayforceSession}. */
export interface SessionOptions {
  /** The session id (the evaluator orders and forgets by it). */
  id: string;
  /** The peer's address, for logs. */
  remote: string;
  transport: SessionTransport;
  evaluator: SessionEvaluator;
  limits: SessionLimits;
  /** The token required, if any. */
  token?: string;
  /** The transport checked the token already (or none is required). */
  authorized: boolean;
  /**
   * Subscribes this session to a table (live/ipc_subscribe.ts): gives `reply` the answer
   * (once), then pushes each change with `push`. Absent: `.u.sub` is evaluated like any query.
   */
  subscribe?: (
    session: string,
    call: SubscribeCall,
    push: (message: ArrayBuffer) => void,
    reply: (answer: RayObject) => void,
  ) => void;
  /** Gives the handle passed to `.z.po`/`.z.pc` (unique per server). */
  nextHandle(): number;
  counters: SessionCounters;
  log: Logger;
}

/** A query that waits for the peer to read its earlier answers. */
interface Waiting {
  request: TaskRequest;
  ticket: number;
  t0: number;
}

/** Close reasons are limited to 123 bytes by the WebSocket protocol. */
export function closeReason(text: string): string {
  let s = text;
  while (Buffer.byteLength(s, "utf8") > 123) s = s.slice(0, -1);
  return s;
}

/** One Rayforce connection; see the module doc. */
export class RayforceSession {
  /** `new` until the handshake (or first text message), then `ipc` or `text`. */
  mode: "new" | "ipc" | "text" = "new";
  /** Closed by us (nothing more is read or sent), or gone. */
  #closing = false;
  /** `closed()` ran. */
  #ended = false;
  readonly #o: SessionOptions;
  readonly #answers: AnswerOrder<string | ArrayBuffer>;
  readonly #waiting: Waiting[] = [];
  /** Unsent output at the last send or drain. */
  #pending = 0;
  #handle: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** A session waiting for its handshake (the time limit starts now). */
  constructor(options: SessionOptions) {
    this.#o = options;
    this.#answers = new AnswerOrder({
      maxInFlight: options.limits.maxInFlight,
      send: (answer) => this.#send(answer),
    });
    this.#timer = setTimeout(() => {
      if (this.mode === "new") this.#violation(1002, "handshake timeout");
    }, options.limits.handshakeTimeoutMs);
  }

  /** The session id. */
  get id(): string {
    return this.#o.id;
  }

  /** True once the server closed it, or it is gone: it reads and sends nothing more. */
  get closing(): boolean {
    return this.#closing;
  }

  /** True while its answers wait for the peer to read (its next queries wait too). */
  get backedUp(): boolean {
    return this.#pending > this.#o.limits.maxPendingOutput;
  }

  /** One message from the peer. */
  receive(data: string | ArrayBuffer): void {
    const c = this.#o.counters;
    const size = c.received(data);
    if (this.#closing) return; // closed by us: nothing more is read
    const limits = this.#o.limits;
    if (size > limits.maxPayload) {
      return this.#violation(
        1009,
        `message of ${size} bytes exceeds the limit of ${limits.maxPayload}`,
      );
    }
    if (this.mode === "new") {
      if (!this.#greet(data)) return;
      if (typeof data !== "string") return; // the handshake itself
    }
    if (typeof data === "string") return this.#query({ kind: "text", source: data });
    // Check the framing here (16 bytes, no decoding of the query); the worker decodes.
    try {
      splitMessage(new Uint8Array(data), limits.maxPayload);
    } catch (e) {
      const err = e as RayforceIPCError;
      return this.#violation(
        err.code === ErrorCode.LIMIT ? 1009 : 1002,
        `malformed frame: ${err.message}`,
      );
    }
    const reply = replyStyle(new Uint8Array(data), this.#o.transport.kind);
    const call = this.#o.subscribe && subscribeCall(new Uint8Array(data));
    if (call) return this.#subscribe(call, reply);
    this.#query({ kind: "ipc", frame: data, reply });
  }

  /** The transport's unsent output fell to `buffered`: waiting queries may run. */
  drain(buffered: number): void {
    this.#pending = buffered;
    while (this.#waiting.length && !this.backedUp && !this.#closing) {
      const w = this.#waiting.shift()!;
      this.#run(w.request, w.ticket, w.t0);
    }
  }

  /** The connection is gone (closed by either side): drops what waits, calls `.z.pc`. */
  closed(): void {
    if (this.#ended) return;
    this.#ended = this.#closing = true;
    clearTimeout(this.#timer);
    this.#o.counters.dropped += this.#waiting.length;
    this.#waiting.length = 0;
    this.#o.evaluator.forget(this.#o.id); // its queries still queued have no one to answer
    if (this.#handle !== undefined) this.#hook("close", this.#handle);
    this.#handle = undefined;
  }

  /** Closes the session for a violation or a limit; others are untouched. */
  close(code: number, message: string): void {
    this.#violation(code, message);
  }

  /** The first message: handshake or text. False when it closed the session. */
  #greet(data: string | ArrayBuffer): boolean {
    clearTimeout(this.#timer);
    const o = this.#o;
    if (typeof data === "string") {
      if (!o.authorized) {
        this.#violation(1008, "unauthorized: token required");
        return false;
      }
      this.mode = "text";
    } else {
      const hs = parseHandshake(new Uint8Array(data));
      if (!hs) {
        this.#violation(1002, "bad handshake: expected [user:password] version 00");
        return false;
      }
      if (!o.authorized && o.token && hs.credentials !== o.token && hs.password !== o.token) {
        this.#violation(1008, "unauthorized: wrong or missing token");
        return false;
      }
      this.mode = "ipc";
      this.#send(HANDSHAKE_REPLY.slice().buffer as ArrayBuffer);
    }
    this.#hook("open", this.#handle = o.nextHandle());
    return true;
  }

  #query(request: TaskRequest): void {
    const c = this.#o.counters;
    const ticket = this.#answers.admit((why) =>
      failureResult(request, ErrorCode.LIMIT, why).response
    );
    if (typeof ticket !== "number") {
      c.refused++;
      if (this.backedUp) {
        // Its queue is full because it does not read: holding refusals would not help.
        return this.#slowConsumer(`${this.#waiting.length} queries waiting`);
      }
      // A peer that keeps sending while its queries are computed is closed: its waiting
      // refusals would otherwise grow without bound.
      if (ticket === "flood") {
        this.#violation(1008, "too many queries in flight on this connection");
      }
      return;
    }
    const t0 = performance.now();
    if (this.backedUp || this.#waiting.length) this.#waiting.push({ request, ticket, t0 });
    else this.#run(request, ticket, t0);
  }

  /**
   * A live-table subscription, answered in its place among the answers: it starts when the
   * answers before it are sent (so it sees this session's earlier writes).
   */
  #subscribe(call: SubscribeCall | Error, reply: ReplyStyle): void {
    const ticket = this.#answers.admit(() => null);
    if (typeof ticket !== "number") {
      this.#o.counters.refused++;
      return this.#violation(1008, "too many queries in flight on this connection");
    }
    // The answer is sent from inside: the updates a resumed subscription missed follow it.
    const answer = (value: RayObject) => {
      const bytes = encodeReply(value, reply);
      if (bytes) this.#send(bytes.buffer as ArrayBuffer);
    };
    this.#answers.finish(ticket, () => {
      if (this.#closing) return null;
      try {
        if (call instanceof Error) throw call;
        this.#o.subscribe!(this.#o.id, call, (m) => this.#send(m), answer);
        this.#o.counters.ok++;
      } catch (e) {
        this.#o.counters.failed++;
        answer(errorValue(ErrorCode.DOMAIN, (e as Error).message));
      }
      return null;
    });
  }

  #run(request: TaskRequest, ticket: number, t0: number): void {
    const c = this.#o.counters;
    this.#o.evaluator.submit(request, this.#o.id, (r) => {
      if (this.#ended) return; // dropped by the evaluator (`forget`), or answered to no one
      c.latency(performance.now() - t0);
      if (r.failed) c.failed++;
      else c.ok++;
      this.#answers.finish(ticket, r.response);
    });
  }

  #send(data: string | ArrayBuffer): void {
    if (this.#closing) return;
    const c = this.#o.counters;
    c.sent(data);
    this.#pending = this.#o.transport.send(data);
    if (this.#pending > this.#o.limits.outputCeiling) this.#slowConsumer("");
  }

  #slowConsumer(detail: string): void {
    this.#o.counters.slowConsumers++;
    const unsent = `${this.#pending} bytes of answers unsent`;
    this.#violation(1008, `slow consumer: ${unsent}${detail ? `, ${detail}` : ""}`);
  }

  #violation(code: number, message: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#o.counters.errors++;
    this.#o.log.warn("protocol violation", {
      connection: this.#o.id,
      remote: this.#o.remote,
      code,
      reason: message,
    });
    clearTimeout(this.#timer);
    this.#o.transport.close(code, closeReason(message));
  }

  /** Runs the user's `.z.po`/`.z.pc`, if set. */
  #hook(event: "open" | "close", handle: number): void {
    this.#o.evaluator.connection(event, this.#o.id, handle, (failed) => {
      if (failed) {
        this.#o.log.warn(`${event === "open" ? ".z.po" : ".z.pc"} failed`, {
          connection: this.#o.id,
        });
      }
    });
  }
}
