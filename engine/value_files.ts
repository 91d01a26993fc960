/**
 * Values in files, as `set` and `get` of a path keep them (the layouts are
 * engine/object_files.ts): written atomically under `--allow-write`, read under
 * `--allow-read`.
 *
 * @module
 */
import { mkdirSync, renameSync } from "node:fs";
import type { RayObject, Vector } from "../ipc/mod.ts";
import { confined, pathError, readConfined, writeConfined } from "./confine.ts";
import { domainError } from "./errors.ts";
import type { Engine } from "./engine.ts";
import { objectFile, readObjectFile, symbolsOf } from "./object_files.ts";
import { listOf } from "./values.ts";

/** Writes a file atomically: a temporary file renamed into place. */
export function writeFile(e: Engine, path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  writeConfined(e.permissions.write, tmp, "--allow-write", bytes);
  try {
    renameSync(
      confined(e.permissions.write, tmp, "--allow-write"),
      confined(e.permissions.write, path, "--allow-write"),
    );
  } catch (err) {
    pathError(path, err);
  }
}

/** Writes what `(set path x)` writes: the value's file, and a list's `#` file beside it. */
export function writeValueFile(e: Engine, path: string, x: RayObject): void {
  confined(e.permissions.write, path, "--allow-write"); // a refusal before any other error
  const file = objectFile(x);
  if (file.blob) writeFile(e, path + "#", file.blob);
  writeFile(e, path, file.bytes);
}

/**
 * Reads what `(get path)` reads. An enum file's symbols come from `domain` (a symfile's),
 * or else from the global its domain names.
 */
export function readValueFile(e: Engine, path: string, domain?: () => Int32Array): RayObject {
  const read = readObjectFile(
    readConfined(e.permissions.read, path, "--allow-read"),
    () => readConfined(e.permissions.read, path + "#", "--allow-read"),
    e.resolveBuiltin,
  );
  if (read.kind === "value") return read.value;
  const names = domain ? domain() : symbolsOf(e.global(e.intern(read.domain)) ?? listOf([]));
  const ids = new Int32Array(read.indexes.length);
  read.indexes.forEach((at, i) => {
    if (at < 0n || at >= BigInt(names.length)) {
      throw domainError(`symbol index ${at} is outside the ${read.domain} domain`);
    }
    ids[i] = names[Number(at)];
  });
  return { type: 6, data: ids } as Vector<6>;
}

/** Creates a directory (and its parents) under an allowed directory. */
export function makeDir(e: Engine, path: string): void {
  const real = confined(e.permissions.write, path, "--allow-write");
  try {
    mkdirSync(real, { recursive: true });
  } catch (err) {
    pathError(path, err);
  }
}
