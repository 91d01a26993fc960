/**
 * Answers of repeated read-only queries, kept while nothing they read has changed: a
 * dashboard polled by a hundred browsers costs one evaluation per change of its data, not
 * one per poll. Off unless asked for (`resultCache` in the pool and server options,
 * `--result-cache` on the command line).
 *
 * An answer is kept only when its query wrote no global, started no timer and called no
 * impure builtin (BuiltinFn.impure: no clock, randomness, files, network, output), so that
 * evaluating it again would give the same bytes as long as the globals it read keep their
 * committed versions. The key is the request itself (the IPC frame's bytes, or the source
 * text and mode); a hit is checked against the versions of every global the query read
 * (found or not) and dropped when any moved. The accept loop compares bytes and versions
 * only: it never decodes a query.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const cache = new ResultCache({ maxEntries: 1000 });
 * const key = cache.key({ kind: "text", source: "(sum prices)" })!;
 * let version = 0;
 * const versionOf = (_name: string) => version; // the pool's committed version of a global
 * assert.equal(cache.get(key, versionOf), undefined); // not kept yet
 * cache.put(key, { response: "6", failed: false }, ["prices"], versionOf);
 * assert.deepEqual(cache.get(key, versionOf), { response: "6", failed: false });
 * version = 1; // prices changed
 * assert.equal(cache.get(key, versionOf), undefined);
 * ```
 *
 * @module
 */
import type { TaskResult } from "./failure.ts";
import type { TaskRequest } from "./protocol.ts";

/** Limits of a {@link ResultCache}. */
export interface ResultCacheOptions {
  /** Most answers kept. Default 4,096. */
  maxEntries?: number;
  /** Most bytes of answers kept. Default 64 MiB. */
  maxBytes?: number;
  /** Largest answer kept, in bytes. Default 1 MiB. */
  maxAnswerBytes?: number;
  /** Largest request cached, in bytes. Default 4 KiB. */
  maxKeyBytes?: number;
}

interface Entry {
  answer: TaskResult;
  bytes: number;
  /** Each global read, with its committed version when the answer was kept (0: unset). */
  reads: [string, number][];
}

/** The committed version of a global (0 if it was never set). */
export type VersionOf = (name: string) => number;

/** An LRU cache of answers keyed by request, valid while the globals they read are unchanged. */
export class ResultCache {
  /** Most answers kept. */
  readonly maxEntries: number;
  /** Most bytes of answers kept. */
  readonly maxBytes: number;
  /** Largest answer kept. */
  readonly maxAnswerBytes: number;
  /** Largest request cached. */
  readonly maxKeyBytes: number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  /** Answers given, misses (absent or stale), answers kept. */
  readonly counts = { hits: 0, misses: 0, stored: 0 };

  /** A cache within these limits. */
  constructor(options: ResultCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 4096;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxAnswerBytes = options.maxAnswerBytes ?? 1024 * 1024;
    this.maxKeyBytes = options.maxKeyBytes ?? 4096;
  }

  /** Answers kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The key of a request, or undefined when it is not worth caching (too large, unanswered, a timer call). */
  key(request: TaskRequest): string | undefined {
    if (request.kind === "call") return undefined;
    if (request.kind !== "ipc") {
      return request.source.length > this.maxKeyBytes ? undefined : request.kind + request.source;
    }
    const frame = new Uint8Array(request.frame);
    if (frame.length > this.maxKeyBytes || request.reply === "none") return undefined;
    let key = "i" + request.reply; // the same bytes are answered in the style of their peer
    for (let i = 0; i < frame.length; i += 4096) {
      key += String.fromCharCode(...frame.subarray(i, i + 4096));
    }
    return key;
  }

  /** The kept answer for `key` if every global it read is still at the same version. */
  get(key: string, versionOf: VersionOf): TaskResult | undefined {
    const e = this.#entries.get(key);
    if (!e) {
      this.counts.misses++;
      return undefined;
    }
    this.#entries.delete(key);
    if (e.reads.some(([name, v]) => versionOf(name) !== v)) {
      this.#bytes -= e.bytes;
      this.counts.misses++;
      return undefined;
    }
    this.#entries.set(key, e); // most recently used last
    this.counts.hits++;
    const r = e.answer.response;
    return { response: r instanceof ArrayBuffer ? r.slice(0) : r, failed: e.answer.failed };
  }

  /** Keeps the answer of a query that read `reads` (names) at the versions `versionOf` gives now. */
  put(key: string, answer: TaskResult, reads: string[], versionOf: VersionOf): void {
    const r = answer.response;
    if (r === null) return;
    const bytes = (typeof r === "string" ? r.length * 2 : r.byteLength) + key.length * 2;
    if (bytes > this.maxAnswerBytes) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    this.#entries.set(key, {
      answer: { response: r instanceof ArrayBuffer ? r.slice(0) : r, failed: answer.failed },
      bytes,
      reads: reads.map((name) => [name, versionOf(name)]),
    });
    this.#bytes += bytes;
    this.counts.stored++;
    for (const [k, e] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= e.bytes;
    }
  }
}
