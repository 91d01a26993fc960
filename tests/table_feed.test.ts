/**
 * The live-table feed on its own (live/table_feed.ts), over a stand-in for the pool: resumes
 * from its window of recent commits, and from the table's chain once the window has moved on.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TableFeed } from "../live/table_feed.ts";
import { Engine } from "../engine/mod.ts";
import { encode, type RayObject } from "../ipc/mod.ts";
import type { Change, CommitEntry } from "../worker/protocol.ts";

/** A pool stand-in: chains as the pool keeps them, commits announced at once. */
class FakePool {
  readonly epoch = "test-epoch";
  committedVersion = 0;
  readonly chains = new Map<string, CommitEntry[]>();
  readonly listeners: ((c: CommitEntry[]) => void)[] = [];
  chainOf = (name: string) => this.chains.get(name) ?? [];
  onCommit = (l: (c: CommitEntry[]) => void) => void this.listeners.push(l);
  commit(name: string, value: RayObject, change?: Change, extra: Partial<CommitEntry> = {}) {
    const bytes = encode(value, { replica: true });
    const shared = new SharedArrayBuffer(bytes.length);
    new Uint8Array(shared).set(bytes);
    const entry: CommitEntry = {
      version: ++this.committedVersion,
      name,
      bytes: shared,
      worker: 0,
      task: 0,
      ...(change ? { change } : {}),
      ...extra,
    };
    if (change) this.chains.get(name)!.push(entry);
    else this.chains.set(name, [entry]);
    for (const l of this.listeners) l([entry]);
    return entry.version;
  }
}

const e = new Engine();
const t = (src: string) => e.evalSource(src).value;
const rows = (n: number[]) => t(`(table [n] (list [${n.join(" ")}]))`);

function setup(window: { entries?: number }) {
  const pool = new FakePool();
  const sent: { client: string; message: Record<string, unknown> }[] = [];
  const feed = new TableFeed(
    pool,
    (client, text) => sent.push({ client, message: JSON.parse(text) }),
    window,
  );
  return { pool, feed, sent };
}

const payloads = (sent: { message: Record<string, unknown> }[], event: string) =>
  sent.filter((s) => s.message.event_name === event).map((s) =>
    s.message.payload as Record<string, unknown>
  );

describe("live-table feed", () => {
  it("resumes from its window with each missed change, even after the chain was compacted", () => {
    const { pool, feed, sent } = setup({});
    pool.commit("t", rows([1]));
    pool.commit("t", rows([2]), "append");
    const since = pool.committedVersion;
    pool.commit("t", rows([3]), "append");
    // The pool compacts: a whole value standing for one more appended row.
    pool.commit("t", rows([1, 2, 3, 4]), undefined, { appended: 1, previous: 3 });
    feed.subscribe("c", { table: "t", since, epoch: pool.epoch });
    assert.equal(payloads(sent, "table_subscribed")[0].recovered, true);
    const updates = payloads(sent, "table_update");
    assert.deepEqual(updates.map((u) => [u.kind, u.columns]), [
      ["append", { n: [3] }],
      ["append", { n: [4] }],
    ]);
  });

  it("past its window, resumes from the chain: the whole value, then what follows", () => {
    const { pool, feed, sent } = setup({ entries: 2 });
    pool.commit("t", rows([1]));
    const since = pool.committedVersion;
    pool.commit("t", rows([2]), "append");
    pool.commit("t", rows([1, 2, 3]), undefined, { appended: 1, previous: 2 });
    pool.commit("t", rows([4]), "append");
    pool.commit("t", rows([5]), "append"); // the window holds the last 2 commits only
    feed.subscribe("c", { table: "t", since, epoch: pool.epoch });
    const updates = payloads(sent, "table_update");
    assert.deepEqual(updates.map((u) => [u.kind, u.columns]), [
      ["replace", { n: [1, 2, 3] }],
      ["append", { n: [4] }],
      ["append", { n: [5] }],
    ]);
  });

  it("a live subscriber gets a compaction's appended rows only, and nothing of other tables", () => {
    const { pool, feed, sent } = setup({});
    pool.commit("t", rows([1]));
    feed.subscribe("c", { table: "t" });
    pool.commit("u", rows([9]));
    pool.commit("t", rows([1, 2]), undefined, { appended: 1, previous: 1 });
    pool.commit("t", rows([7]));
    const updates = payloads(sent, "table_update");
    assert.deepEqual(updates.map((u) => [u.kind, u.columns]), [
      ["append", { n: [2] }],
      ["replace", { n: [7] }],
    ]);
    assert.equal(feed.subscriptions, 1);
    feed.leave("c");
    assert.equal(feed.subscriptions, 0);
  });
});
