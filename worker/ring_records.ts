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
import type { TaskDone, TaskItem, TaskRequest } from "./protocol.ts";
import type { Ring } from "./ring.ts";

const MESSAGE = 0, TASK = 1, ANSWER = 2;
const KINDS: TaskRequest["kind"][] = ["ipc", "text", "json", "call"];
const STYLES: ReplyStyle[] = ["none", "engine", "rich", "seeds"];
/** How an answer's response is held: none, bytes (an IPC frame), UTF-8 text. */
const NO_RESPONSE = 0, BYTES = 1, TEXT = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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
  return ring.write(12 + payload.length, (bytes, at, view) => {
    bytes[at] = TASK;
    bytes[at + 1] = KINDS.indexOf(item.request.kind);
    bytes[at + 2] = style;
    bytes[at + 3] = (item.copyOnLost ? 1 : 0) | (item.linger ? 2 : 0);
    view.setFloat64(at + 4, item.task, true);
    bytes.set(payload, at + 12);
  });
}

/** A task read from a ring, or "message" for the mark of one. */
export function readTask(record: Uint8Array): TaskItem | "message" {
  if (record[0] === MESSAGE) return "message";
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const kind = KINDS[record[1]];
  const payload = record.subarray(12);
  let request: TaskRequest;
  if (kind === "ipc") {
    request = { kind, frame: payload.slice().buffer, reply: STYLES[record[2]] };
  } else if (kind === "call") request = { kind, frame: payload.slice().buffer };
  else request = { kind, source: decoder.decode(payload) };
  return {
    task: view.getFloat64(4, true),
    request,
    commits: [],
    ...(record[3] & 1 ? { copyOnLost: true } : {}),
    ...(record[3] & 2 ? { linger: true } : {}),
  };
}

/**
 * True when the answer can travel in a ring: it wrote nothing, asked for no timer, claimed
 * nothing and need not run again (those travel as messages, with their shared memory).
 */
export function fitsRing(done: TaskDone): boolean {
  return done.writes.length === 0 && !done.timers && !done.claims && !done.retry &&
    done.reads.every((name) => name !== "" && !name.includes("\0"));
}

/**
 * Largest answer record: with every task in flight answered at once (32 by default), the
 * ring still has room; larger answers go as messages.
 */
export const MAX_ANSWER_RECORD = 16 * 1024;

/** Writes an answer (see {@link fitsRing}); false when it does not fit, writing nothing. */
export function writeAnswer(ring: Ring, done: TaskDone): boolean {
  const reads = encoder.encode(done.reads.join("\0"));
  const r = done.response;
  const body = r === null
    ? undefined
    : typeof r === "string"
    ? encoder.encode(r)
    : new Uint8Array(r);
  const size = 24 + reads.length + (body?.length ?? 0);
  if (size > MAX_ANSWER_RECORD) return false;
  return ring.write(size, (bytes, at, view) => {
    bytes[at] = ANSWER;
    bytes[at + 1] = (done.failed ? 1 : 0) | (done.cacheable ? 2 : 0);
    bytes[at + 2] = r === null ? NO_RESPONSE : typeof r === "string" ? TEXT : BYTES;
    view.setFloat64(at + 4, done.task, true);
    view.setFloat64(at + 12, done.version, true);
    view.setUint32(at + 20, reads.length, true);
    bytes.set(reads, at + 24);
    if (body) bytes.set(body, at + 24 + reads.length);
  });
}

/** An answer read from a ring (without its request: the pool still holds it), or "message". */
export function readAnswer(record: Uint8Array): Omit<TaskDone, "request"> | "message" {
  if (record[0] === MESSAGE) return "message";
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const readsLength = view.getUint32(20, true);
  const reads = readsLength
    ? decoder.decode(record.subarray(24, 24 + readsLength)).split("\0")
    : [];
  const body = record.subarray(24 + readsLength);
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
    writes: [],
  };
}
