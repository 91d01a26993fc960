/**
 * Messages between the pool (accept loop) and its workers. Answers and large request frames
 * are `ArrayBuffer`s moved with transfer lists (small requests are copied, see
 * TRANSFER_MIN_BYTES in pool.ts), and committed values `SharedArrayBuffer`s shared by every
 * worker — nothing is copied per worker.
 *
 * @module
 */

import type { RayObject, ReplyStyle } from "../ipc/mod.ts";
import type { Claim } from "../engine/append.ts";
import type { Extension } from "./shared_value.ts";

/** What a task asks for. */
export type TaskRequest =
  /**
   * A complete IPC message (header + payload); the answer is the reply message in the style
   * the accept loop chose for its peer and transport (`ipc/reply.ts`), or null for `none`.
   */
  | { kind: "ipc"; frame: ArrayBuffer; reply: ReplyStyle }
  /** Rayforce source; the answer is the REPL display text (or the REPL error block). */
  | { kind: "text"; source: string }
  /** Rayforce source; the answer is the result's JSON mapping, as a JSON string. */
  | { kind: "json"; source: string }
  /**
   * An async IPC message written by one of our workers (a `timer` call, timers.ts) with the
   * codec's `replica` option (quoted symbols kept), evaluated, never answered.
   */
  | { kind: "call"; frame: ArrayBuffer };

/**
 * What a commit's bytes are, beside a whole value: `append`, the rows a table gained since
 * its previous version (a table of them), so that an insert commits what it adds; `columns`,
 * the columns an update replaced or added (a table of them, same rows), so that an update of
 * one column commits that column.
 */
export type Change = "append" | "columns";

/**
 * One committed write: the value of global `name` at `version`, as IPC payload bytes — or,
 * with `change`, only what changed from its previous version.
 */
export interface CommitEntry {
  /** The commit's version: one per write, increasing across the database. */
  version: number;
  /** The global written. */
  name: string;
  /** The encoded value (or the change), in shared memory. */
  bytes: SharedArrayBuffer;
  /** `bytes` are a change to the previous version of `name`, not a whole value. */
  change?: Change;
  /**
   * For a whole table committed where a change would do (to keep chains short): how many
   * rows at its end were appended to the previous version; live tables send just those.
   */
  appended?: number;
  /** With `appended`: the version of `name` those rows were appended to. */
  previous?: number;
  /**
   * The whole value, its vectors in shared memory (shared_value.ts), when it is data: what a
   * replica holds instead of decoding `bytes` (which the log, snapshots and live tables use).
   * Only the latest commit of a global keeps it.
   */
  value?: RayObject;
  /**
   * Instead of `value`: the new value is the previous one in shared memory with rows
   * appended in place (shared_value.ts), which a replica holding it extends by itself.
   */
  extend?: Extension;
  /** The worker that wrote it (that worker applies its own object, not the bytes). */
  worker: number;
  /** The task that wrote it. */
  task: number;
}

/** Pool → worker. */
import type { Permissions } from "../engine/os.ts";
import type { SymbolOrderBuffers } from "./symbol_order.ts";
import type { TimerEffect } from "./timers.ts";

/** Resource limits applied inside each worker. */
export interface WorkerLimits {
  /** Largest encoded result, in bytes; larger results answer a `limit` error. */
  maxResultBytes: number;
  /** What one query may grow its worker's memory by, in bytes. */
  maxQueryMemoryBytes: number;
  /** Largest vector built from a small argument (`til`, `take`), in bytes. */
  maxVectorBytes: number;
  /** What the OS builtins may touch (nothing by default). */
  permissions: Permissions;
}

/** This worker's channel to the pool's network thread (present with --allow-net). */
export interface NetChannel {
  port: MessagePort;
  shared: SharedArrayBuffer;
}

export type ToWorker =
  | {
    kind: "init";
    worker: number;
    commits: CommitEntry[];
    limits: WorkerLimits;
    /** Where the worker records its running task (progress.ts). */
    progress: SharedArrayBuffer;
    /** The server-wide symbol order (symbol_order.ts). */
    symbolOrder: SymbolOrderBuffers;
    /** Timer ids and the number running (timers.ts). */
    timerCells: Int32Array;
    /** Helper threads for the worker's column loops (PoolOptions.kernelHelpers). */
    kernelHelpers: number;
    net?: NetChannel;
    /**
     * Decode every value of `commits` now, into shared memory, and report them with
     * `ready` (the values loaded from the data directory, for all the workers).
     */
    decodeAll?: boolean;
    /**
     * The `rings` hand-off (ring.ts): tasks arrive in `requests` (a mark there says the next
     * one came as a message), answers go to `answers` (a mark before each `done` message).
     */
    rings?: { requests: SharedArrayBuffer; answers: SharedArrayBuffer; lingerMs: number };
  }
  /** Tasks dispatched to this worker in one turn, run in order. */
  | { kind: "tasks"; items: TaskItem[] }
  /** Values another worker put in shared memory: hold them instead of a copy of one's own. */
  | { kind: "adopt"; values: SharedCommit[] };

/**
 * A committed value that was sent as IPC bytes (loaded from the data directory at start) and
 * that a worker decoded into shared memory: the value of `name` at `version`.
 */
export interface SharedCommit {
  name: string;
  version: number;
  value: RayObject;
}

/** One task for a worker, with the commits its replica must apply first. */
export interface TaskItem {
  task: number;
  request: TaskRequest;
  commits: CommitEntry[];
  /**
   * It runs alone: an append that finds a shared buffer's spare capacity claimed copies it
   * (the claim is stale) instead of asking to run again (engine/append.ts).
   */
  copyOnLost?: boolean;
  /**
   * It was the only task in flight in the pool: its client likely sends the next query one
   * network round trip after this answer, and the worker waits for it awake (`lingerMs`).
   */
  linger?: boolean;
}

/** A global written by a task: its name and the encoded value in shared memory. */
export interface Write {
  name: string;
  bytes: SharedArrayBuffer;
  /** `bytes` are a change to the value the task read (see CommitEntry). */
  change?: Change;
  /** A whole table that is the value read with this many rows appended (see CommitEntry). */
  appended?: number;
  /** The value in shared memory (see CommitEntry). */
  value?: RayObject;
  /** Or how it extends the value read in place (see CommitEntry). */
  extend?: Extension;
}

/** Worker → pool: readiness, or the results of tasks in the order they ran. */
export type FromWorker =
  | { kind: "ready"; worker: number; shared?: SharedCommit[] }
  | { kind: "done"; results: TaskDone[]; shared?: SharedCommit[] };

/** The result of one task. */
export interface TaskDone {
  task: number;
  /** The request, handed back for a re-run (its buffer was transferred). */
  request: TaskRequest;
  /** The answer: a response frame, a text, or null (async IPC). */
  response: ArrayBuffer | string | null;
  /** True when the answer is an error. */
  failed: boolean;
  /** The commit version the task's replica had when it ran. */
  version: number;
  reads: string[];
  writes: Write[];
  /** What its `timer` calls asked for (timers.ts), if any. */
  timers?: TimerEffect[];
  /** It wrote nothing and called no impure builtin: its answer may be reused (result_cache.ts). */
  cacheable: boolean;
  /**
   * It appended to a version another task was appending to (engine/append.ts `ClaimLost`):
   * it has no answer and must run again once that one is settled.
   */
  retry?: boolean;
  /** Spare capacity of shared buffers it claimed: released if its writes do not commit. */
  claims?: Claim[];
}
