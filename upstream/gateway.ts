/**
 * `UpstreamPool`: forwards the server's queries to real Rayforce engines over TCP IPC,
 * with the same `run(request, session)` contract as the worker pool, so the WebSocket side
 * does not change for clients.
 *
 * - Routing: `round-robin`, `least-busy` (fewest requests in flight) or `sticky` (each
 *   session keeps one upstream while it is up).
 * - Health: a failed connection or request marks the upstream down; it is retried with
 *   exponential backoff; up upstreams are pinged every `healthIntervalMs`.
 * - Order: each session's answers are delivered in the order its queries were sent.
 * - IPC frames are forwarded as they are (a message that wants an answer as sync); the
 *   answer goes back as it is, except to a seeds-style peer (`ipc/reply.ts`), which gets
 *   it as msgtype 0 and an error as rayforce-py's string. Text and JSON queries are sent as
 *   strings and the answer rendered here (REPL display / JSON mapping).
 *
 * @module
 */
import {
  decodeMessage,
  encodeMessage,
  encodeReply,
  MsgType,
  type RayObject,
  str,
  toJSON,
} from "../ipc/mod.ts";
import { display } from "../engine/display.ts";
import { EvalError } from "../engine/errors.ts";
import { renderError } from "../engine/render_error.ts";
import type { Logger } from "../log.ts";
import type { TaskRequest } from "../worker/pool.ts";
import { failureResult, type TaskResult } from "../worker/failure.ts";
import { UpstreamClient, type UpstreamOptions } from "./client.ts";
import type { Evaluator } from "../session/evaluator.ts";
import type { Metric } from "../metrics.ts";

/** How queries are spread over the upstream engines. */
export type Route = "round-robin" | "least-busy" | "sticky";

/** Options of {@link UpstreamPool}. */
export interface UpstreamPoolOptions extends UpstreamOptions {
  route?: Route;
  /** Interval of health pings of upstreams that are up, in ms. Default 5,000. */
  healthIntervalMs?: number;
  /** First reconnect delay of a down upstream, doubled up to 10 s. Default 200 ms. */
  retryMs?: number;
  log?: Logger;
}

/** Statistics of one upstream. */
export interface UpstreamStats {
  /** `host:port`. */
  address: string;
  /** Connected and healthy. */
  up: boolean;
  /** Requests sent and not answered yet. */
  inFlight: number;
  /** Requests sent. */
  requests: number;
  /** Requests that failed (connection lost, time-out). */
  failures: number;
}

/** Statistics of the gateway: its upstreams, and totals. */
export interface GatewayStats {
  /** Each upstream's figures. */
  upstreams: UpstreamStats[];
  /** Requests answered. */
  tasks: number;
  /** Requests that failed. */
  failed: number;
  /** How queries are spread. */
  route: Route;
}

interface Target {
  client: UpstreamClient;
  up: boolean;
  requests: number;
  failures: number;
  retryMs: number;
  retry?: ReturnType<typeof setTimeout>;
  connecting?: Promise<void>;
}

/**
 * Parses `rayforce://host:port[,host:port…]` (the scheme is optional).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseUpstreams("rayforce://10.0.0.5:5000,10.0.0.6:5000"), [
 *   ["10.0.0.5", 5000],
 *   ["10.0.0.6", 5000],
 * ]);
 * ```
 */
export function parseUpstreams(spec: string): [string, number][] {
  const list = spec.replace(/^rayforce:\/\//, "").split(",").map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new Error("no upstream given");
  return list.map((hp) => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(hp.replace(/^rayforce:\/\//, ""));
    const port = m ? Number(m[2]) : NaN;
    if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`bad upstream ${hp}: expected host:port`);
    }
    return [m[1].replace(/^\[|\]$/g, ""), port];
  });
}

/** A set of upstream Rayforce engines behind one `run` call. */
export class UpstreamPool implements Evaluator<GatewayStats> {
  readonly route: Route;
  readonly #targets: Target[];
  readonly #sticky = new Map<string, Target>();
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #log: Logger | undefined;
  readonly #health: ReturnType<typeof setInterval>;
  readonly #retryMs: number;
  #next = 0;
  #closed = false;
  #served = 0;
  #failed = 0;

  constructor(upstreams: [string, number][], options: UpstreamPoolOptions = {}) {
    this.route = options.route ?? "round-robin";
    this.#log = options.log;
    this.#retryMs = options.retryMs ?? 200;
    this.#targets = upstreams.map(([host, port]) => {
      const target: Target = {
        client: new UpstreamClient(host, port, options),
        up: false,
        requests: 0,
        failures: 0,
        retryMs: this.#retryMs,
      };
      target.client.onLost = (reason) => this.#down(target, reason);
      return target;
    });
    for (const t of this.#targets) this.#connect(t);
    this.#health = setInterval(() => this.#check(), options.healthIntervalMs ?? 5_000);
  }

  /** Number of upstream engines. */
  get size(): number {
    return this.#targets.length;
  }

  /** Resolves once every upstream has been tried once (up or down). */
  async ready(): Promise<void> {
    await Promise.all(this.#targets.map((t) => t.connecting));
  }

  /** Forwards a query; answers, in order per session, never reject. */
  run(request: TaskRequest, session = "default"): Promise<TaskResult> {
    const result = this.#closed
      ? Promise.resolve(failureResult(request, 7, "server closing"))
      : this.#forward(request, session).catch((e) =>
        failureResult(request, 7, (e as Error).message)
      );
    // Deliver in send order: wait for the session's previous answer.
    const previous = this.#tails.get(session) ?? Promise.resolve();
    const ordered = previous.then(() => result);
    this.#tails.set(session, ordered);
    ordered.then(() => {
      if (this.#tails.get(session) === ordered) this.#tails.delete(session);
    });
    return ordered;
  }

  /** `run` with a callback (the {@link Evaluator} contract). */
  submit(request: TaskRequest, session: string, done: (r: TaskResult) => void): void {
    this.run(request, session).then(done);
  }

  /**
   * `.z.po`/`.z.pc` are the upstream engines' own, run for the gateway's connections to
   * them; a client of the gateway does not open one, so there is nothing to call.
   */
  connection(
    _event: "open" | "close",
    _session: string,
    _handle: number,
    done: (failed: boolean) => void,
  ): void {
    done(false);
  }

  /**
   * Nothing to drop: the gateway forwards each query as it arrives (the upstream engine
   * queues it), so none waits here for its connection.
   */
  forget(_session: string): void {}

  /** The gateway's figures for `GET /metrics`. */
  metrics(): Metric[] {
    const s = this.stats();
    return [
      ["rfws_upstreams_up", "gauge", "Upstream engines up", s.upstreams.filter((u) => u.up).length],
      ["rfws_upstreams", "gauge", "Upstream engines", s.upstreams.length],
      ["rfws_upstream_requests_total", "counter", "Requests sent upstream", s.tasks],
      ["rfws_upstream_failed_total", "counter", "Upstream requests failed", s.failed],
    ];
  }

  /** Statistics: per upstream, and totals. */
  stats(): GatewayStats {
    return {
      route: this.route,
      tasks: this.#served,
      failed: this.#failed,
      upstreams: this.#targets.map((t) => ({
        address: t.client.address,
        up: t.up,
        inFlight: t.client.inFlight,
        requests: t.requests,
        failures: t.failures,
      })),
    };
  }

  /** Waits for answers in flight, then closes every upstream connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#health);
    await Promise.allSettled([...this.#tails.values()]);
    for (const t of this.#targets) {
      clearTimeout(t.retry);
      t.client.close();
    }
  }

  async #forward(request: TaskRequest, session: string): Promise<TaskResult> {
    const target = this.#pick(session);
    if (!target) {
      throw new Error(
        `no upstream available (${this.#targets.map((t) => t.client.address).join(", ")} down)`,
      );
    }
    target.requests++;
    try {
      const r = await this.#send(target, request);
      this.#served++;
      if (r.failed) this.#failed++;
      return r;
    } catch (e) {
      target.failures++;
      this.#failed++;
      throw e;
    }
  }

  async #send(target: Target, request: TaskRequest): Promise<TaskResult> {
    const client = target.client;
    if (request.kind === "ipc") {
      const frame = new Uint8Array(request.frame);
      if (request.reply === "none") {
        client.send(frame);
        return { response: null, failed: false };
      }
      const response = await client.request(frame);
      const failed = response[HEADER_TYPE] === 0x7f;
      if (request.reply !== "seeds") {
        return { response: response.slice().buffer as ArrayBuffer, failed };
      }
      // The engine's error objects carry no detail: rayforce-py's string of the code alone.
      const reply = encodeReply(decodeMessage(response).value, "seeds")!;
      return { response: reply.buffer as ArrayBuffer, failed };
    }
    // Timer calls come from the worker pool's own timers; a gateway has none to send.
    if (request.kind === "call") return { response: null, failed: true };
    const response = await client.request(encodeMessage(str(request.source), MsgType.SYNC));
    const { value } = decodeMessage(response);
    const failed = value.type === 127;
    if (request.kind === "json") return { response: JSON.stringify(toJSON(value)), failed };
    return { response: failed ? renderUpstreamError(value) : display(value), failed };
  }

  #pick(session: string): Target | undefined {
    const up = this.#targets.filter((t) => t.up);
    if (up.length === 0) return undefined;
    if (this.route === "least-busy") {
      return up.reduce((best, t) => (t.client.inFlight < best.client.inFlight ? t : best));
    }
    if (this.route === "sticky") {
      const current = this.#sticky.get(session);
      if (current?.up) return current;
      const t = up[this.#next++ % up.length];
      this.#sticky.set(session, t);
      return t;
    }
    return up[this.#next++ % up.length];
  }

  #connect(target: Target): void {
    if (this.#closed || target.connecting) return;
    target.connecting = target.client.connect().then(() => {
      target.up = true;
      target.retryMs = this.#retryMs;
      this.#log?.info("upstream up", { upstream: target.client.address });
    }, (e) => this.#down(target, (e as Error).message)).finally(() => {
      target.connecting = undefined;
    });
  }

  #down(target: Target, reason: string): void {
    if (target.up) this.#log?.warn("upstream down", { upstream: target.client.address, reason });
    target.up = false;
    if (this.#closed || target.retry) return;
    const delay = target.retryMs;
    target.retryMs = Math.min(target.retryMs * 2, 10_000);
    target.retry = setTimeout(() => {
      target.retry = undefined;
      this.#connect(target);
    }, delay);
  }

  /** Health pings of the upstreams that are up. */
  #check(): void {
    for (const t of this.#targets) {
      if (!t.up || t.client.inFlight > 0) continue;
      t.client.request(encodeMessage(str("1"), MsgType.SYNC)).catch(
        () => {/* onLost marks it down */},
      );
    }
  }
}

/** Offset of a response payload's type byte (the byte after the 16-byte header). */
const HEADER_TYPE = 16;

/** The REPL error block for an error the upstream sent (it carries the code, rarely a message). */
function renderUpstreamError(value: RayObject): string {
  const e = value as { code: number; message: string };
  return renderError(new EvalError(e.code, e.code === 11 ? "" : e.message, e.message));
}
