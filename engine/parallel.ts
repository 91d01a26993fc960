/**
 * Loops over long columns in ranges, run on several threads when the host gave this thread
 * helpers ({@link useRangeRunner}, engine/kernel_threads.ts) and every array the loop touches
 * is in shared memory; on this thread alone otherwise. A kernel writes its innermost loop
 * as a {@link RangeLoop} — its arrays and constants, then `from` and `to`, answering a number
 * for that range — and calls {@link inRanges}: the answers of the ranges, in order, are what
 * it combines (an OR of flags, a sum, an extreme).
 *
 * The ranges are the same whether one thread runs them or several, so a loop that must not
 * run too long between two exact combinations (a sum of 32-bit values kept exact in a
 * double) can count on {@link RANGE_ELEMENTS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inRanges } from "./parallel.ts";
 * const sumRange = (v: Float64Array, from: number, to: number) => {
 *   let s = 0;
 *   for (let i = from; i < to; i++) s += v[i];
 *   return s;
 * };
 * const v = new Float64Array(200_000).fill(1);
 * const parts = inRanges(sumRange, [v], v.length);
 * assert.equal(parts.reduce((a, b) => a + b, 0), 200_000);
 * ```
 *
 * @module
 */

/**
 * A loop over the elements `from … to − 1` of the arrays among `args` (then `from`, `to`),
 * writing only its own elements of its outputs; what it answers for its range is combined
 * by its caller. It may run on another thread: it reads nothing but its arguments.
 */
// deno-lint-ignore no-explicit-any
export type RangeLoop = (...args: any[]) => number | void;

/**
 * Elements per range: 2^16. A range of 32-bit integers sums exactly in a double (2^16 ·
 * 2^31 < 2^53), and 10,000,000 elements make 153 ranges, enough for threads to share
 * evenly whatever the other load of the machine.
 */
export const RANGE_ELEMENTS = 1 << 16;

/** Fewer elements than this run on this thread alone: handing them over costs more. */
export const MIN_PARALLEL_ELEMENTS = 1 << 19;

/** What runs ranges on several threads (engine/kernel_threads.ts). */
export interface RangeRunner {
  /**
   * The answers of `fn` over each range of `n` elements, run on this thread and its
   * helpers; undefined when it cannot (an argument not in shared memory, a loop it does
   * not know), and the caller runs them itself.
   */
  run(fn: RangeLoop, args: readonly unknown[], n: number): Float64Array | undefined;
  /** Whether results should be allocated in shared memory, so that helpers can write them. */
  readonly shares: boolean;
}

let runner: RangeRunner | undefined;

/**
 * Gives this thread's kernels `r` to run their ranges on (undefined: this thread alone);
 * answers the runner it replaces. A thread setting, like its result buffers: the kernels
 * that use it are plain functions, called from any engine of the thread.
 */
export function useRangeRunner(r: RangeRunner | undefined): RangeRunner | undefined {
  const previous = runner;
  runner = r;
  return previous;
}

/** Whether large results should be allocated in shared memory (this thread has helpers). */
export function sharesResults(): boolean {
  return runner?.shares === true;
}

/**
 * A buffer of `bytes` for a loop's own tables and partial answers: shared memory when this
 * thread has helpers (so that ranges run there can read and write it), else ordinary.
 */
export function scratchBuffer(bytes: number): ArrayBufferLike {
  return sharesResults() ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** Helper threads by default: the machine's cores less one (the calling thread), at most `most`. */
export function defaultHelpers(most: number): number {
  const cores = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)
    ?.hardwareConcurrency ?? 1;
  return Math.max(0, Math.min(most, cores - 1));
}

/** The answer of `fn` for each range of {@link RANGE_ELEMENTS} of `n` elements, in order. */
export function inRanges(fn: RangeLoop, args: readonly unknown[], n: number): Float64Array {
  if (runner && n >= MIN_PARALLEL_ELEMENTS) {
    const parts = runner.run(fn, args, n);
    if (parts) return parts;
  }
  const ranges = Math.max(1, Math.ceil(n / RANGE_ELEMENTS));
  const parts = new Float64Array(ranges);
  for (let r = 0; r < ranges; r++) {
    parts[r] = (fn(...args, r * RANGE_ELEMENTS, Math.min(n, (r + 1) * RANGE_ELEMENTS)) ??
      0) as number;
  }
  return parts;
}

/** Whether any answer of {@link inRanges} is not 0 (a loop's flag that a value did not fit). */
export function anySet(parts: Float64Array): boolean {
  for (let i = 0; i < parts.length; i++) if (parts[i] !== 0) return true;
  return false;
}

/** Runs `fn` over `n` elements in ranges; true when no range answered a flag (see {@link anySet}). */
export function allRanges(fn: RangeLoop, args: readonly unknown[], n: number): boolean {
  return !anySet(inRanges(fn, args, n));
}
