/**
 * `WriteAheadLog`: commits appended to a file before their queries are answered, with group
 * commit. `fsync` says when a commit counts as written:
 *
 * - `batch` (default): records are written at once; one `fsync` covers every record written
 *   before it started, and the answers wait for it — one `fsync` per turn under load.
 * - `always`: each record is written and flushed before the next (one `fsync` per commit).
 * - `never`: written to the OS at once, flushed when the OS chooses: survives the server's
 *   crash, not the machine's.
 *
 * @module
 */
import { closeSync, fsync, fsyncSync, openSync, writeSync } from "node:fs";
import { encodeCommit, type StoreRecord } from "./records.ts";

/** When a commit counts as written; see the module doc. */
export type FsyncMode = "always" | "batch" | "never";

/** An append-only log file; see the module doc. */
export class WriteAheadLog {
  readonly mode: FsyncMode;
  readonly #fd: number;
  /** Bytes in the file. */
  size: number;
  /** Waiting for the `fsync` in flight, and for the next one. */
  #flushing: (() => void)[] | undefined;
  #next: (() => void)[] = [];
  /** Records written since the last `fsync` began. */
  #dirty = false;
  #closed = false;

  /** Opens `path` for appending (its whole records end at `size`). */
  constructor(path: string, size: number, mode: FsyncMode) {
    this.mode = mode;
    this.#fd = openSync(path, "a");
    this.size = size;
  }

  /** Writes the changes of one commit (one frame); `durable` is called once it counts as written. */
  append(records: StoreRecord[], durable: () => void): void {
    const bytes = encodeCommit(records);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.#fd, bytes, off);
    this.size += bytes.length;
    if (this.mode === "always") fsyncSync(this.#fd);
    if (this.mode !== "batch") return durable();
    this.#dirty = true;
    this.#next.push(durable);
    this.#flush();
  }

  /** Calls `fn` once everything appended so far counts as written (at once if it does). */
  whenDurable(fn: () => void): void {
    if (!this.#flushing && this.#next.length === 0) return fn();
    this.#next.push(fn);
  }

  /** True while appended records wait for their `fsync`. */
  get pending(): boolean {
    return this.#flushing !== undefined || this.#next.length > 0;
  }

  #flush(): void {
    if (this.#flushing || this.#closed) return;
    const waiting = this.#flushing = this.#next;
    this.#next = [];
    const dirty = this.#dirty;
    this.#dirty = false;
    const done = () => {
      this.#flushing = undefined;
      for (const fn of waiting) fn();
      if (this.#next.length) this.#flush();
    };
    if (!dirty) return done();
    fsync(this.#fd, () => done());
  }

  /** Flushes and closes the file (callers wait for `whenDurable` first). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    for (const fn of [...(this.#flushing ?? []), ...this.#next.splice(0)]) fn();
  }
}
