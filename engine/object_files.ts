/**
 * The engine's files for values, as `set` of a path, `set-splayed` and `get` write and read
 * them (found by asking the engine; samples in `tests/fixtures/engine-files/`):
 *
 * ```text
 * vector  fd 00 <type> 00 00 00 00 00  <u64 count>  <raw elements>          (B8…C8, not SYMBOL)
 * message fa de fa ce 01 00 00 00      <u64 size>   <IPC payload>           (SYMBOL vector, table)
 * list    a 4096-byte page (fe 00…)    fe 00 4b 00 00 00 00 00 <u64 count> <u64 offsets>
 *         and beside it `<name>#`:     a U8 vector file of the items' IPC payloads, end to end
 * enum    a 4096-byte page (fe 00…, the domain's name at byte 16)
 *                                      fe 00 14 00 00 00 00 00 <u64 count> <i64 indexes>
 * ```
 *
 * Integers are little-endian. The engine's `#` file declares one byte more than it writes
 * (uninitialised); ours declares and writes that byte as 0.
 *
 * @module
 */
import {
  allocVector,
  type BuiltinType,
  decode,
  ELEMENT_SIZE,
  encode,
  encodeMessage,
  isVector,
  isVectorOf,
  type List,
  MsgType,
  type RayObject,
  type Table,
  Type,
  type Vector,
  vectorLength,
  type VectorType,
} from "../ipc/mod.ts";
import { domainError, typeError } from "./errors.ts";
import { listOf } from "./values.ts";

const VECTOR_FILE = 0xfd;
const PAGED_FILE = 0xfe;
const PAGE = 4096;
/** The type code the engine writes for a LIST stored as offsets into a `#` file. */
const LIST_FILE_TYPE = 0x4b;
/** ENUM, a SYMBOL column stored as indexes into a domain. */
const ENUM_TYPE = 20;
const MESSAGE_PREFIX = 0xcefadefa;

/** A file's bytes, and the bytes of the `#` file beside it (lists only). */
export interface ObjectFile {
  bytes: Uint8Array;
  blob?: Uint8Array;
}

/** The 16-byte header of a vector or of a paged object. */
function header(kind: number, type: number, count: number): Uint8Array {
  const out = new Uint8Array(16);
  out[0] = kind;
  out[2] = type;
  new DataView(out.buffer).setBigUint64(8, BigInt(count), true);
  return out;
}

function joined(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The raw little-endian bytes of a vector's elements. */
function elementBytes(v: Vector): Uint8Array {
  const d = v.data as ArrayBufferView;
  const n = vectorLength(v) * ELEMENT_SIZE[v.type];
  return new Uint8Array(d.buffer, d.byteOffset, n);
}

/** A 4096-byte page whose first byte marks a paged object, with `name` at byte 16. */
function page(name = ""): Uint8Array {
  const out = new Uint8Array(PAGE);
  out[0] = PAGED_FILE;
  out.set(new TextEncoder().encode(name), 16);
  return out;
}

/** The file of a vector (B8 … C8 but SYMBOL). */
export function vectorFile(v: Vector): Uint8Array {
  return joined(header(VECTOR_FILE, v.type, vectorLength(v)), elementBytes(v));
}

/** The file (and `#` file) of a LIST: each item's IPC payload, found by its offset. */
export function listFile(x: List): ObjectFile {
  const items = x.items.map((item) => encode(item));
  const offsets = new BigUint64Array(items.length);
  let at = 0;
  items.forEach((item, i) => {
    offsets[i] = BigInt(at);
    at += item.length;
  });
  const body = joined(...items, new Uint8Array(1));
  return {
    bytes: joined(
      page(),
      header(PAGED_FILE, LIST_FILE_TYPE, items.length),
      new Uint8Array(offsets.buffer),
    ),
    blob: joined(header(VECTOR_FILE, 2, body.length), body),
  };
}

/** The file of a SYMBOL column as indexes into the domain named `domain` (`sym`). */
export function enumFile(indexes: BigInt64Array, domain = "sym"): Uint8Array {
  return joined(
    page(domain),
    header(PAGED_FILE, ENUM_TYPE, indexes.length),
    new Uint8Array(indexes.buffer),
  );
}

/** The file of any value as an IPC message (what `ser` gives): SYMBOL vectors, tables. */
export function messageFile(x: RayObject): Uint8Array {
  return encodeMessage(x, MsgType.ASYNC);
}

/**
 * What `(set "path" x)` writes: a vector file, a list file, or a message (a SYMBOL vector, a
 * table). An atom or a dict is a `type` error, as the engine answers.
 */
export function objectFile(x: RayObject): ObjectFile {
  if (x.type === Type.LIST) return listFile(x as List);
  if (isVector(x) && x.type !== Type.SYMBOL) return { bytes: vectorFile(x as Vector) };
  if (x.type === Type.SYMBOL || x.type === Type.TABLE) return { bytes: messageFile(x) };
  throw typeError("LIST", "LIST");
}

/** A file's contents read back; an ENUM gives its indexes and domain name for the caller. */
export type ReadObject =
  | { kind: "value"; value: RayObject }
  | { kind: "enum"; domain: string; indexes: BigInt64Array };

/** Finds the builtin an IPC builtin reference names (an engine's `resolveBuiltin`). */
export type ResolveBuiltin = (type: BuiltinType, name: string) => RayObject;

/**
 * Reads a file any of these layouts wrote; `blob` reads the `#` file beside it when the file
 * is a list. Builtins in values are found by `resolveBuiltin` (none by default).
 */
export function readObjectFile(
  bytes: Uint8Array,
  blob: () => Uint8Array,
  resolveBuiltin?: ResolveBuiltin,
): ReadObject {
  if (bytes.length < 16) throw domainError("not an object file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) === MESSAGE_PREFIX) {
    return { kind: "value", value: decode(bytes.subarray(16), { resolveBuiltin }) };
  }
  if (bytes[0] === VECTOR_FILE) {
    const type = bytes[2] as VectorType;
    if (type < 1 || type > 12 || type === 6) throw domainError(`no vector file of type ${type}`);
    const count = Number(view.getBigUint64(8, true));
    const size = count * ELEMENT_SIZE[type];
    if (16 + size > bytes.length) throw domainError("the file is shorter than its count");
    const data = allocVector(type, count);
    new Uint8Array((data as ArrayBufferView).buffer).set(bytes.subarray(16, 16 + size));
    return { kind: "value", value: { type, data } as Vector };
  }
  if (bytes[0] === PAGED_FILE && bytes.length >= PAGE + 16) {
    const at = new DataView(bytes.buffer, bytes.byteOffset + PAGE, 16);
    const count = Number(at.getBigUint64(8, true));
    // A copy of its own (a Node Buffer's slice would share the pool's memory).
    const body = new Uint8Array(bytes.subarray(PAGE + 16, PAGE + 16 + count * 8));
    if (body.length !== count * 8) throw domainError("the file is shorter than its count");
    const words = new BigInt64Array(body.buffer);
    if (bytes[PAGE + 2] === ENUM_TYPE) {
      const end = bytes.indexOf(0, 16);
      const domain = new TextDecoder().decode(bytes.subarray(16, end < 0 ? PAGE : end));
      return { kind: "enum", domain, indexes: words };
    }
    if (bytes[PAGE + 2] === LIST_FILE_TYPE) {
      const items = readListItems(blob(), words, resolveBuiltin);
      return { kind: "value", value: listOf(items) };
    }
  }
  throw domainError("not an object file");
}

/** The items of a list file: IPC payloads in the `#` file at the given offsets. */
function readListItems(
  blob: Uint8Array,
  offsets: BigInt64Array,
  resolveBuiltin: ResolveBuiltin | undefined,
): RayObject[] {
  const read = readObjectFile(blob, () => new Uint8Array(0));
  if (read.kind !== "value" || read.value.type !== Type.U8) {
    throw domainError("not a list's # file");
  }
  const body = (read.value as Vector<2>).data;
  return Array.from(offsets, (off, i) => {
    const end = i + 1 < offsets.length ? Number(offsets[i + 1]) : body.length;
    return decode(body.subarray(Number(off), end), { resolveBuiltin }); // junk after it ignored
  });
}

/** The symbols a domain file (a message of a SYMBOL vector) holds. */
export function symbolsOf(x: RayObject): Int32Array {
  if (!isVectorOf(x, Type.SYMBOL)) throw typeError("SYMBOL", x.type);
  return x.data;
}

/** The files of a splayed table: `.d` last, each column's file and a list's `#` file. */
export interface SplayedFiles {
  /** Each column's file name (its column's name) and files, in column order. */
  columns: { name: string; file: ObjectFile }[];
  /** `.d`: the column names. */
  names: Uint8Array;
  /** The symbol file (`sym`) when a SYMBOL column indexes `domain`, else undefined. */
  symbols?: Uint8Array;
}

/**
 * Table `t` splayed, as `set-splayed` writes it: its SYMBOL columns as indexes into `domain`,
 * which grows in place (symbols already there keep their indexes, new ones are appended in
 * order of first appearance). `fileName` checks each column's name for use as a file name.
 */
export function splayedFiles(
  t: Table,
  domain: number[],
  fileName: (column: number) => string,
): SplayedFiles {
  let index: Map<number, number> | undefined;
  const columns = t.values.items.map((column, c) => {
    const name = fileName(t.keys.data[c]);
    if (column.type === Type.LIST) return { name, file: listFile(column as List) };
    if (!isVectorOf(column, Type.SYMBOL)) {
      return { name, file: { bytes: vectorFile(column as Vector) } };
    }
    index ??= new Map(domain.map((id, i) => [id, i]));
    const ids = column.data;
    const indexes = new BigInt64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      let at = index.get(ids[i]);
      if (at === undefined) {
        at = domain.length;
        index.set(ids[i], at);
        domain.push(ids[i]);
      }
      indexes[i] = BigInt(at);
    }
    return { name, file: { bytes: enumFile(indexes) } };
  });
  return {
    columns,
    names: messageFile(t.keys),
    symbols: index ? messageFile({ type: 6, data: Int32Array.from(domain) }) : undefined,
  };
}

/** Whether a column's (or a table's) name can name a file: nothing that leaves or hides. */
export function isFileName(name: string): boolean {
  return name.length > 0 && !name.startsWith(".") && !/[/\\\0]/.test(name);
}
