/**
 * The server-wide symbol order (worker/symbol_order.ts): symbols compare by the order in
 * which the engine first met them, and every worker of the pool must agree on that order,
 * or one query would answer differently depending on the worker that runs it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SymbolOrder } from "../worker/symbol_order.ts";
import { WorkerPool } from "../worker/pool.ts";
import { Engine } from "../engine/engine.ts";

const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s);

describe("SymbolOrder", () => {
  it("ranks names in the order first met, the same through every view of the memory", () => {
    const a = new SymbolOrder(undefined, { names: 64, bytes: 1024 });
    const b = new SymbolOrder(a.buffers);
    assert.equal(a.rank(bytes("zeta")), 0);
    assert.equal(b.rank(bytes("alpha")), 1);
    assert.equal(b.rank(bytes("zeta")), 0, "found, not ranked again");
    assert.equal(a.rank(bytes("alpha")), 1);
    assert.equal(a.rank(bytes("")), 2);
    assert.equal(a.rank(new Uint8Array([0xff, 0xfe])), 3, "any bytes, not only UTF-8");
    assert.equal(b.size, 4);
  });

  it("answers -1 when its names or its bytes are used up", () => {
    const few = new SymbolOrder(undefined, { names: 16, bytes: 1024 });
    for (let i = 0; i < 16; i++) assert.equal(few.rank(bytes(`n${i}`)), i);
    assert.equal(few.rank(bytes("one more")), -1);
    assert.equal(few.rank(bytes("n3")), 3, "known names keep their rank");
    const small = new SymbolOrder(undefined, { names: 64, bytes: 8 });
    assert.equal(small.rank(bytes("12345678")), 0);
    assert.equal(small.rank(bytes("9")), -1);
  });

  it("full, a new name is refused alike by every engine, never ranked by one of them", () => {
    const order = new SymbolOrder(undefined, { names: 512, bytes: 1 << 16 });
    const a = new Engine(), b = new Engine();
    a.shareSymbolOrder(order);
    b.shareSymbolOrder(new SymbolOrder(order.buffers));
    let i = 0;
    while (order.size < order.capacity) a.evalSource(`'qq${i++}`);
    // Two names the order has no room for, met in opposite orders by the two engines.
    const late = (e: Engine, q: string) => {
      const o = e.evalSource(q);
      return o.error ? o.error.message : e.display(o.value);
    };
    const first = late(a, "(< 'late1 'late2)");
    const second = late(b, "(< 'late2 'late1)");
    assert.match(first, /too many distinct symbols: the server ranks at most 512/);
    assert.equal(second, first);
    assert.equal(late(a, "(< 'qq1 'qq2)"), "true");
    assert.equal(late(b, "(< 'qq2 'qq1)"), "false", "names ranked before keep their order");
  });

  it("4 threads ranking 3,000 names at once, in different orders, agree on every rank", async () => {
    const order = new SymbolOrder();
    const names = Array.from({ length: 3000 }, (_, i) => `sym${(i * 7919) % 3000}`);
    const orders = [
      names,
      [...names].reverse(),
      names.slice(1500).concat(names.slice(0, 1500)),
      [
        ...names,
      ].sort(),
    ];
    const answers = await Promise.all(orders.map((list) => {
      const w = new Worker(new URL("./_helpers/rank_worker.ts", import.meta.url), {
        type: "module",
      });
      return new Promise<Map<string, number>>((resolve) => {
        w.onmessage = (e: MessageEvent) => {
          w.terminate();
          const ranks = e.data as number[];
          resolve(new Map(list.map((n, i) => [n, ranks[i]])));
        };
        w.postMessage({ buffers: order.buffers, names: list });
      });
    }));
    for (const m of answers.slice(1)) assert.deepEqual(m, answers[0]);
    // Threads that race for one name leave an unused rank behind: distinct, not dense.
    const ranks = new Set(answers[0].values());
    assert.equal(ranks.size, 3000, "one rank per name");
    assert.ok([...ranks].every((r) => r >= 0 && r < order.size));
  });
});

describe("symbol comparisons in a pool", () => {
  it("do not depend on the worker that runs the query", async () => {
    const pool = new WorkerPool({ size: 2, packMs: 0 });
    try {
      const ask = (source: string, session: string) =>
        pool.run({ kind: "text", source }, session).then((r) => r.response as string);
      // Both workers up (busy once), then two queries at once, one per idle worker, meeting
      // the same new names in opposite orders: each worker would rank them its own way.
      const slow = "(sum (til 3000000))";
      for (let i = 0; i < 200 && !pool.stats().busyMs.every((ms) => ms > 0); i++) {
        await Promise.all([ask(slow, "w1"), ask(slow, "w2")]);
      }
      await Promise.all([ask("(list 'qzeta 'qalpha)", "a"), ask("(list 'qalpha 'qzeta)", "b")]);
      const answers = await Promise.all(
        Array.from(
          { length: 16 },
          (_, i) => ask("(list (sum (til 3000000)) (< 'qzeta 'qalpha))", `s${i}`),
        ),
      );
      const busy = pool.stats().busyMs;
      assert.ok(busy.every((ms) => ms > 0), `both workers ran queries (${busy})`);
      assert.equal(new Set(answers).size, 1, `one answer, not ${[...new Set(answers)]}`);
      const sorted = await ask("(distinct ['qalpha 'qzeta 'qalpha])", "d");
      const opposite = await ask("(distinct ['qzeta 'qalpha])", "e");
      assert.equal(sorted, opposite, "distinct orders symbols alike on every worker");
    } finally {
      await pool.close();
    }
  });
});
