/**
 * Which task a worker is running, and since when, in shared memory. A worker runs a batch
 * of tasks and reports their results together, so without this the pool cannot tell which
 * task of a batch is stuck: it would stop the worker on behalf of the batch's first task
 * (already finished, its answer not yet sent) and run the stuck one again elsewhere.
 *
 * The worker writes the task id and start time at the start of each task; the pool reads
 * them when a time limit expires or a worker dies. A sequence counter (odd while writing)
 * keeps a read from mixing two writes.
 *
 * The record also carries the pool's stop request: the worker's engine polls it while a
 * query runs and unwinds the query (terminating the worker alone does not stop a thread
 * busy in JavaScript on Deno 2.9).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const progress = new Progress(); // pool side; send progress.buffer to the worker
 * new Progress(progress.buffer).start(7); // worker side, as task 7 starts
 * assert.equal(progress.read()?.task, 7);
 * progress.stop(); // pool side: stop the running task
 * assert.equal(new Progress(progress.buffer).stopped, true);
 * ```
 *
 * @module
 */

/** A worker's running task: its id and its start, in milliseconds since the epoch. */
export interface Running {
  /** The pool's task id. */
  task: number;
  /** When it started, in milliseconds since the Unix epoch. */
  since: number;
}

/** The shared record of a worker's running task. */
export class Progress {
  /** The shared memory, sent to the worker at start-up. */
  readonly buffer: SharedArrayBuffer;
  #seq: Int32Array;
  #values: Float64Array;

  /** A new record, or a view of the one in `buffer`. */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(24)) {
    this.buffer = buffer;
    this.#seq = new Int32Array(buffer, 0, 2);
    this.#values = new Float64Array(buffer, 8, 2);
  }

  /** Worker side: task `task` starts now. */
  start(task: number): void {
    Atomics.add(this.#seq, 0, 1);
    this.#values[0] = task;
    this.#values[1] = performance.timeOrigin + performance.now();
    Atomics.add(this.#seq, 0, 1);
  }

  /** Pool side: asks the worker to stop the task it runs (the worker is then replaced). */
  stop(): void {
    Atomics.store(this.#seq, 1, 1);
  }

  /** Worker side: whether the pool asked it to stop. */
  get stopped(): boolean {
    return Atomics.load(this.#seq, 1) === 1;
  }

  /** Pool side: the running task, or undefined before the first or while being written. */
  read(): Running | undefined {
    for (let attempt = 0; attempt < 4; attempt++) {
      const before = Atomics.load(this.#seq, 0);
      if (before === 0) return undefined;
      if (before & 1) continue;
      const task = this.#values[0], since = this.#values[1];
      if (Atomics.load(this.#seq, 0) === before) return { task, since };
    }
    return undefined;
  }
}
