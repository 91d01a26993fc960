/**
 * The OS-touching builtins (`rayforce-language.md` §3.18–3.19), off unless the server was
 * started with the matching permission, in the spirit of Deno's permissions:
 *
 * | permission | builtins |
 * |---|---|
 * | `--allow-read=DIR` | `read load get` (of a path) `read-csv get-splayed get-parted` |
 * | `--allow-write=DIR` | `write` (to a path) `set` (to a path) `write-csv set-splayed set-parted` |
 * | `--allow-net=HOST:PORT` | `hopen hclose` |
 * | `--allow-system` | `system exit loadfn timer gc memstat rc sysinfo internals args` |
 * | `--allow-env` | `os-get-var os-set-var` |
 *
 * Without it a builtin answers an `os` error naming the flag. Paths are resolved through
 * `realpath` and must stay inside an allowed directory: no `..` or symlink escape.
 *
 * `hopen` connects through the host's `net` hook (the worker pool's network thread), so a
 * handle is valid on every worker. What differs from the engine even when allowed: `exit`
 * (it would stop a shared server), `loadfn` (no native code), `timer` (the host
 * schedules it: see TimerHook), and the splayed and parted tables (splayed.ts) use a
 * layout of ours.
 *
 * @module
 */
import { filesOf, hostOf, readable, writable } from "./host.ts";
import {
  AtomType,
  isAtomOf,
  isVectorOf,
  type Lambda,
  type RayObject,
  str,
  symbols,
  type Table,
  Type,
  type Vector,
} from "../ipc/mod.ts";
import { binary, type BuiltinFn, unary, vary } from "./builtins.ts";
import type { Engine } from "./engine.ts";
import type { SymbolNode } from "./reader.ts";
import { EvalError, osError, typeError } from "./errors.ts";
import { ErrorCode } from "../ipc/errors.ts";
import { listOf } from "./values.ts";
import { readValueFile, writeValueFile } from "./value_files.ts";
import { decodeMessage, encodeMessage, MsgType, NULL } from "../ipc/mod.ts";
import { getBuiltin } from "./meta.ts";
import { setBuiltin } from "./control.ts";
import { serBuiltin } from "./serialize.ts";
import { setSplayed } from "./splayed.ts";

/**
 * Synchronous TCP IPC for `hopen`, `hclose` and `write` to a handle, provided by the
 * host (the worker pool's network thread): the engine itself opens no sockets.
 */
export interface NetHook {
  /** Connects and handshakes; returns a handle. */
  open(host: string, port: number): number;
  /** Sends a sync message and returns the response message. */
  request(handle: number, frame: Uint8Array): Uint8Array;
  /** Sends an async message. */
  send(handle: number, frame: Uint8Array): void;
  /** Closes a handle. */
  close(handle: number): void;
}

/**
 * Periodic calls for `timer`, provided by the host (the worker pool schedules them across
 * its workers): the engine itself keeps no timers.
 */
export interface TimerHook {
  /** Calls `fn` (with `arity` 0 or 1: the timestamp) every `ms` ms, `times` times (0: until cancelled); returns its id. */
  schedule(ms: number, times: number, fn: Lambda, arity: number): number;
  /** Cancels timer `id` (nothing happens if there is none). */
  cancel(id: number): void;
}

/** What the OS builtins may do. Everything is off by default. */
export interface Permissions {
  /** Directories `read`, `load`, `get` and `read-csv` may read below. */
  read?: string[];
  /** Directories `write`, `set` and `write-csv` may write below. */
  write?: string[];
  /** `host:port` pairs `hopen` may connect to. */
  net?: string[];
  /** `system`, `gc`, `memstat`, `sysinfo`, … */
  system?: boolean;
  /** `os-get-var`, `os-set-var`. */
  env?: boolean;
}

const decoder = new TextDecoder();

/** A path, name or command given as a string or a symbol. */
export function text(x: RayObject): string {
  if (isVectorOf(x, Type.C8)) return decoder.decode(x.data);
  if (isAtomOf(x, AtomType.SYMBOL)) return symbols.text(x.value);
  throw typeError("C8", x.type);
}

/** Reads a file under an allowed directory. */
export function readAllowed(e: Engine, path: string): Uint8Array {
  const allowed = readable(e);
  return filesOf(e, allowed).read(path, allowed);
}

/** Writes a file under an allowed directory. */
export function writeAllowed(e: Engine, path: string, bytes: Uint8Array): void {
  const allowed = writable(e);
  filesOf(e, allowed).write(path, bytes, allowed);
}

/** Bytes written for a value: strings and bytes as they are, anything else serialized. */
function bytesOf(e: Engine, x: RayObject): Uint8Array {
  if (isVectorOf(x, Type.C8) || isVectorOf(x, Type.U8)) return x.data;
  return (serBuiltin.fn(e, [x]) as Vector<2>).data;
}

// ---------------------------------------------------------------- files

/**
 * `set` to a path writes a value's file in the engine's layout (engine/object_files.ts) and
 * answers the path (a table's message file answers null, as the engine's); a table to a
 * `dir/` path is splayed. `set` of a name (control.ts) binds a global.
 */
// ---------------------------------------------------------------- network

/** The network hook, or an os error when the flag or the host's network thread is missing. */
function net(e: Engine): NetHook {
  if (!e.permissions.net?.length) throw osError("--allow-net is needed");
  if (!e.net) throw osError("hopen needs the worker pool's network thread");
  return e.net;
}

function handleOf(x: RayObject): number {
  if (x.type !== AtomType.I64 && x.type !== AtomType.I32) throw typeError("i64", x.type);
  return Number(x.value);
}

/** `(write h x)` on a handle: sync for h > 0 (the remote answer), async for (neg h). */
function writeHandle(e: Engine, h: RayObject, x: RayObject): RayObject {
  const hook = net(e);
  const handle = handleOf(h);
  if (handle < 0) {
    hook.send(-handle, encodeMessage(x, MsgType.ASYNC));
    return NULL;
  }
  const { value } = decodeMessage(hook.request(handle, encodeMessage(x, MsgType.SYNC)), {
    resolveBuiltin: e.resolveBuiltin,
  });
  if (value.type === Type.ERROR) {
    throw new EvalError(
      value.code,
      value.code === ErrorCode.USER ? "" : value.message,
      value.message,
    );
  }
  return value;
}

// ---------------------------------------------------------------- system and environment

/** An integer argument (i64, i32 or i16 atom) as a number. */
function integer(x: RayObject, what: string): number {
  if (x.type !== AtomType.I64 && x.type !== AtomType.I32 && x.type !== AtomType.I16) {
    throw typeError(`integer ${what}`, x.type);
  }
  return Number(x.value);
}
function dictOf(e: Engine, entries: [string, RayObject][]): RayObject {
  return {
    type: 99,
    keys: { type: 6, data: Int32Array.from(entries, ([k]) => e.intern(k)) },
    values: listOf(entries.map(([, v]) => v)),
  };
}

/** `(load "file")`: evaluates a file's source (splayed.ts's `load` adds directories). */
export const loadBuiltin: BuiltinFn = unary(
  "load",
  (e, path) => e.eval(e.parse(decoder.decode(readAllowed(e, text(path))))),
  { impure: true },
);

/** The builtins defined here. */
export const OS_BUILTINS: readonly BuiltinFn[] = [
  unary("read", (e, path) => str(decoder.decode(readAllowed(e, text(path)))), { impure: true }),
  loadBuiltin,
  binary("write", (e, target, x) => {
    if (target.type === AtomType.I64 || target.type === AtomType.I32) {
      return writeHandle(e, target, x);
    }
    writeAllowed(e, text(target), bytesOf(e, x));
    return x;
  }, { impure: true }),
  unary("get", (e, x) => {
    if (x.type !== Type.C8) return getBuiltin.fn(e, [x]);
    return readValueFile(e, text(x));
  }, { impure: true, overrides: true }),
  binary("set", (e, target, expr) => {
    if (target.type !== Type.C8) return setBuiltin.fn(e, [target, expr]);
    const value = e.eval(expr);
    const path = text(target);
    if (path.endsWith("/") && value.type === Type.TABLE) {
      setSplayed(e, path, value as Table);
      return target;
    }
    writeValueFile(e, path, value);
    return value.type === Type.TABLE ? NULL : target;
  }, { special: true, impure: true, overrides: true }),
  /** `(hopen "host:port")`: a TCP IPC connection to a Rayforce engine (allowed by --allow-net). */
  vary("hopen", (e, args) => {
    const hook = net(e);
    if (args.length < 1 || args.length > 2) {
      throw new EvalError(ErrorCode.ARITY, `expected 1 argument, got ${args.length}`);
    }
    const address = text(args[0]).replace(/^:/, "");
    const m = /^(.*):(\d+)$/.exec(address);
    if (!m) throw osError(`bad address ${address}: expected host:port`);
    if (!e.permissions.net!.includes(address) && !e.permissions.net!.includes("*")) {
      throw osError(`${address} is not allowed by --allow-net`);
    }
    return { type: -5, value: BigInt(hook.open(m[1], Number(m[2]))) };
  }, { impure: true }),
  unary("hclose", (e, h) => {
    net(e).close(handleOf(h));
    return NULL;
  }, { impure: true }),
  unary("system", (e, cmd) => {
    const run = hostOf(e).process;
    try {
      const out = run.run(text(cmd), 30_000);
      return listOf(
        out.split("\n").filter((l, i, all) => l.length || i < all.length - 1).map((l) => str(l)),
      );
    } catch (err) {
      if (err instanceof EvalError) throw err;
      throw osError((err as Error).message);
    }
  }, { impure: true, permission: "system" }),
  vary("exit", () => {
    throw osError("exit is refused: it would stop a server shared by every connection");
  }, { impure: true, permission: "system" }),
  vary("loadfn", () => {
    throw osError("loadfn is not available: @rf/ws does not load native code");
  }, { impure: true, permission: "system" }),
  /**
   * `(timer ms times fn)` calls `fn` every `ms` milliseconds, `times` times (0: until
   * cancelled), and answers the timer's id; `(timer id)` cancels it. `fn` takes no argument,
   * or one: the current timestamp (UTC). The host schedules the calls (the worker pool runs
   * each as a query of its own); without one, timer answers an `os` error.
   */
  vary("timer", (e, args) => {
    const hook = e.timers;
    if (!hook) throw osError("timer needs a server: this engine has no scheduler");
    if (args.length === 1) {
      hook.cancel(integer(args[0], "timer id"));
      return NULL;
    }
    if (args.length !== 3) {
      throw new EvalError(ErrorCode.ARITY, `expected 1 or 3 arguments, got ${args.length}`);
    }
    const ms = integer(args[0], "interval");
    const times = integer(args[1], "count");
    const fn = args[2];
    if (fn.type !== Type.LAMBDA) throw typeError("LAMBDA", fn.type);
    const params = (fn as Lambda).args;
    const arity = isVectorOf(params, Type.SYMBOL) ? params.data.length : 0;
    if (arity > 1) throw osError(`timer calls its function with 0 or 1 argument, not ${arity}`);
    if (ms < 1) throw osError(`timer interval must be at least 1 ms, not ${ms}`);
    if (times < 0) throw osError(`timer count must be 0 (until cancelled) or more, not ${times}`);
    return { type: -5, value: BigInt(hook.schedule(ms, times, fn as Lambda, arity)) };
  }, { impure: true, permission: "system" }),
  vary("gc", () => {
    return { type: -5, value: 0n };
  }, { impure: true, permission: "system" }),
  /**
   * `(rc x)`: the engine's reference count of x, as its memory model gives it — a literal or a
   * named value at top level is held once (1), a value a call just made is held by nothing
   * yet (0), a lambda's argument twice (2: the caller's and the frame's). Nothing of the
   * machine is revealed, so no permission is needed.
   */
  unary("rc", (e, form) => {
    const rc = (n: number): RayObject => ({ type: -5, value: BigInt(n) });
    if (form.type === Type.LIST) {
      e.eval(form); // its errors are the query's errors
      return rc(0);
    }
    if (form.type === AtomType.SYMBOL) {
      const s = form as SymbolNode;
      if (s.quoted) return rc(0);
      e.eval(form); // an unknown name is a `value` error
      const frame = e.frames[e.frames.length - 1];
      return rc(frame?.vars.has(s.value) ? 2 : 1);
    }
    return rc(1);
  }, { special: true, impure: true }),
  vary("memstat", (e) => {
    const m = hostOf(e).process.memory();
    return dictOf(e, [
      ["msys", { type: -5, value: BigInt(m.rss) }],
      ["heap", { type: -5, value: BigInt(m.heapUsed) }],
      ["free", { type: -5, value: BigInt(Math.max(0, m.heapTotal - m.heapUsed)) }],
      ["syms", { type: -5, value: BigInt(symbols.size) }],
    ]);
  }, { impure: true, permission: "system" }),
  vary("sysinfo", (e) => {
    const m = hostOf(e).process.machine();
    return dictOf(e, [
      ["os", str(m.os)],
      ["arch", str(m.arch)],
      ["cores", { type: -5, value: BigInt(m.cores) }],
      ["memory", { type: -5, value: BigInt(m.memory) }],
    ]);
  }, { impure: true, permission: "system" }),
  vary("internals", (e) => {
    const { pid } = hostOf(e).process.machine();
    return dictOf(e, [["pid", { type: -5, value: BigInt(pid) }]]);
  }, { impure: true, permission: "system" }),
  vary("args", (e) => {
    return dictOf(e, []);
  }, { impure: true, permission: "system" }),
  unary("os-get-var", (e, name) => {
    return str(hostOf(e).process.getEnv(text(name)) ?? "");
  }, { impure: true, permission: "env" }),
  binary("os-set-var", (e, name, value) => {
    hostOf(e).process.setEnv(text(name), text(value));
    return value;
  }, { impure: true, permission: "env" }),
];
