/**
 * One server per data directory: a `LOCK` file holding the owner's process id, made with an
 * exclusive create. A lock left by a process that no longer runs (a crash, `kill -9`) is
 * taken over; one held by a running process refuses the start.
 *
 * @module
 */
import { closeSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** Directories this process holds (two servers in one process are refused too). */
const held = new Set<string>();

/** Takes the lock of `dir`; returns the function that releases it. Throws if it is held. */
export function lockDirectory(dir: string): () => void {
  const path = join(realpathSync(dir), "LOCK");
  if (held.has(path)) throw new Error(`${dir} is in use by another server in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      held.add(path);
      return () => {
        held.delete(path);
        try {
          unlinkSync(path);
        } catch { /* already gone */ }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(readFileSync(path, "utf8").trim());
      // Our own pid here is a lock this process does not hold: left by an earlier process.
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`${dir} is in use by another server (process ${owner}, ${path})`);
      }
      unlinkSync(path); // left by a process that is gone
    }
  }
  throw new Error(`cannot lock ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
