/**
 * What the OS builtins reach outside the engine through: the host's files and process,
 * injected like the network ({@link NetHook}) and timers, so that the engine itself imports no
 * file system, process or operating-system module. The server's workers give every engine
 * `NODE_HOST` (host/node_host.ts); an engine without a host answers an `os` error to the
 * builtins that need one, after checking their permission as always.
 *
 * @module
 */
import type { Engine } from "./engine.ts";
import { osError } from "./errors.ts";

/** Where a file operation may act: directories of a permission, and its flag for messages. */
export interface Allowed {
  /** The allowed directories (none: refused). */
  readonly dirs: readonly string[] | undefined;
  /** The command-line flag that allows it, named in errors (`--allow-read`). */
  readonly flag: string;
}

/**
 * Files below allowed directories. Every method resolves `path` (relative to the working
 * directory) and refuses, with an `os` error naming the path as given, one that leads
 * outside `allowed` (through `..` or a symlink, even one swapped in meanwhile); errors never
 * show the server's absolute paths.
 */
export interface FileHook {
  /** The file's bytes. */
  read(path: string, allowed: Allowed): Uint8Array;
  /** Writes the file in place (created if need be). */
  write(path: string, bytes: Uint8Array, allowed: Allowed): void;
  /** Replaces the file atomically: written beside it, then renamed over it. */
  replace(path: string, bytes: Uint8Array, allowed: Allowed): void;
  /** Creates a directory and its parents. */
  makeDirectory(path: string, allowed: Allowed): void;
  /** The names in a directory. */
  list(path: string, allowed: Allowed): string[];
  /** What is at `path`: a file, a directory, or nothing. */
  kind(path: string, allowed: Allowed): "file" | "directory" | undefined;
}

/** The host process and machine, for `system`, `memstat`, `sysinfo` and the environment. */
export interface ProcessHook {
  /** Runs a shell command and answers its standard output; throws on failure or time-out. */
  run(command: string, timeoutMs: number): string;
  /** An environment variable. */
  getEnv(name: string): string | undefined;
  /** Sets an environment variable. */
  setEnv(name: string, value: string): void;
  /** The process's memory, in bytes. */
  memory(): { rss: number; heapUsed: number; heapTotal: number };
  /** The machine. */
  machine(): { os: string; arch: string; cores: number; memory: number; pid: number };
}

/** The host of an engine's OS builtins. */
export interface HostHook {
  /** Files. */
  readonly files: FileHook;
  /** The process and the machine. */
  readonly process: ProcessHook;
}

/** The engine's host, or an `os` error: this engine was given none. */
export function hostOf(e: Engine): HostHook {
  if (!e.host) throw osError("this engine has no host for files and processes");
  return e.host;
}

/** What `--allow-read` allows this engine. */
export function readable(e: Engine): Allowed {
  return { dirs: e.permissions.read, flag: "--allow-read" };
}

/** What `--allow-write` allows this engine. */
export function writable(e: Engine): Allowed {
  return { dirs: e.permissions.write, flag: "--allow-write" };
}

/** The engine's files, after checking that `allowed` names a directory at all. */
export function filesOf(e: Engine, allowed: Allowed): FileHook {
  if (!allowed.dirs?.length) throw osError(`${allowed.flag} is needed`);
  return hostOf(e).files;
}

/** Joins path segments with `/` (the file hook resolves the result). */
export function joinPath(...parts: string[]): string {
  return parts.join("/").replace(/\/{2,}/g, "/");
}
