/**
 * Paths confined to the directories of `--allow-read`/`--allow-write`, and files opened so
 * that a symlink swapped in meanwhile cannot lead outside.
 *
 * Resolving a path and then opening it leaves a window: a peer that can write below the
 * allowed directory swaps a file (or a directory on the way) for a symlink to an outside
 * file between the check and the open, and the open follows it. So the file is opened
 * first, then what was opened is checked: the resolved path must still resolve to itself
 * (no symlink on the way now) and name the same file (device and inode) as the descriptor.
 * A swap before the open makes the second check fail, a swap after it the first.
 *
 * @module
 */
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { EvalError, osError } from "../engine/errors.ts";

/**
 * Resolves `path` (a relative one against the working directory, as the engine does) and
 * checks it stays below one of `dirs`. The deepest existing ancestor is resolved through
 * `realpath`, so neither `..` nor a symlink anywhere on the way can lead outside; the
 * caller then uses the returned path, not the one it was given. Errors name the path as
 * given, never the server's absolute paths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confined } from "./confine.ts";
 * assert.throws(
 *   () => confined(["/tmp"], "/etc/passwd", "--allow-read"),
 *   /\/etc\/passwd is outside the directories allowed by --allow-read/,
 * );
 * ```
 */
export function confined(dirs: readonly string[] | undefined, path: string, flag: string): string {
  if (!dirs || dirs.length === 0) throw osError(`${flag} is needed`);
  const roots = dirs.map((d) => realpathSync(d));
  let existing = resolve(path);
  const rest: string[] = [];
  // lstat, not exists: a dangling symlink counts as existing and realpath then refuses it.
  while (!lstatSync(existing, { throwIfNoEntry: false })) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(basename(existing));
    existing = parent;
  }
  let real: string;
  try {
    real = join(realpathSync(existing), ...rest);
  } catch (err) {
    throw osError(`${path}: ${reason(err)}`);
  }
  if (!roots.some((r) => real === r || real.startsWith(r + sep))) {
    throw osError(`${path} is outside the directories allowed by ${flag}`);
  }
  return real;
}

/** What went wrong, without the absolute paths Node puts in its messages. */
function reason(err: unknown): string {
  return ((err as Error).message ?? String(err)).replace(/,? ?[a-z]+ '\/[^']*'( -> '[^']*')?/g, "")
    .trim();
}

/** An `os` error for `path` (as the user gave it), without the server's absolute paths. */
export function pathError(path: string, err: unknown): never {
  if (err instanceof EvalError) throw err;
  throw osError(`${path}: ${reason(err)}`);
}

/** The descriptor names the file at `real`, and `real` has no symlink on the way now. */
function sameFile(fd: number, real: string): boolean {
  try {
    const opened = fstatSync(fd);
    const now = statSync(real);
    return realpathSync(real) === real && opened.dev === now.dev && opened.ino === now.ino;
  } catch {
    return false;
  }
}

function swapped(path: string): EvalError {
  return osError(`${path} changed while it was opened (a symlink swapped in?): refused`);
}

/** Reads a file below `dirs`, opened without following a swapped symlink. */
export function readConfined(
  dirs: readonly string[] | undefined,
  path: string,
  flag: string,
): Uint8Array {
  const real = confined(dirs, path, flag);
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    return pathError(path, err);
  }
  if (!sameFile(fd, real)) {
    closeSync(fd);
    throw swapped(path);
  }
  try {
    return readFileSync(fd);
  } catch (err) {
    return pathError(path, err);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a file below `dirs`: opened (created if need be) without following a symlink,
 * checked, and only then truncated and written, so that a swap never truncates or fills an
 * outside file. A file this call created where a swapped directory led is removed again.
 */
export function writeConfined(
  dirs: readonly string[] | undefined,
  path: string,
  flag: string,
  bytes: Uint8Array,
): void {
  const real = confined(dirs, path, flag);
  const nofollow = constants.O_NOFOLLOW ?? 0;
  let fd: number;
  let created = true;
  try {
    try {
      fd = openSync(real, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | nofollow);
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
      created = false;
      fd = openSync(real, constants.O_WRONLY | nofollow);
    }
  } catch (err) {
    return pathError(path, err);
  }
  if (!sameFile(fd, real)) {
    if (created) removeOpened(fd);
    closeSync(fd);
    throw swapped(path);
  }
  try {
    ftruncateSync(fd, 0);
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
  } catch (err) {
    pathError(path, err);
  } finally {
    closeSync(fd);
  }
}

/** Best effort: unlinks the file a descriptor opened, where Linux tells us its path. */
function removeOpened(fd: number): void {
  try {
    unlinkSync(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    // No /proc: an empty file stays where the swapped link led.
  }
}
