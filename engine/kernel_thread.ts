/**
 * A helper thread of engine/kernel_threads.ts: it takes ranges of each job it is sent, by
 * the same rule as the thread that sent it (engine/range_claims.ts), and sleeps between jobs.
 *
 * @module
 */
import type { HelperMessage } from "./kernel_threads.ts";
import { claimRanges } from "./range_claims.ts";
import { RANGE_LOOPS } from "./range_loops.ts";

let control: Int32Array | undefined;
let parts: Float64Array | undefined;

(self as unknown as { onmessage: (e: MessageEvent<HelperMessage>) => void }).onmessage = (e) => {
  const m = e.data;
  if (m.kind === "init") {
    control = new Int32Array(m.control);
    parts = new Float64Array(m.parts);
    (self as unknown as { postMessage(m: unknown): void }).postMessage("ready");
    return;
  }
  const fn = RANGE_LOOPS[m.name];
  if (fn && control && parts) claimRanges(control, parts, m.job, fn, m.args, m.n, m.ranges, true);
};
