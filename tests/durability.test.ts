/**
 * Durability (issue 16): `serve --data DIR` keeps every commit in a write-ahead log before
 * answering; a restart finds the database; a torn log tail is dropped and reported; a
 * corrupted snapshot is refused; one server per directory; and a server killed with
 * SIGKILL while 8 connections write loses no acknowledged write and keeps no half one.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawn } from "node:child_process";
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { toJS } from "../ipc/mod.ts";
import { DurableStore } from "../store/durable_store.ts";
import { WorkerPool } from "../worker/pool.ts";
import { encodeCommit } from "../store/records.ts";
import { freePort } from "./_helpers/net.ts";
import { startServer } from "./_helpers/runtime.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "rfws-data-"));
const record = (version: number, name: string, byte: number) => ({
  version,
  name,
  append: false,
  bytes: Uint8Array.of(0xfb, byte, 0, 0, 0, 0, 0, 0, 0), // an i64 atom
});

describe("the data directory", () => {
  it("a torn or corrupted last commit is dropped and reported; the commits before it load", () => {
    const dir = tempDir();
    const log = join(dir, "wal.log");
    writeFileSync(
      log,
      new Uint8Array([...encodeCommit([record(1, "a", 1)]), ...encodeCommit([record(2, "b", 2)])]),
    );
    const whole = statSync(log).size;
    appendFileSync(log, encodeCommit([record(3, "c", 3)]).subarray(0, 15)); // torn mid-record
    let store = DurableStore.open({ dir, fsync: "batch" });
    assert.deepEqual(store.records.map((r) => r.name), ["a", "b"]);
    assert.match(store.repaired!, /dropped 15 bytes of a torn or corrupted commit/);
    assert.equal(statSync(log).size, whole, "the torn bytes are cut off");
    store.close();

    const bad = encodeCommit([record(3, "c", 3)]);
    bad[bad.length - 1] ^= 0xff; // a flipped bit: the checksum fails
    appendFileSync(log, bad);
    store = DurableStore.open({ dir, fsync: "batch" });
    assert.deepEqual(store.records.map((r) => r.name), ["a", "b"]);
    assert.ok(store.repaired);
    store.close();
  });

  it("a corrupted snapshot is refused with a clear error, never loaded", () => {
    const dir = tempDir();
    const store = DurableStore.open({ dir, fsync: "batch" });
    store.snapshot(2, [record(1, "a", 1), record(2, "b", 2)]);
    store.close();
    const path = join(dir, "snapshot.rfs");
    const bytes = new Uint8Array(readFileSync(path));
    bytes[30] ^= 1;
    writeFileSync(path, bytes);
    assert.throws(
      () => DurableStore.open({ dir, fsync: "batch" }),
      /snapshot .*snapshot\.rfs is corrupted \(checksum mismatch\): refusing to start/,
    );
    truncateSync(path, 10);
    assert.throws(
      () => DurableStore.open({ dir, fsync: "batch" }),
      /is corrupted \(not a snapshot\)/,
    );
  });

  it("one server per directory; a lock left by a dead process is taken over", async () => {
    const dir = tempDir();
    const first = DurableStore.open({ dir, fsync: "never" });
    assert.throws(() => DurableStore.open({ dir, fsync: "never" }), /in use by another server/);
    first.close();
    // A live process of another id holds it: refused.
    const sleeper = spawn(process.execPath, ["--version"], { stdio: "ignore" });
    const pid = sleeper.pid!;
    writeFileSync(join(dir, "LOCK"), String(process.ppid));
    assert.throws(
      () => DurableStore.open({ dir, fsync: "never" }),
      /in use by another server \(process/,
    );
    await new Promise((r) => sleeper.on("close", r));
    writeFileSync(join(dir, "LOCK"), String(pid)); // that process is gone now
    DurableStore.open({ dir, fsync: "never" }).close();
  });

  it("a restarted server finds its globals: values, tables grown by inserts and updated, functions", async () => {
    const dir = tempDir();
    const port = await freePort();
    const start = async () => {
      const s = new WSServer({ port, workers: 2, dataDir: dir });
      await s.start();
      return s;
    };
    let server = await start();
    let conn = await new WSClient({ port }).connect();
    await conn.executeRaw("(set x 41)");
    await conn.executeRaw("(set t (table [s i] (list [a b] [1 2])))");
    for (let k = 3; k <= 30; k++) await conn.executeRaw(`(insert 't (list 'c ${k}))`);
    await conn.executeRaw("(set f (fn [y] (+ y x)))");
    await conn.executeRaw("(update {i: (* i 10) from: 't})"); // committed as the column alone
    conn.close();
    await server.stop();
    assert.throws(
      () => new WSServer({ dataDir: dir, upstream: "rayforce://127.0.0.1:1" }),
      /a gateway keeps no data/,
    );

    server = await start();
    conn = await new WSClient({ port }).connect();
    assert.equal(toJS(await conn.executeRaw("(f 1)")), 42n);
    assert.equal(toJS(await conn.executeRaw("(count t)")), 30n);
    assert.equal(toJS(await conn.executeRaw("(sum (at t 'i))")), BigInt((30 * 31) / 2) * 10n);
    await assert.rejects(new WSServer({ port: await freePort(), dataDir: dir }).start(), /in use/);
    conn.close();
    await server.stop();
  });

  it("the log is emptied into a snapshot when it outgrows its size, and both load", async () => {
    const dir = tempDir();
    let pool = new WorkerPool({ size: 1, dataDir: dir, snapshotBytes: 4096 });
    for (let k = 0; k < 300; k++) {
      await pool.run({ kind: "text", source: `(set v${k % 7} ${k})` }, "w");
    }
    assert.ok(pool.stats().store!.snapshots >= 1, "a snapshot was written during the run");
    assert.ok(pool.stats().store!.logBytes < 4096 + 200);
    await pool.close();
    pool = new WorkerPool({ size: 1, dataDir: dir });
    assert.equal(
      (await pool.run({ kind: "text", source: "(+ v0 v6)" }, "r")).response,
      String(294 + 293),
    );
    await pool.close();
  });
});

/** Starts `cli.ts serve --data dir` in a child process; resolves once it listens. */
function serveProcess(dir: string, port: number, fsync: string) {
  const args = ["serve", "--port", String(port), "--workers", "1", "--data", dir];
  return startServer("cli.ts", [...args, "--fsync", fsync]);
}

const ROUNDS = Number(process.env.RF_CRASH_ROUNDS ?? 3);
/** Rows of the table before the writers start (writer 0's, in order). */
const BASE = 3000;

describe("a crash loses no acknowledged write", () => {
  for (const fsync of ["batch", "always"]) {
    it(
      `kill -9 during 8 writers, ${ROUNDS} rounds, --fsync ${fsync}: every acknowledged write is there, nothing half`,
      { timeout: 30_000 + ROUNDS * 5_000 },
      async () => {
        const dir = tempDir();
        const port = await freePort();
        const acked = new Array(8).fill(0);
        const sent = new Array(8).fill(0);
        for (let round = 0; round < ROUNDS; round++) {
          const server = await serveProcess(dir, port, fsync);
          const exited = new Promise((r) => server.child.on("close", r));
          if (round === 0) {
            const c = await new WSClient({ port }).connect();
            // 3,000 rows first: columns above MIN_SHARED_BYTES from the start, so that every
            // restart decodes them straight into shared memory (a shift there lost rows).
            await c.executeRaw(`(set t (table [w k] (list (take 0 ${BASE}) (til ${BASE}))))`);
            c.close();
          }
          let stop = false;
          const writers = Array.from({ length: 8 }, async (_, w) => {
            const conn = await new WSClient({ port }).connect();
            while (!stop) {
              const k = sent[w] + 1;
              sent[w] = k;
              try {
                // Two writes in one query: a row, and the writer's counter.
                await conn.executeRaw(`(do (insert 't (list ${w + 1} ${k})) (set c${w} ${k}))`);
                acked[w] = k;
              } catch {
                break; // the server is gone
              }
            }
            conn.close();
          });
          const before = acked.reduce((a, b) => a + b, 0);
          await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
          server.child.kill("SIGKILL");
          stop = true;
          await Promise.all(writers);
          await exited;
          assert.ok(
            acked.reduce((a, b) => a + b, 0) > before,
            `round ${round}: writes were acknowledged`,
          );

          const after = await serveProcess(dir, port, fsync);
          const exitedAfter = new Promise((r) => after.child.on("close", r));
          const c = await new WSClient({ port }).connect();
          const base = toJS(await c.executeRaw("(at (select {from: t where: (== w 0)}) 'k)"));
          assert.deepEqual(base, Array.from({ length: BASE }, (_, i) => BigInt(i)), "first rows");
          for (let w = 0; w < 8; w++) {
            const counter = Number(await c.executeRaw(`c${w}`).then(toJS, () => 0n));
            const rows = toJS(
              await c.executeRaw(`(at (select {from: t where: (== w ${w + 1})}) 'k)`),
            ) as bigint[];
            const n = rows.length;
            assert.ok(
              n >= acked[w],
              `round ${round}, writer ${w}: ${n} rows, ${acked[w]} acknowledged`,
            );
            assert.ok(n <= sent[w], `round ${round}, writer ${w}: ${n} rows, only ${sent[w]} sent`);
            assert.deepEqual(
              rows,
              Array.from({ length: n }, (_, i) => BigInt(i + 1)),
              "rows in order, none missing",
            );
            if (n > 0) {
              assert.equal(
                counter,
                n,
                `writer ${w}: the counter and the rows of one query go together`,
              );
            }
            acked[w] = sent[w] = n; // the next round continues from what is there
          }
          c.close();
          after.child.kill("SIGTERM");
          await exitedAfter;
        }
      },
    );
  }
});
