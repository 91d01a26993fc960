/**
 * Helper threads for one thread's kernels: a {@link RangeRunner} that runs the ranges of a
 * loop over long shared columns on this thread and on `helpers` Web Workers at once. The C
 * engine runs its kernels on every core; a column loop here is memory- and ALU-bound on one
 * core, and two threads run it 1.6–1.9× as fast (bench/engine.ts, 10,000,000 rows).
 *
 * The helpers start at the first loop long enough to share, and sleep between jobs (a
 * message wakes one). While they run, this thread blocks (`Atomics.wait`) for the ranges a
 * helper took — only those: it takes ranges itself until none is left (engine/range_claims.ts).
 * A loop's arrays must all be in shared memory ({@link RangeRunner.shares} asks kernels to
 * allocate their large results there); otherwise it runs on this thread alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KernelThreads } from "./kernel_threads.ts";
 * import { useRangeRunner } from "./parallel.ts";
 * import { Engine } from "./engine.ts";
 * const threads = new KernelThreads({ helpers: 1 });
 * useRangeRunner(threads);
 * try {
 *   const e = new Engine();
 *   const { value } = e.evalSource("(max (* (til 1000000) 3))");
 *   assert.deepEqual(value, { type: -5, value: 2999997n });
 * } finally {
 *   useRangeRunner(undefined);
 *   threads.close();
 * }
 * ```
 *
 * @module
 */
import { defaultHelpers, RANGE_ELEMENTS, type RangeLoop, type RangeRunner } from "./parallel.ts";
import {
  CLAIM,
  claimRanges,
  CONTROL_WORDS,
  DONE,
  FAILED,
  HELPED,
  JOB_NUMBERS,
  MAX_RANGES,
} from "./range_claims.ts";
import { RANGE_LOOPS } from "./range_loops.ts";

/** What a helper is sent: its control block once, then each job. */
export type HelperMessage =
  | { kind: "init"; control: SharedArrayBuffer; parts: SharedArrayBuffer }
  | { kind: "job"; job: number; name: string; args: readonly unknown[]; n: number; ranges: number };

/** Options of {@link KernelThreads}. */
export interface KernelThreadsOptions {
  /** Helper threads (default: the machine's cores less one, at most 7). 0: none. */
  helpers?: number;
}

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const NAMES = new Map<RangeLoop, string>(
  Object.entries(RANGE_LOOPS).map(([name, fn]) => [fn, name]),
);

/** A thread's helper threads for its kernels (see the module's description). */
export class KernelThreads implements RangeRunner {
  /** Number of helper threads. */
  readonly helpers: number;
  readonly shares: boolean;
  #workers: Worker[] | undefined;
  readonly #control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  /** Each range's answer, made with the helpers (8 MB of address space, touched as used). */
  #parts: Float64Array | undefined;
  #job = 0;
  #closed = false;
  #ready: Promise<void> | undefined;

  /** Helper threads for this thread's kernels; none start before a loop needs them. */
  constructor(options: KernelThreadsOptions = {}) {
    this.helpers = Math.max(0, Math.floor(options.helpers ?? defaultHelpers(7)));
    this.shares = this.helpers > 0;
  }

  /** Runs `fn`'s ranges here and on the helpers (see {@link RangeRunner.run}). */
  run(fn: RangeLoop, args: readonly unknown[], n: number): Float64Array | undefined {
    const name = NAMES.get(fn);
    const ranges = Math.ceil(n / RANGE_ELEMENTS);
    if (!name || this.#closed || this.helpers === 0 || ranges > MAX_RANGES) return undefined;
    for (const a of args) {
      if (ArrayBuffer.isView(a) && !(a.buffer instanceof SharedArrayBuffer)) return undefined;
    }
    const workers = this.#workers ??= this.#start();
    const control = this.#control;
    const job = this.#job = this.#job % (JOB_NUMBERS - 1) + 1; // never 0: FAILED starts at 0
    // DONE first: a helper still looking at the last job cannot take a range of this one.
    Atomics.store(control, DONE, 0);
    Atomics.store(control, CLAIM, job << 20);
    const message: HelperMessage = { kind: "job", job, name, args, n, ranges };
    for (const w of workers) w.postMessage(message);
    claimRanges(control, this.#parts!, job, fn, args, n, ranges, false);
    for (let done; (done = Atomics.load(control, DONE)) < ranges;) {
      Atomics.wait(control, DONE, done, 50);
    }
    if (Atomics.load(control, FAILED) === job) {
      Atomics.store(control, FAILED, -1);
      return undefined; // the caller runs every range again, here
    }
    return this.#parts!.slice(0, ranges);
  }

  /**
   * Starts the helpers if they are not running, and resolves once each has loaded its loops
   * (until then this thread runs every range itself).
   */
  ready(): Promise<void> {
    this.#workers ??= this.#start();
    return this.#ready!;
  }

  /** Ranges the helpers have run so far (the rest ran on this thread). */
  get rangesHelped(): number {
    return Atomics.load(this.#control, HELPED);
  }

  /** Stops the helpers; loops run on this thread alone from now on. */
  close(): void {
    this.#closed = true;
    for (const w of this.#workers ?? []) w.terminate();
    this.#workers = [];
  }

  #start(): Worker[] {
    const url = FROM_SOURCE
      ? new URL("./kernel_thread.ts", import.meta.url)
      : new URL("./kernel_thread.js", import.meta.url);
    this.#parts = new Float64Array(new SharedArrayBuffer(MAX_RANGES * 8));
    const init: HelperMessage = {
      kind: "init",
      control: this.#control.buffer as SharedArrayBuffer,
      parts: this.#parts.buffer as SharedArrayBuffer,
    };
    const workers = Array.from({ length: this.helpers }, () => {
      const w = new Worker(url, { type: "module" });
      // A helper must not keep a process alive that is otherwise done.
      (w as unknown as { unref?: () => void }).unref?.();
      w.postMessage(init);
      return w;
    });
    this.#ready = Promise.all(workers.map((w) =>
      new Promise<void>((resolve, reject) => {
        w.onmessage = () => resolve();
        w.onerror = (e) => {
          e.preventDefault?.();
          reject(new Error(`a kernel helper thread failed: ${e.message}`));
        };
      })
    )).then(() => {});
    this.#ready.catch(() => {}); // the helpers' failure shows only to who awaits ready()
    return workers;
  }
}
