/**
 * `DurableStore`: the database on disk, in a data directory (`serve --data DIR`). It holds
 * the committed changes the worker pool replicates — whole values, and rows appended —
 * in a snapshot (`snapshot.rfs`) and a write-ahead log after it (`wal.log`), and takes the
 * directory's lock (`LOCK`) so that a second server on it is refused.
 *
 * Opening loads the snapshot (refused if corrupted) and replays the log after its version;
 * a torn or corrupted commit at the end of the log (a crash in mid-write) is reported and
 * cut off, never half applied. When the log outgrows `snapshotBytes`, and on a clean stop,
 * the pool writes a snapshot and the log starts again.
 *
 * @example
 * ```ts
 * import { DurableStore } from "./durable_store.ts";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const dir = mkdtempSync(join(tmpdir(), "rfws-"));
 * const store = DurableStore.open({ dir, fsync: "batch" });
 * store.append([{ version: 1, name: "x", bytes: Uint8Array.of(0xfb, 1, 0, 0, 0, 0, 0, 0, 0) }], () => {});
 * await new Promise<void>((r) => store.whenDurable(r));
 * store.close();
 * const again = DurableStore.open({ dir, fsync: "batch" });
 * if (again.version !== 1 || again.records[0].name !== "x") throw new Error("not durable");
 * again.close();
 * ```
 *
 * @module
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { lockDirectory } from "./lock.ts";
import { readCommits, type StoreRecord } from "./records.ts";
import { readSnapshot, writeSnapshot } from "./snapshot.ts";
import { type FsyncMode, WriteAheadLog } from "./wal.ts";

export type { FsyncMode } from "./wal.ts";
export type { StoreRecord } from "./records.ts";

/** Options of {@link DurableStore.open}. */
export interface DurableStoreOptions {
  /** The data directory (made if missing). */
  dir: string;
  /** When a commit counts as written (wal.ts). */
  fsync: FsyncMode;
  /** Log size past which a snapshot is due, in bytes. Default 64 MiB. */
  snapshotBytes?: number;
}

/** The database in a data directory; see the module doc. */
export class DurableStore {
  /** The committed changes to load, in version order (the snapshot's, then the log's); see takeRecords. */
  records: StoreRecord[];
  /** The last version on disk (0 for a new directory). */
  readonly version: number;
  /** What was cut off the log's end when it was opened, if anything (for the log). */
  readonly repaired: string | undefined;
  readonly dir: string;
  /**
   * The name of this database's history, created with the directory and kept for its life:
   * a version number means the same commit only under the same epoch (live-table resumes).
   */
  readonly epoch: string;
  readonly #snapshotBytes: number;
  readonly #walPath: string;
  readonly #snapshotPath: string;
  readonly #fsync: FsyncMode;
  readonly #unlock: () => void;
  #wal: WriteAheadLog;

  private constructor(options: DurableStoreOptions, unlock: () => void) {
    this.dir = options.dir;
    this.#fsync = options.fsync;
    this.#snapshotBytes = options.snapshotBytes ?? 64 * 1024 * 1024;
    this.#unlock = unlock;
    this.#walPath = join(this.dir, "wal.log");
    this.#snapshotPath = join(this.dir, "snapshot.rfs");
    const epochPath = join(this.dir, "epoch");
    if (!existsSync(epochPath)) writeFileSync(epochPath, crypto.randomUUID());
    this.epoch = readFileSync(epochPath, "utf8").trim();
    const snapshot = readSnapshot(this.#snapshotPath);
    const log = existsSync(this.#walPath)
      ? new Uint8Array(readFileSync(this.#walPath))
      : new Uint8Array(0);
    const { records, end } = readCommits(log);
    if (end < log.length) {
      const cut = log.length - end;
      this.repaired = `dropped ${cut} bytes of a torn or corrupted commit at the end of ` +
        `${this.#walPath} (after ${records.length} whole changes)`;
      truncateSync(this.#walPath, end);
    }
    // Records the snapshot holds already (a crash between writing it and emptying the log).
    const after = records.filter((r) => r.version > snapshot.version);
    this.records = [...snapshot.records, ...after];
    this.version = this.records.reduce((v, r) => Math.max(v, r.version), snapshot.version);
    this.#wal = new WriteAheadLog(this.#walPath, end, this.#fsync);
  }

  /** Opens (or creates) the store in `options.dir`; throws if another server holds it. */
  static open(options: DurableStoreOptions): DurableStore {
    mkdirSync(options.dir, { recursive: true });
    if (!statSync(options.dir).isDirectory()) throw new Error(`${options.dir} is not a directory`);
    const unlock = lockDirectory(options.dir);
    try {
      return new DurableStore(options, unlock);
    } catch (e) {
      unlock();
      throw e;
    }
  }

  /** Appends committed changes; `durable` is called once they count as written. */
  append(records: StoreRecord[], durable: () => void): void {
    this.#wal.append(records, durable);
  }

  /** Calls `fn` once everything appended so far counts as written. */
  whenDurable(fn: () => void): void {
    this.#wal.whenDurable(fn);
  }

  /** True when the log has outgrown its size and nothing waits for an `fsync`. */
  get snapshotDue(): boolean {
    return this.#wal.size > this.#snapshotBytes && !this.#wal.pending;
  }

  /** Bytes in the log. */
  get logBytes(): number {
    return this.#wal.size;
  }

  /**
   * Hands over the records loaded at start and lets go of them here: they are views of the
   * files read, as large as the database, which the caller copies where it keeps them.
   */
  takeRecords(): StoreRecord[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  /** Writes the database at `version` (`records`: every global's chain) and empties the log. */
  snapshot(version: number, records: StoreRecord[]): void {
    writeSnapshot(this.#snapshotPath, version, records);
    this.#wal.close();
    truncateSync(this.#walPath, 0);
    this.#wal = new WriteAheadLog(this.#walPath, 0, this.#fsync);
  }

  /** Flushes the log and releases the directory. */
  close(): void {
    this.#wal.close();
    this.#unlock();
  }
}
