/**
 * The `/events` protocol of live tables:
 *
 * - `{"event_name": "subscribe_table", "id": 1, "payload": {"table": "trades", "columns":
 *   ["sym", "price"], "where": {"sym": ["AAPL"]}, "since": 41, "epoch": "…"}}` answers
 *   `table_subscribed` `{table, epoch, version, recovered, snapshot?}` (the snapshot is
 *   `{columns, rows}`, `{value}` for a global that is not a table, or null before the table
 *   exists), then pushes the missed updates when it resumed;
 * - then each change is pushed as `table_update` `{table, version, kind: "append" | "replace",
 *   columns, rows}`;
 * - `unsubscribe_table` with the table's name answers `table_unsubscribed`.
 *
 * @module
 */
import type { EventHub } from "../events/hub.ts";
import type { TableFeed, TableSubscription } from "./table_feed.ts";

/** Registers `subscribe_table` and `unsubscribe_table`; `feed()` is undefined without one. */
export function registerTableEvents(hub: EventHub, feed: () => TableFeed | undefined): void {
  const need = () => {
    const f = feed();
    if (!f) throw new Error("live tables need the built-in engine (not an upstream gateway)");
    return f;
  };
  hub.on("subscribe_table", (m, ctx) => {
    const request = typeof m.payload === "string" ? { table: m.payload } : m.payload;
    if (typeof request !== "object" || request === null) {
      throw new Error('subscribe_table needs {"table": name, ...} as its payload');
    }
    need().subscribe(ctx.clientId, { ...(request as TableSubscription), id: m.id });
  });
  hub.on("unsubscribe_table", (m, ctx) => {
    const table = typeof m.payload === "string"
      ? m.payload
      : (m.payload as { table?: unknown } | undefined)?.table;
    if (typeof table !== "string") throw new Error("unsubscribe_table needs the table's name");
    const had = need().unsubscribe(ctx.clientId, table);
    return {
      event_name: "table_unsubscribed",
      payload: { table, subscribed: had },
      to: ctx.clientId,
    };
  });
}
