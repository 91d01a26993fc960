/**
 * The built-in event handlers: `query` (Rayforce source → the result as JSON, evaluated in
 * the worker pool), `sum_event`, `stats`, `clients`, `subscribe`, `unsubscribe`, `ping`.
 * Each answers the sender; a bad payload answers an error event.
 *
 * @module
 */
import type { EventHub } from "./hub.ts";
import { JsonText } from "./protocol.ts";

/** What the built-ins need from the server. */
export interface BuiltinDeps {
  /** Evaluates source for a client; resolves with the JSON text of the result. */
  query(source: string, clientId: string): Promise<{ response: string; failed: boolean }>;
  /** The server's statistics. */
  stats(): unknown;
}

/** Registers the built-in handlers on a hub. */
export function registerBuiltins(hub: EventHub, deps: BuiltinDeps): void {
  hub.on("query", async (m, ctx) => {
    if (typeof m.payload !== "string") {
      throw new Error("query needs Rayforce source as its payload");
    }
    const r = await deps.query(m.payload, ctx.clientId);
    // The result goes out as the worker wrote it (see JsonText); an error is small.
    if (r.failed) {
      const result = JSON.parse(r.response);
      return {
        event_name: "error",
        message: result.message || result.error,
        payload: result,
        to: ctx.clientId,
      };
    }
    return { event_name: "query", payload: new JsonText(r.response), to: ctx.clientId };
  });

  hub.on("sum_event", (m, ctx) => {
    const numbers = (m.payload as { numbers?: unknown } | undefined)?.numbers;
    if (
      !Array.isArray(numbers) || !numbers.every((n) => typeof n === "number" && Number.isFinite(n))
    ) {
      throw new Error("sum_event needs {numbers: [...]} with a list of numbers");
    }
    return {
      event_name: "sum_event",
      payload: { sum: numbers.reduce((a, b) => a + b, 0) },
      to: ctx.clientId,
    };
  });

  hub.on("stats", (_m, ctx) => ({ event_name: "stats", payload: deps.stats(), to: ctx.clientId }));
  hub.on(
    "clients",
    (_m, ctx) => ({ event_name: "clients", payload: ctx.hub.clients(), to: ctx.clientId }),
  );
  hub.on("ping", (_m, ctx) => ({ event_name: "pong", to: ctx.clientId }));

  const topicOf = (payload: unknown): string => {
    const topic = typeof payload === "string"
      ? payload
      : (payload as { topic?: unknown } | undefined)?.topic;
    if (typeof topic !== "string" || topic === "") {
      throw new Error("a topic name is needed as the payload");
    }
    return topic;
  };
  hub.on("subscribe", (m, ctx) => {
    const topic = topicOf(m.payload);
    ctx.hub.subscribe(ctx.clientId, topic);
    return { event_name: "subscribed", payload: { topic }, to: ctx.clientId };
  });
  hub.on("unsubscribe", (m, ctx) => {
    const topic = topicOf(m.payload);
    ctx.hub.unsubscribe(ctx.clientId, topic);
    return { event_name: "unsubscribed", payload: { topic }, to: ctx.clientId };
  });
}
