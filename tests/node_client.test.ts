/**
 * The client in Node: WSClient uses only the standard WebSocket API, so the bundle the server
 * serves at /client.js must run as is in Node (global WebSocket since Node 22; Node 20–21
 * need --experimental-websocket). Node is on every machine that can run `npm install`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WSServer } from "../server.ts";
import { freePort } from "./_helpers/net.ts";

function run(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({
        code: error ? Number((error as { code?: number }).code ?? 1) : 0,
        out: String(stdout),
        err: String(stderr),
      }));
  });
}

describe("WSClient under Node", () => {
  it(
    "the served /client.js connects, queries, maps errors and closes",
    { timeout: 30_000 },
    async () => {
      const port = await freePort();
      await using server = new WSServer({ port, workers: 1 });
      await server.start();
      const dir = mkdtempSync(join(tmpdir(), "rf-ws-node-"));
      const bundle = await (await fetch(`http://127.0.0.1:${port}/client.js`)).text();
      writeFileSync(join(dir, "client.mjs"), bundle);
      writeFileSync(
        join(dir, "main.mjs"),
        `import { WSClient, RayforceTypeError } from "./client.mjs";
const conn = await new WSClient("127.0.0.1", ${port}).connect();
const out = {};
out.sum = String(await conn.execute("(+ 1 2)"));
await conn.execute("(set t (table [sym qty] (list [AAPL MSFT AAPL] [10 20 30])))");
const q = await conn.execute("(select {q: (sum qty) from: t by: sym})");
out.table = { sym: q.columns.sym, q: q.columns.q.map(String) };
try { await conn.execute("(+ 1 'a)"); } catch (e) { out.error = [e instanceof RayforceTypeError, e.message]; }
conn.close();
out.closed = conn.closed;
console.log(JSON.stringify(out));
`,
      );
      const version = (await run("node", ["--version"])).out.trim();
      const major = Number(/^v(\d+)/.exec(version)?.[1]);
      assert.ok(major >= 20, `node ${version}`);
      const flags = major < 22 ? ["--experimental-websocket"] : [];
      const r = await run("node", [...flags, join(dir, "main.mjs")]);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out), {
        sum: "3",
        table: { sym: ["AAPL", "MSFT"], q: ["40", "20"] },
        error: [true, "type: expected i64, got symbol"],
        closed: true,
      });
    },
  );
});
