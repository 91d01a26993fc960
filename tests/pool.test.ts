/**
 * The worker pool: one shared database across workers without lost updates, per-session
 * order, time limits, crash recovery, a bounded queue (DESIGN.md, issue "Worker pool").
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WorkerPool } from "../worker/pool.ts";
import { decodeMessage, encodeMessage, MsgType, str, toJSON } from "../ipc/mod.ts";

async function text(pool: WorkerPool, source: string, session = "t"): Promise<string> {
  const r = await pool.run({ kind: "text", source }, session);
  return r.response as string;
}

describe("WorkerPool", () => {
  it("8 concurrent clients × 200 (set x (+ x 1)) on 4 workers: x ends at 1,600", async () => {
    const pool = new WorkerPool({ size: 4 });
    try {
      await text(pool, "(set x 0)");
      const client = async (c: number) => {
        for (let i = 0; i < 200; i++) {
          await pool.run({ kind: "text", source: "(set x (+ x 1))" }, `client${c}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
      assert.equal(await text(pool, "x"), "1600");
      const s = pool.stats();
      assert.ok(s.tasks >= 1602);
      assert.ok(s.conflicts > 0, "concurrent writers must have conflicted and been re-run");
    } finally {
      await pool.close();
    }
  });

  it("8 pipelining clients × 50 inserts into one table: the row count is exact", async () => {
    const pool = new WorkerPool({ size: 4 });
    try {
      await text(pool, "(set t (table [c n] (list [] [])))");
      const tasks: Promise<unknown>[] = [];
      for (let c = 0; c < 8; c++) {
        for (let i = 0; i < 50; i++) {
          tasks.push(
            pool.run({ kind: "text", source: `(insert 't (list ${c} ${i}))` }, `client${c}`),
          );
        }
      }
      await Promise.all(tasks);
      assert.equal(await text(pool, "(count t)"), "400");
      // Each client's rows arrived in its own order.
      const rows = JSON.parse(
        (await pool.run({ kind: "json", source: "(select {n: n from: t where: (== c 3)})" }, "q"))
          .response as string,
      );
      assert.deepEqual(rows.columns.n, Array.from({ length: 50 }, (_, i) => i));
    } finally {
      await pool.close();
    }
  });

  it("a set through one task is visible to the very next task on every worker", async () => {
    const pool = new WorkerPool({ size: 4, packMs: 0 });
    try {
      for (let round = 0; round < 5; round++) {
        await text(pool, `(set t (table [a] (list (til ${round + 3}))))`, "writer");
        // Enough concurrent readers that every worker answers some.
        const answers = await Promise.all(
          Array.from({ length: 16 }, (_, i) => text(pool, "(count t)", `reader${i}`)),
        );
        assert.deepEqual(answers, Array(16).fill(String(round + 3)));
      }
    } finally {
      await pool.close();
    }
  });

  it("answers each session's tasks in order, and a session sees its own writes", async () => {
    const pool = new WorkerPool({ size: 4 });
    try {
      await text(pool, "(set y 0)", "s");
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => text(pool, "(set y (+ y 1))", "s")),
      );
      assert.deepEqual(answers, Array.from({ length: 40 }, (_, i) => String(i + 1)));
    } finally {
      await pool.close();
    }
  });

  it("stops a query that runs forever at the time limit; the pool and committed state go on", async () => {
    const pool = new WorkerPool({ size: 2, timeoutMs: 500 });
    try {
      await text(pool, "(set kept 42)");
      const forever = "(map (fn [i] (sum (til 10000000))) (til 100000000))";
      const [slow, fast] = await Promise.all([
        pool.run({ kind: "text", source: forever }, "slow"),
        text(pool, "(+ 1 2)", "other"),
      ]);
      assert.equal(fast, "3");
      assert.equal(slow.failed, true);
      assert.match(slow.response as string, /limit[\s\S]*time limit of 500 ms/);
      assert.equal(await text(pool, "kept"), "42");
      const s = pool.stats();
      assert.equal(s.timedOut, 1);
      assert.equal(s.restarts, 1);
      assert.equal(s.workers, 2);
    } finally {
      await pool.close();
    }
  });

  it("the time limit holds for a task that starts behind others on the same worker", async () => {
    // One timer per busy worker, re-armed for the running task's deadline: the endless
    // task starts after the timer was armed for the tasks ahead of it, and is still stopped.
    const pool = new WorkerPool({ size: 1, timeoutMs: 300 });
    try {
      const forever = "(map (fn [i] (sum (til 10000000))) (til 100000000))";
      const ahead = Array.from({ length: 20 }, (_, i) => text(pool, `(+ ${i} 1)`, "s"));
      const stuck = pool.run({ kind: "text", source: forever }, "s");
      const behind = text(pool, "(* 6 7)", "s");
      assert.deepEqual(await Promise.all(ahead), Array.from({ length: 20 }, (_, i) => `${i + 1}`));
      const r = await stuck;
      assert.equal(r.failed, true);
      assert.match(r.response as string, /time limit of 300 ms/);
      assert.equal(await behind, "42", "the task queued behind it runs on the new worker");
      assert.equal(pool.stats().timedOut, 1);
    } finally {
      await pool.close();
    }
  });

  it("tasks that shared a batch with a stopped task: small ones re-run, large (moved) ones fail", async () => {
    // Small request frames are copied to a worker and large ones moved, so when a worker is
    // stopped the pool can run a small task again but has lost a large one's request.
    const pool = new WorkerPool({ size: 1, timeoutMs: 300 });
    const ipc = (source: string) => {
      const frame = encodeMessage(str(source), MsgType.SYNC).buffer as ArrayBuffer;
      return pool.run({ kind: "ipc", frame, reply: "rich" }, "s").then((r) => ({
        failed: r.failed,
        value: toJSON(decodeMessage(new Uint8Array(r.response as ArrayBuffer)).value),
      }));
    };
    try {
      const small = ipc("(+ 40 2)");
      const large = ipc(`(+ 1 2)${" ".repeat(70_000)}`);
      const stuck = ipc("(map (fn [i] (sum (til 10000000))) (til 100000000))");
      assert.deepEqual(await small, { failed: false, value: 42 });
      const l = await large;
      assert.equal(l.failed, true);
      assert.match(
        JSON.stringify(l.value),
        /time limit of 300 ms; this query was in the same batch/,
      );
      assert.equal((await stuck).failed, true);
      assert.deepEqual(await ipc("(+ 1 2)"), { failed: false, value: 3 });
    } finally {
      await pool.close();
    }
  });

  it("globals reach every worker whole: quoted symbols in lambdas, lambda names, enums, env order", async () => {
    // Replication keeps what Rayforce's wire cannot carry: on a worker that received f as
    // bytes, 'done must still be a symbol and 'xs a name, f must still display as @f, and an
    // enum global must exist at all.
    const pool = new WorkerPool({ size: 2, packMs: 0 });
    try {
      const slow = "(sum (til 1000000))";
      for (let i = 0; i < 200 && !pool.stats().busyMs.every((ms) => ms > 0); i++) {
        await Promise.all([text(pool, slow, "w1"), text(pool, slow, "w2")]);
      }
      await text(pool, "(set xs [1])");
      await text(pool, "(set f (fn [] (set 'xs (concat xs 1)) 'done))");
      await text(pool, "(set dom [a b c])");
      await text(pool, "(set e (enum 'dom [c a c]))");
      const before = pool.stats().busyMs;
      const answers = await Promise.all(
        Array.from(
          { length: 8 },
          (_, i) => text(pool, `(do ${slow} (list (f) f e (key (env))))`, `s${i}`),
        ),
      );
      const after = pool.stats().busyMs;
      assert.ok(after.every((ms, i) => ms > before[i]), "both workers answered");
      assert.equal(
        new Set(answers).size,
        1,
        `one answer on every worker: ${[...new Set(answers)]}`,
      );
      assert.match(answers[0], /done/);
      assert.match(answers[0], /@f/);
      assert.match(answers[0], /'dom#\[c a c\]/);
      assert.equal(await text(pool, "(count xs)"), "9");
    } finally {
      await pool.close();
    }
  });

  it("a worker crash costs only its task", async () => {
    const pool = new WorkerPool({
      size: 2,
      workerURL: new URL("./_helpers/crash_worker.ts", import.meta.url),
    });
    try {
      await text(pool, "(set kept 7)");
      const results = await Promise.all([
        pool.run({ kind: "text", source: "(crash)" }, "a"),
        text(pool, "(* kept 6)", "b"),
        text(pool, "(* kept 2)", "c"),
      ]);
      assert.equal(results[0].failed, true);
      assert.match(results[0].response as string, /worker crashed/);
      assert.deepEqual(results.slice(1), ["42", "14"]);
      assert.equal(await text(pool, "kept"), "7");
      assert.equal(pool.stats().restarts, 1);
    } finally {
      await pool.close();
    }
  });

  it("refuses tasks beyond the queue bound with a clear 'server busy' error", async () => {
    const pool = new WorkerPool({ size: 1, maxQueue: 2 });
    try {
      const results = await Promise.all(
        Array.from(
          { length: 8 },
          (_, i) => pool.run({ kind: "json", source: "(sum (til 100000))" }, `s${i}`),
        ),
      );
      const busy = results.filter((r) => r.failed && /server busy/.test(r.response as string));
      assert.ok(busy.length >= 4, `${busy.length} refused`);
      assert.ok(results.some((r) => !r.failed));
      assert.ok(pool.stats().rejected >= 4);
    } finally {
      await pool.close();
    }
  });

  it("evaluates IPC frames: sync answered with a response frame, async not answered", async () => {
    const pool = new WorkerPool({ size: 2 });
    try {
      const frame = encodeMessage(str("(+ 1 2)"), MsgType.SYNC);
      const r = await pool.run(
        { kind: "ipc", frame: frame.buffer as ArrayBuffer, reply: "engine" },
        "ipc",
      );
      const { header, value } = decodeMessage(new Uint8Array(r.response as ArrayBuffer));
      assert.equal(header.msgtype, MsgType.RESPONSE);
      assert.equal(toJSON(value), 3);
      const asyncFrame = encodeMessage(str("(set z 9)"), MsgType.ASYNC);
      const a = await pool.run({
        kind: "ipc",
        frame: asyncFrame.buffer as ArrayBuffer,
        reply: "none",
      }, "ipc");
      assert.equal(a.response, null);
      assert.equal(await text(pool, "z", "ipc"), "9");
      // Malformed bytes answer an error frame, never an exception.
      const bad = await pool.run({
        kind: "ipc",
        reply: "engine",
        frame:
          Uint8Array.of(0xfa, 0xde, 0xfa, 0xce, 1, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 9).buffer,
      }, "ipc");
      assert.equal(bad.failed, true);
      assert.equal(decodeMessage(new Uint8Array(bad.response as ArrayBuffer)).value.type, 127);
    } finally {
      await pool.close();
    }
  });

  it("close() answers every accepted task, then refuses new ones", async () => {
    const pool = new WorkerPool({ size: 2 });
    const pending = Array.from({ length: 20 }, (_, i) => text(pool, `(+ ${i} 1)`, `s${i % 3}`));
    const closing = pool.close();
    const late = await pool.run({ kind: "text", source: "(+ 1 1)" }, "late");
    assert.equal(late.failed, true);
    assert.match(late.response as string, /closing/);
    assert.deepEqual(
      await Promise.all(pending),
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
    await closing;
  });
});
