/**
 * Helpers over the object model for the engine: typed nulls, element access, counts,
 * and building vectors from atoms.
 *
 * @module
 */
import {
  allocVector,
  type Atom,
  type AtomValue,
  type List,
  NULL,
  NULLS,
  type RayObject,
  type Table,
  Type,
  type Vector,
  vectorLength,
  type VectorType,
} from "../ipc/mod.ts";
import { EvalError } from "./errors.ts";
import { ErrorCode } from "../ipc/errors.ts";
import { gather } from "./gather.ts";

/** i16 null (the codec's `NULLS`, the one table of null sentinels). */
export const NULL_I16: number = NULLS.i16;
/** i32, date and time null. */
export const NULL_I32: number = NULLS.i32;
/** i64 and timestamp null. */
export const NULL_I64: bigint = NULLS.i64;

/** An atom of base type `t` (1–12). */
export function atom(t: number, value: AtomValue): Atom {
  return { type: -t, value } as Atom; // the caller pairs the value with its type
}

/** The typed null of base type `t` as a JS value. */
export function nullValue(t: number): AtomValue {
  switch (t) {
    case Type.I16:
      return NULL_I16;
    case Type.I32:
    case Type.DATE:
    case Type.TIME:
      return NULL_I32;
    case Type.I64:
    case Type.TIMESTAMP:
      return NULL_I64;
    case Type.F64:
      return NaN;
    case Type.GUID:
      return new Uint8Array(16);
  }
  return 0; // b8, u8, c8: no null; symbol: id 0
}

/** True when `v` is the null of base type `t` (f64: NaN). */
export function isNullValue(t: number, v: AtomValue): boolean {
  switch (t) {
    case Type.I16:
      return v === NULL_I16;
    case Type.I32:
    case Type.DATE:
    case Type.TIME:
      return v === NULL_I32;
    case Type.I64:
    case Type.TIMESTAMP:
      return v === NULL_I64;
    case Type.F64:
      return Number.isNaN(v);
    case Type.SYMBOL:
      return v === 0;
    case Type.GUID:
      return (v as Uint8Array).every((b) => b === 0);
  }
  return false;
}

/** True for atoms and vectors (type −12…12 without 0). */
export function isTyped(x: RayObject): x is Atom | Vector {
  return x.type !== Type.LIST && x.type >= -12 && x.type <= 12;
}

/** Element count: vector/list length, table rows, dict keys, atom 1, null 0. */
export function count(x: RayObject): number {
  const t = x.type;
  if (t < 0) return 1;
  if (t >= 1 && t <= 12) return vectorLength(x as Vector);
  switch (x.type) {
    case Type.LIST:
      return x.items.length;
    case Type.TABLE:
      return x.values.items.length ? count(x.values.items[0]) : 0;
    case Type.DICT:
      return count(x.keys);
    case Type.NULL:
      return 0;
  }
  return 1;
}

/** Element `i` of vector `v` as an atom. */
export function vectorItem(v: Vector, i: number): Atom {
  if (v.type === Type.GUID) return atom(11, (v.data as Uint8Array).slice(i * 16, i * 16 + 16));
  // As the engine: an element of a U8 vector is a b8 holding the byte (`(first …)` of
  // `0x05 0x06` is a b8 that encodes as ff 05 and shows as `true`).
  if (v.type === Type.U8) return { type: -1, value: (v.data as Uint8Array)[i] } as Atom;
  return atom(v.type, v.data[i]);
}

/** Element `i` of a vector or LIST. */
export function itemAt(x: RayObject, i: number): RayObject {
  return x.type === Type.LIST ? x.items[i] : vectorItem(x as Vector, i);
}

/** The elements of a vector or LIST as objects. */
export function items(x: RayObject): RayObject[] {
  if (x.type === Type.LIST) return x.items;
  const n = count(x);
  const out: RayObject[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = vectorItem(x as Vector, i);
  return out;
}

/** A vector of base type `t` from JS values. */
export function vectorOf<T extends VectorType>(t: T, values: AtomValue[]): Vector<T> {
  if (t === Type.GUID) {
    const out = new Uint8Array(values.length * 16);
    values.forEach((v, i) => out.set(v as Uint8Array, i * 16));
    return { type: t, data: out } as Vector<T>;
  }
  const data = allocVector(t, values.length);
  for (let i = 0; i < values.length; i++) (data as Int32Array)[i] = values[i] as number;
  return { type: t, data } as Vector<T>;
}

/**
 * A typed vector when every item is an atom of one type, else a LIST (how the engine
 * reassembles per-element results; `unify`).
 */
export function collect(results: RayObject[]): RayObject {
  if (results.length === 0) return { type: 0, items: [] };
  const t = results[0].type;
  if (t >= 0 || t < -12) return { type: 0, items: results };
  for (const r of results) if (r.type !== t) return { type: 0, items: results };
  return vectorOf(-t as VectorType, results.map((r) => (r as Atom).value));
}

/** Picks elements of a vector or LIST by index (out-of-range → null of the type). */
export function take(x: RayObject, idx: ArrayLike<number>): RayObject {
  if (x.type === Type.LIST) {
    const out: RayObject[] = new Array(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = x.items[idx[i]] ?? NULL;
    return { type: 0, items: out };
  }
  const v = x as Vector;
  const n = vectorLength(v);
  if (v.type === Type.GUID) {
    const src = v.data as Uint8Array;
    const out = new Uint8Array(idx.length * 16);
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i];
      if (j >= 0 && j < n) out.set(src.subarray(j * 16, j * 16 + 16), i * 16);
    }
    return { type: 11, data: out };
  }
  return gather(v, idx);
}

/**
 * Checks that a vector of `elements` elements of `bytesPerElement` bytes stays within the
 * engine's `maxVectorBytes`, and throws a `limit` error otherwise.
 */
export function checkVectorSize(
  maxVectorBytes: number,
  elements: number,
  bytesPerElement: number,
): void {
  const bytes = elements * bytesPerElement;
  if (bytes > maxVectorBytes) {
    throw new EvalError(
      ErrorCode.LIMIT,
      `a vector of ${elements} elements (${bytes} bytes) exceeds the limit of ${maxVectorBytes} bytes`,
    );
  }
}

/** A LIST. */
export function listOf(items: RayObject[]): List {
  return { type: 0, items };
}

/** The column of table `t` named by symbol id `id`, or undefined. */
export function tableColumn(t: Table, id: number): RayObject | undefined {
  const i = t.keys.data.indexOf(id);
  return i < 0 ? undefined : t.values.items[i];
}

/** Number of rows of a table. */
export function tableRows(t: Table): number {
  return t.values.items.length ? count(t.values.items[0]) : 0;
}
