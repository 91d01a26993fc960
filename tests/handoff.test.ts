/**
 * The hand-off of queries to workers through rings in shared memory (issue 21): the ring
 * itself (records whole, in order, across the wrap, refused when full), and a pool on rings
 * answering exactly as a pool on messages, with tasks and answers of every path mixed in one
 * session's order (small ones in the ring, commits, writes and large frames as messages).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Ring } from "../worker/ring.ts";
import { readAnswer, readTask, writeAnswer, writeTask } from "../worker/ring_records.ts";
import { encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { withPool } from "./_helpers/pool.ts";
import type { PoolOptions } from "../worker/pool.ts";

describe("a ring of records", () => {
  it("gives back every record whole and in order, across many wraps", () => {
    const ring = Ring.create(1024);
    const reader = new Ring(ring.buffer);
    const sizes: number[] = []; // of the records written and not read yet, in order
    let written = 0, refused = 0, read = 0;
    for (let round = 0; round < 4000; round++) {
      const size = 1 + (round * 37) % 200;
      const mark = round & 255;
      if (ring.write(size, (bytes, at) => bytes.fill(mark, at, at + size))) {
        sizes.push(size);
        written++;
      } else refused++;
      // Read now and then, so that the ring fills, refuses, and wraps at every offset.
      if (round % 9 === 8) {
        for (let r; (r = reader.read());) {
          read++;
          assert.equal(r.length, sizes.shift(), "the records written, in order");
          assert.ok(r.every((b) => b === r[0]), "a record is whole");
        }
      }
    }
    assert.ok(written > 1000 && refused > 100, `${written} written, ${refused} refused`);
    for (; reader.read();) read++;
    assert.equal(read, written);
  });

  it("refuses a record that does not fit, and one larger than a quarter of it", () => {
    const ring = Ring.create(256);
    assert.equal(ring.write(ring.maxRecord + 1, () => {}), false);
    let n = 0;
    while (ring.write(60, () => {})) n++;
    assert.equal(n, 4, "4 records of 64 bytes fill 256");
    new Ring(ring.buffer).read();
    assert.equal(ring.write(60, () => {}), true, "room again once one is read");
  });

  it("carries tasks and answers with every field", () => {
    const ring = Ring.create(1 << 16);
    const frame = encodeMessage(str("(+ 1 2)"), MsgType.SYNC).buffer as ArrayBuffer;
    writeTask(ring, {
      task: 2 ** 40 + 3,
      request: { kind: "ipc", frame, reply: "seeds" },
      commits: [],
      linger: true,
    });
    writeTask(ring, {
      task: 5,
      request: { kind: "json", source: "(til 3) ü" },
      commits: [],
      copyOnLost: true,
    });
    const a = readTask(ring.read()!);
    assert.ok(a !== "message" && a.request.kind === "ipc");
    assert.equal(a.task, 2 ** 40 + 3);
    assert.equal(a.request.reply, "seeds");
    assert.equal(a.linger, true);
    assert.equal(a.copyOnLost, undefined);
    assert.deepEqual(new Uint8Array(a.request.frame), new Uint8Array(frame));
    const b = readTask(ring.read()!);
    assert.ok(b !== "message" && b.request.kind === "json");
    assert.equal(b.request.source, "(til 3) ü");
    assert.equal(b.copyOnLost, true);
    assert.equal(b.linger, undefined);
    const done = {
      task: 9,
      request: { kind: "text" as const, source: "" },
      response: "3 ü",
      failed: true,
      version: 12,
      reads: ["x", "trades"],
      writes: [],
      cacheable: true,
    };
    assert.ok(writeAnswer(ring, done));
    const back = readAnswer(ring.read()!);
    assert.ok(back !== "message");
    const { request: _, ...expected } = done;
    assert.deepEqual(back, expected);
  });
});

describe("the ring's sleep flag", () => {
  it("loses no wake-up: 20,000 round trips with both threads asleep between them", async () => {
    const requests = Ring.create(4096), answers = Ring.create(4096);
    const echo = new Worker(new URL("./_helpers/ring_echo_worker.ts", import.meta.url), {
      type: "module",
    });
    echo.postMessage({ requests: requests.buffer, answers: answers.buffer });
    // A writer notifies only a reader that raised its flag; a wake-up lost between the two
    // would leave a thread asleep: the echo thread waits with no time-out (the test would
    // hang), this one for up to 2 s (counted: normal wake-ups take microseconds).
    let lost = 0, mismatched = 0;
    try {
      // One round trip first, not counted: it includes the echo worker's start (loading and,
      // under `deno test`, type-checking its module took over a second on a loaded machine).
      assert.ok(requests.write(1, (bytes, at) => bytes.fill(0, at, at + 1)));
      for (const t0 = performance.now(); !answers.read() && performance.now() - t0 < 60_000;) {
        answers.wait(1000);
      }
      for (let i = 1; i <= 20_000; i++) {
        const size = 1 + (i % 13);
        assert.ok(requests.write(size, (bytes, at) => bytes.fill(i & 255, at, at + size)));
        let r: Uint8Array | undefined;
        while (!(r = answers.read())) {
          const t0 = performance.now();
          answers.wait(2000);
          if (performance.now() - t0 > 1000) lost++;
        }
        if (r.length !== size || r[0] !== (i & 255)) mismatched++;
      }
    } finally {
      requests.write(0, () => {});
      await new Promise((r) => setTimeout(r, 20));
      echo.terminate();
    }
    assert.equal(mismatched, 0, "every record came back as sent");
    assert.equal(lost, 0, "no wait ran to its time-out");
  });

  it("is raised by a waiting reader and lowered once it is woken", async () => {
    const ring = Ring.create(1024);
    const flag = () => new Int32Array(ring.buffer)[2];
    const woken = new Ring(ring.buffer).waitAsync(60_000);
    assert.equal(flag(), 1, "raised while it waits");
    ring.write(4, () => {});
    await woken; // resolved by the write's notify, not the 60 s time-out
    assert.equal(flag(), 0, "lowered once woken");
    await new Ring(ring.buffer).waitAsync(60_000); // a record waits: at once, flag left down
    assert.equal(flag(), 0);
  });
});

describe("the accept loop's look at the rings", () => {
  it("is not held by a query that runs long, and answers short ones after it", async () => {
    await withPool({ size: 1 }, async (_pool, q) => {
      assert.equal(await q("(+ 1 2)"), "3");
      const long = q("(sum (map (fn [i] (sum (til 200000))) (til 800)))", "long");
      // While the long query runs, the accept loop keeps turning: a timer still fires
      // (held in a spin until the answer, it would fire only after the query).
      const t0 = performance.now();
      let turns = 0;
      while (performance.now() - t0 < 200) {
        await new Promise((r) => setTimeout(r, 1));
        turns++;
      }
      assert.ok(turns > 20, `${turns} turns of the event loop in 200 ms`);
      assert.equal(await long, String(800 * (199999 * 200000 / 2)));
      const shorts = await Promise.all(Array.from({ length: 50 }, (_, i) => q(`(* ${i} 2)`)));
      assert.deepEqual(shorts, Array.from({ length: 50 }, (_, i) => String(i * 2)));
    });
  });
});

describe("packing quick tasks onto an awake worker", () => {
  it("sends a quick query to another worker once the current one runs long", async () => {
    await withPool({ size: 2 }, async (_pool, q) => {
      await Promise.all([q("(+ 1 2)", "a"), q("(+ 1 2)", "b")]); // both workers ready
      let longDone = false;
      const long = q("(sum (map (fn [i] (sum (til 200000))) (til 2400)))", "long")
        .then((r) => (longDone = true, r));
      await new Promise((r) => setTimeout(r, 30));
      // Packed behind the long query they would wait for it; they go to the idle worker.
      for (let i = 0; i < 10; i++) assert.equal(await q(`(* ${i} 3)`, "quick"), String(3 * i));
      assert.equal(longDone, false, "the quick queries were answered while it ran");
      await long;
    });
  });
});

/** Runs the same mixed workload on a pool with each hand-off: the answers, in order. */
async function workload(options: PoolOptions): Promise<string[]> {
  const answers: string[] = [];
  await withPool({ size: 2, ...options }, async (pool, q) => {
    for (let s = 0; s < 6; s++) await q(`(set c${s} 0)`);
    const big = `(count "${"a".repeat(40_000)}")`; // a request too large for the ring
    await Promise.all(Array.from({ length: 6 }, async (_, s) => {
      const mine: string[] = [];
      for (let k = 0; k < 30; k++) {
        const source = [
          `(set c${s} (+ c${s} 1))`, // writes: answered by message
          "(+ 1 2)", // small: both ways in the ring
          big,
          "(til 3000)", // an answer larger than a ring record
          `(* ${k} ${s})`,
        ][k % 5];
        mine.push(await q(source, `s${s}`));
      }
      answers.push(`s${s}: ${mine.map((a) => a.length > 40 ? a.length : a).join(",")}`);
    }));
    answers.push(`sum=${await q("(+ c0 (+ c1 (+ c2 (+ c3 (+ c4 c5)))))")}`);
    const ipc = await pool.run(
      {
        kind: "ipc",
        frame: encodeMessage(str("(+ 40 2)"), MsgType.SYNC).buffer as ArrayBuffer,
        reply: "engine",
      },
      "ipc",
    );
    answers.push(`ipc=${new Uint8Array(ipc.response as ArrayBuffer).join(" ")}`);
  });
  return answers.sort();
}

describe("a pool on rings", () => {
  it("answers as a pool on messages, each session in its order, with writes counted once", async () => {
    const rings = await workload({ handoff: "rings" });
    const messages = await workload({ handoff: "messages" });
    assert.deepEqual(rings, messages);
    assert.ok(rings.includes("sum=36"), rings.join("\n"));
  });

  it("answers alike with tasks spread and workers that never linger", async () => {
    const spread = await workload({ handoff: "rings", packMs: 0, lingerMs: 0 });
    assert.deepEqual(spread, await workload({ handoff: "messages" }));
  });
});
