/**
 * The records of the write-ahead log and of snapshots: committed changes — the whole value
 * of a global, rows appended to it, or columns replaced — exactly as replication carries them (`CommitEntry`).
 * The changes of one commit (one query may write several globals) share one frame, with its
 * length and a CRC-32, so that a crash in mid-write leaves the commit whole or absent,
 * never half.
 *
 * Frame: `u32 length` `u32 crc32(body)` body; body: `u32 count`, then per change: `u8 kind`
 * (0 whole value, 1 appended rows, 2 replaced columns), `f64 version`, `u32 name length`, name (UTF-8), `u32
 * bytes length`, the value's IPC payload (the replication encoding). Little-endian.
 *
 * @example
 * ```ts
 * import { encodeCommit, readCommits } from "./records.ts";
 * const bytes = encodeCommit([{ version: 3, name: "t", bytes: Uint8Array.of(1, 2) }]);
 * const { records, end } = readCommits(bytes);
 * if (records[0].name !== "t" || end !== bytes.length) throw new Error("round trip");
 * ```
 *
 * @module
 */
import { crc32 } from "./crc32.ts";
import type { Change, CommitEntry } from "../worker/protocol.ts";

/** One committed change. */
export interface StoreRecord {
  version: number;
  name: string;
  /** `bytes` are a change to the previous version of `name` (protocol.ts), not a whole value. */
  change?: Change;
  /** The IPC payload (replication encoding) of the value or of the rows. */
  bytes: Uint8Array;
}

/** A commit of the worker pool as a record (what the data directory stores and replays). */
export function storeRecord(c: CommitEntry): StoreRecord {
  return { version: c.version, name: c.name, change: c.change, bytes: new Uint8Array(c.bytes) };
}

const FRAME = 8;
/** The kind byte of each change: 0 a whole value, 1 appended rows, 2 replaced columns. */
const KINDS: (Change | undefined)[] = [undefined, "append", "columns"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The framed bytes of one commit (its changes, in order). */
export function encodeCommit(changes: StoreRecord[]): Uint8Array {
  const names = changes.map((r) => encoder.encode(r.name));
  let size = 4;
  changes.forEach((r, i) => (size += 17 + names[i].length + r.bytes.length));
  const out = new Uint8Array(FRAME + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, size, true);
  view.setUint32(FRAME, changes.length, true);
  let at = FRAME + 4;
  changes.forEach((r, i) => {
    view.setUint8(at, KINDS.indexOf(r.change));
    view.setFloat64(at + 1, r.version, true);
    view.setUint32(at + 9, names[i].length, true);
    out.set(names[i], at + 13);
    at += 13 + names[i].length;
    view.setUint32(at, r.bytes.length, true);
    out.set(r.bytes, at + 4);
    at += 4 + r.bytes.length;
  });
  view.setUint32(4, crc32(out.subarray(FRAME)), true);
  return out;
}

/**
 * The changes of the whole commits at the start of `bytes`, and where those end: a frame
 * cut short, whose checksum fails or that does not parse ends the list (`end` <
 * `bytes.length` then says how much is left over).
 */
export function readCommits(bytes: Uint8Array): { records: StoreRecord[]; end: number } {
  const records: StoreRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (bytes.length - at >= FRAME) {
    const size = view.getUint32(at, true);
    if (size < 4 || bytes.length - at - FRAME < size) break;
    const body = bytes.subarray(at + FRAME, at + FRAME + size);
    if (crc32(body) !== view.getUint32(at + 4, true)) break;
    const changes = parseBody(body);
    if (!changes) break;
    records.push(...changes);
    at += FRAME + size;
  }
  return { records, end: at };
}

function parseBody(body: Uint8Array): StoreRecord[] | undefined {
  const p = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = p.getUint32(0, true);
  const out: StoreRecord[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (body.length - at < 17) return undefined;
    const kind = p.getUint8(at);
    const version = p.getFloat64(at + 1, true);
    const nameLength = p.getUint32(at + 9, true);
    if (kind >= KINDS.length || body.length - at - 17 < nameLength) return undefined;
    const name = decoder.decode(body.subarray(at + 13, at + 13 + nameLength));
    at += 13 + nameLength;
    const n = p.getUint32(at, true);
    if (body.length - at - 4 < n) return undefined;
    const change = KINDS[kind];
    const bytes = body.slice(at + 4, at + 4 + n);
    out.push(change ? { change, version, name, bytes } : { version, name, bytes });
    at += 4 + n;
  }
  return at === body.length ? out : undefined;
}
