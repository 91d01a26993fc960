/**
 * Live tables: subscribers follow a global table, receiving a snapshot and then each commit
 * that changes it (the rows appended, or the whole new value where it was replaced or its
 * columns updated), in commit order, each tagged with the commit's version.
 *
 * The feed listens to the pool's commits once they count as written (`onCommit`), so a
 * subscriber never sees a change a crash could take back after it was sent... except in its
 * first snapshot, which is the table as queries see it (it may include a commit still being
 * written; that commit is then not sent again). Recovery needs no memory of its own: the pool
 * keeps each global's chain (its last whole value and the changes since), and a subscriber
 * that comes back with the `epoch` and `since` version it had is sent the chain's entries
 * after that version (a whole value where the table was replaced meanwhile, which is still a
 * continuation). A subscriber from another epoch (another database, or a server that kept no
 * data directory and restarted) or from the future gets a fresh snapshot, `recovered: false`.
 *
 * Delivery goes through `send`, the `/events` connection's own queue: a subscriber that stops
 * reading is closed by the server's slow-consumer policy and may resume from its version.
 *
 * @example
 * ```ts
 * import { TableFeed } from "./table_feed.ts";
 * import assert from "node:assert/strict";
 * const sent: unknown[] = [];
 * const feed = new TableFeed(
 *   { chainOf: () => [], onCommit: () => {}, epoch: "e", committedVersion: 0 },
 *   (_client, text) => sent.push(JSON.parse(text).payload),
 * );
 * feed.subscribe("c1", { table: "trades" });
 * assert.deepEqual(sent, [{ table: "trades", epoch: "e", version: 0, recovered: false, snapshot: null }]);
 * ```
 *
 * @module
 */
import {
  decode,
  dict,
  encodeMessage,
  type JSONValue,
  list,
  MsgType,
  type RayObject,
  str,
  symbol,
  type Table,
  toJSON,
  vector,
} from "../ipc/mod.ts";
import { count, take } from "../engine/values.ts";
import { type EventMessage, SERVER_FROM, stringifyEvent } from "../events/protocol.ts";
import type { CommitEntry } from "../worker/protocol.ts";
import { replayChain, replicaOptions } from "../store/chain_replay.ts";
import { storeRecord } from "../store/records.ts";
import { cutRows, cutTable, type RowFilter, tableRows } from "./table_rows.ts";

/** What the feed needs from the worker pool. */
export interface CommitSource {
  chainOf(name: string): readonly CommitEntry[];
  onCommit(listener: (commits: CommitEntry[]) => void): void;
  readonly epoch: string;
  readonly committedVersion: number;
}

/** A subscription request (the `/events` `subscribe_table` payload). */
export interface TableSubscription {
  table: string;
  /** Only these columns (all when absent). */
  columns?: string[];
  /** Only rows whose column values are among these: `{sym: ["AAPL", "MSFT"]}`. */
  where?: Record<string, JSONValue[]>;
  /** Resume after this version (the last one received), under `epoch`. */
  since?: number;
  epoch?: string;
  /** The request's id, echoed on the `table_subscribed` reply. */
  id?: string | number;
}

interface Subscriber extends RowFilter {
  client: string;
  table: string;
  /** Subscribers with the same key get the same update text (made once per commit). */
  key: string;
  /** The last version this subscriber has (sent, or in its snapshot). */
  version: number;
  /** An IPC subscriber: sends it an async message (else it is an `/events` client). */
  push?: (message: ArrayBuffer) => void;
}

/**
 * A change as subscribers receive it: the rows appended (a table) or the whole new value;
 * its JSON columns made on first need.
 */
interface Update {
  kind: "append" | "replace";
  version: number;
  value: RayObject;
  json?: Record<string, JSONValue[]>;
}

const jsonColumns = (u: Update) =>
  u.json ??= (toJSON(u.value) as { columns: Record<string, JSONValue[]> }).columns;

/** Sends one event (as its JSON text) to one `/events` client. */
export type FeedSend = (client: string, text: string) => void;

/** The live-table subscriptions of a server and their deliveries. */
export class TableFeed {
  readonly #source: CommitSource;
  readonly #send: FeedSend;
  /** Table name → client id → subscriber. */
  readonly #tables = new Map<string, Map<string, Subscriber>>();
  /** The last version announced by the pool (every commit up to it counts as written). */
  #announced: number;
  /** Updates sent, for the statistics. */
  delivered = 0;

  /**
   * The last commits of every global, for resumes: a bounded window (by count and bytes) of
   * the changes themselves, since the pool's chains lose them when it compacts a chain into a
   * whole value. Every commit after `#floor` is in it.
   */
  readonly #window: CommitEntry[] = [];
  #windowStart = 0;
  #windowBytes = 0;
  #floor: number;
  readonly #limits: { entries: number; bytes: number };

  constructor(
    source: CommitSource,
    send: FeedSend,
    window: { entries?: number; bytes?: number } = {},
  ) {
    this.#source = source;
    this.#send = send;
    this.#announced = this.#floor = source.committedVersion;
    this.#limits = { entries: window.entries ?? 100_000, bytes: window.bytes ?? 64 * 1024 * 1024 };
    source.onCommit((commits) => this.#commit(commits));
  }

  /** Live subscriptions, for the statistics. */
  get subscriptions(): number {
    let n = 0;
    for (const subs of this.#tables.values()) n += subs.size;
    return n;
  }

  /**
   * Subscribes `client` to a table (replacing its earlier subscription to it): sends
   * `table_subscribed` with a snapshot, or with `recovered: true` followed by the missed
   * updates when it resumes. Throws on a malformed request.
   */
  subscribe(client: string, request: TableSubscription): void {
    const epoch = this.#source.epoch;
    const sub = this.#add(client, request);
    this.#begin(sub, request, (start) =>
      this.#message(client, {
        event_name: "table_subscribed",
        payload: {
          table: sub.table,
          epoch,
          version: start.version,
          recovered: start.recovered,
          ...(start.recovered ? {} : {
            snapshot: start.value === undefined
              ? null
              : tableRows(start.value, sub) ?? { value: toJSON(start.value) },
          }),
        },
        ...(request.id !== undefined ? { id: request.id } : {}),
      }));
  }

  /**
   * Subscribes an IPC session to a table, as a kdb+ tickerplant's `.u.sub` does: `reply` is
   * given the answer, a dict `[table snapshot version epoch recovered]` (the snapshot cut like
   * the updates; null when it resumed), then each change is pushed as an async message
   * `(upd 'table rows version)` for appended rows, `(set 'table value version)` for a whole new
   * value. A session resubscribing replaces its subscription.
   */
  subscribeIpc(
    session: string,
    request: TableSubscription,
    push: (message: ArrayBuffer) => void,
    reply: (answer: RayObject) => void,
  ): void {
    const sub = this.#add(session, request, push);
    this.#begin(sub, request, (start) => {
      const snapshot: RayObject = start.recovered || start.value === undefined
        ? { type: 126 }
        : start.value.type === 98
        ? cutTable(start.value as Table, sub)
        : start.value;
      reply(dict(
        vector(6, ["table", "snapshot", "version", "epoch", "recovered"]),
        list(
          symbol(sub.table),
          snapshot,
          { type: -5, value: BigInt(start.version) },
          str(this.#source.epoch),
          { type: -1, value: start.recovered ? 1 : 0 },
        ),
      ));
    });
  }

  /** Registers a subscriber (replacing the client's earlier one to the table). */
  #add(client: string, request: TableSubscription, push?: Subscriber["push"]): Subscriber {
    const { table } = request;
    if (typeof table !== "string" || table === "") throw new Error("a table name is needed");
    const since = request.since;
    if (since !== undefined && (!Number.isSafeInteger(since) || since < 0)) {
      throw new Error("since must be a version (a whole number)");
    }
    const filter = filterOf(request);
    const sub: Subscriber = { client, table, version: 0, key: keyOf(filter), ...filter };
    if (push) sub.push = push;
    let subs = this.#tables.get(table);
    if (!subs) this.#tables.set(table, subs = new Map());
    subs.set(client, sub);
    return sub;
  }

  /**
   * Starts a subscriber: `reply` with a snapshot, or (resuming within this epoch) with
   * `recovered: true`, then the commits it missed.
   */
  #begin(
    sub: Subscriber,
    request: TableSubscription,
    reply: (start: { recovered: boolean; version: number; value?: RayObject }) => void,
  ): void {
    const since = request.since;
    if (since !== undefined && request.epoch === this.#source.epoch && since <= this.#announced) {
      sub.version = since;
      reply({ recovered: true, version: since });
      const { entries, chain } = this.#missed(sub.table, since);
      for (const entry of entries) {
        this.#deliver(sub, this.#update(entry, chain, sub.version), new Map());
      }
      return;
    }
    const { value, version } = this.#snapshot(sub.table);
    sub.version = version;
    reply({ recovered: false, version, value });
  }

  /**
   * The announced state of a global and its version; if its chain was restarted by a commit
   * still being written, the state of the whole chain (and that commit is not sent again).
   */
  #snapshot(table: string): { value: RayObject | undefined; version: number } {
    const upTo = chainUpTo(this.#source.chainOf(table), this.#announced);
    return {
      value: replayChain(upTo.map(storeRecord)),
      version: Math.max(this.#announced, upTo.at(-1)?.version ?? 0),
    };
  }

  /** Ends `client`'s subscription to `table`; true if it had one. */
  unsubscribe(client: string, table: string): boolean {
    const subs = this.#tables.get(table);
    const had = subs?.delete(client) ?? false;
    if (subs?.size === 0) this.#tables.delete(table);
    return had;
  }

  /** Ends every subscription of a client that left. */
  leave(client: string): void {
    for (const table of [...this.#tables.keys()]) this.unsubscribe(client, table);
  }

  /** One task's commits, written: each goes to the subscribers of its table. */
  #commit(commits: CommitEntry[]): void {
    for (const entry of commits) {
      this.#announced = Math.max(this.#announced, entry.version);
      this.#remember(entry);
      const subs = this.#tables.get(entry.name);
      if (!subs) continue;
      // Decoded once for every subscriber of the table.
      let update: Update | undefined;
      const made = new Map<string, string | ArrayBuffer | undefined>();
      for (const sub of subs.values()) {
        if (entry.version <= sub.version) continue;
        update ??= this.#update(entry, this.#source.chainOf(entry.name), sub.version);
        this.#deliver(sub, update, made);
      }
    }
  }

  /** Keeps a commit in the window, dropping the oldest past its limits. */
  #remember(entry: CommitEntry): void {
    this.#window.push(entry);
    this.#windowBytes += entry.bytes.byteLength;
    const l = this.#limits;
    while (
      this.#window.length - this.#windowStart > l.entries ||
      (this.#windowBytes > l.bytes && this.#window.length - this.#windowStart > 1)
    ) {
      const old = this.#window[this.#windowStart++];
      this.#windowBytes -= old.bytes.byteLength;
      this.#floor = old.version;
    }
    // Compact the array now and then (amortized O(1) per commit).
    if (this.#windowStart > 1024 && this.#windowStart * 2 > this.#window.length) {
      this.#window.splice(0, this.#windowStart);
      this.#windowStart = 0;
    }
  }

  /**
   * The commits to `table` after version `since`, as exact changes: from the window when it
   * reaches back that far, else from the table's chain (whose first entry, a whole value, may
   * stand for several changes: still exact state).
   */
  #missed(table: string, since: number): { entries: CommitEntry[]; chain: readonly CommitEntry[] } {
    const chain = this.#source.chainOf(table);
    if (since >= this.#floor) {
      const entries: CommitEntry[] = [];
      for (let i = this.#windowStart; i < this.#window.length; i++) {
        const e = this.#window[i];
        if (e.name === table && e.version > since) entries.push(e);
      }
      // Updated columns are sent as the whole table at their version, which the chain must hold.
      const covered = (e: CommitEntry) =>
        e.change !== "columns" || (chain.length > 0 && chain[0].version <= e.version);
      if (entries.every(covered)) return { entries, chain };
    }
    return {
      entries: chain.filter((e) => e.version > since && e.version <= this.#announced),
      chain,
    };
  }

  /**
   * The change a commit made, as subscribers receive it. A whole table committed for an
   * insert (`appended`) is sent as its last rows to a subscriber that had the version it was
   * appended to (`had`: the subscriber's version; live subscribers always have it); one
   * resuming from further back gets the whole value.
   */
  #update(entry: CommitEntry, chain: readonly CommitEntry[], had: number): Update {
    const value = decode(new Uint8Array(entry.bytes), replicaOptions);
    const version = entry.version;
    if (entry.change === "append" && value.type === 98) return { kind: "append", version, value };
    if (entry.appended && (entry.previous ?? Infinity) <= had && value.type === 98) {
      const t = value as Table;
      const n = t.values.items[0] ? count(t.values.items[0]) : 0;
      const last = Array.from({ length: entry.appended }, (_, i) => n - entry.appended! + i);
      const rows = { ...t, values: list(...t.values.items.map((c) => take(c, last))) };
      return { kind: "append", version, value: rows };
    }
    if (!entry.change) return { kind: "replace", version, value };
    // Updated columns: the whole table as it was after this commit.
    const upTo = chainUpTo(chain, version);
    return { kind: "replace", version, value: replayChain(upTo.map(storeRecord))! };
  }

  /**
   * Sends an update to one subscriber: its cut of the rows, made once for every subscriber
   * with the same cut and protocol (`made`: key → message, or undefined when the cut is empty).
   */
  #deliver(
    sub: Subscriber,
    update: Update,
    made: Map<string, string | ArrayBuffer | undefined>,
  ): void {
    sub.version = update.version;
    const key = (sub.push ? "ipc " : "json ") + sub.key;
    if (!made.has(key)) made.set(key, sub.push ? ipcUpdate(sub, update) : jsonUpdate(sub, update));
    const message = made.get(key);
    if (message === undefined) return;
    this.delivered++;
    if (sub.push) sub.push(message as ArrayBuffer);
    else this.#send(sub.client, message as string);
  }

  #message(client: string, message: EventMessage): void {
    this.#send(client, stringifyEvent({ ...message, from: SERVER_FROM, to: client }));
  }
}

/** The `/events` text of an update for a subscriber; undefined when its cut has no rows. */
function jsonUpdate(sub: Subscriber, update: Update): string | undefined {
  let payload: Record<string, unknown>;
  if (update.kind === "append") {
    const cut = cutRows(jsonColumns(update), sub);
    if (cut.rows === 0) return undefined;
    payload = { kind: "append", ...cut };
  } else {
    payload = {
      kind: "replace",
      ...(tableRows(update.value, sub) ?? { value: toJSON(update.value) }),
    };
  }
  return stringifyEvent({
    event_name: "table_update",
    from: SERVER_FROM,
    payload: { table: sub.table, version: update.version, ...payload },
  });
}

/** The async IPC message of an update: `(upd 'table rows version)` or `(set 'table value version)`. */
function ipcUpdate(sub: Subscriber, update: Update): ArrayBuffer | undefined {
  const isTable = update.value.type === 98;
  const value = isTable ? cutTable(update.value as Table, sub) : update.value;
  if (
    update.kind === "append" && isTable && count((value as Table).values.items[0] ?? list()) === 0
  ) {
    return undefined;
  }
  const call = list(
    symbol(update.kind === "append" ? "upd" : "set"),
    symbol(sub.table),
    value,
    { type: -5, value: BigInt(update.version) },
  );
  return encodeMessage(call, MsgType.ASYNC).buffer as ArrayBuffer;
}

/**
 * The entries of a chain up to `version`: the state then. A chain restarted after it (by a
 * whole value not yet announced) no longer holds that state: the whole chain stands in.
 */
function chainUpTo(chain: readonly CommitEntry[], version: number): readonly CommitEntry[] {
  const upTo = chain.filter((e) => e.version <= version);
  return upTo.length ? upTo : chain;
}

/** Subscribers with the same key get the same update (made once per commit). */
function keyOf(filter: RowFilter): string {
  return JSON.stringify([
    filter.columns,
    filter.where && [...filter.where].map(([k, v]) => [k, [...v]]),
  ]);
}

/** Validates a request's `columns` and `where`. */
function filterOf(request: TableSubscription): RowFilter {
  const filter: { columns?: string[]; where?: Map<string, Set<JSONValue>> } = {};
  if (request.columns !== undefined) {
    if (!Array.isArray(request.columns) || !request.columns.every((c) => typeof c === "string")) {
      throw new Error("columns must be a list of column names");
    }
    filter.columns = request.columns;
  }
  if (request.where !== undefined) {
    if (
      typeof request.where !== "object" || request.where === null || Array.isArray(request.where)
    ) {
      throw new Error('where must be an object of column → values, e.g. {"sym": ["a"]}');
    }
    filter.where = new Map();
    for (const [name, values] of Object.entries(request.where)) {
      if (!Array.isArray(values)) throw new Error(`where.${name} must be a list of values`);
      filter.where.set(name, new Set(values));
    }
  }
  return filter;
}
