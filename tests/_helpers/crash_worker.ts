/**
 * Test helper: a pool worker that dies on the query `(crash)` — an uncaught exception in
 * the worker, as a runtime fault would be.
 */
import { type Scope, startWorker } from "../../worker/worker.ts";

startWorker(self as unknown as Scope, {
  beforeTask(request) {
    if (request.kind === "text" && request.source === "(crash)") {
      throw new Error("crash requested by the test");
    }
  },
});
