/**
 * `timer` in a server: `(timer ms times fn)` runs `fn` periodically as a query of its own.
 *
 * A worker cannot own a timer (it may be replaced, and a task may run again after a
 * conflict), so `timer` in a task only records what it asks for; the pool carries that out
 * when the task commits, exactly once, and from then on submits the call like any query,
 * to any worker, under the time limit and against the shared database. Ids come from shared
 * memory, so a worker answers one at once without asking the pool.
 *
 * - {@link timerHook}: the worker side, the engine's `TimerHook`.
 * - {@link Timers}: the pool side, the scheduler.
 *
 * A call is skipped while the previous call of the same timer is still queued or running,
 * so a slow function cannot pile up work. At most {@link MAX_TIMERS} timers run at once.
 *
 * Wiring: the pool makes `new Timers(run)`, where `run` submits a timer's call as a task;
 * each worker's engine gets `timerHook(timers.cells, effects)` (the cells are shared memory);
 * the pool applies a task's `effects` with `timers.apply` when the task commits.
 *
 * @module
 */
import { encodeMessage, type Lambda, MsgType, type RayObject } from "../ipc/mod.ts";
import { listOf } from "../engine/values.ts";
import type { TimerHook } from "../engine/os.ts";
import { osError } from "../engine/errors.ts";

/** Most timers running at once in one server. */
export const MAX_TIMERS = 1000;

/** What a task's `timer` calls asked for, carried out by the pool if the task commits. */
export type TimerEffect =
  /** Start timer `id`: send `frame` (an async IPC message calling the function) every `ms` ms. */
  | {
    kind: "start";
    id: number;
    ms: number;
    /** Calls to make; 0: until cancelled. */
    times: number;
    frame: ArrayBuffer;
    /** The function takes the timestamp: the frame's last 8 bytes are set at each call. */
    stamped: boolean;
  }
  | { kind: "stop"; id: number };

/** Cells of the shared memory: the last id given, and the timers running (kept by the pool). */
const LAST_ID = 0, RUNNING = 1;

/** Milliseconds from the Unix epoch to 2000-01-01, the epoch of Rayforce timestamps. */
const MS_2000 = Date.UTC(2000, 0, 1);

/**
 * The worker's `TimerHook`: gives ids from the shared `cells` and appends what is asked to
 * `effects()` (the running task's list).
 */
export function timerHook(cells: Int32Array, effects: () => TimerEffect[]): TimerHook {
  return {
    schedule(ms: number, times: number, fn: Lambda, arity: number): number {
      const asked = effects().filter((e) => e.kind === "start").length;
      if (Atomics.load(cells, RUNNING) + asked >= MAX_TIMERS) {
        throw osError(`too many timers: at most ${MAX_TIMERS} run at once`);
      }
      const call: RayObject[] = arity ? [fn, { type: -9, value: 0n }] : [fn];
      const frame = encodeMessage(listOf(call), MsgType.ASYNC, { replica: true });
      const id = Atomics.add(cells, LAST_ID, 1) + 1;
      effects().push({
        kind: "start",
        id,
        ms,
        times,
        frame: frame.buffer as ArrayBuffer,
        stamped: arity === 1,
      });
      return id;
    },
    cancel(id: number): void {
      effects().push({ kind: "stop", id });
    },
  };
}

interface Scheduled {
  interval: ReturnType<typeof setInterval>;
  frame: ArrayBuffer;
  stamped: boolean;
  /** Calls left; Infinity until cancelled. */
  left: number;
  /** A call is queued or running. */
  busy: boolean;
}

/** Submits a timer's call as a query of session `session`; `done` when it is answered. */
export type SubmitCall = (frame: ArrayBuffer, session: string, done: () => void) => void;

/** The pool's timers. */
export class Timers {
  /** Shared with every worker (see {@link timerHook}). */
  readonly cells: Int32Array = new Int32Array(new SharedArrayBuffer(8));
  readonly #running = new Map<number, Scheduled>();
  readonly #submit: SubmitCall;
  #closed = false;
  /** Calls made, and calls skipped because the previous one had not finished. */
  readonly counts = { calls: 0, skipped: 0 };

  /** Timers whose calls go through `submit`. */
  constructor(submit: SubmitCall) {
    this.#submit = submit;
  }

  /** Timers running now. */
  get size(): number {
    return this.#running.size;
  }

  /** Carries out a committed task's timer requests, in order. */
  apply(effects: TimerEffect[]): void {
    for (const e of effects) {
      if (e.kind === "stop") this.#stop(e.id);
      else if (!this.#closed && this.#running.size < MAX_TIMERS) this.#start(e);
    }
  }

  /** Stops every timer (the pool is closing). */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#running.keys()]) this.#stop(id);
  }

  #start(e: TimerEffect & { kind: "start" }): void {
    const t: Scheduled = {
      interval: setInterval(() => this.#tick(e.id, t), e.ms),
      frame: e.frame,
      stamped: e.stamped,
      left: e.times === 0 ? Infinity : e.times,
      busy: false,
    };
    this.#running.set(e.id, t);
    Atomics.store(this.cells, RUNNING, this.#running.size);
  }

  #tick(id: number, t: Scheduled): void {
    if (t.busy) {
      this.counts.skipped++;
      return;
    }
    const frame = t.frame.slice(0);
    if (t.stamped) {
      const ns = BigInt(Date.now() - MS_2000) * 1_000_000n;
      new DataView(frame).setBigInt64(frame.byteLength - 8, ns, true);
    }
    t.busy = true;
    this.counts.calls++;
    this.#submit(frame, `timer:${id}`, () => (t.busy = false));
    if (--t.left === 0) this.#stop(id);
  }

  #stop(id: number): void {
    const t = this.#running.get(id);
    if (!t) return;
    clearInterval(t.interval);
    this.#running.delete(id);
    Atomics.store(this.cells, RUNNING, this.#running.size);
  }
}
