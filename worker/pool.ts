/**
 * `WorkerPool`: evaluates queries in Web Workers off the accept loop, over one shared
 * database (DESIGN.md, "Evaluation and state").
 *
 * - Every worker holds a replica of the globals. A task runs on one worker against its
 *   replica, with its writes kept aside and its global reads recorded.
 * - Commits go through the pool with optimistic concurrency: a finished task whose reads
 *   or writes were committed by someone else after the version it ran on is re-run on
 *   fresh state; after `maxConflicts` re-runs it runs alone, so it cannot starve. Its
 *   writes then become the next versions, and every replica applies them before its next
 *   task. No update is lost.
 * - Committed values travel as IPC bytes in `SharedArrayBuffer`s: the worker that wrote a
 *   value encodes it once, and every replica reads the same memory (decoding a name only
 *   when it first uses it), so replication cost does not grow with the number of workers.
 * - Tasks of one session (connection) are answered, and committed, in the order sent,
 *   so a connection always sees its own writes.
 * - A task past its time limit, or a worker that dies, costs only that task: the worker is
 *   replaced and starts from the committed state.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { encodeMessage, ErrorCode, i64, list, MsgType, symbol } from "../ipc/mod.ts";
import type { Permissions } from "../engine/os.ts";
import { expectsAnswer, failureResult, type TaskResult } from "./failure.ts";
import type {
  CommitEntry,
  FromWorker,
  NetChannel,
  SharedCommit,
  TaskDone,
  TaskItem,
  TaskRequest,
  ToWorker,
  WorkerLimits,
  Write,
} from "./protocol.ts";
import { CHANNEL_BYTES, CHANNEL_DATA } from "./net.ts";
import { Progress } from "./progress.ts";
import { SymbolOrder } from "./symbol_order.ts";
import { STARTUP_SYMBOLS } from "../engine/startup_symbols.ts";
import { Timers } from "./timers.ts";
import { ResultCache, type ResultCacheOptions } from "./result_cache.ts";
import type { Evaluator } from "../session/evaluator.ts";
import type { Metric } from "../metrics.ts";
import { defaultMaxResultBytes, DEFAULTS } from "../defaults.ts";
import { defaultHelpers } from "../engine/parallel.ts";
import { DurableStore, type FsyncMode, type StoreRecord } from "../store/durable_store.ts";
import { exportTables } from "../store/table_export.ts";
import { storeRecord } from "../store/records.ts";
import { releaseClaims } from "../engine/append.ts";
import { adoptShared, extendShared } from "./shared_value.ts";
import { Ring } from "./ring.ts";
import { readAnswer, writeMessageMark, writeTask } from "./ring_records.ts";

export type { Change, CommitEntry, TaskRequest } from "./protocol.ts";
export type { Extension } from "./shared_value.ts";
export type { TaskResult } from "./failure.ts";
export type { Permissions } from "../engine/os.ts";
export type { ResultCacheOptions } from "./result_cache.ts";
export type { Evaluator } from "../session/evaluator.ts";
export type { Metric } from "../metrics.ts";
export type { FsyncMode } from "../store/wal.ts";

/** Options of {@link WorkerPool}. */
export interface PoolOptions {
  /** Number of workers. Default: the number of cores. */
  size?: number;
  /** Per-task time limit in milliseconds. Default 30,000. */
  timeoutMs?: number;
  /**
   * Time limit of a `.z.po`/`.z.pc` call, in ms. Any client may set them, and each new
   * connection runs one: a slow handler must not cost a worker a whole query time limit per
   * connection. Default 1,000 (or `timeoutMs` if lower).
   */
  handlerTimeoutMs?: number;
  /** Tasks waiting for a worker before new ones are refused as "server busy". Default 10,000. */
  maxQueue?: number;
  /** Re-runs after which a conflicting task runs alone. Default 3. */
  maxConflicts?: number;
  /** Tasks sent to one worker ahead of its answers (batches overlap). Default 32. */
  maxInFlightPerWorker?: number;
  /**
   * A task goes to a worker already running others if its current one started less than
   * this many ms ago (it is getting through quick ones), rather than to an idle worker: one
   * awake thread serves a stream of small queries without a wake-up per task, which on two
   * cores gave 15–30% more of them per second (bench/ws.ts). A task that runs longer makes
   * the next ones go elsewhere, so at most this long of arrivals wait behind it. 0 spreads
   * every task to the worker with the fewest. Default 0.25.
   */
  packMs?: number;
  /**
   * After a task that was the only one in flight, its worker (on the `rings` hand-off)
   * polls its ring this many ms for the next before it sleeps: a client sending one query at
   * a time sends the next a round trip later, and a worker woken from sleep (and, on a VM, a
   * core woken from idle) costs more than that round trip. It took one query at a time from
   * 5–8k to 15–16k per second on two cores (bench/ws.ts), and costs a worker at most this
   * long of CPU per lone query. 0 sleeps at once. Default 0.15.
   */
  lingerMs?: number;
  /**
   * Helper threads of each worker for its column loops (engine/kernel_threads.ts): a query
   * over long columns in shared memory runs its comparisons, arithmetic and sums on its
   * worker and these at once, as the C engine runs its kernels on every core. They start
   * with the first loop long enough to share. 0: none. Default: the cores less one, at most 3.
   */
  kernelHelpers?: number;
  /**
   * How small tasks and their answers reach a worker: `rings`, records in shared memory with
   * `Atomics.notify` (worker/ring.ts), or `messages` (`postMessage`). What a ring cannot
   * carry (commits, writes, large frames) goes as a message either way. Default `rings`.
   */
  handoff?: "rings" | "messages";
  /** The worker module (tests pass one with hooks). Default `./entry.ts`. */
  workerURL?: URL;
  /**
   * Largest answer of one query, in bytes: an IPC frame (header included), or the text of
   * a text or JSON answer. Default 64 MiB − 1 (defaults.ts).
   */
  maxResultBytes?: number;
  /** Largest vector one operation may build from a small argument, in bytes. Default 1 GiB. */
  maxVectorBytes?: number;
  /**
   * What one query may grow its worker's memory (JavaScript heap and typed arrays) by, in
   * bytes; past it the query answers a `limit` error. Default 2 GiB.
   */
  maxQueryMemoryBytes?: number;
  /** What the OS builtins may touch (`--allow-read=DIR`, …). Default: nothing. */
  permissions?: Permissions;
  /**
   * Answer repeated read-only queries from a cache while the globals they read are unchanged
   * (result_cache.ts): `true` for the default limits. Default off.
   */
  resultCache?: boolean | ResultCacheOptions;
  /**
   * Keep the database in this directory (store/durable_store.ts): every commit is in its
   * write-ahead log before its query is answered, and a restart on it finds every global.
   * Default: none (in memory only).
   */
  dataDir?: string;
  /** When a commit counts as written (store/wal.ts). Default `batch`. */
  fsync?: FsyncMode;
  /** Log size past which a snapshot is written and the log started again. Default 64 MiB. */
  snapshotBytes?: number;
}

/** Pool statistics. */
export interface PoolStats {
  /** Workers running. */
  workers: number;
  /** Tasks answered. */
  tasks: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks running now. */
  running: number;
  /** Tasks answered with an error. */
  failed: number;
  /** Tasks stopped at the time limit. */
  timedOut: number;
  /** Workers replaced (after a time-out or a crash). */
  restarts: number;
  /** Tasks re-run because a concurrent commit invalidated them. */
  conflicts: number;
  /** Tasks refused because the queue was full. */
  rejected: number;
  /** Queued tasks dropped because their connection closed. */
  dropped: number;
  /** Bytes of committed writes (whole values, or the rows appended and the columns updated). */
  committedBytes: number;
  /** The last committed version. */
  version: number;
  /** Commits kept for a worker that has not been sent them yet (it had no task since). */
  pendingCommits: number;
  /** Milliseconds each worker spent running tasks. */
  busyMs: number[];
  /** `timer`s running, calls made, calls skipped because the previous one was unfinished. */
  timers: { running: number; calls: number; skipped: number };
  /** The result cache, when enabled: answers kept, hits, misses, answers stored. */
  cache?: { entries: number; hits: number; misses: number; stored: number };
  /** The data directory, with `dataDir`: its log's size and the snapshots written. */
  store?: { dir: string; logBytes: number; snapshots: number };
}

interface Task {
  id: number;
  session: string;
  request: TaskRequest;
  resolve: (r: TaskResult) => void;
  state: "queued" | "running" | "done";
  attempts: number;
  exclusive: boolean;
  /** Whether the caller expects an answer (false for async IPC messages). */
  answered: boolean;
  /** The worker that ran the last attempt. */
  worker: number;
  /** Its key in the result cache, when it may be cached. */
  cacheKey?: string;
  /** Its time limit. */
  timeoutMs: number;
  result?: TaskDone;
}

interface Slot {
  id: number;
  worker: Worker;
  ready: boolean;
  /** Tasks sent to this worker and not answered yet, in order; the first is running. */
  tasks: Task[];
  /** Tasks dispatched this turn, sent together at the end of it. */
  outbox: TaskItem[];
  /** The large request frames of the outbox, moved rather than copied. */
  transfer: ArrayBuffer[];
  /** Which of its tasks the worker is running, and since when. */
  progress: Progress;
  /** When the running task started (the previous one finished, or it was sent). */
  started: number;
  timer?: ReturnType<typeof setTimeout>;
  /** When `timer` fires (performance.now() ms). */
  due: number;
  /** Version of the last commit sent to this worker. */
  applied: number;
  busyMs: number;
  /** With the `rings` hand-off: tasks to the worker, answers from it (worker/ring.ts). */
  requests?: Ring;
  answers?: Ring;
  /** Messages from the worker whose place among its answer records was not reached yet. */
  inbox: FromWorker[];
  /** The answer ring reached the mark of a message that has not arrived yet. */
  awaiting: boolean;
  /** Wakes the ring's reader: that message arrived, the worker stopped, or the sweep came. */
  wake?: () => void;
  /** False once the worker is stopped: its answer ring is no longer read. */
  alive: boolean;
}

/**
 * Request frames at least this large are moved (transferred) to a worker; smaller ones are
 * copied, which costs less than a transfer at that size and lets the pool run the task again
 * if its worker is stopped before it reported (see #lost).
 */
const TRANSFER_MIN_BYTES = 64 * 1024;

/**
 * Each ring of a worker: room for every task in flight (`maxInFlightPerWorker`, 32 by
 * default) at the largest record sent through it; larger tasks and answers go as messages.
 */
const RING_BYTES = 1 << 20;
const RING_RECORD_MAX = 16 * 1024;
/** Longest wait for a wake-up of the answer ring before looking anyway (a lost wake-up). */
const RING_WAIT_MS = 50;
/** How long the accept loop polls the answer rings after handing tasks to them (see #spin). */
const SPIN_MS = 0.1;
const SPIN_SKIP_MAX = 64;

/** Bytes of a request's payload (its frame, or about its source's UTF-8). */
function requestBytes(request: TaskRequest): number {
  return "frame" in request ? request.frame.byteLength : request.source.length * 3;
}

/** Whether a request's frame was moved to a worker and is no longer here. */
function detached(request: TaskRequest): boolean {
  return request.kind === "ipc" && request.frame.byteLength === 0;
}

/**
 * Whether this module runs as TypeScript source (JSR, a checkout, Bun from npm) or as the
 * JavaScript the npm package builds into `dist/` (Deno and Node from npm): the worker
 * modules beside it have the same extension. Both URLs stay literal so that tools which
 * follow `new URL(..., import.meta.url)` still find the worker modules.
 */
const FROM_SOURCE = import.meta.url.endsWith(".ts");

function defaultSize(): number {
  const n = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)
    ?.hardwareConcurrency;
  return Math.max(1, n ?? 2);
}

/**
 * A pool of engine workers sharing one database.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const pool = new WorkerPool({ size: 1 });
 * const { response } = await pool.run({ kind: "text", source: "(+ 1 2)" }, "conn-1");
 * assert.equal(response, "3");
 * await pool.close();
 * ```
 */
export class WorkerPool implements Evaluator<PoolStats> {
  /** Number of workers. */
  readonly size: number;
  /** Per-task time limit in milliseconds. */
  readonly timeoutMs: number;
  /** Tasks waiting for a worker before new ones are refused. */
  readonly maxQueue: number;
  /** Time limit of `.z.po`/`.z.pc` calls, in ms. */
  readonly handlerTimeoutMs: number;
  /** Re-runs after which a conflicting task runs alone. */
  readonly maxConflicts: number;
  /** Tasks sent to one worker ahead of its answers. */
  readonly maxInFlightPerWorker: number;
  /** Tasks join a worker whose current task started less than this many ms ago. */
  readonly packMs: number;
  /** How long a worker waits awake for the next task after a lone one. */
  readonly lingerMs: number;
  /** Helper threads of each worker for its column loops. */
  readonly kernelHelpers: number;
  readonly #url: URL;
  readonly #limits: WorkerLimits;
  /** The network thread serving `hopen`, when --allow-net is given. */
  readonly #net: Worker | undefined;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  readonly #sessions = new Map<string, Task[]>();
  /**
   * Per global, what a new replica applies to have it: its last whole value and the appends
   * and updated columns committed after it (protocol.ts `CommitEntry.change`); the last one
   * is its committed version.
   */
  readonly #chains = new Map<string, CommitEntry[]>();
  /** The log's length after it was last compacted (see #trimLog). */
  #compacted = 0;
  /** One symbol order for every worker, so that symbol comparisons do not depend on the worker. */
  /**
   * Symbol ids of every worker: seeded with what a worker's table holds before it shares it
   * (the null symbol and the engine's start-up names), so that those keep their ids.
   */
  readonly #symbolOrder = SymbolOrder.seeded(["", ...STARTUP_SYMBOLS]);
  readonly #cache: ResultCache | undefined;
  /** The committed version of a global, 0 if never set (the result cache checks reads by it). */
  readonly #versionOf = (name: string): number => this.#chains.get(name)?.at(-1)?.version ?? 0;
  /** `timer`s started by committed tasks; their calls are submitted as async IPC queries. */
  readonly #timers = new Timers((frame, session, done) =>
    this.submit({ kind: "call", frame }, session, () => done())
  );
  #log: CommitEntry[] = [];
  #version = 0;
  #nextTask = 1;
  #nextWorker = 0;
  #closing = false;
  #drained: (() => void) | undefined;
  /** The data directory, with `dataDir`. */
  readonly #store: DurableStore | undefined;
  /** Small tasks and answers go through rings in shared memory (PoolOptions.handoff). */
  readonly #rings: boolean;
  /** A spin for answers is queued (see #spin). */
  #spinning = false;
  /** Spins to skip after one that waited in vain (see #spin). */
  #spinSkip = 0;
  #spinBackoff = 0;
  /** With rings: wakes every answer ring's reader now and then (see #listen). */
  #sweep: ReturnType<typeof setInterval> | undefined;
  /**
   * The worker decoding the values loaded from the data directory into shared memory, until
   * it is ready: the others take no task before they are handed those values.
   */
  #decoder: Slot | undefined;
  #exported: { written: string[]; skipped: string[]; error?: string } | undefined;
  /** Told of each task's commits once they count as written, in version order. */
  readonly #commitListeners: ((commits: CommitEntry[]) => void)[] = [];
  readonly #memoryEpoch = crypto.randomUUID();
  /** Per session: its answers waiting for their commits (or earlier ones) to be written. */
  readonly #unwritten = new Map<string, number>();
  #snapshots = 0;
  readonly #stats = {
    tasks: 0,
    failed: 0,
    timedOut: 0,
    restarts: 0,
    conflicts: 0,
    rejected: 0,
    dropped: 0,
    committedBytes: 0,
  };

  /** Starts the workers (they become ready asynchronously; tasks wait for them). */
  constructor(options: PoolOptions = {}) {
    this.size = options.size ?? defaultSize();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxQueue = options.maxQueue ?? 10_000;
    this.handlerTimeoutMs = Math.min(options.handlerTimeoutMs ?? 1_000, this.timeoutMs);
    this.maxConflicts = options.maxConflicts ?? 3;
    this.maxInFlightPerWorker = Math.max(1, options.maxInFlightPerWorker ?? 32);
    this.packMs = Math.max(0, options.packMs ?? DEFAULTS.packMs);
    this.lingerMs = Math.max(0, options.lingerMs ?? DEFAULTS.lingerMs);
    this.kernelHelpers = Math.max(
      0,
      Math.floor(options.kernelHelpers ?? defaultHelpers(3)),
    );
    this.#rings = (options.handoff ?? "rings") === "rings";
    this.#url = options.workerURL ??
      (FROM_SOURCE
        ? new URL("./entry.ts", import.meta.url)
        : new URL("./entry.js", import.meta.url));
    if (options.resultCache) {
      this.#cache = new ResultCache(options.resultCache === true ? {} : options.resultCache);
    }
    this.#limits = {
      maxResultBytes: options.maxResultBytes ?? defaultMaxResultBytes(DEFAULTS.maxPayload),
      maxVectorBytes: options.maxVectorBytes ?? DEFAULTS.maxVectorBytes,
      maxQueryMemoryBytes: options.maxQueryMemoryBytes ?? DEFAULTS.maxQueryMemoryBytes,
      permissions: options.permissions ?? {},
    };
    if (this.#limits.permissions.net?.length) {
      const url = FROM_SOURCE
        ? new URL("./net_entry.ts", import.meta.url)
        : new URL("./net_entry.js", import.meta.url);
      this.#net = new Worker(url, { type: "module" });
    }
    if (options.dataDir !== undefined) {
      this.#store = DurableStore.open({
        dir: options.dataDir,
        fsync: options.fsync ?? "batch",
        snapshotBytes: options.snapshotBytes,
      });
      for (const r of this.#store.takeRecords()) {
        this.#record(r, r.version, -1, -1);
      }
      this.#version = this.#store.version;
    }
    // Values loaded from disk are decoded by one worker, into shared memory, before the
    // others take tasks: each would otherwise decode a copy of its own (see #shareDecoded).
    const loaded = this.#chains.size > 0;
    for (let i = 0; i < this.size; i++) this.#slots.push(this.#spawn(loaded && i === 0));
    if (loaded) this.#decoder = this.#slots[0];
  }

  /** What was repaired when the data directory was opened (a torn log tail), if anything. */
  get repaired(): string | undefined {
    return this.#store?.repaired;
  }

  /**
   * Runs a task for `session` (a connection id): tasks of one session are answered in the
   * order they were run. Never rejects: failures are error answers.
   */
  run(request: TaskRequest, session = "default"): Promise<TaskResult> {
    return new Promise((resolve) => this.submit(request, session, resolve));
  }

  /**
   * `run` with a callback instead of a Promise: the server's per-query path, where a
   * Promise and its microtask per query are measurable. `done` is called exactly once,
   * synchronously when the task is refused.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const pool = new WorkerPool({ size: 1 });
   * const result = await new Promise<TaskResult>((done) =>
   *   pool.submit({ kind: "text", source: "(+ 1 2)" }, "conn-1", done)
   * );
   * assert.equal(result.failed, false);
   * assert.equal(result.response, "3");
   * await pool.close();
   * ```
   */
  submit(request: TaskRequest, session: string, done: (r: TaskResult) => void): void {
    this.#enqueue(request, session, done, this.timeoutMs);
  }

  /**
   * The connection of `session` closed: its queries still queued that expect an answer are
   * dropped (answered with an error no one reads), so a client that floods the queue and
   * leaves does not keep it full. Running ones finish; async messages it sent still run, as
   * the engine processes what it received.
   */
  forget(session: string): void {
    const list = this.#sessions.get(session);
    if (!list) return;
    const gone = new Set(list.filter((t) => t.state === "queued" && t.answered));
    if (gone.size === 0) return;
    let kept = 0;
    for (const t of this.#queue) if (!gone.has(t)) this.#queue[kept++] = t;
    this.#queue.length = kept;
    this.#stats.dropped += gone.size;
    for (const t of gone) this.#fail(t, "the connection closed before this query ran");
  }

  #enqueue(
    request: TaskRequest,
    session: string,
    done: (r: TaskResult) => void,
    timeoutMs: number,
  ): void {
    if (this.#closing) {
      return done(
        failureResult(request, ErrorCode.LIMIT, "server closing"),
      );
    }
    // From the cache even when the queue is full. A session with queries in flight waits for
    // them (its order, and its own writes).
    const cacheKey = this.#cache?.key(request);
    if (cacheKey !== undefined && !this.#sessions.has(session)) {
      const hit = this.#cache!.get(cacheKey, this.#versionOf);
      if (hit) return done(hit);
    }
    if (this.#queue.length >= this.maxQueue) {
      this.#stats.rejected++;
      return done(
        failureResult(
          request,
          ErrorCode.LIMIT,
          `server busy: ${this.#queue.length} queries queued`,
        ),
      );
    }
    const task: Task = {
      id: this.#nextTask++,
      session,
      request,
      resolve: done,
      state: "queued",
      attempts: 0,
      exclusive: false,
      answered: expectsAnswer(request),
      worker: -1,
      cacheKey,
      timeoutMs,
    };
    let list = this.#sessions.get(session);
    if (!list) this.#sessions.set(session, list = []);
    list.push(task);
    this.#queue.push(task);
    this.#pump();
  }

  /**
   * A client connection opened (`"open"`: calls `.z.po`) or closed (`"close"`: `.z.pc`),
   * as the engine does: the user's handler of that name, if one was ever set, is called with
   * the connection's handle. The call runs in the connection's session, so it comes before
   * the connection's first query and after its last; its value is dropped, and `done` learns
   * whether it failed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const pool = new WorkerPool({ size: 1 });
   * await pool.run({ kind: "text", source: "(set .z.po (fn [h] (set opened h)))" }, "admin");
   * await new Promise<boolean>((done) => pool.connection("open", "conn-1", 1, done)); // (.z.po 1)
   * assert.equal((await pool.run({ kind: "text", source: "opened" }, "conn-1")).response, "1");
   * await pool.close();
   * ```
   */
  connection(
    event: "open" | "close",
    session: string,
    handle: number,
    done: (failed: boolean) => void = () => {},
  ): void {
    const name = event === "open" ? ".z.po" : ".z.pc";
    if (!this.#chains.has(name)) return;
    const call = encodeMessage(list(symbol(name), i64(BigInt(handle))), MsgType.ASYNC);
    this.#enqueue(
      { kind: "call", frame: call.buffer as ArrayBuffer },
      session,
      (r) => done(r.failed),
      this.handlerTimeoutMs,
    );
  }

  /** Current statistics. */
  stats(): PoolStats {
    return {
      workers: this.#slots.length,
      ...this.#stats,
      queued: this.#queue.length,
      running: this.#slots.reduce((n, s) => n + s.tasks.length, 0),
      version: this.#version,
      pendingCommits: this.#log.length,
      busyMs: this.#slots.map((s) => Math.round(s.busyMs)),
      timers: { running: this.#timers.size, ...this.#timers.counts },
      ...(this.#cache ? { cache: { entries: this.#cache.size, ...this.#cache.counts } } : {}),
      ...(this.#store
        ? {
          store: {
            dir: this.#store.dir,
            logBytes: this.#store.logBytes,
            snapshots: this.#snapshots,
          },
        }
        : {}),
    };
  }

  /** The pool's figures for `GET /metrics`. */
  metrics(): Metric[] {
    const s = this.stats();
    const m: Metric[] = [
      ["rfws_pool_workers", "gauge", "Engine workers", s.workers],
      ["rfws_pool_queued", "gauge", "Tasks waiting for a worker", s.queued],
      ["rfws_pool_running", "gauge", "Tasks on workers", s.running],
      ["rfws_pool_tasks_total", "counter", "Tasks answered", s.tasks],
      ["rfws_pool_failed_total", "counter", "Tasks answered with an error", s.failed],
      ["rfws_pool_timed_out_total", "counter", "Tasks stopped at the time limit", s.timedOut],
      ["rfws_pool_restarts_total", "counter", "Workers replaced", s.restarts],
      ["rfws_pool_conflicts_total", "counter", "Tasks re-run after a conflict", s.conflicts],
      ["rfws_pool_rejected_total", "counter", "Tasks refused on a full queue", s.rejected],
      [
        "rfws_pool_dropped_total",
        "counter",
        "Queued tasks dropped because their connection closed",
        s.dropped,
      ],
      ["rfws_pool_version", "gauge", "Last committed version", s.version],
      ["rfws_pool_committed_bytes_total", "counter", "Bytes of committed writes", s.committedBytes],
      ["rfws_pool_timers", "gauge", "Timers running", s.timers.running],
      ["rfws_pool_timer_calls_total", "counter", "Timer calls made", s.timers.calls],
    ];
    if (s.cache) {
      m.push(
        ["rfws_cache_entries", "gauge", "Answers in the result cache", s.cache.entries],
        ["rfws_cache_hits_total", "counter", "Queries answered from the cache", s.cache.hits],
        ["rfws_cache_misses_total", "counter", "Cache lookups that missed", s.cache.misses],
      );
    }
    return m;
  }

  /**
   * Refuses new tasks, answers every task already accepted, then stops the workers. It ends
   * within about one query time limit: what is still queued or running then is answered with
   * an error (queries queued behind stuck ones would otherwise take a time limit each).
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.#timers.close();
    if (this.#sessions.size > 0) {
      const drained = new Promise<void>((r) => (this.#drained = r));
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((r) =>
        deadline = setTimeout(() => r("late"), this.timeoutMs)
      );
      if (await Promise.race([drained, late]) === "late") this.#abandon();
      clearTimeout(deadline);
      await drained;
    }
    const store = this.#store;
    if (store) {
      await new Promise<void>((r) => store.whenDurable(r));
      if (store.logBytes > 0) this.#snapshot(); // a clean stop leaves a snapshot and no log
      store.close();
    }
    for (const s of this.#slots) {
      clearTimeout(s.timer);
      this.#stop(s);
    }
    clearInterval(this.#sweep);
    this.#net?.terminate();
  }

  /** Closing took a time limit: every task still queued or running answers an error. */
  #abandon(): void {
    const why = "the server shut down before this query ran to the end";
    for (const slot of [...this.#slots]) if (slot.tasks.length) this.#lost(slot, why, false);
    for (const task of this.#queue.splice(0)) this.#fail(task, why);
  }

  /** `await using pool = new WorkerPool()` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #spawn(decodeAll = false): Slot {
    const worker = new Worker(this.#url, { type: "module" });
    const slot: Slot = {
      id: this.#nextWorker++,
      worker,
      ready: false,
      tasks: [],
      outbox: [],
      transfer: [],
      progress: new Progress(),
      started: 0,
      applied: this.#version,
      busyMs: 0,
      due: 0,
      inbox: [],
      awaiting: false,
      alive: true,
      ...(this.#rings
        ? { requests: Ring.create(RING_BYTES), answers: Ring.create(RING_BYTES) }
        : {}),
    };
    worker.onmessage = (e: MessageEvent) => this.#received(slot, e.data as FromWorker);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // a worker's uncaught error must not reach the accept loop
      this.#lost(slot, `worker crashed: ${e.message ?? "unknown error"}`, false);
    };
    const commits = this.#replay();
    // With --allow-net, a channel to the network thread: a port pair and a shared buffer.
    let net: NetChannel | undefined;
    const transfer: Transferable[] = [];
    if (this.#net) {
      const { port1, port2 } = new MessageChannel();
      const shared = new SharedArrayBuffer(CHANNEL_DATA + CHANNEL_BYTES);
      this.#net.postMessage({ port: port1, shared }, [port1]);
      net = { port: port2, shared };
      transfer.push(port2);
    }
    const init: ToWorker = {
      kind: "init",
      worker: slot.id,
      commits,
      limits: this.#limits,
      progress: slot.progress.buffer,
      symbolOrder: this.#symbolOrder.buffers,
      timerCells: this.#timers.cells,
      kernelHelpers: this.kernelHelpers,
      net,
      ...(decodeAll ? { decodeAll } : {}),
      ...(slot.requests
        ? {
          rings: {
            requests: slot.requests.buffer,
            answers: slot.answers!.buffer,
            lingerMs: this.lingerMs,
          },
        }
        : {}),
    };
    worker.postMessage(init, transfer);
    if (slot.answers) this.#listen(slot);
    return slot;
  }

  /**
   * A message from a worker. With rings, a `done` message takes its place among the answer
   * records (the worker wrote a mark there first), so that answers are taken in the order
   * the worker ran them.
   */
  #received(slot: Slot, msg: FromWorker): void {
    if (!slot.answers || msg.kind === "ready") return this.#message(slot, msg);
    slot.inbox.push(msg);
    if (slot.awaiting) {
      slot.awaiting = false;
      this.#message(slot, slot.inbox.shift()!);
      slot.wake?.();
    }
    this.#drain(slot);
  }

  /**
   * Reads a worker's answer ring for as long as the worker lives. Stopped at a message's
   * mark, the ring has records but none to take before that message, which wakes it; else
   * the worker's notify does, or the sweep (a lost wake-up costs at most RING_WAIT_MS).
   */
  async #listen(slot: Slot): Promise<void> {
    this.#sweep ??= setInterval(() => {
      for (const s of this.#slots) s.wake?.();
    }, RING_WAIT_MS);
    while (slot.alive) {
      this.#drain(slot);
      if (!slot.alive) break;
      await new Promise<void>((r) => {
        slot.wake = r;
        if (!slot.awaiting) slot.answers!.waitAsync(RING_WAIT_MS).then(() => r());
      });
      slot.wake = undefined;
    }
  }

  /**
   * After a turn that handed tasks to rings: wait for their answers here, polling the rings,
   * for up to SPIN_MS. Waking the accept loop from a worker (`Atomics.waitAsync` resolving
   * into its event loop) costs 25–55 µs on a 2-core VM, against ~2 µs for a thread that
   * polls, and a trivial query runs in less than either: one query at a time (1 × 1) went
   * from 42–44% of a bare echo to 50–65% (bench/ws.ts). It runs from `setImmediate`, once
   * the frames already received are read: run as a microtask it kept the loop from reading
   * the next frame of a pipelining client, and throughput at 16 in flight fell by a third.
   * A spin that waited in vain (a long query) makes the next ones skip, doubling up to
   * SPIN_SKIP_MAX, so long queries cost the accept loop SPIN_MS only now and then; it stops
   * at a message's mark (commits, large answers come by the event loop). The accept loop
   * still evaluates nothing: it only looks at the rings.
   */
  readonly #spin = (): void => {
    this.#spinning = false;
    if (this.#spinSkip > 0) return void this.#spinSkip--;
    const t0 = performance.now();
    for (let n = 0;; n++) {
      let pending = 0;
      for (const s of this.#slots) {
        if (!s.answers || s.tasks.length === 0) continue;
        if (s.answers.waiting) this.#drain(s);
        if (s.awaiting) return; // a message comes next: the event loop brings it
        pending += s.tasks.length;
      }
      if (pending === 0) return void (this.#spinBackoff = 0);
      if ((n & 15) === 15 && performance.now() - t0 > SPIN_MS) break;
    }
    this.#spinBackoff = Math.min(SPIN_SKIP_MAX, Math.max(1, 2 * this.#spinBackoff));
    this.#spinSkip = this.#spinBackoff;
  };

  /** Takes the answers waiting in a worker's ring, in order, up to the mark of a message not here yet. */
  #drain(slot: Slot): void {
    const ring = slot.answers!;
    while (slot.alive && !slot.awaiting) {
      const record = ring.read();
      if (!record) return;
      const answer = readAnswer(record);
      if (answer === "message") {
        const msg = slot.inbox.shift();
        if (msg) this.#message(slot, msg);
        else slot.awaiting = true;
        continue;
      }
      const task = slot.tasks[0];
      if (!task || task.id !== answer.task) continue;
      this.#finished(slot, [{ ...answer, request: task.request }]);
    }
  }

  /**
   * Stops a worker: a query it runs unwinds at its engine's next poll (on Deno terminate()
   * alone leaves a thread busy in JavaScript running and allocating after the worker is
   * gone), and one waiting for its ring is woken, as a thread asleep in `Atomics.wait` does
   * not see that it was terminated (and keeps the process from exiting).
   */
  #stop(slot: Slot): void {
    slot.progress.stop();
    if (slot.requests && !writeMessageMark(slot.requests)) slot.requests.wake();
    slot.worker.terminate();
    slot.alive = false;
    slot.wake?.();
  }

  /** Posts a message to a worker; with rings, after the mark that tells it to look for one. */
  #post(slot: Slot, msg: ToWorker, transfer: Transferable[] = []): boolean {
    if (slot.requests && !writeMessageMark(slot.requests)) return false;
    slot.worker.postMessage(msg, transfer);
    return true;
  }

  #message(slot: Slot, msg: FromWorker): void {
    if (msg.shared) this.#shareDecoded(slot, msg.shared);
    if (msg.kind === "ready") {
      slot.ready = true;
      if (slot === this.#decoder) this.#decoder = undefined;
      this.#pump();
      return;
    }
    this.#finished(slot, msg.results);
  }

  /** A worker ran these tasks (in this order): settle their sessions, send it more. */
  #finished(slot: Slot, results: TaskDone[]): void {
    const sessions = new Set<string>();
    for (const r of results) {
      const task = slot.tasks[0];
      if (!task || task.id !== r.task) continue;
      this.#release(slot);
      task.request = r.request;
      task.result = r;
      task.state = "done";
      sessions.add(task.session);
    }
    for (const s of sessions) this.#settle(s);
    this.#pump();
    this.#flush(slot); // the tasks gathered while it was busy
  }

  /**
   * Values a worker decoded from IPC bytes into shared memory (those loaded from the data
   * directory): the latest link of their chain keeps them, for workers started later, and
   * the other workers are handed them, so that the value is held once. A version that is no
   * longer the latest, or that another worker shared first, is left alone.
   */
  #shareDecoded(from: Slot, values: SharedCommit[]): void {
    const taken: SharedCommit[] = [];
    for (const v of values) {
      const chain = this.#chains.get(v.name);
      const last = chain?.at(-1);
      if (!last || last.version !== v.version || last.value) continue;
      adoptShared(v.value);
      chain![chain!.length - 1] = { ...last, value: v.value };
      taken.push(v);
    }
    if (taken.length === 0) return;
    for (const s of this.#slots) {
      if (s !== from) this.#post(s, { kind: "adopt", values: taken });
    }
  }

  /** The running task finished: account for it and start the next one's clock. */
  #release(slot: Slot): void {
    const now = performance.now();
    slot.busyMs += now - slot.started;
    slot.tasks.shift();
    slot.started = now;
    if (slot.tasks.length) return this.#arm(slot, slot.tasks[0].timeoutMs);
    clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  /**
   * The time limit of the running task of a worker. One timer per busy worker, not one per
   * task (a timer costs ~1.4 µs on Deno, per query at tens of thousands a second): when it
   * fires it re-arms itself for the running task's deadline if that task started later.
   * Arming for `ms` from now only moves the timer earlier (a task with a shorter limit, such
   * as a `.z.po` call, joined).
   */
  #arm(slot: Slot, ms: number): void {
    const due = performance.now() + ms;
    if (slot.timer !== undefined && slot.due <= due) return;
    clearTimeout(slot.timer);
    slot.due = due;
    slot.timer = setTimeout(() => this.#check(slot), ms);
  }

  #check(slot: Slot): void {
    slot.timer = undefined;
    if (!slot.tasks.length || !this.#slots.includes(slot)) return;
    const { index, since } = this.#running(slot);
    const limit = slot.tasks[index]?.timeoutMs ?? this.timeoutMs;
    const left = since + limit - performance.timeOrigin - performance.now();
    if (left > 0) this.#arm(slot, left);
    else this.#lost(slot, `query exceeded the time limit of ${limit} ms`, true);
  }

  /**
   * Which of a worker's tasks is running and since when (epoch ms): the worker's own record,
   * as tasks ahead of it in its batch may have finished without being reported yet.
   */
  #running(slot: Slot): { index: number; since: number } {
    const running = slot.progress.read();
    const index = running ? slot.tasks.findIndex((t) => t.id === running.task) : -1;
    if (running && index >= 0) return { index, since: running.since };
    return { index: 0, since: performance.timeOrigin + slot.started };
  }

  /** A worker timed out or died: its task fails, a fresh worker takes its place. */
  #lost(slot: Slot, message: string, timedOut: boolean): void {
    const { index } = this.#running(slot);
    const tasks = slot.tasks;
    slot.tasks = [];
    clearTimeout(slot.timer);
    this.#stop(slot);
    if (slot === this.#decoder) this.#decoder = undefined; // the others decode for themselves
    const i = this.#slots.indexOf(slot);
    // While closing, a replacement is still needed for the tasks that wait: without one a
    // stuck query's worker is not replaced and close() waits for ever.
    const waiting = this.#queue.length > 0 || tasks.length > 1;
    if (i >= 0 && (!this.#closing || waiting)) this.#slots[i] = this.#spawn();
    else if (i >= 0) this.#slots.splice(i, 1);
    this.#stats.restarts++;
    if (timedOut) this.#stats.timedOut++;
    // The other tasks go back to the queue: those behind it have not started, those ahead of
    // it finished but their answers died with the worker, and nothing of theirs was committed.
    // Small requests were copied to the worker, so each task still holds its own; a large
    // one was moved there and is gone, so that task answers an error too.
    const failed: [Task, string][] = [];
    const requeue: Task[] = [];
    tasks.forEach((t, k) => {
      if (k === index) failed.push([t, message]);
      else if (detached(t.request)) {
        failed.push([t, `${message}; this query was in the same batch and was lost with it`]);
      } else requeue.push(t);
    });
    for (const t of requeue.reverse()) {
      t.state = "queued";
      this.#queue.unshift(t);
    }
    for (const [t, why] of failed) this.#fail(t, why);
    this.#pump();
  }

  /** Answers a task with a `limit` error, committing nothing. */
  #fail(task: Task, message: string): void {
    const failure = failureResult(task.request, ErrorCode.LIMIT, message);
    task.result = {
      task: task.id,
      request: task.request,
      response: task.answered ? failure.response : null,
      failed: true,
      version: this.#version,
      reads: [],
      writes: [],
      cacheable: false,
    };
    task.state = "done";
    this.#settle(task.session);
  }

  /**
   * Dispatches queued tasks: to a worker getting through quick ones (`packMs`), else to the
   * ready worker with the fewest tasks, up to `maxInFlightPerWorker` each (a worker runs its
   * tasks one after the other; keeping a few queued in it hides the round trip). An
   * exclusive task waits until every worker is idle and runs alone.
   */
  #pump(): void {
    const now = performance.now(); // for packMs: a worker's current task started before it
    while (this.#queue.length) {
      const head = this.#queue[0];
      if (this.#exclusive) return;
      const busy = this.#slots.some((s) => s.tasks.length);
      if (head.exclusive && busy) return; // it runs alone: wait for the others to finish
      let slot: Slot | undefined, awake: Slot | undefined;
      for (const s of this.#slots) {
        if (!s.ready || s.tasks.length >= this.maxInFlightPerWorker) continue;
        if (this.#decoder && s !== this.#decoder) continue; // not handed the loaded values yet
        if (!slot || s.tasks.length < slot.tasks.length) slot = s;
        if (!awake && s.tasks.length > 0 && now - s.started < this.packMs) awake = s;
      }
      slot = awake ?? slot;
      if (!slot) return;
      this.#queue.shift();
      this.#dispatch(slot, head);
      if (head.exclusive) return;
    }
  }

  /** True while an exclusive task runs. */
  get #exclusive(): boolean {
    return this.#slots.some((s) => s.tasks.some((t) => t.exclusive));
  }

  #dispatch(slot: Slot, task: Task): void {
    const commits = this.#log.filter((c) => c.version > slot.applied);
    slot.applied = this.#version;
    const idle = slot.tasks.length === 0;
    slot.tasks.push(task);
    task.worker = slot.id;
    task.state = "running";
    if (idle) {
      slot.started = performance.now();
      this.#arm(slot, task.timeoutMs);
    } else if (task.timeoutMs < this.timeoutMs) {
      this.#arm(slot, task.timeoutMs); // the earliest its own limit can expire
    }
    const item: TaskItem = {
      task: task.id,
      request: task.request,
      commits,
      ...(task.exclusive ? { copyOnLost: true } : {}),
      ...(this.#lingers(slot) ? { linger: true } : {}),
    };
    // Through the ring when nothing goes before it as a message and it needs no message
    // itself: no commits to apply, a small request.
    if (
      slot.requests && slot.outbox.length === 0 && commits.length === 0 &&
      requestBytes(task.request) <= RING_RECORD_MAX && writeTask(slot.requests, item)
    ) {
      if (!this.#spinning) {
        this.#spinning = true;
        setImmediate(this.#spin);
      }
      return;
    }
    slot.outbox.push(item);
    if (task.request.kind === "ipc" && task.request.frame.byteLength >= TRANSFER_MIN_BYTES) {
      slot.transfer.push(task.request.frame);
    }
    // An idle worker gets its batch at the end of this turn. A busy one gets the tasks
    // gathered meanwhile as soon as it answers (see #message): fewer, larger messages.
    const sent = slot.tasks.length - slot.outbox.length;
    if (sent === 0 && slot.outbox.length === 1) queueMicrotask(() => this.#flush(slot));
  }

  /** Whether a task just given to `slot` is the only one in flight (see `lingerMs`). */
  #lingers(slot: Slot): boolean {
    if (this.lingerMs <= 0 || slot.tasks.length !== 1) return false;
    return this.#slots.every((s) => s === slot || s.tasks.length === 0);
  }

  /** Sends the tasks dispatched to a worker during this turn as one message. */
  #flush(slot: Slot): void {
    if (slot.outbox.length === 0 || !this.#slots.includes(slot)) return;
    const msg: ToWorker = { kind: "tasks", items: slot.outbox };
    // With its ring full (the worker is behind), the batch waits for the worker's next answer.
    if (!this.#post(slot, msg, slot.transfer)) return;
    slot.outbox = [];
    slot.transfer = [];
  }

  /** Validates, commits and answers the finished tasks at the head of a session, in order. */
  #settle(session: string): void {
    const list = this.#sessions.get(session);
    if (!list) return;
    while (list.length && list[0].state === "done") {
      const task = list[0];
      const r = task.result!;
      const touched = [...r.reads, ...r.writes.map((w) => w.name)];
      const stale = r.retry || touched.some((name) => this.#versionOf(name) > r.version);
      if (stale) {
        releaseClaims(r.claims);
        this.#stats.conflicts++;
        task.attempts++;
        task.exclusive = task.attempts >= this.maxConflicts;
        task.state = "queued";
        task.result = undefined;
        this.#queue.unshift(task);
        return;
      }
      const records: StoreRecord[] = [];
      const entries: CommitEntry[] = [];
      for (const w of r.writes) {
        const entry = this.#record(w, ++this.#version, task.worker, task.id);
        this.#log.push(entry);
        entries.push(entry);
        this.#stats.committedBytes += w.bytes.byteLength;
        if (this.#store) records.push(storeRecord(entry));
      }
      if (r.timers) this.#timers.apply(r.timers);
      if (r.cacheable && task.cacheKey !== undefined) {
        this.#cache!.put(task.cacheKey, r, r.reads, this.#versionOf);
      }
      list.shift();
      this.#stats.tasks++;
      if (r.failed) this.#stats.failed++;
      this.#answer(task, { response: r.response, failed: r.failed }, records, entries);
    }
    if (list.length === 0) this.#sessions.delete(session);
    this.#trimLog();
    if (this.#sessions.size === 0 && this.#drained) this.#drained();
  }

  /** Makes a commit the latest of its name: a link of its chain, for new replicas. */
  #record(
    write: Omit<Write, "bytes"> & { bytes: SharedArrayBuffer | Uint8Array },
    version: number,
    worker: number,
    task: number,
  ): CommitEntry {
    const { name, bytes, change, appended, value, extend } = write;
    let shared: SharedArrayBuffer;
    if (bytes instanceof SharedArrayBuffer) shared = bytes;
    else {
      shared = new SharedArrayBuffer(bytes.length);
      new Uint8Array(shared).set(bytes);
    }
    const entry: CommitEntry = {
      version,
      name,
      bytes: shared,
      worker,
      task,
      ...(change ? { change } : {}),
      ...(appended ? { appended, previous: this.#versionOf(name) } : {}),
      ...(value ? { value } : {}),
      ...(extend ? { extend } : {}),
    };
    const chain = this.#chains.get(name);
    const last = chain?.at(-1);
    // The latest value in shared memory, for workers started later; the log entry sent to
    // the running workers names an extension only (they hold the buffers already).
    if (value) adoptShared(value); // its buffers' names are read below, for later extensions
    const latest = extend ? extendShared(last?.value, extend) : undefined;
    const link = latest ? { ...entry, value: latest } : entry;
    // Only the latest link keeps its value in shared memory: an older one would keep alive
    // the buffers that appends have since outgrown.
    if (last?.value) this.#unshare(chain!, last);
    if (change && chain) chain.push(link);
    else this.#chains.set(name, [link]);
    return entry;
  }

  /** `entry` of `chain` without its value (the log, which workers are still sent, keeps it). */
  #unshare(chain: CommitEntry[], entry: CommitEntry): void {
    const { value: _, ...bytesOnly } = entry;
    chain[chain.length - 1] = bytesOnly;
  }

  /**
   * Answers a settled task: at once in memory; with a data directory, once its commits (and
   * those of the session's earlier answers) count as written, so an answer never tells of a
   * write a crash could lose, and a session's answers keep their order.
   */
  #answer(task: Task, result: TaskResult, records: StoreRecord[], entries: CommitEntry[]): void {
    const store = this.#store;
    const session = task.session;
    if (!store || (records.length === 0 && !this.#unwritten.has(session))) {
      this.#announce(entries);
      return task.resolve(result);
    }
    this.#unwritten.set(session, (this.#unwritten.get(session) ?? 0) + 1);
    const done = () => {
      const left = this.#unwritten.get(session)! - 1;
      if (left) this.#unwritten.set(session, left);
      else this.#unwritten.delete(session);
      this.#announce(entries);
      task.resolve(result);
      if (store.snapshotDue) this.#snapshot();
    };
    if (records.length) store.append(records, done);
    else store.whenDurable(done);
  }

  /** Tells the commit listeners of a task's commits (none for a task that wrote nothing). */
  #announce(entries: CommitEntry[]): void {
    if (entries.length === 0) return;
    for (const listener of this.#commitListeners) {
      try {
        listener(entries);
      } catch {
        // A listener's failure is its own (the live-table feed reports to its subscribers).
      }
    }
  }

  /**
   * Calls `listener` with each task's commits once they count as written (with a data
   * directory, once the log has them), in version order: what live tables follow.
   */
  onCommit(listener: (commits: CommitEntry[]) => void): void {
    this.#commitListeners.push(listener);
  }

  /**
   * The chain of a global: its last whole value and the changes committed after it, in
   * version order (store/chain_replay.ts rebuilds the value); empty if it was never set.
   */
  chainOf(name: string): readonly CommitEntry[] {
    return this.#chains.get(name) ?? [];
  }

  /** The last committed version (0 for an empty database). */
  get committedVersion(): number {
    return this.#version;
  }

  /** The name of this database's history: the data directory's, or this pool's in memory. */
  get epoch(): string {
    return this.#store?.epoch ?? this.#memoryEpoch;
  }

  /** Every global's chain, in version order: what a new replica (or a snapshot) replays. */
  #replay(): CommitEntry[] {
    return [...this.#chains.values()].flat().sort((a, b) => a.version - b.version);
  }

  /** Writes a snapshot of every global (their chains, as new replicas replay them). */
  #snapshot(): void {
    const store = this.#store!;
    const records = this.#replay().map(storeRecord);
    store.snapshot(this.#version, records);
    this.#snapshots++;
    // The tables in the engine's own layout beside it, for a real engine to read: an export,
    // so a failure here is reported, never a reason to stop.
    try {
      this.#exported = exportTables(store.dir, records);
    } catch (e) {
      this.#exported = { written: [], skipped: [], error: (e as Error).message };
    }
  }

  /**
   * The last export of the tables to `DIR/tables/` (store/table_export.ts), written with each
   * snapshot: the tables written, those the layout cannot hold, an error if it failed.
   */
  get exported(): { written: string[]; skipped: string[]; error?: string } | undefined {
    return this.#exported;
  }

  /**
   * Drops log entries every worker has already been sent, and those a worker still behind no
   * longer needs: of a global, what came before its last whole value. A worker that gets no
   * task (one connection sending one query at a time keeps going to the same idle worker)
   * would otherwise make the log keep every commit since, and each value in shared memory
   * with it: 3,000 sets of an 800 KB vector held 4.7 GB.
   */
  #trimLog(): void {
    let min = this.#version;
    for (const s of this.#slots) min = Math.min(min, s.applied);
    if (this.#log.length && this.#log[0].version <= min) {
      this.#log = this.#log.filter((c) => c.version > min);
    }
    // Compacted when it has doubled since the last time: amortized constant per commit.
    if (this.#log.length > this.#compacted * 2 + 64) {
      const lastWhole = new Map<string, number>();
      this.#log.forEach((c, i) => c.change === undefined && lastWhole.set(c.name, i));
      this.#log = this.#log.filter((c, i) => i >= (lastWhole.get(c.name) ?? -1));
      this.#compacted = this.#log.length;
    }
  }
}
