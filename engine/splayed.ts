/**
 * Splayed and date-partitioned tables on disk in the engine's own layout, so that a real
 * engine reads what we write and we read what it wrote: `set-splayed get-splayed set-parted
 * get-parted`, and `set` / `load` of a directory path (`rayforce-language.md` §3.19). The
 * files are those of engine/object_files.ts:
 *
 * ```text
 * dir/.d         the column names: a message of a SYMBOL vector
 * dir/<column>   a vector file; a list file and dir/<column>#; for SYMBOL an enum file
 * dir/sym        the symbols the enum files index (or the symfile given instead)
 * ```
 *
 * A symfile shared by several tables grows: its symbols keep their indexes, new ones are
 * appended (the engine orders a fresh domain by its hash table, which no other program can
 * reproduce; we keep the order of first appearance, and each side reads the other's). We
 * read SYMBOL columns back as SYMBOL vectors (the engine gives ENUMs, which it cannot send).
 *
 * A parted table is a directory of days, `root/YYYY.MM.DD/name/`, each a splayed table;
 * `(get-parted "root/" 'name)` reads them in date order into one table whose first column,
 * `Date`, holds each row's day, as the engine's does. `(set-parted "dir/" t)` writes `t`
 * splayed, as the engine's does; `(set-parted "root/" 'name t)`, ours, writes one partition
 * per day of t's first DATE column, each with its own `sym`, which the engine reads.
 *
 * Every file is written to a temporary name and renamed into place (the symbols first, `.d`
 * last), so a reader never sees a half-written file or an index past the symbols' end. Paths
 * obey `--allow-read` and `--allow-write` like every file builtin (os.ts).
 *
 * @module
 */
import {
  AtomType,
  isAtomOf,
  type List,
  type RayObject,
  symbols,
  type Table,
  Type,
  type Vector,
} from "../ipc/mod.ts";
import { type BuiltinFn, unary, vary } from "./builtins.ts";
import type { Engine } from "./engine.ts";
import { domainError, EvalError, typeError } from "./errors.ts";
import { ErrorCode } from "../ipc/errors.ts";
import { formatDate } from "./display.ts";
import { text } from "./os.ts";
import { filesOf, joinPath, readable } from "./host.ts";
import { isFileName, splayedFiles, symbolsOf } from "./object_files.ts";
import { makeDir, readValueFile, writeFile } from "./value_files.ts";
import { daysOfDate } from "./calendar.ts";
import { count, listOf, take } from "./values.ts";
import { makeTable } from "./tables.ts";
import { concat } from "./collections.ts";
import { loadBuiltin } from "./os.ts";

/** A column name becomes a file name: nothing that could leave the directory or hide. */
function columnFile(name: string): string {
  if (!isFileName(name)) {
    throw domainError(`column name ${JSON.stringify(name)} cannot name a file`);
  }
  return name;
}

function asTable(x: RayObject): Table {
  if (x.type !== Type.TABLE) throw typeError("TABLE", x.type);
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

/** The symbols of a symbol file (none when it does not exist yet). */
function readSymbols(e: Engine, path: string): Int32Array {
  const allowed = readable(e);
  if (filesOf(e, allowed).kind(path, allowed) === undefined) return new Int32Array(0);
  return symbolsOf(readValueFile(e, path));
}

/** Writes table `t` splayed in `dir`; SYMBOL columns index `symfile` (default `dir/sym`). */
export function setSplayed(e: Engine, dir: string, t: Table, symfile?: string): void {
  makeDir(e, dir);
  const hasSymbols = t.values.items.some((c) => c.type === Type.SYMBOL);
  const domain = symfile !== undefined && hasSymbols ? Array.from(readSymbols(e, symfile)) : [];
  const files = splayedFiles(t, domain, (id) => columnFile(symbols.text(id)));
  // The symbols first: columns never point past their end; .d last.
  if (files.symbols) writeFile(e, symfile ?? joinPath(dir, "sym"), files.symbols);
  for (const { name, file } of files.columns) {
    if (file.blob) writeFile(e, joinPath(dir, name + "#"), file.blob);
    writeFile(e, joinPath(dir, name), file.bytes);
  }
  writeFile(e, joinPath(dir, ".d"), files.names);
}

/** Reads the table splayed in `dir`, its SYMBOL columns through `symfile` (default `dir/sym`). */
function getSplayed(e: Engine, dir: string, symfile?: string): Table {
  const keys = readValueFile(e, joinPath(dir, ".d"));
  let domain: Int32Array | undefined;
  const symbolsOnce = () => (domain ??= readSymbols(e, symfile ?? joinPath(dir, "sym")));
  const columns = Array.from(
    symbolsOf(keys),
    (id) => readValueFile(e, joinPath(dir, columnFile(symbols.text(id))), symbolsOnce),
  );
  return makeTable(keys, listOf(columns)) as Table;
}

/** The directory form of a path: a trailing `/`. */
function dirPath(x: RayObject): string {
  const path = text(x);
  return path.endsWith("/") ? path : path + "/";
}

/** A partition's directory name is its day. */
const DAY = /^\d{4}\.\d{2}\.\d{2}$/;

function tableName(x: RayObject): string {
  if (!isAtomOf(x, AtomType.SYMBOL)) throw typeError("SYMBOL", x.type);
  return columnFile(symbols.text(x.value));
}

/** The builtins defined here. */
export const SPLAYED_BUILTINS: readonly BuiltinFn[] = [
  /** `(set-splayed "dir/" t [symfile])` → the path. */
  vary("set-splayed", (e, args) => {
    argCount(args, 2, 3);
    setSplayed(e, dirPath(args[0]), asTable(args[1]), args[2] ? text(args[2]) : undefined);
    return args[0];
  }, { impure: true }),
  /** `(get-splayed "dir/" [symfile])` → the table. */
  vary("get-splayed", (e, args) => {
    argCount(args, 1, 2);
    return getSplayed(e, dirPath(args[0]), args[1] ? text(args[1]) : undefined);
  }, { impure: true }),
  /**
   * `(set-parted "dir/" t)` → the path: t splayed, as the engine's; `(set-parted "root/" 'name
   * t)` → t: one splayed partition per day of t's first DATE column.
   */
  vary("set-parted", (e, args) => {
    argCount(args, 2, 3);
    if (args.length === 2) {
      setSplayed(e, dirPath(args[0]), asTable(args[1]));
      return args[0];
    }
    const root = dirPath(args[0]);
    const name = tableName(args[1]);
    const t = asTable(args[2]);
    const dates = t.values.items.find((c) => c.type === Type.DATE) as Vector<7> | undefined;
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
      setSplayed(e, joinPath(root, formatDate(day), name) + "/", part);
    }
    return t;
  }, { impure: true }),
  /** `(get-parted "root/" 'name)` → the days' partitions in date order, `Date` first. */
  vary("get-parted", (e, args) => {
    argCount(args, 2, 2);
    const root = dirPath(args[0]);
    const name = tableName(args[1]);
    const allowed = readable(e);
    const files = filesOf(e, allowed);
    const days = files.list(root, allowed).filter((d) =>
      DAY.test(d) && files.kind(joinPath(root, d, name, ".d"), allowed) !== undefined &&
      files.kind(joinPath(root, d, name), allowed) === "directory"
    ).sort();
    if (days.length === 0) throw domainError(`no partitions of ${name} in ${root}`);
    const parts = days.map((d) => getSplayed(e, joinPath(root, d, name) + "/"));
    const first = parts[0];
    const columns = first.values.items.map((_, c) =>
      parts.slice(1).reduce((acc, p) => {
        if (
          p.keys.data.length !== first.keys.data.length || p.keys.data[c] !== first.keys.data[c]
        ) {
          throw domainError("partitions have different columns");
        }
        return concat(acc, p.values.items[c], e.maxVectorBytes);
      }, first.values.items[c])
    );
    const day = (d: string) => {
      const [y, m, dd] = d.split(".").map(Number);
      return daysOfDate(y, m, dd);
    };
    const dateColumn = Int32Array.from(
      parts.flatMap((p, i) => Array(count(p.values.items[0] ?? listOf([]))).fill(day(days[i]))),
    );
    const keys = Int32Array.of(e.intern("Date"), ...first.keys.data);
    return makeTable(
      { type: 6, data: keys } as Vector<6>,
      listOf([{ type: 7, data: dateColumn } as Vector<7>, ...columns]),
    );
  }, { impure: true }),
  /** `load` of a directory reads the table splayed there; of a file, evaluates it (os.ts). */
  unary("load", (e, path) => {
    const allowed = readable(e);
    if (filesOf(e, allowed).kind(text(path), allowed) === "directory") {
      return getSplayed(e, dirPath(path));
    }
    return loadBuiltin.fn(e, [path]);
  }, { impure: true, overrides: true }),
];
