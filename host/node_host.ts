/**
 * The host of the engine's OS builtins over `node:fs`, `node:child_process`, `node:process`
 * and `node:os`, which Deno and Bun both provide: what every worker of the server gives its
 * engine (engine/host.ts). Files go through confine.ts, so nothing leads outside the
 * allowed directories.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Engine } from "../engine/engine.ts";
 * import { NODE_HOST } from "./node_host.ts";
 * const engine = new Engine();
 * engine.host = NODE_HOST;
 * engine.permissions = { system: true };
 * const lines = engine.evalSource('(system "echo hi")').value; // a list of its output lines
assert.equal(engine.display(lines), "(\n  hi\n)");
 * ```
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { arch, cpus, platform, totalmem } from "node:os";
import process from "node:process";
import type { Allowed, FileHook, HostHook, ProcessHook } from "../engine/host.ts";
import { confined, pathError, readConfined, writeConfined } from "./confine.ts";

const files: FileHook = {
  read: (path, a) => readConfined(a.dirs, path, a.flag),
  write: (path, bytes, a) => writeConfined(a.dirs, path, a.flag, bytes),
  replace(path, bytes, a) {
    const tmp = `${path}.tmp-${crypto.randomUUID()}`;
    writeConfined(a.dirs, tmp, a.flag, bytes);
    try {
      renameSync(real(tmp, a), real(path, a));
    } catch (err) {
      pathError(path, err);
    }
  },
  makeDirectory(path, a) {
    const at = real(path, a);
    try {
      mkdirSync(at, { recursive: true });
    } catch (err) {
      pathError(path, err);
    }
  },
  list(path, a) {
    const at = real(path, a);
    try {
      return readdirSync(at);
    } catch (err) {
      return pathError(path, err);
    }
  },
  kind(path, a) {
    const at = real(path, a);
    try {
      const stat = statSync(at, { throwIfNoEntry: false });
      return stat === undefined ? undefined : stat.isDirectory() ? "directory" : "file";
    } catch (err) {
      return pathError(path, err);
    }
  },
};

function real(path: string, a: Allowed): string {
  return confined(a.dirs, path, a.flag);
}

const host: ProcessHook = {
  run: (command, timeout) =>
    execFileSync("/bin/sh", ["-c", command], { encoding: "utf8", timeout }),
  getEnv: (name) => process.env[name],
  setEnv(name, value) {
    process.env[name] = value;
  },
  memory: () => process.memoryUsage(),
  machine: () => ({
    os: platform(),
    arch: arch(),
    cores: cpus().length,
    memory: totalmem(),
    pid: process.pid,
  }),
};

/** Files, processes and the environment of this process, for an engine's OS builtins. */
export const NODE_HOST: HostHook = Object.freeze({ files, process: host });
