/**
 * Benchmark helpers shared by `bench/*.ts`: runtime name, a median-of-runs timer, percentiles.
 *
 * @module
 */

/** The runtime running the benchmark, with its version. */
export function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return "unknown runtime";
}

/** The `p` quantile (0.5 median, 0.99) of `xs`, by rank; NaN when there are none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Runs `fn` `warmup` times, then `runs` times, and returns the median milliseconds per run. */
export function medianMs(fn: () => unknown, runs = 7, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Times several contenders in round-robin (one run of each per round) so that they see
 * the same garbage-collector and allocator conditions, and returns the median ms of each.
 */
export function interleavedMedians(fns: (() => unknown)[], runs = 31, warmup = 3): number[] {
  for (let i = 0; i < warmup; i++) for (const fn of fns) fn();
  const times: number[][] = fns.map(() => []);
  for (let r = 0; r < runs; r++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      fn();
      times[i].push(performance.now() - t0);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

/** Formats rows as an aligned text table. */
export function formatTable(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
  ).join("\n");
}
