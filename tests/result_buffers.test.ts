/**
 * Result arrays reused (engine/result_buffers.ts): an answer the host released, or a fresh
 * call's temporary its caller is done with, serves later results — and nothing still held is
 * ever overwritten: globals, locals, parts of other answers, answers not released.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../engine/engine.ts";
import {
  dropFreeResults,
  freeResultBytes,
  MAX_FREE_BYTES,
  MAX_LOOSE_SHARED_BYTES,
  releaseResult,
  resultArray,
} from "../engine/result_buffers.ts";
import type { RayObject, Vector } from "../ipc/mod.ts";
import { MIN_PARALLEL_ELEMENTS, useRangeRunner } from "../engine/parallel.ts";

const N = 1 << 18; // 2 MiB of i64 or f64: above the size that is reused

function fresh(): Engine {
  const e = new Engine();
  e.evalSource(`(set v (til ${N}))`);
  e.evalSource("(set f (+ 0.5 v))");
  return e;
}
const run = (e: Engine, source: string): RayObject => {
  const { value, error } = e.evalSource(source);
  if (error) throw error;
  return value;
};
const data = (x: RayObject) => (x as Vector).data as Float64Array | BigInt64Array;
const same = (a: RayObject, b: RayObject) => data(a).buffer === data(b).buffer;

describe("result buffers", () => {
  it("a released answer's array serves the next answer of its size, with the right values", () => {
    const e = fresh();
    const a = run(e, "(+ f 1.0)");
    e.release(a);
    const b = run(e, "(* f 2.0)");
    assert.ok(same(a, b), "reused");
    const d = data(b) as Float64Array;
    for (const i of [0, 1, N >> 1, N - 1]) assert.equal(d[i], (i + 0.5) * 2);
    const c = run(e, "(* f 3.0)"); // b was not released: a new array
    assert.ok(!same(b, c));
    assert.equal((data(b) as Float64Array)[7], 15);
  });

  it("take, concat and as write every element of a reused array", () => {
    const e = fresh();
    const cases: [string, string][] = [
      ["(take v -" + N + ")", "(+ v 0)"], // a run of rows: copied, not gathered
      ["(take v " + N + ")", "(+ v 0)"],
      [`(concat (take v 5) (take v -${N - 5}))`, "(+ v 0)"],
      ["(as 'F64 v)", "(- f 0.5)"],
    ];
    for (const [q, expected] of cases) {
      const garbage = run(e, "(+ v 12345)"); // the size of every answer here
      e.release(garbage);
      const got = run(e, q);
      assert.ok(same(garbage, got), `${q}: reused`);
      const equal = (run(e, `(== ${expected} ${q})`) as Vector).data as Uint8Array;
      assert.equal(equal.indexOf(0), -1, `${q}: every element`);
      e.release(run(e, "(+ f 12345.0)"));
    }
  });

  it("a global's array is never reused, even when its answer is released", () => {
    const e = fresh();
    const g = run(e, "(set g (+ v 1))");
    e.release(g);
    const t = run(e, "(do (set h (+ f 1.0)) (+ v 2))"); // an answer that is not a global
    e.release(t);
    run(e, "(+ v 5)");
    run(e, "(+ v 7)");
    assert.equal(run(e, "(sum (- g v))").type, -5);
    assert.equal(e.display(run(e, "(sum (- g v))")), String(N));
    assert.equal(e.display(run(e, "(first h)")), "1.50");
  });

  it("a temporary a call is done with is reused, one its result holds is not", () => {
    const e = fresh();
    run(e, "(div f (+ f 1.0))"); // warms the free list with the inner array
    const before = freeResultBytes();
    assert.ok(before >= N * 8, "the inner array was given back");
    const held = run(e, "(enlist (+ v 3))"); // the list holds its temporary
    run(e, "(+ v 4)");
    run(e, "(+ v 5)");
    const inner = (held as { items: RayObject[] }).items[0];
    assert.equal((data(inner) as BigInt64Array)[10], 13n);
  });

  it("values bound in a lambda or a query's scope stay intact", () => {
    const e = fresh();
    const out = run(
      e,
      "((fn [a] (do (set z (* 2 (count (raze (list (+ a 0)))))) (+ a (+ v 100)))) (+ v 1))",
    );
    assert.equal((data(out) as BigInt64Array)[5], 5n + 1n + 5n + 100n);
    const t = run(e, `(select {s: (sum (+ x 1)) from: (table [x] (list (+ v 1)))})`);
    e.release(t);
    assert.equal(e.display(run(e, "(sum (+ v 1))")), String((N * (N + 1)) / 2));
  });

  it("only whole arrays made for results are taken, each once", () => {
    const a = resultArray(10, N);
    const view = { type: 10, data: a.subarray(1) } as const;
    releaseResult(view); // a view: not the whole array
    assert.notEqual(resultArray(10, N).buffer, a.buffer);
    const decoded = { type: 10, data: new Float64Array(N) } as const; // not made here
    releaseResult(decoded);
    assert.notEqual(resultArray(10, N).buffer, decoded.data.buffer);
    const v = { type: 10, data: a } as const;
    releaseResult({ type: 0, items: [v, v] }); // twice in one value: kept once
    assert.equal(resultArray(10, N).buffer, a.buffer);
    assert.notEqual(resultArray(10, N).buffer, a.buffer);
  });

  it("grouped selects give their group arrays back; answers held stay intact", () => {
    const e = fresh();
    run(e, "(set t (table [k x] (list (% v 7) (% v 1000))))");
    const held = run(e, "(select {s: (sum x) from: t by: k})");
    const expected = e.display(held);
    for (let i = 0; i < 3; i++) {
      const again = run(e, "(select {c: (count x) from: t by: x})");
      const counts = (again as { values: { items: RayObject[] } }).values.items[1];
      assert.equal((data(counts) as BigInt64Array).length, 1000); // 1,000 groups of x
      e.release(again);
      run(e, "(update {x: (sum x) from: t by: k})");
    }
    assert.equal(e.display(held), expected, "an answer not released is never overwritten");
    assert.equal(e.display(run(e, "(select {s: (sum x) from: t by: k})")), expected);
  });

  it("a select's where: rows of its columns are given back when only kernels read them", () => {
    const e = fresh();
    run(e, "(set t (table [k x f] (list (% v 7) (% v 1000) f)))");
    const q = "(select {s: (sum f) m: (max x) from: t where: (> x 10) by: k})";
    const expected = e.display(run(e, q));
    dropFreeResults();
    run(e, q);
    // the rows of k, x and f (the mask and the row numbers are given back either way)
    const rows = N * 0.98; // x > 10: 989 of every 1000 rows
    assert.ok(freeResultBytes() >= rows * (8 + 8 + 8), `given back: ${freeResultBytes()}`);
    assert.equal(e.display(run(e, q)), expected);
    // by: an expression that keeps its column: nothing of the where: rows is given back
    run(e, "(select {s: (sum f) from: t where: (> x 10) by: (set G k)})");
    const g = e.display(run(e, "G"));
    for (let i = 0; i < 3; i++) e.release(run(e, "(% (+ v 3) 5)"));
    assert.equal(e.display(run(e, "G")), g, "a global made of a where: column stays intact");
  });

  it("when full, the least recently given back arrays make room for a new one", () => {
    dropFreeResults();
    const big = 8 << 20; // bytes: never written, so never paged in
    const olds = Array.from({ length: MAX_FREE_BYTES / big }, () => resultArray(10, big / 8));
    for (const a of olds) releaseResult({ type: 10, data: a });
    assert.equal(freeResultBytes(), MAX_FREE_BYTES);
    const latest = resultArray(10, N); // another size, given back last
    releaseResult({ type: 10, data: latest });
    assert.ok(freeResultBytes() <= MAX_FREE_BYTES);
    assert.equal(resultArray(10, N).buffer, latest.buffer, "the latest is kept");
    assert.notEqual(resultArray(10, big / 8).buffer, olds[0].buffer, "the oldest was let go");
    assert.equal(resultArray(10, big / 8).buffer, olds.at(-2)!.buffer, "newer ones stay");
    dropFreeResults();
    assert.equal(freeResultBytes(), 0);
  });

  it("results in shared memory are allocated there, reused by kind, and their loose ones bounded", () => {
    // A thread with helpers (a runner that shares) allocates long results in shared memory.
    const previous = useRangeRunner({ shares: true, run: () => undefined });
    try {
      dropFreeResults();
      const a = resultArray(10, MIN_PARALLEL_ELEMENTS);
      assert.ok(a.buffer instanceof SharedArrayBuffer);
      assert.ok(
        !(resultArray(12, MIN_PARALLEL_ELEMENTS).buffer instanceof SharedArrayBuffer),
        "text never",
      );
      releaseResult({ type: 10, data: a });
      assert.equal(resultArray(10, MIN_PARALLEL_ELEMENTS).buffer, a.buffer, "reused");
      // 3 GB of dropped results: Deno's collector does not see dropped shared memory, so
      // past MAX_LOOSE_SHARED_BYTES of them (and no finalizer run since: this loop does not
      // yield) the results are ordinary buffers.
      let shared = 0;
      for (let i = 0; i < 60; i++) {
        const r = resultArray(10, 6_250_000); // 50 MB
        if (r.buffer instanceof SharedArrayBuffer) shared++;
      }
      assert.ok(shared <= Math.ceil(MAX_LOOSE_SHARED_BYTES / 50e6), `${shared} shared`);
    } finally {
      useRangeRunner(previous);
      dropFreeResults();
    }
    const plain = resultArray(10, MIN_PARALLEL_ELEMENTS);
    assert.ok(!(plain.buffer instanceof SharedArrayBuffer), "no helpers: ordinary memory");
  });
});
