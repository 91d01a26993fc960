/**
 * The `/events` JSON protocol over real sockets: routing to all / others / one client,
 * built-in handlers, errors, topics, custom handlers, reconnection.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { WSServer } from "../server.ts";
import { EventClient, EventError, type EventMessage } from "../client.ts";
import { freePort, RawSocket } from "./_helpers/net.ts";
import { EventHub } from "../events/hub.ts";
import { registerBuiltins } from "../events/builtins.ts";
import { JsonText, stringifyEvent } from "../events/protocol.ts";
import { Logger } from "../log.ts";

/** Collects the messages of one event name. */
function collect(client: EventClient, eventName: string): EventMessage[] {
  const got: EventMessage[] = [];
  client.on(eventName, (m) => got.push(m));
  return got;
}

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe("event protocol", () => {
  let server: WSServer;
  let port: number;
  let url: string;
  const clients: EventClient[] = [];
  before(async () => {
    port = await freePort();
    server = new WSServer({ port, workers: 2 });
    server.on(
      "shout",
      (m, ctx) => ({
        event_name: "shouted",
        payload: String(m.payload).toUpperCase(),
        to: ctx.clientId,
      }),
    );
    server.on("explode", () => {
      throw new Error("handler blew up");
    });
    await server.start();
    url = `ws://127.0.0.1:${port}/events`;
    for (let i = 0; i < 3; i++) {
      const c = new EventClient(url);
      await c.connect();
      clients.push(c);
    }
  });
  after(async () => {
    clients.forEach((c) => c.close());
    await server.stop();
  });

  it("announces a UUID client id on connect", () => {
    for (const c of clients) assert.match(c.id!, /^[0-9a-f-]{36}$/);
    assert.equal(new Set(clients.map((c) => c.id)).size, 3);
  });

  it('routes to "all" (3), "others" (2) and one client id (1)', async () => {
    const inboxes = clients.map((c) => collect(c, "note"));
    clients[0].send("note", "to all", { to: "all" });
    clients[0].send("note", "to others");
    clients[0].send("note", "to one", { to: clients[2].id });
    await settle();
    assert.deepEqual(inboxes.map((b) => b.map((m) => m.payload)), [
      ["to all"],
      ["to all", "to others"],
      ["to all", "to others", "to one"],
    ]);
    assert.ok(inboxes[1].every((m) => m.from === clients[0].id));
  });

  it("answers an unknown client id with an error event", async () => {
    await assert.rejects(
      () => clients[0].request("note", "x", { to: "no-such-client" }),
      (e) => e instanceof EventError && /unknown client id/.test(e.message),
    );
  });

  it('sum_event: 6 for [1, 2, 3], an error event for "x"', async () => {
    assert.deepEqual((await clients[0].request("sum_event", { numbers: [1, 2, 3] })).payload, {
      sum: 6,
    });
    await assert.rejects(() => clients[0].request("sum_event", { numbers: "x" }), EventError);
    await assert.rejects(() => clients[0].request("sum_event", "x"), EventError);
  });

  it("query returns a table as JSON, evaluated in the worker pool", async () => {
    await clients[1].request("query", "(set t (table [sym qty] (list [A B A] [1 2 3])))");
    const reply = await clients[1].request("query", "(select {q: (sum qty) from: t by: sym})");
    assert.deepEqual(reply.payload, { columns: { sym: ["A", "B"], q: [4, 2] } });
    await assert.rejects(
      () => clients[1].request("query", "(+ 1 'a)"),
      (e) => e instanceof EventError && /expected i64/.test(e.message),
    );
  });

  it("stats and clients", async () => {
    const ids = (await clients[0].request("clients")).payload as string[];
    for (const c of clients) assert.ok(ids.includes(c.id!));
    const stats = (await clients[0].request("stats")).payload as {
      connections: { current: number };
    };
    assert.ok(stats.connections.current >= 3);
  });

  it("a malformed message or a throwing handler gets an error event; the connection keeps working", async () => {
    const raw = new RawSocket(url);
    await raw.opened;
    assert.match(await raw.next() as string, /"event_name":"connected"/);
    raw.send("{not json");
    assert.match(await raw.next() as string, /"event_name":"error".*invalid JSON/);
    raw.send(JSON.stringify({ payload: 1 }));
    assert.match(await raw.next() as string, /missing event_name/);
    raw.send(JSON.stringify({ event_name: "explode", id: 7 }));
    const boom = JSON.parse(await raw.next() as string);
    assert.deepEqual([boom.event_name, boom.id], ["error", 7]);
    assert.match(boom.message, /handler blew up/);
    raw.send(JSON.stringify({ event_name: "sum_event", payload: { numbers: [2, 2] }, id: 8 }));
    assert.deepEqual(JSON.parse(await raw.next() as string).payload, { sum: 4 });
    raw.close();
  });

  it("no client can answer another's request or pose as the server", async () => {
    const victim = clients[1];
    const attacker = new RawSocket(url);
    await attacker.opened;
    assert.match(await attacker.next() as string, /"event_name":"connected".*"from":"server"/);
    // A request nobody handles is relayed to the others, the attacker included: it sees the id.
    const asked = victim.request("lookup", "x", { timeoutMs: 600 });
    const relayed = JSON.parse(await attacker.next() as string);
    assert.equal(relayed.from, victim.id);
    assert.match(String(relayed.id), /^r[0-9a-f]{16}-\d+$/); // not r1, r2, …
    attacker.send(JSON.stringify({
      event_name: "result",
      id: relayed.id,
      payload: "forged",
      to: victim.id,
    }));
    await assert.rejects(asked, /no reply to lookup/);
    const id = victim.id;
    attacker.send(JSON.stringify({
      event_name: "connected",
      payload: { client_id: "evil" },
      to: victim.id,
    }));
    assert.match(await attacker.next() as string, /reserved for the server/);
    await settle();
    assert.equal(victim.id, id);
    attacker.close();
  });

  it("custom handlers registered with server.on answer the sender", async () => {
    const reply = await clients[2].request("shout", "hello");
    assert.deepEqual([reply.event_name, reply.payload], ["shouted", "HELLO"]);
  });

  it("a subscriber receives what is published to its topic and nothing else", async () => {
    const [a, b] = clients;
    const gotA = collect(a, "tick");
    const gotB = collect(b, "tick");
    await a.subscribe("prices");
    await b.subscribe("news");
    assert.equal(server.publish("prices", { event_name: "tick", payload: 101 }), 1);
    server.publish("news", { event_name: "tick", payload: "headline" });
    server.publish("nobody", { event_name: "tick", payload: 0 });
    await settle();
    assert.deepEqual(gotA.map((m) => m.payload), [101]);
    assert.deepEqual(gotB.map((m) => m.payload), ["headline"]);
    await a.unsubscribe("prices");
    assert.equal(server.publish("prices", { event_name: "tick", payload: 102 }), 0);
  });
});

describe("event client", () => {
  it("reconnects with backoff after the server restarts, with its subscriptions", async () => {
    const port = await freePort();
    const first = new WSServer({ port, workers: 1 });
    await first.start();
    const client = new EventClient(`ws://127.0.0.1:${port}/events`, {
      reconnect: true,
      initialBackoffMs: 50,
      maxBackoffMs: 400,
    });
    const states: string[] = [];
    client.onState((s) => states.push(s));
    await client.connect();
    await client.subscribe("t");
    const firstId = client.id;
    await first.stop();
    await settle(200);
    assert.equal(client.state, "reconnecting");
    const second = new WSServer({ port, workers: 1 });
    await second.start();
    const state = (): string => client.state; // read afresh: the assertion above narrowed the type
    for (let i = 0; i < 60 && state() !== "open"; i++) await settle(50);
    assert.equal(state(), "open");
    assert.notEqual(client.id, firstId);
    assert.deepEqual((await client.request("sum_event", { numbers: [1, 2] })).payload, { sum: 3 });
    await settle(100);
    assert.equal(
      second.publish("t", { event_name: "tick", payload: 1 }),
      1,
      "subscriptions are renewed",
    );
    const s = client.stats();
    assert.equal(s.reconnects, 1);
    assert.ok(s.messagesIn > 0 && s.messagesOut > 0 && s.bytesIn > 0);
    assert.deepEqual(states.slice(0, 3), ["connecting", "open", "reconnecting"]);
    client.close();
    await second.stop();
  });

  it("counts heartbeats", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1 });
    await server.start();
    const client = new EventClient(`ws://127.0.0.1:${port}/events`, { heartbeatMs: 50 });
    await client.connect();
    await settle(300);
    assert.ok(client.stats().heartbeats >= 2, String(client.stats().heartbeats));
    client.close();
  });
});

describe("query results on the accept loop", () => {
  it("a JsonText payload is put in the message verbatim", () => {
    const text = stringifyEvent({
      event_name: "query",
      payload: new JsonText('[1.0,"x"]'),
      to: "c",
    });
    assert.equal(text, '{"event_name":"query","to":"c","payload":[1.0,"x"]}');
    assert.deepEqual(JSON.parse(text).payload, [1, "x"]);
    assert.equal(
      stringifyEvent({ event_name: "e", payload: 2n }),
      '{"event_name":"e","payload":"2"}',
    );
  });

  it("the query handler sends the worker's JSON text as it is, not parsed and re-serialized", async () => {
    const hub = new EventHub(new Logger("error"));
    // Text that a parse and re-serialization would change (1.0 becomes 1): it must come back as sent.
    registerBuiltins(hub, {
      query: () => Promise.resolve({ response: '{"big":[1.0,2.50]}', failed: false }),
      stats: () => ({}),
    });
    const sent: string[] = [];
    hub.join({ id: "c1", send: (t) => sent.push(t) });
    await hub.receive("c1", JSON.stringify({ event_name: "query", payload: "x", id: 7 }));
    assert.match(sent[1], /"payload":\{"big":\[1\.0,2\.50\]\}\}$/);
    assert.deepEqual(JSON.parse(sent[1]), {
      event_name: "query",
      to: "c1",
      from: "server",
      id: 7,
      payload: { big: [1, 2.5] },
    });
  });
});
