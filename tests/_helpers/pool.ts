/** Test helper: a worker pool for one test, with a function that runs text queries on it. */
import { type PoolOptions, WorkerPool } from "../../worker/pool.ts";

/** Runs a text query on the pool for `session` (default "t") and answers the display text. */
export type TextQuery = (source: string, session?: string) => Promise<string>;

/** Runs `body` with a fresh pool and a {@link TextQuery} on it; closes the pool afterwards. */
export async function withPool(
  options: PoolOptions,
  body: (pool: WorkerPool, q: TextQuery) => Promise<void>,
): Promise<WorkerPool> {
  const pool = new WorkerPool(options);
  const q: TextQuery = async (source, session = "t") =>
    (await pool.run({ kind: "text", source }, session)).response as string;
  try {
    await body(pool, q);
  } finally {
    await pool.close();
  }
  return pool;
}
