/**
 * Prometheus figures: each component (server, TCP endpoint, worker pool, gateway) lists
 * the figures it owns as {@link Metric}s, and `GET /metrics` renders them all with
 * {@link prometheusText}.
 *
 * @example
 * ```ts
 * import { prometheusText } from "./metrics.ts";
 * const text = prometheusText([["rfws_up", "gauge", "Server up", 1]]);
 * if (text !== "# HELP rfws_up Server up\n# TYPE rfws_up gauge\nrfws_up 1\n") throw new Error(text);
 * ```
 *
 * @module
 */

/** One figure: name, Prometheus type, help text, value. */
export type Metric = [name: string, type: "gauge" | "counter", help: string, value: number];

/** Renders figures in the Prometheus text format (version 0.0.4). */
export function prometheusText(metrics: readonly Metric[]): string {
  return metrics.map(([name, type, help, value]) =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`
  ).join("");
}
