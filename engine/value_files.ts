/**
 * Values in files, as `set` and `get` of a path keep them (the layouts are
 * engine/object_files.ts): written atomically under `--allow-write`, read under
 * `--allow-read`.
 *
 * @module
 */
import type { RayObject, Vector } from "../ipc/mod.ts";
import { filesOf, writable } from "./host.ts";
import { readAllowed } from "./os.ts";
import { domainError } from "./errors.ts";
import type { Engine } from "./engine.ts";
import { objectFile, readObjectFile, symbolsOf } from "./object_files.ts";
import { listOf } from "./values.ts";

/** Writes a file atomically: a temporary file renamed into place. */
export function writeFile(e: Engine, path: string, bytes: Uint8Array): void {
  const allowed = writable(e);
  filesOf(e, allowed).replace(path, bytes, allowed);
}

/** Writes what `(set path x)` writes: the value's file, and a list's `#` file beside it. */
export function writeValueFile(e: Engine, path: string, x: RayObject): void {
  const allowed = writable(e);
  filesOf(e, allowed).kind(path, allowed); // a path outside is refused before any other error
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
    readAllowed(e, path),
    () => readAllowed(e, path + "#"),
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
  const allowed = writable(e);
  filesOf(e, allowed).makeDirectory(path, allowed);
}
