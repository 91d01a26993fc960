/**
 * How threads share the ranges of one loop (engine/parallel.ts): a control word holds the
 * job's number and the next range not yet taken; each thread takes ranges by compare-and-swap
 * until none is left, writes each range's answer in `parts`, and counts it done. The thread
 * that started the job takes ranges too, so a helper that is late, busy or gone only leaves
 * it more to do: nothing waits on a helper but for a range the helper took.
 *
 * @module
 */
import { RANGE_ELEMENTS, type RangeLoop } from "./parallel.ts";

/** Index of the control word: job number (high 11 bits) and next range (low 20 bits). */
export const CLAIM = 0;
/** Index of the count of ranges done in the current job. */
export const DONE = 1;
/** Index of the number of the last job in which a helper's range threw. */
export const FAILED = 2;
/** Index of the count of ranges helpers have run, ever (a statistic). */
export const HELPED = 3;
/** Words of a control block. */
export const CONTROL_WORDS = 4;
/** Ranges per job at most (the low bits of the control word). */
export const MAX_RANGES = 1 << 20;
/** Job numbers wrap below this (the high bits of the control word, sign excluded). */
export const JOB_NUMBERS = 1 << 11;

/**
 * Takes and runs ranges of job `job` (of `ranges` ranges over `n` elements) until none is
 * left or another job has begun. A range that throws is counted done and its job marked
 * {@link FAILED} (the starting thread then runs the whole job again by itself). A helper
 * counts the ranges it ran in {@link HELPED}.
 */
export function claimRanges(
  control: Int32Array,
  parts: Float64Array,
  job: number,
  fn: RangeLoop,
  args: readonly unknown[],
  n: number,
  ranges: number,
  helper: boolean,
): void {
  for (;;) {
    const word = Atomics.load(control, CLAIM);
    const r = word & (MAX_RANGES - 1);
    if (word >>> 20 !== job || r >= ranges) return;
    if (Atomics.compareExchange(control, CLAIM, word, word + 1) !== word) continue;
    try {
      const from = r * RANGE_ELEMENTS;
      parts[r] = (fn(...args, from, Math.min(n, from + RANGE_ELEMENTS)) ?? 0) as number;
    } catch {
      Atomics.store(control, FAILED, job);
    }
    if (helper) Atomics.add(control, HELPED, 1);
    if (Atomics.add(control, DONE, 1) + 1 === ranges) Atomics.notify(control, DONE);
  }
}
