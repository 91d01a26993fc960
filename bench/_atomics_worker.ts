/**
 * Benchmark helper: answers through shared memory instead of messages. Given a
 * SharedArrayBuffer, it blocks on cell 0 (`Atomics.wait`) and echoes each new value into
 * cell 1 with `Atomics.notify`; a negative value stops it. While cell 2 holds a number of
 * microseconds, it first polls cell 0 that long after each answer, as a pool worker lingers
 * after a lone task (worker/pool.ts `lingerMs`).
 */
const scope = self as unknown as { onmessage: (e: MessageEvent) => void };
scope.onmessage = (e: MessageEvent) => {
  const cells = new Int32Array(e.data as SharedArrayBuffer);
  let seen = 0;
  for (;;) {
    const linger = Atomics.load(cells, 2) / 1000;
    if (linger > 0) {
      const t0 = performance.now();
      while (Atomics.load(cells, 0) === seen && performance.now() - t0 < linger) { /* poll */ }
    }
    Atomics.wait(cells, 0, seen);
    seen = Atomics.load(cells, 0);
    if (seen < 0) return;
    Atomics.store(cells, 1, seen);
    Atomics.notify(cells, 1);
  }
};
