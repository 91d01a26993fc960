/**
 * `SessionCounters`: the figures every Rayforce session of a server adds to (frames,
 * bytes, queries, violations, slow consumers, latency), whatever its transport.
 *
 * @example
 * ```ts
 * import { SessionCounters } from "./counters.ts";
 * const c = new SessionCounters();
 * c.latency(2);
 * c.latency(4);
 * if (c.percentile(0.99) !== 4) throw new Error("p99");
 * ```
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Metric } from "../metrics.ts";

/** Bytes of a message: UTF-8 for text, counted without copying a large answer. */
function byteSize(data: string | ArrayBuffer): number {
  return typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.byteLength;
}

/** Queries whose latency the percentiles are taken over. */
const LATENCY_WINDOW = 4096;

/** Counters shared by a server's sessions; see the module doc. */
export class SessionCounters {
  /** Frames received and sent. */
  messagesIn = 0;
  messagesOut = 0;
  /** Bytes received and sent. */
  bytesIn = 0;
  bytesOut = 0;
  /** Connections closed for a protocol violation or a limit. */
  errors = 0;
  /** Queries answered with a value, with an error, refused by a limit. */
  ok = 0;
  failed = 0;
  refused = 0;
  /** Queries that waited for a slow consumer and were dropped when it closed. */
  dropped = 0;
  /** Connections closed because they did not read their answers (or events). */
  slowConsumers = 0;
  readonly #latencies = new Float64Array(LATENCY_WINDOW);
  #latencyCount = 0;

  /** Counts a message received; returns its size in bytes (UTF-8 for text). */
  received(data: string | ArrayBuffer): number {
    const size = byteSize(data);
    this.messagesIn++;
    this.bytesIn += size;
    return size;
  }

  /** Counts a message sent. */
  sent(data: string | ArrayBuffer): void {
    this.messagesOut++;
    this.bytesOut += byteSize(data);
  }

  /** Records one query's latency, in ms. */
  latency(ms: number): void {
    this.#latencies[this.#latencyCount++ % LATENCY_WINDOW] = ms;
  }

  /** The `p` quantile (0–1) of the last 4,096 latencies, in ms to the µs; 0 with none. */
  percentile(p: number): number {
    const n = Math.min(this.#latencyCount, LATENCY_WINDOW);
    if (n === 0) return 0;
    const sorted = this.#latencies.slice(0, n).sort();
    return Math.round(sorted[Math.min(n - 1, Math.floor(p * n))] * 1000) / 1000;
  }

  /** The figures for `GET /metrics`. */
  metrics(): Metric[] {
    return [
      ["rfws_messages_in_total", "counter", "Frames received", this.messagesIn],
      ["rfws_messages_out_total", "counter", "Frames sent", this.messagesOut],
      ["rfws_bytes_in_total", "counter", "Bytes received", this.bytesIn],
      ["rfws_bytes_out_total", "counter", "Bytes sent", this.bytesOut],
      [
        "rfws_protocol_errors_total",
        "counter",
        "Connections closed for a protocol violation",
        this.errors,
      ],
      ["rfws_queries_ok_total", "counter", "Queries answered with a value", this.ok],
      ["rfws_queries_failed_total", "counter", "Queries answered with an error", this.failed],
      ["rfws_queries_refused_total", "counter", "Queries refused (limits, memory)", this.refused],
      [
        "rfws_queries_dropped_total",
        "counter",
        "Queries dropped unrun because their connection closed",
        this.dropped,
      ],
      [
        "rfws_slow_consumers_total",
        "counter",
        "Connections closed for not reading their output",
        this.slowConsumers,
      ],
      ["rfws_query_latency_p50_ms", "gauge", "Median query latency", this.percentile(0.5)],
      [
        "rfws_query_latency_p99_ms",
        "gauge",
        "99th percentile query latency",
        this.percentile(0.99),
      ],
    ];
  }
}
