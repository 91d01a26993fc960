/**
 * A table followed over `/events` (live/table_events.ts): the client's copy of it, kept up to
 * date from the server's snapshot and updates, and resumed after a reconnection from the last
 * version it had (a fresh snapshot, `recovered: false`, when the server cannot continue it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WSServer } from "../server.ts";
 * import { EventClient } from "./client.ts";
 * await using server = new WSServer({ port: 18769, workers: 1 });
 * await server.start();
 * const events = new EventClient("ws://127.0.0.1:18769/events", { reconnect: true });
 * await events.connect();
 * await events.request("query", "(set trades (table [sym price] (list [AAPL MSFT] [1.0 2.0])))");
 * const kinds: string[] = [];
 * const trades = await events.subscribeTable("trades", { where: { sym: ["AAPL"] } }, (t, u) => {
 *   kinds.push(u.kind); // "snapshot", then "append"s: t.rows rows at t.version
 * });
 * assert.equal(trades.rows, 1);
 * await events.request("query", "(insert 'trades (list 'AAPL 3.0))");
 * while (trades.rows < 2) await new Promise((r) => setTimeout(r, 10));
 * assert.deepEqual(trades.columns.price, [1, 3]);
 * events.close();
 * ```
 *
 * @module
 */
import type { EventMessage } from "./protocol.ts";

/** What a subscription asks for: some columns, rows whose values are among some. */
export interface LiveTableOptions {
  /** Only these columns (all when absent). */
  columns?: string[];
  /** Only rows whose column values are among these: `{sym: ["AAPL"]}`. */
  where?: Record<string, unknown[]>;
}

/** One change as the listener sees it. */
export interface LiveTableChange {
  /** `snapshot` (a fresh start), `append` (rows added) or `replace` (a whole new value). */
  kind: "snapshot" | "append" | "replace";
  /** The commit's version (the snapshot's for a snapshot). */
  version: number;
  /** Rows in this change (0 for a value that is not a table). */
  rows: number;
  /** For a snapshot after a reconnection: whether the server continued where we were. */
  recovered?: boolean;
}

/** A table's columns in the JSON mapping: name → values. */
export type Columns = Record<string, unknown[]>;

/** The transport a live table needs from its EventClient. */
export interface LiveTableTransport {
  /** Sends an event and resolves with its reply. */
  request(eventName: string, payload: unknown): Promise<EventMessage>;
  /** Sends an event. */
  send(eventName: string, payload: unknown): void;
}

/** A followed table: its columns (or non-table value), version and epoch. */
export class LiveTable {
  /** The table's name. */
  readonly table: string;
  /** The columns as received (`{}` before the table exists or when it is not a table). */
  columns: Columns = {};
  /** The global's value when it is not a table. */
  value: unknown = undefined;
  /** Row count of `columns`. */
  rows = 0;
  /** The last version applied, and the server's epoch it belongs to. */
  version = 0;
  /** The server's epoch (`version` means the same commit only under it). */
  epoch: string | undefined;
  /** Updates applied, snapshots received (1 + those after reconnections that did not resume). */
  readonly counts = { updates: 0, snapshots: 0, resumed: 0 };
  readonly #options: LiveTableOptions;
  readonly #listener: (t: LiveTable, change: LiveTableChange) => void;
  readonly #transport: LiveTableTransport;
  #active = true;

  /** A table to follow over `transport`; `start()` subscribes (EventClient.subscribeTable does). */
  constructor(
    table: string,
    options: LiveTableOptions,
    listener: (t: LiveTable, change: LiveTableChange) => void,
    transport: LiveTableTransport,
  ) {
    this.table = table;
    this.#options = options;
    this.#listener = listener;
    this.#transport = transport;
  }

  /** Whether updates are still applied (false after `stop`). */
  get active(): boolean {
    return this.#active;
  }

  /** Subscribes, or resubscribes after a reconnection from the version it has. */
  async start(): Promise<void> {
    const resume = this.epoch !== undefined ? { since: this.version, epoch: this.epoch } : {};
    const reply = await this.#transport.request("subscribe_table", {
      table: this.table,
      ...this.#options,
      ...resume,
    });
    const p = reply.payload as {
      epoch: string;
      version: number;
      recovered: boolean;
      snapshot?: { columns: Columns; rows: number } | { value: unknown } | null;
    };
    this.epoch = p.epoch;
    if (p.recovered) {
      this.counts.resumed++;
      return; // the missed updates follow as table_update events
    }
    this.#set(p.snapshot ?? null);
    this.version = p.version;
    this.counts.snapshots++;
    this.#listener(this, {
      kind: "snapshot",
      version: p.version,
      rows: this.rows,
      recovered: false,
    });
  }

  /** Applies a `table_update` payload for this table. */
  apply(p: {
    version: number;
    kind: "append" | "replace";
    columns?: Columns;
    rows?: number;
    value?: unknown;
  }): void {
    if (!this.#active || p.version <= this.version) return;
    this.version = p.version;
    this.counts.updates++;
    if (p.kind === "append" && p.columns) {
      for (const [name, values] of Object.entries(p.columns)) {
        (this.columns[name] ??= []).push(...values);
      }
      this.rows += p.rows ?? 0;
    } else this.#set(p.columns ? { columns: p.columns, rows: p.rows ?? 0 } : { value: p.value });
    this.#listener(this, { kind: p.kind, version: p.version, rows: p.rows ?? 0 });
  }

  /** Stops following the table. */
  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    try {
      this.#transport.send("unsubscribe_table", this.table);
    } catch {
      // Closed: the server dropped the subscription with the connection.
    }
  }

  #set(s: { columns: Columns; rows: number } | { value: unknown } | null): void {
    if (s && "columns" in s) {
      this.columns = s.columns;
      this.rows = s.rows;
      this.value = undefined;
    } else {
      this.columns = {};
      this.rows = 0;
      this.value = s ? s.value : undefined;
    }
  }
}
