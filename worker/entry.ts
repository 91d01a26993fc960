/**
 * The module each pool worker runs: `new Worker(new URL("./entry.ts", import.meta.url))`.
 *
 * @module
 */
import { type Scope, startWorker } from "./worker.ts";

startWorker(self as unknown as Scope);
