/**
 * The worker entry: one engine per worker, holding a replica of the global environment.
 *
 * Each task brings the commits the replica has not seen yet; they are applied first
 * (lazily decoded on first use). The task then runs with its writes in an overlay and its
 * global reads recorded, so the replica never holds an uncommitted value: the pool decides
 * whether the writes commit, and they come back as commits like everyone else's.
 *
 * @module
 */
import {
  decode,
  decodeMessage,
  encode,
  encodedSize,
  encodeReply,
  ErrorCode,
  errorValue,
  HEADER_SIZE,
  RayforceIPCError,
  type RayObject,
  symbols,
  type Table,
  toJSON,
} from "../ipc/mod.ts";
import { count } from "../engine/values.ts";
import { MAX_ENCODE_DEPTH } from "../ipc/encode.ts";
import { Buffer } from "node:buffer";
import { defaultMaxResultBytes, DEFAULTS } from "../defaults.ts";
import { Engine, type Outcome, resolveBuiltin, toEvalError } from "../engine/mod.ts";
import { appendedRows, appendTable, beginClaims, endClaims } from "../engine/append.ts";
import {
  adoptShared,
  allocateForSharing,
  extendShared,
  extensionOf,
  toShared,
} from "./shared_value.ts";
import { changedColumns, patchColumns } from "../engine/column_patch.ts";
import { CHANNEL_DATA, type NetRequest } from "./net.ts";
import { printToServer } from "./print.ts";
import { Progress } from "./progress.ts";
import { QueryGuard } from "./query_guard.ts";
import { SymbolOrder } from "./symbol_order.ts";
import { Ring } from "./ring.ts";
import { fitsRing, readTask, writeAnswer, writeMessageMark } from "./ring_records.ts";

/** A cell nothing notifies: `Atomics.wait` on it is a sleep (while the answer ring is full). */
const idle = new Int32Array(new SharedArrayBuffer(4));
import { type TimerEffect, timerHook } from "./timers.ts";
import { EvalError, type NetHook } from "../engine/mod.ts";
import type {
  Change,
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
import { NODE_HOST } from "../host/node_host.ts";
import { dropFreeResults, freeResultBytes } from "../engine/result_buffers.ts";
import { KernelThreads } from "../engine/kernel_threads.ts";
import { useRangeRunner } from "../engine/parallel.ts";

/** Hooks for tests: e.g. a query that crashes its worker on purpose. */
export interface WorkerHooks {
  beforeTask?: (request: TaskRequest) => void;
}

/** The part of a worker's global scope the loop uses. */
export interface Scope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

const decodeOptions = { resolveBuiltin };
/**
 * Values that travel between our own workers (committed globals, timer calls) keep what
 * Rayforce's wire format cannot carry (the codec's `replica` option): the quote of symbols
 * in lambda bodies (else `(fn [] (insert 't row))` would read `t` instead of naming it on
 * every worker but the one that defined it), lambda names (`@f`, not `@fn`) and enums.
 * They decode as deep as the encoder writes: a committed value that a replica could not read
 * back would be a write acknowledged on one worker and missing on the others.
 */
const replicaOptions = { resolveBuiltin, replica: true, maxDepth: MAX_ENCODE_DEPTH };

/** Changes a global may commit alone before its whole value is committed again. */
const MAX_CHANGES = 16_384;

/** A worker idle this long lets go of the arrays it kept for reuse. */
const IDLE_DROP_MS = 1000;

/** Starts the worker loop on `scope` (the worker's global scope). */
export function startWorker(scope: Scope, hooks: WorkerHooks = {}): void {
  const engine = new Engine();
  engine.host = NODE_HOST;
  /** Globals decoded from IPC bytes since the last report (see shareDecoded). */
  const decoded = new Set<number>();
  engine.decodePending = (bytes, id) => {
    decoded.add(id);
    return decode(bytes, { ...replicaOptions, allocate: allocateForSharing });
  };
  engine.print = printToServer;
  let workerId = -1;
  /** Where this worker records its running task for the pool (progress.ts). */
  let progress: Progress | undefined;
  let limits: WorkerLimits = {
    maxResultBytes: defaultMaxResultBytes(DEFAULTS.maxPayload),
    maxVectorBytes: DEFAULTS.maxVectorBytes,
    maxQueryMemoryBytes: DEFAULTS.maxQueryMemoryBytes,
    permissions: {},
  };
  /** Stops a running query from inside: the pool's stop request, its memory budget. */
  let guard: QueryGuard | undefined;
  /**
   * The `limit` error of an answer of `size` bytes, over the result limit; `wrote`: the task
   * wrote globals, which commit all the same, and the error says so.
   */
  const tooBig = (size: number, wrote: boolean) =>
    errorValue(
      7,
      `result of ${size} bytes exceeds the limit of ${limits.maxResultBytes} bytes${
        wrote ? " (its writes were committed)" : ""
      }`,
    );
  /** The value, or a `limit` error when its IPC frame would exceed the result limit. */
  const bounded = (value: RayObject, wrote: boolean): RayObject => {
    let size: number;
    try {
      size = HEADER_SIZE + encodedSize(value);
    } catch {
      return value; // not serializable: the encoder reports it
    }
    return size <= limits.maxResultBytes ? value : tooBig(size, wrote);
  };
  /** Bytes of a text answer, counted only when it might be over the limit. */
  const textOver = (text: string): number => {
    if (text.length * 3 <= limits.maxResultBytes) return 0;
    const size = Buffer.byteLength(text, "utf8");
    return size > limits.maxResultBytes ? size : 0;
  };
  let version = 0;
  /** The overlay of the last task, by task id: applied without decoding if it commits. */
  let lastTask = -1;
  let lastOverlay = new Map<number, RayObject>();
  /** What the running task's `timer` calls asked for. */
  let timerEffects: TimerEffect[] = [];

  /** Per global: the version of the commit this replica holds. */
  const versions = new Map<number, number>();
  /**
   * The globals this replica decoded from IPC bytes (values loaded from the data directory
   * reach the workers so), moved to shared memory and reported to the pool, which hands them
   * to the other workers: each would otherwise hold a copy of its own.
   */
  const shareDecoded = (): SharedCommit[] | undefined => {
    const out: SharedCommit[] = [];
    for (const id of decoded) {
      const value = engine.globals.get(id);
      const inShared = value && toShared(value); // else this replica keeps its own copy
      if (!inShared) continue;
      engine.globals.set(id, inShared);
      out.push({ name: symbols.text(id), version: versions.get(id) ?? 0, value: inShared });
    }
    decoded.clear();
    return out.length ? out : undefined;
  };
  /** Holds `value`, in shared memory, as global `id` (any bytes of it not decoded are dropped). */
  const holdShared = (id: number, value: RayObject) => {
    adoptShared(value);
    engine.globals.set(id, value);
    engine.pending.delete(id);
  };
  /** Takes values another worker put in shared memory, for the versions this one holds. */
  const adopt = (values: SharedCommit[]) => {
    for (const v of values) {
      const id = engine.intern(v.name);
      if (versions.get(id) !== v.version) continue;
      holdShared(id, v.value);
      decoded.delete(id);
    }
  };

  /** Per global: the changes committed since its last whole value, and their bytes. */
  const chains = new Map<number, { changes: number; bytes: number; base: number }>();
  const apply = (commits: CommitEntry[]) => {
    // A later commit of a global in shared memory replaces it whole: the changes before it
    // need no decoding (a new replica is sent a chain whose last link alone has the value).
    const whole = new Map<string, number>();
    commits.forEach((c, i) => c.value && c.version > version && whole.set(c.name, i));
    commits.forEach((c, i) => {
      if (c.version <= version) return;
      const id = engine.intern(c.name);
      const own = c.worker === workerId && c.task === lastTask ? lastOverlay.get(id) : undefined;
      const later = (whole.get(c.name) ?? -1) > i;
      const extended = c.extend && !later && own === undefined
        ? extendShared(engine.globals.get(id), c.extend)
        : undefined;
      if (own !== undefined) {
        engine.globals.set(id, own);
        engine.pending.delete(id);
      } else if (extended) {
        engine.globals.set(id, extended);
      } else if (c.value) {
        holdShared(id, c.value);
      } else if (later) {
        // replaced by a later commit of this batch
      } else if (c.change) {
        // A change to the value this replica holds (the writer's task read that version, or
        // it would not have committed): rows appended in its spare capacity, or columns set.
        const current = engine.global(id) as Table;
        const change = decode(new Uint8Array(c.bytes), replicaOptions) as Table;
        const next = c.change === "append"
          ? appendTable(current, change)
          : patchColumns(current, change);
        engine.globals.set(id, next);
      } else {
        engine.globals.delete(id);
        engine.pending.set(id, new Uint8Array(c.bytes));
      }
      const chain = chains.get(id);
      if (c.change && chain) {
        chain.changes++;
        chain.bytes += c.bytes.byteLength;
      } else chains.set(id, { changes: 0, bytes: 0, base: c.bytes.byteLength });
      versions.set(id, c.version);
      version = c.version;
    });
  };

  /** Evaluates a request against the replica (its writes go to the engine's overlay). */
  const evaluate = (request: TaskRequest): Outcome => {
    if (request.kind === "ipc" || request.kind === "call") {
      const options = request.kind === "call" ? replicaOptions : decodeOptions;
      try {
        return engine.evalMessage(decodeMessage(new Uint8Array(request.frame), options).value);
      } catch (e) {
        const err = e instanceof RayforceIPCError
          ? errorValue(e.code, e.message)
          : toEvalError(e).toValue();
        return { value: err };
      }
    }
    return engine.evalSource(request.source);
  };

  /**
   * The overlay's writes, encoded for the other replicas. A value the codec refuses (nested
   * deeper than it allows) fails the task and drops every write of it: an answer is never
   * acknowledged for a write that is not on every replica.
   */
  const seal = (overlay: Map<number, RayObject>, outcome: Outcome) => {
    const writes: Write[] = [];
    for (const [id, value] of overlay) {
      const change = changeOf(id, value);
      let shared: SharedArrayBuffer;
      try {
        const bytes = encode(change?.table ?? value, replicaOptions);
        // Allocated in here too: no room for it is a `limit` error of this query, never a
        // failure of the worker.
        shared = new SharedArrayBuffer(bytes.length);
        new Uint8Array(shared).set(bytes);
      } catch (e) {
        overlay.clear();
        const error = new EvalError(
          (e as RayforceIPCError).code ?? ErrorCode.LIMIT,
          `cannot commit '${symbols.text(id)}': ${(e as Error).message}`,
        );
        return { writes: [], outcome: { value: error.toValue(), error } };
      }
      // The value itself in shared memory, for the replicas — this worker's too: it holds
      // the shared copy from now on, and its private columns are let go. Rows appended in
      // place to a shared table need only be named: the replicas hold its buffers.
      const extend = extensionOf(engine.globals.get(id), value);
      const inShared = extend ? undefined : toShared(value);
      if (inShared) overlay.set(id, inShared);
      writes.push({
        name: symbols.text(id),
        bytes: shared,
        ...(change?.kind ? { change: change.kind } : {}),
        ...(change?.appended ? { appended: change.appended } : {}),
        ...(inShared ? { value: inShared } : {}),
        ...(extend ? { extend } : {}),
      });
    }
    return { writes, outcome };
  };

  /**
   * What `value` changed in the committed value of global `id`, when it is a table that only
   * gained rows (an insert) or had columns replaced or added (an update): the commit then
   * carries that alone. Every so often the whole value is committed instead, so that the
   * chain a new replica replays stays short: after `MAX_CHANGES` changes, or when they add up
   * to more bytes than the last whole value (so re-encoding costs, amortized, a constant per
   * changed byte); such a whole value still says how many rows it appended.
   */
  const changeOf = (
    id: number,
    value: RayObject,
  ): { kind?: Change; table?: Table; appended?: number } | undefined => {
    const before = engine.globals.get(id);
    const chain = chains.get(id);
    if (!before || !chain || before.type !== 98 || value.type !== 98) return undefined;
    const rows = appendedRows(before as Table, value as Table);
    if (chain.changes >= MAX_CHANGES || chain.bytes > chain.base) {
      return rows && { appended: count(rows) };
    }
    if (rows) return { kind: "append", table: rows };
    const columns = changedColumns(before as Table, value as Table);
    return columns && { kind: "columns", table: columns };
  };

  /**
   * The answer to a request, in the form its protocol wants. An answer that cannot be sent
   * (over the size limit, or not encodable) becomes an error; the task's writes still commit
   * (`(set t <a big table>)` sets it: the echo of the value is what could not be sent), and
   * the limit error says so.
   */
  const respond = (
    request: TaskRequest,
    outcome: Outcome,
    wrote: boolean,
  ): { response: ArrayBuffer | string | null; failed: boolean } => {
    if (request.kind === "ipc" || request.kind === "call") {
      const style = request.kind === "call" ? "none" : request.reply;
      if (style === "none") return { response: null, failed: outcome.value.type === 127 };
      let value = bounded(outcome.value, wrote);
      let frame: Uint8Array;
      try {
        frame = encodeReply(value, style)!;
      } catch (e) {
        value = errorValue((e as RayforceIPCError).code ?? 1, (e as Error).message);
        frame = encodeReply(value, style)!;
      }
      return { response: frame.buffer as ArrayBuffer, failed: value.type === 127 };
    }
    const failed = outcome.value.type === 127;
    if (request.kind === "text") {
      const text = engine.render(outcome);
      const size = textOver(text);
      if (!size) return { response: text, failed };
      const error = new EvalError(ErrorCode.LIMIT, tooBig(size, wrote).message);
      return { response: engine.render({ value: error.toValue(), error }), failed: true };
    }
    const value = bounded(outcome.value, wrote);
    const json = JSON.stringify(toJSON(value));
    const size = textOver(json);
    if (size) return { response: JSON.stringify(toJSON(tooBig(size, wrote))), failed: true };
    return { response: json, failed: value.type === 127 };
  };

  /** With the `rings` hand-off: where tasks arrive and answers go (ring.ts). */
  let requests: Ring | undefined;
  let answers: Ring | undefined;
  /** Polls for the next task this long after a lone one (PoolOptions.lingerMs). */
  let lingerMs = 0;
  let linger = false;

  /**
   * Sends results as a message; with rings, after the mark that keeps the message in its
   * place among the answer records (waiting for room if the pool is behind reading them).
   */
  const sendDone = (results: TaskDone[], transfer: Transferable[], shared?: SharedCommit[]) => {
    while (answers && !writeMessageMark(answers)) Atomics.wait(idle, 0, 0, 1);
    scope.postMessage({ kind: "done", results, shared } satisfies FromWorker, transfer);
  };

  /**
   * Runs the tasks of the request ring, answering in the answer ring, until the mark of a
   * message: then returns, so that the worker's event loop delivers that message. Between
   * tasks the thread sleeps in `Atomics.wait` (no event loop turn costs a task anything).
   */
  const serveRing = () => {
    const ring = requests!;
    for (;;) {
      const record = ring.read();
      if (!record) {
        if (linger) {
          // The task was alone: its client's next query is likely a round trip away.
          linger = false;
          const t0 = performance.now();
          while (!ring.waiting && performance.now() - t0 < lingerMs) { /* poll */ }
          continue;
        }
        if (freeResultBytes() === 0) ring.wait();
        else {
          // Idle with arrays kept for reuse (engine/result_buffers.ts): after a second with
          // no task, they go back to the collector instead of staying resident.
          ring.wait(IDLE_DROP_MS);
          if (!ring.waiting) dropFreeResults();
        }
        continue;
      }
      const item = readTask(record);
      if (item === "message") return;
      linger = item.linger === true;
      const transfer: Transferable[] = [];
      const done = runItem(item, transfer);
      const shared = shareDecoded();
      if (!shared && fitsRing(done) && writeAnswer(answers!, done)) continue;
      sendDone([done], transfer, shared);
    }
  };

  /** With messages, a timer lets go of the kept arrays once idle (the rings wait instead). */
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  scope.onmessage = (event: MessageEvent) => {
    clearTimeout(idleTimer);
    handle(event.data as ToWorker);
    if (requests) serveRing();
    if (freeResultBytes() > 0) idleTimer = setTimeout(dropFreeResults, IDLE_DROP_MS);
  };

  const handle = (msg: ToWorker) => {
    if (msg.kind === "init") {
      workerId = msg.worker;
      limits = msg.limits;
      engine.maxVectorBytes = limits.maxVectorBytes;
      engine.permissions = limits.permissions;
      if (msg.net) engine.net = netHook(msg.net);
      progress = new Progress(msg.progress);
      const g = guard = new QueryGuard(progress, limits.maxQueryMemoryBytes);
      engine.poll = () => g.poll();
      // Symbol ids become the pool's, the same in every worker: values in shared memory
      // (a committed SYMBOL column) mean the same names everywhere.
      const order = new SymbolOrder(msg.symbolOrder);
      symbols.share(order);
      engine.shareSymbolOrder(order);
      engine.timers = timerHook(msg.timerCells, () => timerEffects);
      // Started at the first loop long enough to share; they end with this worker.
      if (msg.kernelHelpers > 0) useRangeRunner(new KernelThreads({ helpers: msg.kernelHelpers }));
      apply(msg.commits);
      if (msg.decodeAll) {
        for (const id of [...engine.pending.keys()]) {
          try {
            engine.global(id);
          } catch {
            // left pending: the query that reads it reports the failure
          }
        }
      }
      if (msg.rings) {
        requests = new Ring(msg.rings.requests);
        answers = new Ring(msg.rings.answers);
        lingerMs = msg.rings.lingerMs;
      }
      const shared = shareDecoded();
      scope.postMessage({ kind: "ready", worker: workerId, shared } satisfies FromWorker);
      return;
    }
    if (msg.kind === "adopt") return adopt(msg.values);
    const results: TaskDone[] = [];
    const transfer: Transferable[] = [];
    for (const item of msg.items) {
      try {
        results.push(runItem(item, transfer));
      } catch (e) {
        // A fault outside the evaluator kills this worker: hand back what already ran, so
        // that only the task at fault is lost.
        if (results.length) sendDone(results, transfer);
        throw e;
      }
    }
    sendDone(results, transfer, shareDecoded());
  };

  /** Runs one task against the replica, its writes in an overlay, its reads recorded. */
  function runItem(item: TaskItem, transfer: Transferable[]): TaskDone {
    progress?.start(item.task);
    guard?.start();
    apply(item.commits);
    hooks.beforeTask?.(item.request);
    const overlay = new Map<number, RayObject>();
    engine.overlay = overlay;
    engine.read.clear();
    engine.impure = false;
    timerEffects = [];
    let outcome: Outcome;
    beginClaims(item.copyOnLost ?? false);
    try {
      outcome = evaluate(item.request);
    } finally {
      engine.overlay = undefined;
    }
    const { claims, lost } = endClaims();
    if (lost) {
      // It appended to a version another task is appending to: no answer, no writes; the
      // pool runs it again once that task is settled (and releases what it claimed).
      lastTask = item.task;
      lastOverlay = new Map();
      return {
        task: item.task,
        request: item.request,
        response: null,
        failed: false,
        version,
        reads: [],
        writes: [],
        cacheable: false,
        retry: true,
        claims,
      };
    }
    const sealed = seal(overlay, outcome);
    const writes = sealed.writes;
    const result = respond(item.request, sealed.outcome, writes.length > 0);
    // Answered (encoded or displayed): its large arrays may serve the next results.
    engine.release(outcome.value);
    lastTask = item.task;
    lastOverlay = overlay;
    if (result.response instanceof ArrayBuffer) transfer.push(result.response);
    if ("frame" in item.request && !transfer.includes(item.request.frame)) {
      transfer.push(item.request.frame);
    }
    for (const t of timerEffects) if (t.kind === "start") transfer.push(t.frame);
    return {
      task: item.task,
      request: item.request,
      response: result.response,
      failed: result.failed,
      version,
      reads: [...engine.read].map((id) => symbols.text(id)),
      writes,
      timers: timerEffects.length ? timerEffects : undefined,
      cacheable: !engine.impure && overlay.size === 0 && timerEffects.length === 0,
      ...(claims.length ? { claims } : {}),
    };
  }
}

/** The engine's synchronous network calls, over the pool's network thread (see net.ts). */
function netHook(channel: NetChannel): NetHook {
  const ctrl = new Int32Array(channel.shared, 0, 4);
  const data = new Uint8Array(channel.shared, CHANNEL_DATA);
  const call = (request: NetRequest, timeoutMs = 30_000): Uint8Array => {
    Atomics.store(ctrl, 0, 0);
    channel.port.postMessage(request);
    if (Atomics.wait(ctrl, 0, 0, timeoutMs) === "timed-out") {
      throw new EvalError(8, `no answer from the network thread within ${timeoutMs} ms`);
    }
    const bytes = data.slice(0, Atomics.load(ctrl, 2));
    if (Atomics.load(ctrl, 1) !== 0) throw new EvalError(8, new TextDecoder().decode(bytes));
    return bytes;
  };
  return {
    open: (host, port) => Number(new TextDecoder().decode(call({ op: "open", host, port }))),
    request: (handle, frame) => call({ op: "request", handle, frame }),
    send: (handle, frame) => void call({ op: "send", handle, frame }),
    close: (handle) => void call({ op: "close", handle }),
  };
}
