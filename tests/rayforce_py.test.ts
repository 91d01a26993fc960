/**
 * rayforce-py v1's WebSocket client works unmodified: a session recorded against
 * rayforce-py's own `WSServer` (tests/fixtures/rayforce-py/seeds.jsonl, made by
 * scripts/record-rayforce-py.py) is replayed frame by frame against ours, and every answer
 * must be the same bytes. The requests are the frames rayforce-py's `WSClient` sends
 * (msgtype 0, strings and its compiled query objects); the answers are msgtype 0 with
 * failures as the strings of rayforce-py's exceptions.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { WSServer } from "../server.ts";
import { fromHex, toHex } from "./_helpers/corpus.ts";
import { freePort, RawSocket } from "./_helpers/net.ts";
import { repoRoot } from "./_helpers/runtime.ts";

interface Exchange {
  case: string;
  request: string;
  reply: string;
  /** What rayforce-py's WSClient.execute made of the reply (for the reader). */
  client?: string;
}

const session: Exchange[] = readFileSync(
  repoRoot + "tests/fixtures/rayforce-py/seeds.jsonl",
  "utf8",
).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));

/**
 * Where rayforce-py's server and the engine's own IPC server disagree, we answer as the
 * engine does: rayforce-py evaluates in-process (`eval_str`), which reports an unclosed
 * `[` as `domain`; the engine's IPC server (the conformance corpus) says `parse`.
 */
const ENGINE_OVER_RAYFORCE_PY: Record<string, string> = {
  "source [1 2": "{'code': 'parse'}",
};

describe("rayforce-py's WSClient against @rf/ws (recorded from rayforce-py's WSServer)", () => {
  let server: WSServer;
  let port: number;
  before(async () => {
    port = await freePort();
    server = new WSServer({ port, workers: 2 });
    await server.start();
  });
  after(async () => await server.stop());

  it("the recorded session covers strings, every error family and the query objects", () => {
    const cases = session.map((e) => e.case);
    for (
      const name of ["handshake", "select", "update", "insert", "upsert", "asof_join", "sql_insert"]
    ) {
      assert.ok(cases.includes(name), name);
    }
    assert.ok(session.filter((e) => e.client?.startsWith("value String('")).length >= 10);
  });

  it("answers every frame with the bytes rayforce-py's own server sends", async () => {
    const s = new RawSocket(`ws://127.0.0.1:${port}`);
    await s.opened;
    const mismatches: string[] = [];
    for (const e of session) {
      s.send(fromHex(e.request));
      const got = await s.next() as Uint8Array;
      const engine = ENGINE_OVER_RAYFORCE_PY[e.case];
      if (engine !== undefined) {
        assert.equal(new TextDecoder().decode(got.subarray(26)), engine, e.case);
      } else if (toHex(got) !== e.reply) {
        mismatches.push(`${e.case}\n  want ${e.reply}\n  got  ${toHex(got)}`);
      }
    }
    assert.deepEqual(mismatches, []);
    assert.equal(await s.silent(100), true); // one answer per frame, no more
    s.close();
  });
});
