/**
 * `.z.po` and `.z.pc` (rayforce-ipc.md §1, marked 📖: known from the engine's source): after
 * a connection's handshake the server calls the user's `.z.po` with the connection's handle,
 * and `.z.pc` when it closes. The expected values follow from that description: the handles
 * each hook saw, for WebSocket (IPC and text mode) and TCP IPC connections alike.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeMessage, encodeMessage, MsgType, str, toJS } from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { UpstreamClient } from "../upstream/client.ts";
import { freePort } from "./_helpers/net.ts";
import { until } from "./_helpers/until.ts";

/** A text-mode WebSocket client: sends source, resolves the display text. */
async function textClient(url: string) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  return {
    query: (source: string) =>
      new Promise<string>((resolve) => {
        ws.onmessage = (e) => resolve(String(e.data));
        ws.send(source);
      }),
    close: () => ws.close(),
  };
}

describe(".z.po and .z.pc", () => {
  it("are called with the handle of every Rayforce connection, before its first query and after its last", async () => {
    const port = await freePort();
    const tcpPort = await freePort();
    await using server = new WSServer({ port, tcpPort, workers: 2 });
    await server.start();
    await using admin = await new WSClient("127.0.0.1", port).connect();
    await admin.execute("(set opened [])");
    await admin.execute("(set closed [])");
    await admin.execute("(set .z.po (fn [h] (set opened (concat opened h))))");
    await admin.execute("(set .z.pc (fn [h] (set closed (concat closed h))))");
    const count = async (name: string) => Number(await admin.execute(`(count ${name})`));

    // A WebSocket IPC client: .z.po ran before its first query, which sees its own handle.
    const ws = await new WSClient("127.0.0.1", port).connect();
    const seen = toJS(await ws.executeRaw("opened")) as bigint[];
    assert.equal(seen.length, 1, "its own open, before its first query");
    ws.close();
    await until(async () => (await count("closed")) === 1, ".z.pc of the WebSocket client");
    assert.deepEqual(await admin.execute("closed"), seen);

    // A text-mode WebSocket client and a TCP IPC client get the next handles.
    const text = await textClient(`ws://127.0.0.1:${port}`);
    assert.equal(await text.query("(+ 1 2)"), "3");
    const tcp = new UpstreamClient("127.0.0.1", tcpPort);
    await tcp.connect();
    const reply = await tcp.request(encodeMessage(str("(count opened)"), MsgType.SYNC));
    assert.equal(toJS(decodeMessage(reply).value), 3n);
    text.close();
    tcp.close();
    await until(async () => (await count("closed")) === 3, ".z.pc of all three");
    const opened = toJS(await admin.executeRaw("opened")) as bigint[];
    const closed = toJS(await admin.executeRaw("closed")) as bigint[];
    assert.equal(new Set(opened).size, 3, "one handle per connection");
    assert.deepEqual([...closed].sort(), [...opened].sort());
  });

  it("cost nothing when unset, and a failing hook does not affect the connection", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1 });
    await server.start();
    await using a = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await a.execute("(+ 1 2)"), 3n);
    const before = server.stats().pool as { tasks: number };
    await using b = await new WSClient("127.0.0.1", port).connect();
    assert.equal((server.stats().pool as { tasks: number }).tasks, before.tasks, "no task");
    await a.execute("(set .z.po (fn [h] (+ h 'oops)))");
    await using c = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await c.execute("(* 6 7)"), 42n, "the connection works although .z.po failed");
    assert.equal(await b.execute("(+ 2 2)"), 4n);
  });
});
