/** The HTTP routes as a plain fetch function, without a socket (server/http.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { httpRoutes } from "../server/http.ts";
import type { Metric } from "../metrics.ts";

const figures: Metric[] = [
  ["rfws_connections", "gauge", "Open WebSocket connections", 2],
  ["rfws_pool_tasks_total", "counter", "Tasks answered", 7],
];

function routes(console: boolean) {
  return httpRoutes({
    health: () => ({ status: "ok", connections: 2 }),
    metrics: () => figures,
    console,
    url: "ws://127.0.0.1:8765",
  });
}

describe("HTTP routes", () => {
  it("GET /health is the health object as JSON", async () => {
    const r = routes(true)(new Request("http://h/health"));
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: "ok", connections: 2 });
  });

  it("GET /metrics renders every component's figures in the Prometheus format", async () => {
    const r = routes(true)(new Request("http://h/metrics"));
    assert.match(r.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    assert.equal(
      await r.text(),
      "# HELP rfws_connections Open WebSocket connections\n# TYPE rfws_connections gauge\nrfws_connections 2\n" +
        "# HELP rfws_pool_tasks_total Tasks answered\n# TYPE rfws_pool_tasks_total counter\nrfws_pool_tasks_total 7\n",
    );
  });

  it("the console and its client are served only when enabled", async () => {
    const on = routes(true);
    assert.match(await on(new Request("http://h/")).text(), /<html/i);
    assert.match(on(new Request("http://h/client.js")).headers.get("content-type")!, /javascript/);
    const off = routes(false);
    assert.match(
      await off(new Request("http://h/")).text(),
      /Connect a WebSocket to ws:\/\/127\.0\.0\.1:8765\//,
    );
    assert.equal(off(new Request("http://h/client.js")).status, 404);
  });

  it("unknown paths are 404, other methods 405", () => {
    assert.equal(routes(true)(new Request("http://h/nope")).status, 404);
    assert.equal(routes(true)(new Request("http://h/health", { method: "POST" })).status, 405);
  });
});
