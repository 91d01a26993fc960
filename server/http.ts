/**
 * The server's HTTP routes as a plain `fetch(Request) → Response` function, testable
 * without sockets: `GET /health` (JSON liveness), `GET /metrics` (Prometheus text), and the
 * web console (`GET /`, `GET /client.js`) or a plain-text greeting at `/`.
 *
 * @example
 * ```ts
 * import { httpRoutes } from "./http.ts";
 * const fetch = httpRoutes({
 *   health: () => ({ status: "ok" }),
 *   metrics: () => [["rfws_up", "gauge", "Up", 1]],
 *   console: false,
 *   url: "ws://127.0.0.1:8765",
 * });
 * const r = await fetch(new Request("http://localhost/health"));
 * if ((await r.json()).status !== "ok") throw new Error("health");
 * ```
 *
 * @module
 */
import { CLIENT_BUNDLE } from "../console/client_bundle.ts";
import { consolePage } from "../console/page.ts";
import { type Metric, prometheusText } from "../metrics.ts";
import { VERSION } from "../version.ts";

/** What the routes report. */
export interface HttpRoutesOptions {
  /** The body of `GET /health`. */
  health(): object;
  /** The figures of `GET /metrics`. */
  metrics(): Metric[];
  /** Serve the web console at `GET /` and the client at `GET /client.js`. */
  console: boolean;
  /** The server's WebSocket URL, named by the greeting at `/` without the console. */
  url: string;
}

/** The HTTP handler of the server; see the module doc. */
export function httpRoutes(options: HttpRoutesOptions): (request: Request) => Response {
  return (request) => {
    const url = new URL(request.url);
    if (request.method !== "GET") return new Response("method not allowed", { status: 405 });
    switch (url.pathname) {
      case "/health":
        return Response.json(options.health());
      case "/metrics":
        return new Response(prometheusText(options.metrics()), {
          headers: { "content-type": "text/plain; version=0.0.4" },
        });
      case "/client.js":
        if (!options.console) break;
        return new Response(CLIENT_BUNDLE, {
          headers: { "content-type": "text/javascript; charset=utf-8" },
        });
      case "/":
        if (options.console) {
          return new Response(consolePage(), {
            headers: { "content-type": "text/html; charset=utf-8" },
          });
        }
        return new Response(
          `@rf/ws ${VERSION}: Rayforce over WebSocket.\nConnect a WebSocket to ${options.url}/ and send Rayforce IPC frames, or text queries.\n`,
          { headers: { "content-type": "text/plain; charset=utf-8" } },
        );
    }
    return new Response("not found", { status: 404 });
  };
}
