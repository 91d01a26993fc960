/**
 * Kernels run on helper threads (engine/kernel_threads.ts) answer byte for byte what they
 * answer on one thread: each query runs over columns long enough to be shared out
 * (engine/parallel.ts), with the values that send a kernel to its slower path — a null, a
 * NaN, ±∞, the 32-bit limits, a value beyond 32 bits — placed in the last range only (a
 * range a helper may run), at a range's first element, or nowhere; then again with no helper,
 * and the IPC bytes of both answers are compared. The helpers must have run ranges.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../engine/engine.ts";
import { KernelThreads } from "../engine/kernel_threads.ts";
import { MIN_PARALLEL_ELEMENTS, RANGE_ELEMENTS, useRangeRunner } from "../engine/parallel.ts";
import { encode, encodeMessage, MsgType, str, type Vector } from "../ipc/mod.ts";
import { WorkerPool } from "../worker/pool.ts";

/** Elements of the columns: several ranges and a short last one. */
const N = MIN_PARALLEL_ELEMENTS + 3 * RANGE_ELEMENTS + 12345;
/** Where an odd value goes: the first element of the last full range, or the very last. */
const PLACES = [N - 1, (Math.floor(N / RANGE_ELEMENTS) - 1) * RANGE_ELEMENTS];

/** Columns made by queries (so both runs make them the same way), then one odd value set. */
function setup(e: Engine, odd: Odd | undefined) {
  const run = (q: string) => {
    const out = e.evalSource(q);
    if (out.error) throw new Error(`${q}: ${out.error.message}`);
  };
  run(`(set v (- (% (* (til ${N}) 7919) 20001) 10000))`); // −10000 … 10000
  run(`(set w (+ 1 (% (til ${N}) 97)))`); // never 0
  run(`(set f (/ (as 'F64 (- (% (* (til ${N}) 31) 2001) 1000)) 8.0))`);
  const column = (name: string) => (e.globals.get(e.intern(name)) as Vector).data;
  if (odd?.i !== undefined) (column("v") as BigInt64Array)[odd.at] = odd.i;
  if (odd?.f !== undefined) (column("f") as Float64Array)[odd.at] = odd.f;
}

const QUERIES = [
  "(> v 17)",
  "(<= v 17)",
  "(== v -3)",
  "(!= v 0)",
  "(< v 2147483647)",
  "(>= v 4294967296)",
  "(== v w)",
  "(< v w)",
  "(>= v w)",
  "(< f 12.5)",
  "(> f 0.0)",
  "(== f 0.125)",
  "(>= f -1000.0)",
  "(+ v 3)",
  "(- 5 v)",
  "(- v w)",
  "(+ v w)",
  "(* v 3)",
  "(* v 3000000)",
  "(* v w)",
  "(/ v 7)",
  "(% v -7)",
  "(% f 7.0)",
  "(/ v w)",
  "(% v w)",
  "(xbar f 2.5)",
  "(xbar f -0.5)",
  "(xbar v 1000)",
  "(xbar v 7)",
  "(where (> v 17))",
  "(where (== f 0.125))",
  "(in v (til 1000))",
  "(distinct v)",
  "(distinct w)",
  "(distinct (as 'I32 w))",
  "(distinct (at [a b c d e] (% w 5)))",
  "(in v [-3 17 2147483647 4294967296])",
  "(find (til 1000) v)",
  "(find [5 -3 17] v)",
  "(select {s: (sum v) a: (avg v) n: (min v) x: (max v) c: (count v) from: (table [v w] (list v w)) by: w})",
  "(select {s: (sum v) x: (max v) from: (table [v w] (list v w)) by: (% w 7)})",
  "(sum v)",
  "(min v)",
  "(max v)",
];

interface Odd {
  i?: bigint;
  f?: number;
  at: number;
}

const ODD: Omit<Odd, "at">[] = [
  { i: -(2n ** 63n) }, // the null
  { i: 2n ** 32n },
  { i: -(2n ** 31n) },
  { i: 2n ** 31n - 1n },
  { i: 2n ** 53n + 1n },
  { f: NaN },
  { f: -Infinity },
  { f: Infinity },
];

/** The IPC bytes of each query's answer (or its error), with the columns of `odd`. */
function answers(odd: Odd | undefined): string[] {
  const e = new Engine();
  setup(e, odd);
  return QUERIES.map((q) => {
    const out = e.evalSource(q);
    const bytes = out.error
      ? `error ${out.error.message}`
      : Buffer.from(encode(out.value)).toString("hex");
    e.release(out.value); // as the server's worker does: its buffers serve the next answers
    return bytes;
  });
}

describe("kernels on helper threads", () => {
  const threads = new KernelThreads({ helpers: 1 });
  before(() => threads.ready());
  after(() => {
    useRangeRunner(undefined);
    threads.close();
  });

  for (const odd of [undefined, ...ODD]) {
    for (const at of odd ? PLACES : [0]) {
      const label = odd ? `${odd.i ?? odd.f} at ${at}` : "no odd value";
      it(`answer as one thread does: ${label}`, () => {
        const o = odd && { ...odd, at };
        useRangeRunner(undefined);
        const alone = answers(o);
        useRangeRunner(threads);
        const helped = threads.rangesHelped;
        const shared = answers(o);
        useRangeRunner(undefined);
        for (const [i, q] of QUERIES.entries()) assert.equal(shared[i], alone[i], q);
        assert.ok(threads.rangesHelped > helped, "the helper ran some ranges");
      });
    }
  }

  it("runs here alone what is not in shared memory", () => {
    useRangeRunner(threads);
    const e = new Engine();
    const out = e.evalSource(`(set v (til ${N}))`); // allocated in shared memory
    assert.ok(!out.error);
    useRangeRunner(undefined);
    const plain = e.evalSource(`(set u (til ${N}))`); // not
    assert.ok(!plain.error);
    useRangeRunner(threads);
    const before = threads.rangesHelped;
    const a = e.evalSource("(> u 5)"); // its column is a plain ArrayBuffer
    assert.equal(threads.rangesHelped, before);
    // The helper wakes while this thread runs ranges: given a few jobs, it takes some.
    let b = e.evalSource("(> v 5)");
    for (let i = 0; i < 50 && threads.rangesHelped === before; i++) b = e.evalSource("(> v 5)");
    assert.ok(threads.rangesHelped > before);
    useRangeRunner(undefined);
    assert.deepEqual(encode(a.value), encode(b.value));
  });

  it("a pool's workers with helpers answer as workers without", async () => {
    const texts = async (kernelHelpers: number) => {
      const pool = new WorkerPool({ size: 1, kernelHelpers });
      try {
        const run = async (source: string) =>
          (await pool.run({ kind: "text", source }, "c")).response;
        await run(`(set v (- (% (* (til ${N}) 7919) 20001) 10000))`); // committed: shared columns
        await run(`(set w (+ 1 (% (til ${N}) 97)))`);
        await run(`(set f (/ (as 'F64 (- (% (* (til ${N}) 31) 2001) 1000)) 8.0))`);
        const out: string[] = [];
        for (const q of QUERIES) {
          // The answer's IPC bytes: every element, exactly.
          const frame = encodeMessage(str(q), MsgType.SYNC).slice().buffer;
          const { response } = await pool.run({ kind: "ipc", frame, reply: "rich" }, "c");
          out.push(Buffer.from(response as ArrayBuffer).toString("hex"));
        }
        return out;
      } finally {
        await pool.close();
      }
    };
    const helped = await texts(1);
    assert.ok(helped[0].length > 2 * N, "whole vectors are compared");
    assert.deepEqual(helped, await texts(0));
  });
});
