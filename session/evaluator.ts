/**
 * `Evaluator`: what a Rayforce session hands its queries to. The worker pool (the embedded
 * engine) and the gateway (real engines upstream) both implement all of it, so the server
 * and its sessions never ask which one they have.
 *
 * @module
 */
import type { Metric } from "../metrics.ts";
import type { TaskRequest } from "../worker/protocol.ts";
import type { TaskResult } from "../worker/failure.ts";

/** Evaluates the queries of sessions, each session's in the order sent. */
export interface Evaluator<Stats extends object = object> {
  /** Workers, or upstream engines. */
  readonly size: number;
  /**
   * Evaluates one request of `session`; `done` is called exactly once, with the answer or
   * an error answer (never a throw), in the session's order.
   */
  submit(request: TaskRequest, session: string, done: (r: TaskResult) => void): void;
  /** `submit` as a Promise. */
  run(request: TaskRequest, session: string): Promise<TaskResult>;
  /**
   * A client connection of `session` opened or closed: runs `.z.po`/`.z.pc` with its handle
   * where the evaluator runs them (upstream engines run their own: `done(false)` at once).
   */
  connection(
    event: "open" | "close",
    session: string,
    handle: number,
    done: (failed: boolean) => void,
  ): void;
  /** The connection of `session` closed: its queued queries are dropped before they run. */
  forget(session: string): void;
  /** Statistics, for `stats()` and `/health`. */
  stats(): Stats;
  /** Its figures for `GET /metrics`. */
  metrics(): Metric[];
  /** Answers what it accepted, then stops. */
  close(): Promise<void>;
}
