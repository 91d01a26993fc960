/**
 * The result cache (worker/result_cache.ts, BuiltinFn.impure): a repeated read-only query is
 * answered without evaluating it while the globals it read are unchanged, and never when it
 * wrote, called an impure builtin, or follows unanswered queries of its own connection.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CORE_BUILTINS, STANDARD_BUILTINS } from "../engine/library.ts";
import { encodeMessage, MsgType, str } from "../ipc/mod.ts";
import { WorkerPool } from "../worker/pool.ts";
import { withPool } from "./_helpers/pool.ts";
import { ResultCache } from "../worker/result_cache.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { freePort } from "./_helpers/net.ts";

/**
 * Reviewed by hand: builtins whose result or effect goes beyond their arguments and the
 * globals. Every builtin is in exactly one of the two lists, so a new builtin fails this test
 * until someone decides whether its answers may be cached.
 */
// deno-fmt-ignore
const IMPURE: ReadonlySet<string> = new Set([
  // clock, randomness, timing
  "date", "time", "timestamp", "rand", "guid", "timeit",
  // output
  "print", "println", "show",
  // files (get and set also name globals; with a path they touch files)
  "read", "load", "write", "read-csv", "write-csv", "get", "set",
  "set-splayed", "get-splayed", "set-parted", "get-parted",
  // network, process, environment, this worker's own state
  "hopen", "hclose", "system", "os-get-var", "os-set-var", "exit", "loadfn", "timer",
  "gc", "memstat", "rc", "sysinfo", "internals", "args",
  // every global at once, without recording the reads
  "env",
]);

/** Builtins whose result follows from their arguments and the globals they read. */
// deno-fmt-ignore
const PURE: ReadonlySet<string> = new Set([
  "!=", "%", "*", "+", "-", "/", "<", "<=", "==", ">", ">=",
  "alter", "and", "apply", "as", "asc", "asof-join", "at", "avg", "bin", "binr", "ceil",
  "concat", "count", "de", "desc", "dev", "dict", "distinct", "div", "diverse", "do", "enlist",
  "enum", "eval", "except", "filter", "find", "first", "floor", "fold", "fold-left",
  "fold-right", "format", "group", "iasc", "idesc", "if", "in", "inner-join", "insert", "key",
  "last", "left-join", "let", "like", "list", "map", "map-left", "map-right", "max", "med",
  "meta", "min", "modify", "neg", "nil?", "not", "or", "parse", "pmap", "quote", "raise",
  "rank", "raze", "remove", "resolve", "return", "reverse", "round", "row", "scan",
  "scan-left", "scan-right", "sect", "select", "ser", "split", "sum", "table", "take", "til",
  "try", "type", "unify", "union", "update", "upsert", "value", "where", "window-join",
  "window-join1", "within", "xasc", "xbar", "xdesc", "xrank",
]);

describe("purity", () => {
  it("every builtin is classified pure or impure, exactly once, and declared so", () => {
    for (const [name, b] of STANDARD_BUILTINS) {
      assert.ok(PURE.has(name) !== IMPURE.has(name), `${name} must be in exactly one list`);
      assert.equal(b.impure, IMPURE.has(name), name);
    }
    for (const name of [...PURE, ...IMPURE]) {
      assert.ok(STANDARD_BUILTINS.has(name), `${name} exists`);
    }
  });

  it("the core's get and set, which reach no file, are pure", () => {
    assert.equal(CORE_BUILTINS.get("get")!.impure, false);
    assert.equal(CORE_BUILTINS.get("set")!.impure, false);
    assert.equal(STANDARD_BUILTINS.get("get")!.impure, true);
  });
});

describe("result cache", () => {
  const options = { size: 2, resultCache: true, permissions: { system: true } };

  it("answers a repeated read-only query without evaluating it, until what it read changes", async () => {
    await withPool(options, async (pool, q) => {
      const tasks = () => pool.stats().tasks;
      await q("(set x 5)");
      await q("(set f (fn [a] (* a x)))");
      assert.equal(await q("(f 2)"), "10");
      const before = tasks();
      assert.equal(await q("(f 2)"), "10");
      assert.equal(await q("(f 2)", "another connection"), "10");
      assert.equal(tasks(), before, "answered from the cache");
      assert.equal(pool.stats().cache!.hits, 2);
      await q("(set x 6)");
      assert.equal(await q("(f 2)"), "12", "x changed: evaluated again");
      await q("(set f (fn [a] (+ a x)))");
      assert.equal(await q("(f 2)"), "8", "f changed: evaluated again");
      // A name read before it existed counts too.
      assert.match(await q("(+ y 1)"), /Error: value/);
      await q("(set y 1)");
      assert.equal(await q("(+ y 1)"), "2");
    });
  });

  it("never keeps queries that write, or that call an impure builtin, even inside a function", async () => {
    await withPool(options, async (pool, q) => {
      await q("(set n 0)");
      await q("(set n (+ n 1))");
      await q("(set n (+ n 1))");
      const stored = pool.stats().cache!.stored;
      assert.equal(await q("n"), "2", "writes are evaluated every time");
      const a = await q("(timestamp 'utc)");
      await new Promise((r) => setTimeout(r, 2));
      assert.notEqual(await q("(timestamp 'utc)"), a, "the clock is read every time");
      await q("(set g (fn [] (rand 1 1000000000)))");
      const draws = new Set<string>();
      for (let i = 0; i < 5; i++) draws.add(await q("(g)"));
      assert.ok(draws.size > 1, "rand inside a function is drawn every time");
      assert.equal(pool.stats().cache!.stored, stored + 1, "only `n` was kept");
    });
  });

  it("a connection with queries in flight is answered in order, with its own writes", async () => {
    await withPool(options, async (_pool, q) => {
      await q("(set x 1)");
      assert.equal(await q("(* x 10)"), "10");
      // Sent together: the read must see the write before it, not the cached 10.
      const [, read] = await Promise.all([q("(set x 2)"), q("(* x 10)")]);
      assert.equal(read, "20");
    });
  });

  it("IPC frames: the same bytes get the same answer bytes", async () => {
    await withPool(options, async (pool, _q) => {
      const frame = () => encodeMessage(str("(sum (til 100))"), MsgType.SYNC).buffer as ArrayBuffer;
      const first = await pool.run({ kind: "ipc", frame: frame(), reply: "engine" }, "i");
      const second = await pool.run({ kind: "ipc", frame: frame(), reply: "engine" }, "i");
      assert.deepEqual(
        new Uint8Array(second.response as ArrayBuffer),
        new Uint8Array(first.response as ArrayBuffer),
      );
      assert.equal(pool.stats().cache!.hits, 1);
    });
  });

  it("keeps within its limits, least recently used out first", () => {
    const cache = new ResultCache({ maxEntries: 2 });
    const v = () => 0;
    for (const s of ["a", "b", "c"]) {
      cache.put(cache.key({ kind: "text", source: s })!, { response: s, failed: false }, [], v);
    }
    assert.equal(cache.size, 2);
    assert.equal(cache.get(cache.key({ kind: "text", source: "a" })!, v), undefined);
    assert.equal(cache.get(cache.key({ kind: "text", source: "c" })!, v)?.response, "c");
    const big = new ResultCache({ maxAnswerBytes: 10 });
    big.put("k", { response: "x".repeat(100), failed: false }, [], v);
    assert.equal(big.size, 0, "an answer over the limit is not kept");
  });

  it("is off by default, and on through the server option", async () => {
    const plain = new WorkerPool({ size: 1 });
    try {
      await plain.run({ kind: "text", source: "(+ 1 2)" }, "s");
      await plain.run({ kind: "text", source: "(+ 1 2)" }, "s");
      assert.equal(plain.stats().cache, undefined);
      assert.equal(plain.stats().tasks, 2);
    } finally {
      await plain.close();
    }
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1, resultCache: true });
    await server.start();
    await using conn = await new WSClient("127.0.0.1", port).connect();
    for (let i = 0; i < 3; i++) assert.equal(await conn.execute("(* 6 7)"), 42n);
    assert.equal((server.stats().pool as { cache: { hits: number } }).cache.hits, 2);
  });
});
