/**
 * An error answer in the form a request expects: an error frame for a sync IPC message
 * (none for async), a JSON error for JSON queries, the REPL error block for text. Used
 * by the worker pool, the upstream pool and the server when they refuse or lose a query.
 *
 * @module
 */
import { encodeReply, errorName, errorValue } from "../ipc/mod.ts";
import type { TaskRequest } from "./protocol.ts";

/** The answer to a task (see `WorkerPool.run`). */
export interface TaskResult {
  /** IPC: the response message (null for async messages); text/json: the text. */
  response: ArrayBuffer | string | null;
  /** True when the answer is an error. */
  failed: boolean;
}

/** True when a request expects an answer (an IPC message's reply style is not `none`). */
export function expectsAnswer(request: TaskRequest): boolean {
  if (request.kind === "call") return false;
  return request.kind !== "ipc" || request.reply !== "none";
}

/** The error answer for `request` with a Rayforce error code and message. */
export function failureResult(
  request: TaskRequest,
  code: number,
  message: string,
): TaskResult {
  if (request.kind === "call") return { response: null, failed: true }; // never answered
  if (request.kind === "ipc") {
    const reply = encodeReply(errorValue(code, message), request.reply);
    return { response: reply && reply.buffer as ArrayBuffer, failed: true };
  }
  if (request.kind === "json") {
    return { response: JSON.stringify({ error: errorName(code), code, message }), failed: true };
  }
  return { response: `\n  × Error: ${errorName(code)}\n    ├─ ${message}\n`, failed: true };
}
