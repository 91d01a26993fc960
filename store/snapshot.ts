/**
 * Snapshots: every global of the database at one version, as the records a new replica
 * replays (the last whole value of each, and the appends after it), in one file that is
 * whole or refused. Written to a temporary file, flushed, then renamed over the previous one.
 *
 * File: `RFWSSNP1` · `f64 version` · records (records.ts) · `u32 crc32` of all before it.
 *
 * @module
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { crc32 } from "./crc32.ts";
import { encodeCommit, readCommits, type StoreRecord } from "./records.ts";

const MAGIC = new TextEncoder().encode("RFWSSNP1");

/** Writes the snapshot of `version` with `records` to `path`, atomically and durably. */
export function writeSnapshot(path: string, version: number, records: StoreRecord[]): void {
  const head = new Uint8Array(16);
  head.set(MAGIC);
  new DataView(head.buffer).setFloat64(8, version, true);
  const parts = [head, ...records.map((r) => encodeCommit([r]))];
  let crc = 0;
  for (const p of parts) crc = crc32(p, crc);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, crc, true);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    for (const p of [...parts, tail]) writeSync(fd, p);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir); // the rename itself survives a crash
  } finally {
    closeSync(dir);
  }
}

/** The snapshot at `path` (none: version 0, no records); throws if it is not whole. */
export function readSnapshot(path: string): { version: number; records: StoreRecord[] } {
  if (!existsSync(path)) return { version: 0, records: [] };
  const bytes = new Uint8Array(readFileSync(path));
  const bad = (why: string) =>
    new Error(
      `snapshot ${path} is corrupted (${why}): refusing to start rather than lose data; ` +
        `restore it from a backup, or move it away to start from the log alone`,
    );
  if (bytes.length < 20 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad("not a snapshot");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = bytes.subarray(0, bytes.length - 4);
  if (crc32(body) !== view.getUint32(bytes.length - 4, true)) throw bad("checksum mismatch");
  const { records, end } = readCommits(body.subarray(16));
  if (end !== body.length - 16) throw bad("a record does not read");
  return { version: view.getFloat64(8, true), records };
}
