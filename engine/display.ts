/**
 * The REPL display format of the engine (`core/format.c`, `rayforce-ipc.md` §8): what the
 * REPL prints and what `format` returns. Values render in top-level mode; elements inside
 * containers in a compact nested mode. Vectors and strings stop at an 80-character budget
 * with `..` (compact dicts do not); tables are box drawings.
 *
 * Widths count UTF-16 code units where the engine counts bytes: identical for ASCII.
 *
 * @module
 */
import {
  AtomType,
  errorName,
  guidText,
  isNullGuid,
  isVector,
  type RayObject,
  splitTimestamp,
  symbols,
  Type,
  typeName,
  type Vector,
  vectorLength,
} from "../ipc/mod.ts";
import { dateFields } from "./calendar.ts";
import { NULL_I16, NULL_I32, NULL_I64 } from "./values.ts";

/** Display settings (`(system "set-display-width N")`, `(system "set-fpr N")`). */
export interface DisplayOptions {
  /** Character budget of vectors and strings. Default 80. */
  width?: number;
  /** Digits after the point for f64. Default 2. */
  precision?: number;
}

const MAX_LIST_ITEMS = 50;
const MAX_TABLE_ROWS = 20;
const MAX_TABLE_COLS = 10;
const MAX_CELL = 38;
const decoder = new TextDecoder();

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** `2024.01.01`, `0Nd` for null. */
export function formatDate(days: number): string {
  if (days === NULL_I32) return "0Nd";
  const { year, month, day } = dateFields(days);
  return `${String(year).padStart(4, "0")}.${pad2(month)}.${pad2(day)}`;
}

/** `12:30:00.500`, negative `-01:00:00.000`, `0Nt` for null; 256 hours show as `00`. */
export function formatTime(ms: number): string {
  if (ms === NULL_I32) return "0Nt";
  const sign = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  const h = Math.floor(a / 3_600_000) % 256; // the engine keeps hours in 8 bits
  const m = Math.floor(a / 60_000) % 60;
  const s = Math.floor(a / 1000) % 60;
  return `${sign}${pad2(h)}:${pad2(m)}:${pad2(s)}.${String(a % 1000).padStart(3, "0")}`;
}

/** `2024.01.01D12:30:00.000000001`, `0Np` for null. */
export function formatTimestamp(ns: bigint): string {
  if (ns === NULL_I64) return "0Np";
  const { days, nanos } = splitTimestamp(ns);
  const secs = Number(nanos / 1_000_000_000n);
  const frac = String(nanos % 1_000_000_000n).padStart(9, "0");
  return `${formatDate(days)}D${pad2(Math.floor(secs / 3600))}:${
    pad2(Math.floor(secs / 60) % 60)
  }:${pad2(secs % 60)}.${frac}`;
}

/** f64: `%.Nf` when 0.1 ≤ |x| ≤ 10⁶, else `%.Ne`; zero `0.00`; NaN `0Nf`. */
export function formatF64(x: number, precision = 2): string {
  if (Number.isNaN(x)) return "0Nf";
  if (x === 0) return (0).toFixed(precision);
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const e = Math.log10(Math.abs(x));
  if (e >= -1 && e <= 6) return x.toFixed(precision);
  const s = x.toExponential(precision);
  // C prints at least two exponent digits: 1.23e+08, 5.00e-02.
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** A GUID's text, `0Ng` for the null GUID. */
function guidDisplay(b: Uint8Array, off: number): string {
  return isNullGuid(b, off) ? "0Ng" : guidText(b, off);
}

const CHAR_ESCAPES: Record<number, string> = { 10: "\\n", 13: "\\r", 9: "\\t", 34: '\\"' };

function escapeChar(code: number, inString: boolean): string {
  if (code === 0) return " ";
  const esc = CHAR_ESCAPES[code];
  if (esc !== undefined && (inString || code !== 34)) return esc;
  if (code === 34 && !inString) return '\\"';
  if (code < 32) return "\\" + code.toString(8).padStart(3, "0");
  return charText(code);
}

/** One byte as text: a byte of 128 or more alone is not UTF-8, and shows as U+FFFD. */
const charText = (code: number) => (code < 128 ? String.fromCharCode(code) : "\uFFFD");

/** A string (C8 bytes) with the engine's escapes, cut at `budget` characters with `..`. */
function formatString(bytes: Uint8Array, quoted: boolean, budget: number): string {
  const text = decoder.decode(bytes);
  let out = quoted ? '"' : "";
  let cut = false;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const piece = code < 128 ? escapeChar(code, true) : ch;
    out += piece;
    if (out.length >= budget) {
      cut = true;
      break;
    }
  }
  if (cut) out += "..";
  return quoted ? out + '"' : out;
}

/** One scalar of base type `t` (1–12) in its atom form (top-level unless `nested`). */
export function formatScalar(
  t: number,
  v: number | bigint | Uint8Array,
  nested: boolean,
  precision = 2,
  off = 0,
): string {
  switch (t) {
    case Type.B8:
      return v !== 0 ? "true" : "false";
    case Type.U8:
      return "0x" + (v as number).toString(16).padStart(2, "0");
    case Type.I16:
      return v === NULL_I16 ? "0Nh" : String(v);
    case Type.I32:
      return v === NULL_I32 ? "0Ni" : String(v);
    case Type.I64:
      return v === NULL_I64 ? "0Nl" : String(v);
    case Type.SYMBOL:
      return v === 0 ? (nested ? "" : "0Ns") : symbols.text(v as number);
    case Type.DATE:
      return formatDate(v as number);
    case Type.TIME:
      return formatTime(v as number);
    case Type.TIMESTAMP:
      return formatTimestamp(v as bigint);
    case Type.F64:
      return formatF64(v as number, precision);
    case Type.GUID:
      return guidDisplay(v as Uint8Array, off);
    case Type.C8: {
      const code = v as number;
      if (nested) return code === 0 ? " " : charText(code);
      if (code === 0) return "''"; // the null char, as the engine shows it
      return "'" + escapeChar(code, false) + "'";
    }
  }
  return "?";
}

/** Renders a value as the REPL shows it (top level) or as an element (nested). */
export class Formatter {
  /** Display width in characters. */
  readonly width: number;
  /** Digits after the point for f64 values. */
  readonly precision: number;
  /** A formatter with these settings (the engine's defaults otherwise). */
  constructor(options: DisplayOptions = {}) {
    this.width = options.width ?? 80;
    this.precision = options.precision ?? 2;
  }

  /** The REPL's text of `x` (what `format` returns for a non-string). */
  top(x: RayObject): string {
    const t = x.type;
    if (t < 0) {
      const a = x as { value: number | bigint | Uint8Array };
      return formatScalar(-t, a.value, false, this.precision);
    }
    if (t === Type.C8) return formatString(x.data, true, this.width);
    if (t >= 1 && t <= 11) return this.vector(x as Vector);
    switch (x.type) {
      case Type.LIST: {
        if (x.items.length === 0) return "()";
        const lines = ["("];
        const n = Math.min(x.items.length, MAX_LIST_ITEMS);
        for (let i = 0; i < n; i++) lines.push("  " + this.nested(x.items[i]));
        if (x.items.length > MAX_LIST_ITEMS) lines.push("  ..");
        lines.push(")");
        return lines.join("\n");
      }
      case Type.DICT: {
        const n = this.count(x.keys);
        if (n === 0) return "{}";
        const lines = ["{"];
        for (let i = 0; i < n; i++) {
          lines.push(`  ${this.keyText(x.keys, i)}: ${this.nested(this.item(x.values, i))}`);
        }
        lines.push("}");
        return lines.join("\n");
      }
      case Type.TABLE:
        return this.table(x);
    }
    return this.common(x);
  }

  /** The compact rendering of `x` inside a container. */
  nested(x: RayObject): string {
    const t = x.type;
    if (t < 0) {
      const a = x as { value: number | bigint | Uint8Array };
      return formatScalar(-t, a.value, true, this.precision);
    }
    if (t === Type.C8) return formatString(x.data, false, this.width);
    if (t >= 1 && t <= 11) return this.vector(x as Vector);
    switch (x.type) {
      case Type.LIST: {
        const n = Math.min(x.items.length, MAX_LIST_ITEMS);
        const parts: string[] = [];
        for (let i = 0; i < n; i++) parts.push(this.nested(x.items[i]));
        if (x.items.length > MAX_LIST_ITEMS) parts.push("..");
        return "(" + parts.join(" ") + ")";
      }
      case Type.DICT: {
        const n = this.count(x.keys);
        let out = "{";
        // Whole, however long (session format-compact): only its vectors stop at the width.
        for (let i = 0; i < n; i++) {
          out += (i ? " " : "") +
            `${this.keyText(x.keys, i)}: ${this.nested(this.item(x.values, i))}`;
        }
        return out + "}";
      }
      case Type.TABLE:
        return `(table [${Array.from(x.keys.data, (id) => symbols.text(id)).join(" ")}]…)`;
    }
    return this.common(x);
  }

  /** The display of `x` as an element of a larger value. */
  common(x: RayObject): string {
    switch (x.type) {
      case Type.LAMBDA:
        return "@" + (x.name ?? "fn");
      case Type.UNARY:
      case Type.BINARY:
      case Type.VARY:
        return x.name;
      case Type.NULL:
        return "Null";
      case Type.ERROR:
        return errorName(x.code) || x.message;
      case Type.ENUM:
        return `'${x.domain}#[${
          Array.from(x.symbols ?? x.data, (v) => (x.symbols ? symbols.text(v) : v)).join(" ")
        }]`;
    }
    return typeName(x.type);
  }

  /** `[1 2 3]`, cut at the width budget with `..]`. */
  vector(v: Vector): string {
    const n = vectorLength(v);
    let out = "[";
    for (let i = 0; i < n; i++) {
      if (i) out += " ";
      out += v.type === Type.GUID
        ? guidDisplay(v.data as Uint8Array, i * 16)
        : formatScalar(v.type, v.data[i], false, this.precision);
      if (out.length >= this.width) {
        out += "..";
        break;
      }
    }
    return out + "]";
  }

  /** Number of elements `x` displays. */
  count(x: RayObject): number {
    if (x.type === Type.LIST) return x.items.length;
    if (isVector(x)) return vectorLength(x as Vector);
    return 0;
  }

  /** Element `i` of a vector or LIST as an object (for rendering). */
  item(x: RayObject, i: number): RayObject {
    if (x.type === Type.LIST) return x.items[i];
    const v = x as Vector;
    if (v.type === Type.GUID) {
      return { type: -11, value: (v.data as Uint8Array).slice(i * 16, i * 16 + 16) };
    }
    return { type: -v.type as -1, value: v.data[i] as number };
  }

  /** A dict key in its top-level atom form (`a`, `'h'`, `1.40`). */
  keyText(keys: RayObject, i: number): string {
    const k = this.item(keys, i);
    return k.type < 0 ? this.top(k) : this.nested(k);
  }

  /** The boxed display of a table. */
  table(t: RayObject & { type: 98 }): string {
    const names = Array.from(t.keys.data, (id) => symbols.text(id));
    if (names.length === 0) return "@table";
    const columns = t.values.items;
    const rows = this.count(columns[0]);
    const shownCols = Math.min(names.length, MAX_TABLE_COLS);
    let rowIndexes: number[];
    if (rows > MAX_TABLE_ROWS) {
      rowIndexes = [];
      for (let i = 0; i < 10; i++) rowIndexes.push(i);
      for (let i = rows - 10; i < rows; i++) rowIndexes.push(i);
    } else {
      rowIndexes = Array.from({ length: rows }, (_, i) => i);
    }
    const cells: string[][] = [];
    const widths: number[] = [];
    const types: string[] = [];
    for (let c = 0; c < shownCols; c++) {
      const col = columns[c];
      types.push(typeName(col.type));
      const colCells = rowIndexes.map((r) => {
        const item = this.item(col, r);
        // A null symbol shows as 0Ns in a table's cell (nested elsewhere, it is empty), and a
        // char quoted, as at the top level.
        const s = item.type === AtomType.SYMBOL && (item as { value: number }).value === 0
          ? "0Ns"
          : item.type === AtomType.C8
          ? formatScalar(Type.C8, (item as { value: number }).value, false)
          : this.nested(item);
        return s.length > MAX_CELL ? s.slice(0, MAX_CELL) : s;
      });
      cells.push(colCells);
      widths.push(2 + Math.max(names[c].length, types[c].length, ...colCells.map((s) => s.length)));
    }
    if (shownCols < names.length) {
      names.splice(shownCols);
      cells.push(rowIndexes.map(() => "…"));
      types.push("…");
      names.push("…");
      widths.push(3);
    }
    const footer =
      ` ${rows} rows (${rowIndexes.length} shown) ${t.keys.data.length} columns (${shownCols} shown) `;
    const inner = () => widths.reduce((a, b) => a + b, 0) + widths.length - 1;
    if (inner() < footer.length) widths[widths.length - 1] += footer.length - inner();
    const line = (l: string, m: string, r: string) =>
      l + widths.map((w) => "─".repeat(w)).join(m) + r;
    const center = (s: string, w: number) => {
      const left = Math.floor((w - s.length) / 2);
      return " ".repeat(left) + s + " ".repeat(w - s.length - left);
    };
    const out = [line("┌", "┬", "┐")];
    out.push("│" + names.map((n, i) => center(n, widths[i])).join("│") + "│");
    out.push("│" + types.map((n, i) => center(n, widths[i])).join("│") + "│");
    out.push(line("├", "┼", "┤"));
    rowIndexes.forEach((_, r) => {
      if (rows > MAX_TABLE_ROWS && r === 10) {
        out.push("┆" + widths.map((w) => (" …").padEnd(w)).join("┆") + "┆");
      }
      out.push("│" + cells.map((col, c) => (" " + col[r]).padEnd(widths[c])).join("│") + "│");
    });
    out.push(line("├", "┴", "┤"));
    out.push("│" + footer.padEnd(inner()) + "│");
    out.push("└" + "─".repeat(inner()) + "┘");
    return out.join("\n");
  }
}

/**
 * The REPL text of a value (what `format` returns): `3`, `[1 2 3]`, a table box.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { f64, i64, vector } from "../ipc/mod.ts";
 * assert.equal(display(i64(3n)), "3");
 * assert.equal(display(f64(2.5)), "2.50");
 * assert.equal(display(vector(5, [1n, 2n])), "[1 2]");
 * ```
 */
export function display(x: RayObject, options?: DisplayOptions): string {
  return new Formatter(options).top(x);
}
