/**
 * Live tables over `/events` (live/table_feed.ts): snapshot then changes, in commit order,
 * filtered, resumed after a reconnection, and with a data directory across a restart.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { WSServer } from "../server.ts";
import { EventClient, type LiveTable, toJS, toJSON, WSClient } from "../client.ts";
import { freePort } from "./_helpers/net.ts";

const settle = (ms = 100) => new Promise((r) => setTimeout(r, ms));

/** Waits until `done()` or fails after `ms`. */
async function until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await settle(20);
  }
}

describe("live tables", () => {
  let server: WSServer;
  let url: string;
  const clients: EventClient[] = [];
  const client = async (options = {}) => {
    const c = new EventClient(url, options);
    await c.connect();
    clients.push(c);
    return c;
  };
  const q = (c: EventClient, source: string) => c.request("query", source);
  before(async () => {
    const port = await freePort();
    server = new WSServer({ port, workers: 2 });
    await server.start();
    url = `ws://127.0.0.1:${port}/events`;
  });
  after(async () => {
    clients.forEach((c) => c.close());
    await server.stop();
  });

  it("sends a snapshot, then every insert of 8 concurrent writers once, in commit order", async () => {
    const admin = await client();
    await q(admin, "(set trades (table [w k] (list [0] [0])))");
    const watcher = await client();
    const versions: number[] = [];
    const t = await watcher.subscribeTable("trades", {}, (_t, change) => {
      if (change.kind !== "snapshot") versions.push(change.version);
    });
    assert.equal(t.rows, 1);
    assert.deepEqual(t.columns, { w: [0], k: [0] });
    const writers = await Promise.all(Array.from({ length: 8 }, () => client()));
    await Promise.all(writers.map(async (c, w) => {
      for (let k = 1; k <= 20; k++) await q(c, `(insert 'trades (list ${w + 1} ${k}))`);
    }));
    await until(() => t.rows === 161, "161 rows");
    const seen = t.columns.w.map((w, i) => `${w}:${t.columns.k[i]}`);
    assert.equal(new Set(seen).size, 161, "no row twice");
    // Each writer's rows arrive in the order it wrote them, and versions only grow.
    for (let w = 1; w <= 8; w++) {
      const ks: unknown[] = t.columns.k.filter((_, i) => t.columns.w[i] === w);
      assert.deepEqual(ks, Array.from({ length: 20 }, (_, i) => i + 1));
    }
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
    assert.equal(new Set(versions).size, versions.length);
    // The copy is the table: the server's own answer agrees row for row.
    const whole = await q(admin, "trades");
    assert.deepEqual((whole.payload as { columns: unknown }).columns, t.columns);
  });

  it("sends a filtered subscriber only its rows and columns", async () => {
    const admin = await client();
    await q(admin, "(set quotes (table [sym px] (list [a b] [1 2])))");
    const watcher = await client();
    const t = await watcher.subscribeTable(
      "quotes",
      { columns: ["px"], where: { sym: ["b", "c"] } },
      () => {},
    );
    assert.deepEqual(t.columns, { px: [2] });
    for (const [s, p] of [["a", 3], ["c", 4], ["a", 5], ["b", 6]]) {
      await q(admin, `(insert 'quotes (list '${s} ${p}))`);
    }
    await until(() => t.rows === 3, "3 rows");
    assert.deepEqual(t.columns, { px: [2, 4, 6] });
    assert.equal(t.counts.updates, 2, "the inserts of 'a were not sent");
  });

  it("sends a whole new value when the table is replaced or its columns updated", async () => {
    const admin = await client();
    await q(admin, "(set prices (table [s p] (list [a b] [1 2])))");
    const watcher = await client();
    const kinds: string[] = [];
    const t = await watcher.subscribeTable("prices", {}, (_t, c) => kinds.push(c.kind));
    await q(admin, "(update {p: (* p 10) from: 'prices})");
    await q(admin, "(set prices (table [s p] (list [z] [9])))");
    await until(() => kinds.length === 3, "three changes");
    assert.deepEqual(kinds, ["snapshot", "replace", "replace"]);
    assert.deepEqual(t.columns, { s: ["z"], p: [9] });
  });

  it("answers a table that does not exist yet with no snapshot, then its first value", async () => {
    const watcher = await client();
    const t = await watcher.subscribeTable("later", {}, () => {});
    assert.equal(t.rows, 0);
    const admin = await client();
    await q(admin, "(set later (table [x] (list [1 2 3])))");
    await until(() => t.rows === 3, "the first value");
    assert.deepEqual(t.columns, { x: [1, 2, 3] });
  });

  it("resumes after a reconnection without gaps or duplicates", async () => {
    const admin = await client();
    await q(admin, "(set ticks (table [n] (list [0])))");
    const watcher = await client({ reconnect: true, initialBackoffMs: 50 });
    const t = await watcher.subscribeTable("ticks", {}, () => {});
    let n = 0;
    const writing = (async () => {
      while (n < 60) await q(admin, `(insert 'ticks (list ${++n}))`);
    })();
    await until(() => t.rows > 10, "some rows");
    // Drop the connection from the server's side while writes go on.
    const id = watcher.id!;
    assert.equal(server.disconnect(id, 4001, "test: drop"), true);
    await writing;
    // The writes may all be pushed before the drop takes effect (they take ~0.1 ms each):
    // wait for the reconnection itself, then for every row.
    await until(() => t.counts.resumed + t.counts.snapshots > 1, "the reconnection");
    await until(() => t.rows === 61, "every row after the reconnection");
    assert.deepEqual(t.columns.n, Array.from({ length: 61 }, (_, i) => i));
    assert.equal(t.counts.resumed, 1, "resumed, not a fresh snapshot");
    assert.equal(t.counts.snapshots, 1);
  });

  it("gives a fresh snapshot, recovered: false, to a version from another epoch", async () => {
    const watcher = await client();
    const reply = await watcher.request("subscribe_table", {
      table: "ticks",
      since: 1,
      epoch: "another-database",
    });
    const p = reply.payload as { recovered: boolean; snapshot: { rows: number } };
    assert.equal(p.recovered, false);
    assert.equal(p.snapshot.rows, 61);
  });

  it("answers a malformed subscription with an error event", async () => {
    const watcher = await client();
    await assert.rejects(watcher.request("subscribe_table", { table: "t", since: -1 }), /since/);
    await assert.rejects(watcher.request("subscribe_table", { table: "t", where: [1] }), /where/);
    await assert.rejects(watcher.request("subscribe_table", 42), /payload/);
  });
});

describe("live tables with a data directory", () => {
  it("resume across a restart of the server from the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rfws-live-"));
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/events`;
    let live: LiveTable | undefined;
    let epoch: string, version: number;
    {
      const server = new WSServer({ port, workers: 1, dataDir: dir });
      await server.start();
      const c = new EventClient(url);
      await c.connect();
      await c.request("query", "(set log (table [n] (list [1])))");
      live = await c.subscribeTable("log", {}, () => {});
      await c.request("query", "(insert 'log (list 2))");
      await until(() => live!.rows === 2, "2 rows");
      epoch = live.epoch!;
      version = live.version;
      c.close();
      await server.stop();
    }
    const server = new WSServer({ port, workers: 1, dataDir: dir });
    await server.start();
    try {
      const c = new EventClient(url);
      await c.connect();
      await c.request("query", "(insert 'log (list 3))");
      const updates: unknown[] = [];
      c.on("table_update", (m) => updates.push(m.payload));
      const reply = await c.request("subscribe_table", { table: "log", since: version, epoch });
      assert.equal((reply.payload as { recovered: boolean }).recovered, true);
      await until(() => updates.length === 1, "the missed insert");
      assert.deepEqual((updates[0] as { columns: unknown }).columns, { n: [3] });
      c.close();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("live tables over Rayforce IPC (.u.sub)", () => {
  it("answers the snapshot and version, then pushes (upd 'table rows version) in commit order; ends with the connection; resumes", async () => {
    const port = await freePort();
    const server = new WSServer({ port, workers: 2 });
    await server.start();
    try {
      const admin = await new WSClient({ port }).connect();
      await admin.execute("(set book (table [sym n] (list [a b] [0 0])))");
      const sub = await new WSClient({ port }).connect();
      const got: { kind: string; sym: string; n: number }[] = [];
      let lastVersion = 0;
      const { snapshot, version, epoch } = await sub.subscribe("book", { syms: ["b"] }, (u) => {
        lastVersion = u.version;
        const rows = (toJS(u.value) as { columns: Record<string, unknown[]> }).columns;
        rows.sym.forEach((s, i) =>
          got.push({ kind: u.kind, sym: s as string, n: Number(rows.n[i]) })
        );
      });
      assert.deepEqual(toJSON(snapshot), { columns: { sym: ["b"], n: [0] } });
      assert.ok(version >= 1);
      assert.equal(server.stats().liveTables?.subscriptions, 1);
      // 4 writers, each inserting its own numbers for 'a and 'b.
      const writers = await Promise.all(
        Array.from({ length: 4 }, () => new WSClient({ port }).connect()),
      );
      await Promise.all(writers.map(async (c, w) => {
        for (let k = 1; k <= 10; k++) {
          await c.execute(`(insert 'book (list '${k % 2 ? "a" : "b"} ${w * 100 + k}))`);
        }
      }));
      await until(() => got.length === 20, "the 20 rows of 'b");
      assert.ok(got.every((r) => r.kind === "append" && r.sym === "b"));
      for (let w = 0; w < 4; w++) {
        const mine = got.filter((r) => Math.floor(r.n / 100) === w).map((r) => r.n % 100);
        assert.deepEqual(mine, [2, 4, 6, 8, 10]);
      }
      // The connection still answers queries between the pushes.
      assert.equal(await sub.execute("(+ 1 2)"), 3n);
      await admin.execute("(set book (table [sym n] (list [b] [7])))");
      await until(() => got.length === 21, "the replacement");
      assert.deepEqual(got.at(-1), { kind: "replace", sym: "b", n: 7 });
      // A malformed subscription is an error answer; the connection goes on.
      await assert.rejects(sub.execute("(.u.sub 1 2 3)"), /u\.sub takes a table name/);
      sub.close();
      await until(() => server.stats().liveTables?.subscriptions === 0, "the subscription gone");
      // Resume on a new connection from the last version seen: the missed changes, no snapshot.
      await admin.execute("(insert 'book (list 'b 8))");
      await admin.execute("(insert 'book (list 'a 9))");
      await admin.execute("(insert 'book (list 'b 10))");
      const again = await new WSClient({ port }).connect();
      const missed: { kind: string; version: number; n: unknown }[] = [];
      const resumed = await again.subscribe(
        "book",
        { syms: ["b"], since: lastVersion, epoch },
        (u) => {
          const rows = (toJS(u.value) as { columns: Record<string, unknown[]> }).columns;
          missed.push({ kind: u.kind, version: u.version, n: rows.n });
        },
      );
      assert.equal(resumed.recovered, true);
      await until(() => missed.length === 2, "the two missed rows of 'b");
      assert.deepEqual(missed.map((m) => m.n), [[8n], [10n]]);
      assert.ok(missed[0].version > lastVersion && missed[1].version > missed[0].version);
      // Another epoch: a fresh snapshot.
      const fresh = await again.subscribe("book", { since: 1, epoch: "elsewhere" }, () => {});
      assert.equal(fresh.recovered, false);
      assert.equal((toJS(fresh.snapshot) as { columns: { n: unknown[] } }).columns.n.length, 4);
      again.close();
      for (const c of [admin, ...writers]) c.close();
    } finally {
      await server.stop();
    }
  });
});
