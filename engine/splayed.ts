/**
 * Splayed and date-partitioned tables on disk: `set-splayed get-splayed set-parted
 * get-parted`, and `set` / `load` of a directory path (`rayforce-language.md` §3.19).
 *
 * The engine's own layout is known only from its source (📖) and could not be checked
 * against a running engine, so the layout here is ours. It is built on the engine's object
 * file format (what `set` writes to a path, read back by `get`), so every file of a splayed
 * table can also be read on its own with `get`:
 *
 * ```
 * dir/.d         the column names: a SYMBOL vector
 * dir/<column>   each column, one object file
 * ```
 *
 * With a symfile, `(set-splayed "dir/" t "sym")`, SYMBOL columns are stored as I32 indexes
 * into the SYMBOL vector the symfile holds (new symbols are appended to it), so tables
 * that share a symfile store each name once. `(get-splayed "dir/" "sym")` reverses that.
 *
 * A parted table, `(set-parted "root/" 'name t)`, is split on its first DATE column into
 * one splayed table per day, `root/YYYY.MM.DD/name/`, sharing the symfile `root/sym`;
 * the partitions of the days in `t` are replaced, the others kept.
 * `(get-parted "root/" 'name)` reads every partition in date order into one table.
 *
 * Every file is written to a temporary name and renamed into place (the symfile first, `.d`
 * last), so a reader never sees a half-written file or an index past the symfile's end. Paths obey `--allow-read` and
 * `--allow-write` like every file builtin (os.ts).
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  type Atom,
  type List,
  type RayObject,
  symbols,
  type Table,
  type Vector,
} from "../ipc/mod.ts";
import { BUILTINS, unary, vary } from "./builtins.ts";
import type { Engine } from "./engine.ts";
import { domainError, EvalError, typeError } from "./errors.ts";
import { ErrorCode } from "../ipc/errors.ts";
import { formatDate } from "./display.ts";
import { confined, readAllowed, text, writeAllowed } from "./os.ts";
import { pathError } from "./confine.ts";
import { listOf, take } from "./values.ts";

/** Serialized bytes of a value: the object file format `set` and `get` use. */
function serialize(e: Engine, x: RayObject): Uint8Array {
  return (BUILTINS.get("ser")!.fn(e, [x]) as Vector<2>).data;
}

/** Reads an object file. */
function readObject(e: Engine, path: string): RayObject {
  return BUILTINS.get("de")!.fn(e, [{ type: 2, data: readAllowed(e, path) }]);
}

/** Writes an object file atomically: a temporary file renamed into place. */
function writeObject(e: Engine, path: string, x: RayObject): void {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  writeAllowed(e, tmp, serialize(e, x));
  try {
    renameSync(
      confined(e.permissions.write, tmp, "--allow-write"),
      confined(e.permissions.write, path, "--allow-write"),
    );
  } catch (err) {
    pathError(path, err);
  }
}

/** Creates a directory (and its parents) under an allowed directory. */
function makeDir(e: Engine, path: string): void {
  const real = confined(e.permissions.write, path, "--allow-write");
  try {
    mkdirSync(real, { recursive: true });
  } catch (err) {
    pathError(path, err);
  }
}

/** A column name becomes a file name: nothing that could leave the directory or hide. */
function columnFile(name: string): string {
  if (!name || name.startsWith(".") || /[/\\\0]/.test(name)) {
    throw domainError(`column name ${JSON.stringify(name)} cannot name a file`);
  }
  return name;
}

function asTable(x: RayObject): Table {
  if (x.type !== 98) throw typeError("TABLE", x.type);
  return x as Table;
}

function argCount(args: RayObject[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new EvalError(
      ErrorCode.ARITY,
      `expected ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`,
    );
  }
}

/** The symbols of a symfile (empty when it does not exist yet). */
function readSymfile(e: Engine, path: string): Int32Array {
  if (!existsSync(confined(e.permissions.read, path, "--allow-read"))) return new Int32Array(0);
  const v = readObject(e, path);
  if (v.type !== 6) throw typeError("SYMBOL", v.type);
  return (v as Vector<6>).data;
}

/** Writes table `t` splayed in `dir`, SYMBOL columns enumerated against `symfile` if given. */
function setSplayed(e: Engine, dir: string, t: Table, symfile?: string): void {
  const names = Array.from(t.keys.data, (id) => columnFile(symbols.text(id)));
  makeDir(e, dir);
  let domain: Int32Array | undefined;
  let index: Map<number, number> | undefined;
  const columns = t.values.items.map((column) => {
    if (symfile === undefined || column.type !== 6) return column;
    if (!domain || !index) {
      domain = readSymfile(e, symfile);
      index = new Map(Array.from(domain, (id, i) => [id, i]));
    }
    const ids = (column as Vector<6>).data;
    const out = new Int32Array(ids.length);
    const added: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      let at = index.get(ids[i]);
      if (at === undefined) {
        at = index.size;
        index.set(ids[i], at);
        added.push(ids[i]);
      }
      out[i] = at;
    }
    if (added.length) {
      const grown = new Int32Array(domain.length + added.length);
      grown.set(domain);
      grown.set(added, domain.length);
      domain = grown;
    }
    return { type: 4, data: out } as Vector<4>;
  });
  // The symfile first: columns never point past its end.
  if (symfile !== undefined && domain) writeObject(e, symfile, { type: 6, data: domain });
  columns.forEach((c, i) => writeObject(e, join(dir, names[i]), c));
  writeObject(e, join(dir, ".d"), t.keys);
}

/** Reads the table splayed in `dir`, I32 SYMBOL indexes resolved through `symfile` if given. */
function getSplayed(e: Engine, dir: string, symfile?: string): Table {
  const keys = readObject(e, join(dir, ".d"));
  if (keys.type !== 6) throw typeError("SYMBOL", keys.type);
  const domain = symfile === undefined ? undefined : readSymfile(e, symfile);
  const columns = Array.from((keys as Vector<6>).data, (id) => {
    const column = readObject(e, join(dir, columnFile(symbols.text(id))));
    if (!domain || column.type !== 4) return column;
    const at = (column as Vector<4>).data;
    const ids = new Int32Array(at.length);
    for (let i = 0; i < at.length; i++) {
      if (at[i] < 0 || at[i] >= domain.length) {
        throw domainError(`symbol index ${at[i]} is outside the symfile`);
      }
      ids[i] = domain[at[i]];
    }
    return { type: 6, data: ids } as Vector<6>;
  });
  return BUILTINS.get("table")!.fn(e, [keys, listOf(columns)]) as Table;
}

/** The directory form of a path: a trailing `/`. */
function dirPath(x: RayObject): string {
  const path = text(x);
  return path.endsWith("/") ? path : path + "/";
}

/** `(set-splayed "dir/" t [symfile])` → t. */
vary("set-splayed", (e, args) => {
  argCount(args, 2, 3);
  const t = asTable(args[1]);
  setSplayed(e, dirPath(args[0]), t, args[2] ? text(args[2]) : undefined);
  return t;
});

/** `(get-splayed "dir/" [symfile])` → the table. */
vary("get-splayed", (e, args) => {
  argCount(args, 1, 2);
  return getSplayed(e, dirPath(args[0]), args[1] ? text(args[1]) : undefined);
});

/** A partition's directory name is its day. */
const DAY = /^\d{4}\.\d{2}\.\d{2}$/;

function tableName(x: RayObject): string {
  if (x.type !== -6) throw typeError("SYMBOL", x.type);
  return columnFile(symbols.text((x as Atom).value as number));
}

/** `(set-parted "root/" 'name t)` → t: one splayed table per day of t's first DATE column. */
vary("set-parted", (e, args) => {
  argCount(args, 3, 3);
  const root = dirPath(args[0]);
  const name = tableName(args[1]);
  const t = asTable(args[2]);
  const dates = t.values.items.find((c) => c.type === 7) as Vector<7> | undefined;
  if (!dates) throw domainError("set-parted needs a DATE column to partition on");
  const rows = new Map<number, number[]>();
  for (let i = 0; i < dates.data.length; i++) {
    const day = dates.data[i];
    if (day === -2147483648) throw domainError(`row ${i} has a null date: no partition`);
    const list = rows.get(day);
    if (list) list.push(i);
    else rows.set(day, [i]);
  }
  makeDir(e, root);
  for (const [day, idx] of rows) {
    const part: Table = {
      type: 98,
      keys: t.keys,
      values: listOf(t.values.items.map((c) => take(c, idx))) as List,
    };
    setSplayed(e, join(root, formatDate(day), name) + "/", part, join(root, "sym"));
  }
  return t;
});

/** `(get-parted "root/" 'name)` → every day's partition, in date order, as one table. */
vary("get-parted", (e, args) => {
  argCount(args, 2, 2);
  const root = dirPath(args[0]);
  const name = tableName(args[1]);
  const real = confined(e.permissions.read, root, "--allow-read");
  let days: string[];
  try {
    days = readdirSync(real).filter((d) =>
      DAY.test(d) && existsSync(join(real, d, name, ".d")) &&
      statSync(join(real, d, name)).isDirectory()
    ).sort();
  } catch (err) {
    pathError(root, err);
  }
  if (days.length === 0) throw domainError(`no partitions of ${name} in ${root}`);
  const parts = days.map((d) => getSplayed(e, join(root, d, name) + "/", join(root, "sym")));
  const concat = BUILTINS.get("concat")!.fn;
  const first = parts[0];
  if (parts.length === 1) return first;
  const columns = first.values.items.map((_, c) =>
    parts.slice(1).reduce((acc, p) => {
      if (p.keys.data.length !== first.keys.data.length || p.keys.data[c] !== first.keys.data[c]) {
        throw domainError("partitions have different columns");
      }
      return concat(e, [acc, p.values.items[c]]);
    }, first.values.items[c])
  );
  return BUILTINS.get("table")!.fn(e, [first.keys, listOf(columns)]);
});

/** `load` of a directory reads the table splayed there; of a file, evaluates it (os.ts). */
const loadFile = BUILTINS.get("load")!.fn;
unary("load", (e, path) => {
  const real = confined(e.permissions.read, text(path), "--allow-read");
  if (existsSync(real) && statSync(real).isDirectory()) return getSplayed(e, dirPath(path));
  return loadFile(e, [path]);
});
