/**
 * `read-csv` and `write-csv` as the engine reads and writes CSV (found by asking it; session
 * `csv` and tests/csv.test.ts):
 *
 * - written: a header line, then one line per row, every line ending in `\n`; doubles as C's
 *   `%g` (`1e+20`, `1.23457e+06`, `inf`), a null as an empty field, booleans `true`/`false`,
 *   temporals as displayed, a field holding the separator or a quote quoted (`"q""z"`).
 * - read: a field's text converted per column type as the engine's scanners do — integers
 *   by their leading digits (an empty field is 0), doubles by the engine's decimal scanner
 *   (an empty field is null), dates, times and timestamps by the cast scanners
 *   (engine/temporal_text.ts), strings as they are; a quoted field runs to its next quote.
 * - the separator is a char (`';'`); a string there is a `type` error, as the engine's.
 *
 * @module
 */
import {
  allocVector,
  AtomType,
  isAtomOf,
  isVectorOf,
  NULL,
  type RayObject,
  str,
  symbols,
  type Table,
  Type,
  typeName,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { type BuiltinFn, vary } from "./builtins.ts";
import type { Engine } from "./engine.ts";
import { decimalToDouble } from "./decimal.ts";
import { formatScalar } from "./display.ts";
import { EvalError, typeError } from "./errors.ts";
import { ErrorCode } from "../ipc/errors.ts";
import { readAllowed, text, writeAllowed } from "./os.ts";
import { dateFromText, timeFromText, timestampFromText } from "./temporal_text.ts";
import { isNullValue, listOf, vectorItem } from "./values.ts";
import { makeTable } from "./tables.ts";

const decoder = new TextDecoder();

/** C's `printf("%g", x)`: six significant digits, trailing zeros dropped. */
export function printfG(x: number): string {
  if (x !== x) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, exp] = x.toExponential(5).split("e");
  const e = Number(exp);
  const strip = (s: string) => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);
  if (e < -4 || e >= 6) {
    return `${strip(mantissa)}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return strip(x.toFixed(5 - e));
}

/** The separator argument: a char. */
function separator(x: RayObject | undefined): string {
  if (x === undefined) return ",";
  if (!isAtomOf(x, AtomType.C8)) throw typeError("c8", typeName(x.type));
  return String.fromCharCode(x.value);
}

function arity(args: RayObject[]): void {
  if (args.length < 2 || args.length > 3) {
    throw new EvalError(ErrorCode.ARITY, `expected 2 or 3 arguments, got ${args.length}`);
  }
}

/** One field of a column as the engine writes it. */
function field(column: RayObject, row: number, sep: string): string {
  if (column.type === Type.LIST) {
    const item = column.items[row];
    return isVectorOf(item, Type.C8) ? quoted(decoder.decode(item.data), sep) : "";
  }
  const v = column as Vector;
  const value = vectorItem(v, row);
  const raw = value.value;
  if (v.type !== Type.B8 && isNullValue(v.type, raw)) return "";
  switch (v.type) {
    case Type.B8:
      return raw ? "true" : "false";
    case Type.SYMBOL:
      return quoted(symbols.text(raw as number), sep);
    case Type.F64:
      return printfG(raw as number);
    case Type.C8:
      return quoted(decoder.decode(v.data), sep);
    case Type.U8:
    case Type.I16:
    case Type.I32:
    case Type.I64:
      return String(raw);
  }
  return formatScalar(v.type, raw, true);
}

/** A text field, quoted when it holds the separator, a quote or a line break. */
function quoted(s: string, sep: string): string {
  return s.includes(sep) || /["\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The fields of a line: a quoted field runs to its next quote; the rest to the separator. */
function fields(line: string, sep: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      const end = line.indexOf('"', i + 1);
      out.push(line.slice(i + 1, end < 0 ? line.length : end));
      const next = line.indexOf(sep, end < 0 ? line.length : end);
      i = next < 0 ? line.length + 1 : next + 1;
    } else {
      const next = line.indexOf(sep, i);
      out.push(line.slice(i, next < 0 ? line.length : next));
      i = next < 0 ? line.length + 1 : next + 1;
    }
  }
  return out;
}

/** The leading whole number of a field, as C's `strtol` reads it (0 when there is none). */
function leadingInteger(s: string): bigint {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? BigInt(m[0].trim()) : 0n;
}

/** A column of one type from its fields. */
function column(e: Engine, t: number, cells: string[]): RayObject {
  switch (t) {
    case Type.C8:
      return listOf(cells.map((s) => str(s)));
    case Type.SYMBOL:
      return { type: 6, data: Int32Array.from(cells, (s) => e.intern(s)) };
    case Type.F64:
      return {
        type: 10,
        data: Float64Array.from(cells, (s) => {
          const m = /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
          return s === "" ? NaN : m ? decimalToDouble(m[0].trim()) : 0;
        }),
      };
    case Type.B8:
      return { type: 1, data: Uint8Array.from(cells, (s) => (s === "true" ? 1 : 0)) };
    case Type.U8:
    case Type.I16:
    case Type.I32:
    case Type.I64: {
      // The low bits of the number, as C's narrowing keeps them (typed arrays wrap the same).
      const data = allocVector(t, cells.length) as Int32Array | BigInt64Array;
      cells.forEach((s, i) => {
        const v = BigInt.asIntN(64, leadingInteger(s));
        if (data instanceof BigInt64Array) data[i] = v;
        else data[i] = Number(BigInt.asIntN(32, v));
      });
      return { type: t, data } as Vector;
    }
    case Type.DATE:
      return { type: 7, data: Int32Array.from(cells, dateFromText) };
    case Type.TIME:
      return { type: 8, data: Int32Array.from(cells, timeFromText) };
    case Type.TIMESTAMP:
      return { type: 9, data: BigInt64Array.from(cells, timestampFromText) };
  }
  throw typeError("a column type", typeName(t));
}

/** A CSV column type: a vector type name (`I64`, `SYMBOL`, `C8`, …) → its code. */
function csvType(name: string): number {
  const t = (Type as Record<string, number>)[name];
  if (t === undefined || t < 1 || t > 12 || t === Type.GUID) throw typeError("a column type", name);
  return t;
}

/** The builtins defined here. */
export const CSV_BUILTINS: readonly BuiltinFn[] = [
  /** `(write-csv path table [sep])` → null. */
  vary("write-csv", (e, args) => {
    arity(args);
    const [path, t, sepArg] = args;
    if (t.type !== Type.TABLE) throw typeError("TABLE", t.type);
    const sep = separator(sepArg);
    const table = t as Table;
    const columns = table.values.items;
    const rows = columns.length === 0
      ? 0
      : columns[0].type === Type.LIST
      ? columns[0].items.length
      : vectorLength(columns[0] as Vector);
    const lines = [Array.from(table.keys.data, (id) => symbols.text(id)).join(sep)];
    for (let r = 0; r < rows; r++) lines.push(columns.map((c) => field(c, r, sep)).join(sep));
    writeAllowed(e, text(path), new TextEncoder().encode(lines.join("\n") + "\n"));
    return NULL;
  }, { impure: true }),
  /** `(read-csv [TYPES] path [sep])`: a table from a CSV file with a header line. */
  vary("read-csv", (e, args) => {
    arity(args);
    const [types, path, sepArg] = args;
    if (types.type !== Type.SYMBOL) throw typeError("SYMBOL", types.type);
    const sep = separator(sepArg);
    // Every line is a row, an empty one too (a single null field); the last newline ends one.
    const lines = decoder.decode(readAllowed(e, text(path))).split(/\r?\n/);
    if (lines.at(-1) === "") lines.pop();
    const header = fields(lines.shift() ?? "", sep);
    const typeIds = Array.from(types.data, (id) => csvType(symbols.text(id)));
    if (typeIds.length !== header.length) {
      throw new EvalError(ErrorCode.LENGTH, `need ${header.length}, have ${typeIds.length}`);
    }
    const rows = lines.map((l) => fields(l, sep));
    const columns = typeIds.map((t, c) => column(e, t, rows.map((r) => r[c] ?? "")));
    return makeTable(
      { type: 6, data: Int32Array.from(header, (h) => e.intern(h)) },
      listOf(columns),
    );
  }, { impure: true }),
];
