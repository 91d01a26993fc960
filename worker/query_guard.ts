/**
 * `QueryGuard`: what stops a running query from inside its worker — the pool's stop
 * request (its time limit) and the query's memory budget. The engine calls `poll` every
 * few hundred calls (`Engine.poll`); both checks throw an `Interrupted`, which `try` does
 * not catch, so the query unwinds and answers a `limit` error.
 *
 * Why from inside: on Deno 2.9 `worker.terminate()` does not stop a thread busy in
 * JavaScript, so a query past its time limit kept a core busy and kept allocating until V8
 * aborted the whole process. And nothing else bounds what one query allocates: the memory
 * watermark is checked when a query is admitted.
 *
 * The budget is the growth of the memory in use since the query's first poll (the runtime
 * adapter's `memoryInUse`: the worker's heap and typed arrays on Deno, the process's resident
 * memory on Bun), sampled every few polls. A sample costs ~10 µs, twice what a trivial query
 * costs its worker in all, so the first is taken at the first poll (after 1,024 calls), not
 * when the query starts: a short query takes none, and what a query allocates in its first
 * calls is outside its budget (each of those calls is bounded by the vector size limit).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QueryGuard } from "./query_guard.ts";
 * import { Progress } from "./progress.ts";
 * const progress = new Progress();
 * const guard = new QueryGuard(progress, 1024 ** 3);
 * guard.start();
 * guard.poll(); // within budget, not stopped: returns
 * progress.stop();
 * assert.throws(() => guard.poll(), /stopped/);
 * ```
 *
 * @module
 */
import { Interrupted } from "../engine/mod.ts";
import { liveSharedResultBytes } from "../engine/result_buffers.ts";
import { memoryInUse, runtime } from "../runtime/mod.ts";
import type { Progress } from "./progress.ts";

/** Polls between two memory samples. */
const POLLS_PER_SAMPLE = 8;

/**
 * Memory in use as a query grows it: the runtime's figure, and on Deno the results this
 * thread made in shared memory (with kernel helper threads, engine/kernel_threads.ts), which
 * Deno's figure leaves out (Bun's resident memory has them).
 */
function inUse(): number {
  return runtime === "deno" ? memoryInUse() + liveSharedResultBytes() : memoryInUse();
}

/** The stop request and the memory budget of the queries of one worker. */
export class QueryGuard {
  readonly #progress: Progress;
  readonly #budget: number;
  /** Memory in use at the query's first poll; NaN until then. */
  #base = NaN;
  #polls = 0;

  /** Guards queries against `progress`'s stop request and `budgetBytes` of growth each. */
  constructor(progress: Progress, budgetBytes: number) {
    this.#progress = progress;
    this.#budget = budgetBytes;
  }

  /** A query starts: its memory is counted from its first poll. */
  start(): void {
    this.#base = NaN;
    this.#polls = 0;
  }

  /** Throws an `Interrupted` when the pool asked to stop or the query is over budget. */
  poll(): void {
    if (this.#progress.stopped) {
      throw new Interrupted("query stopped: it exceeded its time limit");
    }
    if (Number.isNaN(this.#base)) {
      this.#base = inUse();
      return;
    }
    if (++this.#polls % POLLS_PER_SAMPLE !== 0) return;
    if (inUse() - this.#base <= this.#budget) return;
    throw new Interrupted(
      `query exceeded its memory budget of ${this.#budget} bytes`,
    );
  }
}
