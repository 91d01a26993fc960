/**
 * Test helper (a Web Worker): swaps `path` between a regular file holding `inside` and a
 * symlink to `target`, as fast as it can, until the shared flag is set — the attacker of
 * the symlink race (issue 20, item 7). `inside: null` swaps between nothing and the link.
 */
import { rmSync, symlinkSync, writeFileSync } from "node:fs";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(m: unknown): void;
};
scope.onmessage = (e: MessageEvent) => {
  const { path, target, inside, stop } = e.data as {
    path: string;
    target: string;
    inside: string | null;
    stop: SharedArrayBuffer;
  };
  const flag = new Int32Array(stop);
  const post = (m: unknown) => scope.postMessage(m);
  post("started");
  let swaps = 0;
  while (Atomics.load(flag, 0) === 0) {
    try {
      rmSync(path, { force: true });
      symlinkSync(target, path);
      rmSync(path, { force: true });
      if (inside !== null) writeFileSync(path, inside);
      swaps++;
    } catch {
      // a reader holding it open, or a file the writer created: go on swapping
    }
  }
  post(swaps);
};
