/**
 * Columns in shared memory (issue 16): a committed table's columns live once, in
 * `SharedArrayBuffer`s every worker reads; an insert appends in their spare capacity after a
 * claim, and commits views of the same buffers; two tasks appending to the same version
 * cannot both have the spare capacity — the second runs again after the first.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, type Table, type Vector, vectorLength } from "../ipc/mod.ts";
import {
  appendVector,
  beginClaims,
  ClaimLost,
  endClaims,
  releaseClaims,
  SHARED_HEADER,
  sharedCopy,
} from "../engine/append.ts";
import { allocateForSharing, toShared } from "../worker/shared_value.ts";
import { withPool } from "./_helpers/pool.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const i64s = (...xs: number[]): Vector<5> => ({ type: 5, data: BigInt64Array.from(xs, BigInt) });
const claimOf = (v: Vector) => Atomics.load(new Int32Array(v.data.buffer, 0, 1), 0);

describe("appends into a shared column", () => {
  it("claim the spare capacity: a second append to the same version loses and is told so", () => {
    const base: Vector<5> = { type: 5, data: sharedCopy(BigInt64Array.of(1n, 2n), 8) };
    assert.equal(base.data.byteOffset, SHARED_HEADER);
    beginClaims(false);
    const a = appendVector(base, i64s(3));
    assert.equal(a.data.buffer, base.data.buffer, "in place");
    assert.equal(claimOf(a), 3);
    assert.throws(() => appendVector(base, i64s(30)), ClaimLost);
    const first = endClaims();
    assert.equal(first.lost, true);
    assert.deepEqual(first.claims.map((c) => [c.from, c.to]), [[2, 3]]);
    // The first task's writes did not commit: its claim is given back, and the next append
    // to the version takes the spare capacity again.
    releaseClaims(first.claims);
    assert.equal(claimOf(base), 2);
    beginClaims(false);
    const b = appendVector(base, i64s(30));
    assert.equal(b.data.buffer, base.data.buffer);
    assert.deepEqual([...b.data], [1n, 2n, 30n]);
    assert.deepEqual([...base.data], [1n, 2n], "the version appended to is unchanged");
    endClaims();
  });

  it("running alone, a stale claim is copied past, and no value changes", () => {
    const base: Vector<5> = { type: 5, data: sharedCopy(BigInt64Array.of(1n, 2n), 8) };
    beginClaims(false);
    const a = appendVector(base, i64s(3));
    endClaims(); // a's task died: its claim was never released
    beginClaims(true);
    const b = appendVector(base, i64s(4));
    const { lost } = endClaims();
    assert.equal(lost, false);
    assert.notEqual(b.data.buffer, base.data.buffer, "a new buffer");
    assert.ok(b.data.buffer instanceof SharedArrayBuffer, "in shared memory too");
    assert.deepEqual([...b.data], [1n, 2n, 4n]);
    assert.deepEqual([...a.data], [1n, 2n, 3n]);
    // The copy grew: the next append is in place again.
    const c = appendVector(b, i64s(5));
    assert.equal(c.data.buffer, b.data.buffer);
  });

  it("an engine with no task running copies on a lost claim (no retry there)", () => {
    const base: Vector<5> = { type: 5, data: sharedCopy(BigInt64Array.of(1n), 4) };
    appendVector(base, i64s(2));
    const b = appendVector(base, i64s(3));
    assert.deepEqual([...b.data], [1n, 3n]);
  });

  it("a vector decoded into a shared column lands after the column's header, whole", () => {
    const n = 5000; // 40 KB of i64 or f64: above MIN_SHARED_BYTES, so decoded into shared memory
    const vectors: Vector[] = [
      { type: 5, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 3 - 7)) },
      { type: 10, data: Float64Array.from({ length: n }, (_, i) => i / 4) },
      { type: 4, data: Int32Array.from({ length: 2 * n }, (_, i) => -i) },
      { type: 3, data: Int16Array.from({ length: 4 * n }, (_, i) => i % 30000) },
    ];
    for (const v of vectors) {
      const got = decode(encode(v), { allocate: allocateForSharing }) as Vector;
      assert.ok(got.data.buffer instanceof SharedArrayBuffer, `type ${v.type} in shared memory`);
      assert.equal(got.data.byteOffset, SHARED_HEADER);
      assert.deepEqual(
        Array.from(got.data as ArrayLike<unknown>),
        Array.from(v.data as ArrayLike<unknown>),
      );
      assert.equal(claimOf(got), vectorLength(got), "the header still holds the claim");
    }
  });

  it("toShared copies what is private and keeps what is shared", () => {
    const big = new Float64Array(10_000).fill(1.5);
    const t: Table = {
      type: 98,
      keys: { type: 6, data: Int32Array.of(1, 2) },
      values: {
        type: 0,
        items: [{ type: 10, data: big }, { type: 5, data: sharedCopy(new BigInt64Array(10_000)) }],
      },
    };
    const s = toShared(t)!;
    const [f, i] = s.values.items as Vector[];
    assert.ok(f.data.buffer instanceof SharedArrayBuffer);
    assert.notEqual(f.data, big);
    assert.equal(i, t.values.items[1], "already shared: the same vector");
    assert.equal(s.keys.data.buffer instanceof SharedArrayBuffer, false, "small: cloned");
    assert.equal(toShared({ type: 100, args: s.keys, body: s.keys }), undefined, "a lambda");
  });
});

describe("a pool's tables in shared memory", () => {
  it("a committed table's columns are shared buffers, and inserts append in them", async () => {
    await withPool({ size: 2, packMs: 0 }, async (pool, q) => {
      await q("(set t (table [s i f] (list (take 'a 20000) (til 20000) (as 'F64 (til 20000)))))");
      await q("(insert 't (list 'b 20000 1.5))");
      await q("(insert 't (list 'c 20001 2.5))", "other");
      const value = pool.chainOf("t").at(-1)!.value as Table;
      assert.ok(value, "the latest commit has the value in shared memory");
      for (const col of value.values.items as Vector[]) {
        assert.ok(col.data.buffer instanceof SharedArrayBuffer);
        assert.equal(col.data.length, 20002);
        assert.equal(claimOf(col), 20002, "appended in place: the claim is the length");
      }
      // An older link no longer holds a value (it would keep outgrown buffers alive).
      assert.equal(pool.chainOf("t").slice(0, -1).some((c) => c.value), false);
      for (let r = 0; r < 8; r++) {
        assert.equal(await q("(sum (at t 'i))", `r${r}`), String(20001 * 20002 / 2));
        assert.equal(await q("(last (at t 's))", `r${r}`), "c");
      }
    });
  });

  it("8 sessions inserting at once into a shared table: every row once, in each session's order, on every worker", async () => {
    await withPool({ size: 2, packMs: 0 }, async (pool, q) => {
      await q("(set t (table [s i] (list (take 'a 10000) (til 10000))))");
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let k = 1; k <= 40; k++) {
            await q(`(insert 't (list 'w${w} ${100000 + w * 1000 + k}))`, `w${w}`);
          }
        }),
      );
      for (let r = 0; r < 6; r++) {
        assert.equal(await q("(count (distinct (at t 'i)))", `r${r}`), "10320");
      }
      for (let w = 0; w < 8; w++) {
        const mine = `(at (select {from: t where: (== s 'w${w})}) 'i)`;
        assert.equal(await q(`(count ${mine})`), "40");
        assert.equal(await q(`(count (where (== ${mine} (asc ${mine}))))`), "40", `w${w} in order`);
      }
      const value = pool.chainOf("t").at(-1)!.value as Table;
      assert.equal(value.values.items[1].type, 5);
      assert.equal((value.values.items[1] as Vector).data.length, 10320);
    });
  });

  it("readers running while writers append to shared columns see whole commits only", async () => {
    await withPool({ size: 2, packMs: 0 }, async (_pool, q) => {
      await q("(set t (table [i j] (list (til 20000) (* 2 (til 20000)))))");
      let writing = true;
      const writers = [0, 1].map(async (w) => {
        for (let k = 0; k < 100; k++) {
          const a = 100000 + w * 1000 + k;
          await q(`(insert 't (list [${a} ${a}] [${2 * a} ${2 * a}]))`, `w${w}`);
        }
      });
      const done = Promise.all(writers).then(() => (writing = false));
      let checks = 0;
      while (writing) {
        // Whole commits: an even count (rows come in pairs) and j = 2i on every row.
        const answers = await Promise.all(
          Array.from(
            { length: 6 },
            (_, r) =>
              q(
                "(+ (* 2 (count (where (!= (at t 'j) (* 2 (at t 'i)))))) (% (count t) 2))",
                `r${r}`,
              ),
          ),
        );
        for (const a of answers) assert.equal(a, "0", "a reader saw part of a commit");
        checks++;
      }
      await done;
      assert.ok(checks > 0);
      assert.equal(await q("(count t)"), "20400");
      // Every insert's rows are there: none was written over by another's.
      assert.equal(await q("(count (distinct (at t 'i)))"), "20200");
    });
  });

  it("a worker that gets no task does not make the pool keep every commit for it", async () => {
    await withPool({ size: 2, packMs: 0 }, async (pool, q) => {
      // One query at a time from one connection: the same idle worker takes them all.
      for (let k = 0; k < 300; k++) await q(`(set v (+ ${k} (til 20000)))`);
      const { pendingCommits, busyMs } = pool.stats();
      assert.ok(pendingCommits < 200, `${pendingCommits} commits kept for a worker behind`);
      assert.equal(await q("(first v)"), "299");
      // The worker behind, when it gets tasks, has the latest value.
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, r) => q("(sum v)", `r${r}`)),
      );
      assert.deepEqual(new Set(answers), new Set([String(299 * 20000 + 19999 * 20000 / 2)]));
      assert.ok(busyMs.length === 2);
    });
  });

  it("a worker started later takes the shared value as it is", async () => {
    await withPool({
      size: 1,
      workerURL: new URL("./_helpers/crash_worker.ts", import.meta.url),
    }, async (pool, q) => {
      await q("(set t (table [i] (list (til 50000))))");
      for (let k = 0; k < 5; k++) await q(`(insert 't (list ${50000 + k}))`);
      await q("(crash)");
      assert.equal(pool.stats().restarts, 1);
      assert.equal(await q("(count t)"), "50005");
      assert.equal(await q("(last (at t 'i))"), "50004");
      await q("(insert 't (list 7))");
      assert.equal(await q("(count t)"), "50006");
    });
  });

  it("after a restart, the table loaded from the data directory is shared by the workers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rfws-shared-"));
    try {
      await withPool({ size: 1, dataDir: dir }, async (_pool, q) => {
        await q("(set t (table [s i] (list (take 'a 30000) (til 30000))))");
        await q("(insert 't (list 'z 30000))");
      });
      await withPool({ size: 2, packMs: 0, dataDir: dir }, async (pool, q) => {
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, r) => q("(sum (at t 'i))", `r${r}`)),
        );
        assert.deepEqual(new Set(answers), new Set([String(30000 * 30001 / 2)]));
        // Every row where it was (a sum alone would not see rows shifted by one).
        assert.equal(await q("(take (at t 'i) 3)"), "[0 1 2]");
        assert.equal(await q("(at (at t 'i) 29999)"), "29999");
        assert.equal(await q("(last (at t 'i))"), "30000");
        const value = pool.chainOf("t").at(-1)!.value as Table;
        assert.ok(value, "the loaded value went to shared memory");
        assert.ok((value.values.items[1] as Vector).data.buffer instanceof SharedArrayBuffer);
        await q("(insert 't (list 'y 30001))");
        assert.equal(await q("(last (at t 's))", "r1"), "y");
        assert.equal(await q("(count t)", "r2"), "30002");
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
