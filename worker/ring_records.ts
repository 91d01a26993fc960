/**
 * What the pool and a worker write in their rings (ring.ts): a task, its answer, or a mark
 * that says "the next thing came as a message" (for what a ring cannot carry: commits to
 * apply, writes, large frames, values in shared memory). A thread reads its ring and its
 * messages in one order, so a mark keeps a message in its place among the records.
 *
 * @example
 * ```ts
 * import { Ring } from "./ring.ts";
 * import { readTask, writeTask } from "./ring_records.ts";
 * const ring = Ring.create(4096);
 * writeTask(ring, { task: 7, request: { kind: "text", source: "(+ 1 2)" }, commits: [] });
 * const item = readTask(ring.read()!);
 * if (item === "message" || item.request.kind !== "text") throw new Error("not the task");
 * ```
 *
 * @module
 */
import type { ReplyStyle } from "../ipc/mod.ts";
import type { Change, CommitEntry, TaskDone, TaskItem, TaskRequest, Write } from "./protocol.ts";
import type { Ring } from "./ring.ts";
import { type Claim, claimCell } from "../engine/append.ts";

const MESSAGE = 0, TASK = 1, ANSWER = 2;
const KINDS: TaskRequest["kind"][] = ["ipc", "text", "json", "call"];
const STYLES: ReplyStyle[] = ["none", "engine", "rich", "seeds"];
/** How an answer's response is held: none, bytes (an IPC frame), UTF-8 text. */
const NO_RESPONSE = 0, BYTES = 1, TEXT = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Bytes of change a commit or a write may carry through a ring: an insert's appended rows, not
 * a whole value (which goes as a message, with its shared memory).
 */
export const MAX_RING_CHANGE = 8 * 1024;
const CHANGES: (Change | undefined)[] = [undefined, "append", "columns"];

/** Appends fields to a growing byte list (records are small: plain arrays do). */
class Fields {
  readonly parts: Uint8Array[] = [];
  size = 0;
  #push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  f64(x: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, true);
    this.#push(b);
  }
  bytes(b: Uint8Array): void {
    this.f64(b.length);
    this.#push(b);
  }
  text(t: string): void {
    this.bytes(encoder.encode(t));
  }
  /** The fields, in one array. */
  join(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Reads what {@link Fields} wrote. */
class FieldReader {
  #at = 0;
  readonly #view: DataView;
  readonly #data: Uint8Array;
  constructor(data: Uint8Array) {
    this.#data = data;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  f64(): number {
    const x = this.#view.getFloat64(this.#at, true);
    this.#at += 8;
    return x;
  }
  bytes(): Uint8Array {
    const n = this.f64();
    const b = this.#data.slice(this.#at, this.#at + n);
    this.#at += n;
    return b;
  }
  text(): string {
    return decoder.decode(this.bytes());
  }
}

/** True when a commit can travel in a ring: no value in shared memory, a small change. */
function commitFits(c: { value?: unknown; bytes: ArrayBufferLike }): boolean {
  return !c.value && c.bytes.byteLength <= MAX_RING_CHANGE;
}

/** True when every commit a task must apply first can travel with it in a ring. */
export function commitsFitRing(commits: readonly CommitEntry[]): boolean {
  return commits.every(commitFits);
}

/** A commit's or a write's fields, without its value (see {@link commitFits}). */
function putChange(
  f: Fields,
  c: {
    name: string;
    bytes: ArrayBufferLike;
    change?: Change;
    appended?: number;
    extend?: { rows: number; buffers: number[] };
  },
): void {
  f.text(c.name);
  f.f64(CHANGES.indexOf(c.change));
  f.f64(c.appended ?? 0);
  f.f64(c.extend ? c.extend.rows : -1);
  f.f64(c.extend?.buffers.length ?? 0);
  for (const b of c.extend?.buffers ?? []) f.f64(b);
  f.bytes(new Uint8Array(c.bytes));
}

/** Reads {@link putChange}'s fields; `bytes` in a new shared buffer (the log keeps them). */
function getChange(r: FieldReader): Write {
  const name = r.text();
  const change = CHANGES[r.f64()];
  const appended = r.f64();
  const rows = r.f64();
  const n = r.f64();
  const buffers = Array.from({ length: n }, () => r.f64());
  const b = r.bytes();
  const bytes = new SharedArrayBuffer(b.length);
  new Uint8Array(bytes).set(b);
  return {
    name,
    bytes,
    ...(change ? { change } : {}),
    ...(appended ? { appended } : {}),
    ...(rows >= 0 ? { extend: { rows, buffers } } : {}),
  };
}

/** Writes the mark of a message sent in this place (false when the ring is full). */
export function writeMessageMark(ring: Ring): boolean {
  return ring.write(1, (bytes, at) => (bytes[at] = MESSAGE));
}

/** The payload of a request: its frame, or its source as UTF-8. */
function payloadOf(request: TaskRequest): Uint8Array {
  return "frame" in request ? new Uint8Array(request.frame) : encoder.encode(request.source);
}

/**
 * Writes a task that needs no message (no commits to apply); false when it does not fit,
 * and then nothing is written.
 */
export function writeTask(ring: Ring, item: TaskItem): boolean {
  const payload = payloadOf(item.request);
  const style = item.request.kind === "ipc" ? STYLES.indexOf(item.request.reply) : 0;
  const f = new Fields();
  f.f64(item.commits.length);
  for (const c of item.commits) {
    putChange(f, c);
    f.f64(c.version);
    f.f64(c.worker);
    f.f64(c.task);
    f.f64(c.previous ?? 0);
  }
  const commits = f.join();
  return ring.write(16 + commits.length + payload.length, (bytes, at, view) => {
    bytes[at] = TASK;
    bytes[at + 1] = KINDS.indexOf(item.request.kind);
    bytes[at + 2] = style;
    bytes[at + 3] = item.copyOnLost ? 1 : 0;
    view.setFloat64(at + 4, item.task, true);
    view.setUint32(at + 12, commits.length, true);
    bytes.set(commits, at + 16);
    bytes.set(payload, at + 16 + commits.length);
  });
}

/** A task read from a ring, or "message" for the mark of one. */
export function readTask(record: Uint8Array): TaskItem | "message" {
  if (record[0] === MESSAGE) return "message";
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const kind = KINDS[record[1]];
  const commitBytes = view.getUint32(12, true);
  const r = new FieldReader(record.subarray(16, 16 + commitBytes));
  const commits: CommitEntry[] = [];
  for (let n = r.f64(); n > 0; n--) {
    const w = getChange(r);
    const version = r.f64(), worker = r.f64(), task = r.f64(), previous = r.f64();
    commits.push({ ...w, version, worker, task, ...(previous ? { previous } : {}) });
  }
  const payload = record.subarray(16 + commitBytes);
  let request: TaskRequest;
  if (kind === "ipc") {
    request = { kind, frame: payload.slice().buffer, reply: STYLES[record[2]] };
  } else if (kind === "call") request = { kind, frame: payload.slice().buffer };
  else request = { kind, source: decoder.decode(payload) };
  return {
    task: view.getFloat64(4, true),
    request,
    commits,
    ...(record[3] ? { copyOnLost: true } : {}),
  };
}

/**
 * True when the answer can travel in a ring: it wrote nothing, asked for no timer, claimed
 * nothing and need not run again (those travel as messages, with their shared memory).
 */
export function fitsRing(done: TaskDone): boolean {
  return done.writes.every(commitFits) && !done.timers && !done.retry &&
    done.reads.every((name) => name !== "" && !name.includes("\0"));
}

/**
 * Largest answer record: with every task in flight answered at once (32 by default), the
 * ring still has room; larger answers go as messages.
 */
export const MAX_ANSWER_RECORD = 16 * 1024;

/** Writes an answer (see {@link fitsRing}); false when it does not fit, writing nothing. */
export function writeAnswer(ring: Ring, done: TaskDone): boolean {
  const f = new Fields();
  f.text(done.reads.join("\0"));
  f.f64(done.writes.length);
  for (const w of done.writes) putChange(f, w);
  // A claim travels as its buffer's name: the pool finds the buffer by it (engine/append.ts).
  f.f64(done.claims?.length ?? 0);
  for (const c of done.claims ?? []) {
    f.f64(c.cell[1]);
    f.f64(c.from);
    f.f64(c.to);
  }
  const fields = f.join();
  const r = done.response;
  const body = r === null
    ? undefined
    : typeof r === "string"
    ? encoder.encode(r)
    : new Uint8Array(r);
  const size = 24 + fields.length + (body?.length ?? 0);
  if (size > MAX_ANSWER_RECORD) return false;
  return ring.write(size, (bytes, at, view) => {
    bytes[at] = ANSWER;
    bytes[at + 1] = (done.failed ? 1 : 0) | (done.cacheable ? 2 : 0);
    bytes[at + 2] = r === null ? NO_RESPONSE : typeof r === "string" ? TEXT : BYTES;
    view.setFloat64(at + 4, done.task, true);
    view.setFloat64(at + 12, done.version, true);
    view.setUint32(at + 20, fields.length, true);
    bytes.set(fields, at + 24);
    if (body) bytes.set(body, at + 24 + fields.length);
  });
}

/** An answer read from a ring (without its request: the pool still holds it), or "message". */
export function readAnswer(record: Uint8Array): Omit<TaskDone, "request"> | "message" {
  if (record[0] === MESSAGE) return "message";
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const fieldsLength = view.getUint32(20, true);
  const r = new FieldReader(record.subarray(24, 24 + fieldsLength));
  const readText = r.text();
  const reads = readText ? readText.split("\0") : [];
  const writes: Write[] = [];
  for (let n = r.f64(); n > 0; n--) writes.push(getChange(r));
  const claims: Claim[] = [];
  for (let n = r.f64(); n > 0; n--) {
    const cell = claimCell(r.f64());
    const from = r.f64(), to = r.f64();
    if (cell) claims.push({ cell, from, to });
  }
  const body = record.subarray(24 + fieldsLength);
  const kind = record[2];
  return {
    task: view.getFloat64(4, true),
    response: kind === NO_RESPONSE
      ? null
      : kind === TEXT
      ? decoder.decode(body)
      : body.slice().buffer as ArrayBuffer,
    failed: (record[1] & 1) !== 0,
    cacheable: (record[1] & 2) !== 0,
    version: view.getFloat64(12, true),
    reads,
    writes,
    ...(claims.length ? { claims } : {}),
  };
}
