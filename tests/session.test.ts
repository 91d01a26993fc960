/**
 * `RayforceSession` without sockets: fed messages, answering through a transport whose
 * unsent bytes the test sets, over an evaluator that answers when told.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RayforceSession, type SessionLimits } from "../session/rayforce_session.ts";
import { SessionCounters } from "../session/counters.ts";
import { Logger } from "../log.ts";
import { decodeMessage, encodeHandshake, encodeMessage, MsgType, str } from "../ipc/mod.ts";
import type { TaskRequest } from "../worker/protocol.ts";
import type { TaskResult } from "../worker/failure.ts";

const LIMITS: SessionLimits = {
  maxPayload: 1 << 20,
  handshakeTimeoutMs: 60_000,
  maxInFlight: 4,
  maxPendingOutput: 100,
  outputCeiling: 1000,
};

/** A session over a fake transport and evaluator. */
function harness(limits: Partial<SessionLimits> = {}) {
  const sent: (string | ArrayBuffer)[] = [];
  const closes: [number, string][] = [];
  const submitted: { request: TaskRequest; done: (r: TaskResult) => void }[] = [];
  const hooks: string[] = [];
  let unsent = 0;
  const counters = new SessionCounters();
  const session = new RayforceSession({
    id: "s1",
    remote: "test",
    transport: {
      kind: "websocket",
      send: (data) => {
        sent.push(data);
        return unsent;
      },
      close: (code, reason) => closes.push([code, reason]),
    },
    evaluator: {
      submit: (request, _session, done) => submitted.push({ request, done }),
      connection: (event, _session, handle, done) => {
        hooks.push(`${event} ${handle}`);
        done(false);
      },
      forget: () => hooks.push("forget"),
    },
    limits: { ...LIMITS, ...limits },
    authorized: true,
    nextHandle: () => 7,
    counters,
    log: new Logger("silent"),
  });
  const answer = (i: number, text: string) =>
    submitted[i].done({
      response: encodeMessage(str(text), MsgType.RESPONSE).buffer as ArrayBuffer,
      failed: false,
    });
  return {
    session,
    sent,
    closes,
    submitted,
    hooks,
    counters,
    answer,
    setUnsent: (n: number) => (unsent = n),
    query: (text: string) =>
      session.receive(encodeMessage(str(text), MsgType.SYNC).buffer as ArrayBuffer),
  };
}

const texts = (sent: (string | ArrayBuffer)[]) =>
  sent.slice(1).map((b) => {
    const v = decodeMessage(new Uint8Array(b as ArrayBuffer)).value as { data: Uint8Array };
    return new TextDecoder().decode(v.data);
  });

describe("RayforceSession", () => {
  it("handshakes, runs .z.po with its handle, answers in order, runs .z.pc at the end", () => {
    const h = harness();
    h.session.receive(encodeHandshake("").buffer as ArrayBuffer);
    assert.deepEqual(new Uint8Array(h.sent[0] as ArrayBuffer), Uint8Array.of(1));
    assert.deepEqual(h.hooks, ["open 7"]);
    h.query("a");
    h.query("b");
    h.answer(1, "B"); // the second answer first: held until the first
    assert.equal(h.sent.length, 1);
    h.answer(0, "A");
    assert.deepEqual(texts(h.sent), ["A", "B"]);
    h.session.closed();
    assert.deepEqual(h.hooks, ["open 7", "forget", "close 7"]);
  });

  it("holds queries while the peer has more than the budget unsent, and runs them on drain", () => {
    const h = harness();
    h.session.receive(encodeHandshake("").buffer as ArrayBuffer);
    h.query("a");
    h.setUnsent(500); // over the budget of 100, under the ceiling
    h.answer(0, "A");
    assert.equal(h.session.backedUp, true);
    h.query("b");
    h.query("c");
    assert.equal(h.submitted.length, 1, "b and c wait");
    h.session.drain(50);
    assert.equal(h.submitted.length, 3, "b and c run after the drain");
    assert.deepEqual(h.closes, []);
  });

  it("closes a peer over the ceiling, or whose queue is full while it does not read, as a slow consumer", () => {
    const over = harness();
    over.session.receive(encodeHandshake("").buffer as ArrayBuffer);
    over.query("a");
    over.setUnsent(5000);
    over.answer(0, "A");
    assert.equal(over.closes[0][0], 1008);
    assert.match(over.closes[0][1], /^slow consumer: 5000 bytes of answers unsent$/);

    const full = harness();
    full.session.receive(encodeHandshake("").buffer as ArrayBuffer);
    full.query("a");
    full.setUnsent(500);
    full.answer(0, "A");
    for (let i = 0; i < 4; i++) full.query(`q${i}`); // the 4 it may have in flight, waiting
    assert.deepEqual(full.closes, []);
    full.query("one more");
    assert.match(
      full.closes[0][1],
      /^slow consumer: 500 bytes of answers unsent, 4 queries waiting$/,
    );
    full.session.closed();
    assert.equal(full.counters.dropped, 4, "the waiting queries are dropped unrun");
    assert.equal(full.counters.slowConsumers, 1);
  });

  it("a peer that floods while its queries run (and reads) is closed for flooding, not as slow", () => {
    const h = harness({ maxInFlight: 1 });
    h.session.receive(encodeHandshake("").buffer as ArrayBuffer);
    for (let i = 0; i < 4098; i++) h.query("q");
    assert.equal(h.closes.length, 1);
    assert.match(h.closes[0][1], /too many queries in flight/);
    assert.equal(h.counters.slowConsumers, 0);
  });
});
