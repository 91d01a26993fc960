/**
 * OS builtins and permissions: refused with an `os` error naming the flag by default,
 * working with it, and confined to the allowed directories (no `..` or symlink escape).
 */
import { afterEach, describe, it } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { Engine } from "../engine/mod.ts";
import { ErrorCode, RayforceOptionError, toJSON } from "../ipc/mod.ts";
import { WSServer } from "../server.ts";
import { WSClient } from "../client.ts";
import { freePort } from "./_helpers/net.ts";
import { NODE_HOST } from "../host/node_host.ts";

function failure(e: Engine, source: string): { code: number; message: string } {
  const v = e.evalSource(source).value as { type: number; code: number; message: string };
  assert.equal(v.type, 127, `${source} should fail`);
  return v;
}

describe("OS builtins", () => {
  // Relative paths resolve against the working directory, as in the engine: the tests that
  // use them move into their directory, and every test ends where it started.
  const start = process.cwd();
  afterEach(() => process.chdir(start));

  it("are refused without their permission, naming it", () => {
    const e = new Engine();
    const cases: [string, string][] = [
      ['(read "f")', "--allow-read"],
      ['(load "f.rf")', "--allow-read"],
      ['(get "f")', "--allow-read"],
      ['(read-csv [I64] "f.csv")', "--allow-read"],
      ['(write "f" "x")', "--allow-write"],
      ['(set "f" 1)', "--allow-write"],
      ['(write-csv "f.csv" (table [a] (list [1])))', "--allow-write"],
      ['(set-splayed "d/" (table [a] (list [1])))', "--allow-write"],
      ['(hopen "127.0.0.1:5000")', "--allow-net"],
      ['(system "echo hi")', "--allow-system"],
      ["(exit)", "--allow-system"],
      ["(timer 10 1 (fn [] 1))", "--allow-system"],
      ["(memstat)", "--allow-system"],
      ["(sysinfo)", "--allow-system"],
      ["(gc)", "--allow-system"],
      ['(os-get-var "HOME")', "--allow-env"],
      ['(os-set-var "X" "1")', "--allow-env"],
    ];
    for (const [source, flag] of cases) {
      const f = failure(e, source);
      assert.equal(f.code, ErrorCode.OS, source);
      assert.match(f.message, new RegExp(flag), source);
    }
  });

  it("work with their permission, confined to the allowed directory", () => {
    const root = mkdtempSync(tmpdir() + "/rf-ws-os-");
    const allowed = root + "/data";
    mkdirSync(allowed);
    writeFileSync(root + "/secret.txt", "outside");
    symlinkSync(root + "/secret.txt", allowed + "/link.txt");
    writeFileSync(allowed + "/prog.rf", "(set loaded 7) (* loaded 6)");
    process.chdir(allowed);
    const e = new Engine();
    e.host = NODE_HOST;
    e.permissions = { read: [allowed], write: [allowed], system: true, env: true };

    assert.equal(e.render(e.evalSource('(write "note.txt" "hello")')), '"hello"');
    assert.equal(e.render(e.evalSource('(read "note.txt")')), '"hello"');
    assert.equal(e.render(e.evalSource('(read "' + allowed + '/note.txt")')), '"hello"');
    e.evalSource('(set "t.bin" (table [a b] (list [1 2] [x y])))');
    assert.deepEqual(toJSON(e.evalSource('(get "t.bin")').value), {
      columns: { a: [1, 2], b: ["x", "y"] },
    });
    assert.equal(e.render(e.evalSource('(load "prog.rf")')), "42");
    e.evalSource('(write-csv "t.csv" (table [id px sym] (list [1 2] [1.5 2.5] [a b])))');
    assert.equal(e.render(e.evalSource('(read "t.csv")')), '"id,px,sym\\n1,1.5,a\\n2,2.5,b\\n"');
    assert.deepEqual(toJSON(e.evalSource('(read-csv [I64 F64 SYMBOL] "t.csv")').value), {
      columns: { id: [1, 2], px: [1.5, 2.5], sym: ["a", "b"] },
    });
    assert.deepEqual(toJSON(e.evalSource('(system "echo hi; echo there")').value), ["hi", "there"]);
    e.evalSource('(os-set-var "RF_WS_TEST" "v1")');
    assert.equal(e.render(e.evalSource('(os-get-var "RF_WS_TEST")')), '"v1"');
    assert.deepEqual(Object.keys(toJSON(e.evalSource("(memstat)").value) as object), [
      "msys",
      "heap",
      "free",
      "syms",
    ]);

    // Escapes: .., an absolute path outside, a symlink pointing outside.
    for (const path of ["../secret.txt", root + "/secret.txt", "link.txt", "/etc/passwd"]) {
      const f = failure(e, `(read "${path}")`);
      assert.equal(f.code, ErrorCode.OS);
      assert.match(f.message, /outside the directories allowed by --allow-read/, path);
    }
    assert.match(failure(e, '(write "../escape.txt" "x")').message, /outside/);
    assert.match(failure(e, "(exit)").message, /refused/);
  });

  it("store splayed and date-partitioned tables, confined like every path", () => {
    // The engine's layout (engine/splayed.ts; tests/engine_files.test.ts checks the bytes).
    const root = mkdtempSync(tmpdir() + "/rf-ws-splay-");
    const allowed = root + "/data";
    mkdirSync(allowed);
    mkdirSync(root + "/outside");
    symlinkSync(root + "/outside", allowed + "/out");
    process.chdir(allowed);
    const e = new Engine();
    e.host = NODE_HOST;
    e.permissions = { read: [allowed], write: [allowed] };
    e.evalSource(
      "(set t (table [s px date] (list [a b a c] [1.5 2.5 3.5 4.5] " +
        "[2024.01.02 2024.01.01 2024.01.02 2024.01.03])))",
    );
    const rows = {
      columns: {
        s: ["a", "b", "a", "c"],
        px: [1.5, 2.5, 3.5, 4.5],
        date: ["2024-01-02", "2024-01-01", "2024-01-02", "2024-01-03"],
      },
    };
    const json = (source: string) => toJSON(e.evalSource(source).value);

    e.evalSource('(set-splayed "t1/" t)');
    assert.deepEqual(readdirSync(allowed + "/t1").sort(), [".d", "date", "px", "s", "sym"]);
    assert.deepEqual(json('(get-splayed "t1/")'), rows);
    assert.deepEqual(json('(get "t1/px")'), [1.5, 2.5, 3.5, 4.5], "a column is a vector file");
    assert.deepEqual(json('(get "t1/sym")'), ["a", "b", "c"], "the symbols, each once");
    assert.deepEqual(json('(load "t1")'), rows, "load of a directory reads the table");
    e.evalSource('(set "t2/" t)');
    assert.deepEqual(json('(get-splayed "t2")'), rows, "set of a directory path splays");

    // A symfile: symbols stored once for several tables, columns as indexes into it.
    e.evalSource('(set-splayed "t3/" t "syms")');
    assert.deepEqual(json('(get "syms")'), ["a", "b", "c"]);
    assert.deepEqual(readdirSync(allowed + "/t3").sort(), [".d", "date", "px", "s"]);
    e.evalSource('(set-splayed "t4/" (table [s] (list [c d])) "syms")');
    assert.deepEqual(json('(get "syms")'), ["a", "b", "c", "d"], "new symbols are appended");
    assert.deepEqual(json('(get-splayed "t3/" "syms")'), rows);
    assert.deepEqual(json('(get-splayed "t4/" "syms")'), { columns: { s: ["c", "d"] } });

    // Parted: one splayed table per day, read back in date order with the day first.
    e.evalSource('(set-parted "db/" \'trades t)');
    assert.deepEqual(readdirSync(allowed + "/db").sort(), [
      "2024.01.01",
      "2024.01.02",
      "2024.01.03",
    ]);
    const days = ["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03"];
    assert.deepEqual(json('(get-parted "db/" \'trades)'), {
      columns: {
        Date: days,
        s: ["b", "a", "a", "c"],
        px: [2.5, 1.5, 3.5, 4.5],
        date: days,
      },
    });
    e.evalSource('(set-parted "db/" \'trades (table [s px date] (list [z] [9.5] [2024.01.02])))');
    assert.deepEqual(
      json('(get-parted "db/" \'trades)'),
      {
        columns: {
          Date: ["2024-01-01", "2024-01-02", "2024-01-03"],
          s: ["b", "z", "c"],
          px: [2.5, 9.5, 4.5],
          date: ["2024-01-01", "2024-01-02", "2024-01-03"],
        },
      },
      "a day written again is replaced, the other days kept",
    );
    // The engine's two-argument form writes the table splayed where it is told.
    e.evalSource('(set-parted "flat/" t)');
    assert.deepEqual(json('(get-splayed "flat/")'), rows);

    // Bad input: errors, and nothing written outside the allowed directory.
    assert.match(failure(e, '(set-splayed "../x/" t)').message, /outside/);
    assert.match(failure(e, '(set-splayed "out/new/deep/" t)').message, /outside/);
    assert.deepEqual(readdirSync(root + "/outside"), [], "no escape through a symlinked parent");
    assert.match(failure(e, '(set-splayed "t5/" (table [..] (list [1])))').message, /file/);
    assert.equal(failure(e, '(get-splayed "none/")').code, ErrorCode.OS);
    assert.match(failure(e, '(set-parted "p/" \'x (table [a] (list [1])))').message, /DATE/);
    assert.match(failure(e, '(get-parted "t1/" \'x)').message, /no partitions/);
    assert.equal(failure(e, '(set-splayed "t6/" 1)').code, ErrorCode.TYPE);
    const readOnly = new Engine();
    readOnly.host = NODE_HOST;
    readOnly.permissions = { read: [allowed] };
    assert.deepEqual(toJSON(readOnly.evalSource('(get-splayed "t1/")').value), rows);
    assert.match(failure(readOnly, '(set-splayed "t7/" (table [a] (list [1])))').message, /write/);
  });

  it("a symlink swapped in while a file is opened never leads outside (read and write)", async () => {
    const root = mkdtempSync(`${tmpdir()}/rfws-race-`);
    mkdirSync(`${root}/data`);
    mkdirSync(`${root}/outside`);
    writeFileSync(`${root}/outside/secret`, "SECRET");
    const e = new Engine();
    e.host = NODE_HOST;
    e.permissions = { read: [`${root}/data`], write: [`${root}/data`] };
    const race = async (
      path: string,
      target: string,
      inside: string | null,
      attempt: () => void,
    ) => {
      const stop = new SharedArrayBuffer(4);
      const swapper = new Worker(new URL("./_helpers/swapper.ts", import.meta.url), {
        type: "module",
      });
      let started: () => void;
      const running = new Promise<void>((r) => (started = r));
      const swaps = new Promise<number>((r) =>
        swapper.onmessage = (m) => (m.data === "started" ? started() : r(m.data as number))
      );
      swapper.postMessage({ path, target, inside, stop });
      await running;
      for (let i = 0; i < 3000; i++) attempt();
      Atomics.store(new Int32Array(stop), 0, 1);
      assert.ok((await swaps) > 100, "the swapper ran");
      swapper.terminate();
    };
    const outcomes = { inside: 0, secret: 0, refused: 0 };
    await race(`${root}/data/race`, `${root}/outside/secret`, "inside", () => {
      const o = e.evalSource(`(read "${root}/data/race")`);
      const v = o.error ? "" : new TextDecoder().decode((o.value as { data: Uint8Array }).data);
      if (v === "SECRET") outcomes.secret++;
      else if (v === "inside") outcomes.inside++;
      else outcomes.refused++;
    });
    assert.equal(outcomes.secret, 0, JSON.stringify(outcomes));
    assert.ok(outcomes.inside > 0 && outcomes.refused > 0, JSON.stringify(outcomes));

    // Writes: the link leads to a file that does not exist yet, and to the secret.
    for (const target of [`${root}/outside/created`, `${root}/outside/secret`]) {
      await race(`${root}/data/wrace`, target, null, () => {
        e.evalSource(`(write "${root}/data/wrace" "x")`);
      });
    }
    assert.deepEqual(readdirSync(`${root}/outside`), ["secret"]);
    assert.equal(new TextDecoder().decode(readFileSync(`${root}/outside/secret`)), "SECRET");
  });

  it("a server refuses to start with an allowed directory that does not exist", () => {
    for (const permissions of [{ read: ["/no/such/dir"] }, { write: [tmpdir(), "/no/such/dir"] }]) {
      assert.throws(
        () => new WSServer({ port: 1, permissions }),
        (e) => e instanceof RayforceOptionError && /no such directory/.test(e.message),
      );
    }
  });

  it("permissions reach the server's workers", async () => {
    const dir = mkdtempSync(tmpdir() + "/rf-ws-os-");
    writeFileSync(dir + "/hello.txt", "hi from disk");
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1, permissions: { read: [dir] } });
    await server.start();
    await using conn = await new WSClient("127.0.0.1", port).connect();
    assert.equal(await conn.execute(`(read "${dir}/hello.txt")`), "hi from disk");
    process.chdir(dir);
    assert.equal(await conn.execute('(read "hello.txt")'), "hi from disk");
    process.chdir(tmpdir());
    await assert.rejects(() => conn.execute('(read "hello.txt")'), /outside|no such file/i);
    await assert.rejects(() => conn.execute('(write "x.txt" "no")'), /--allow-write/);
  });

  it("hopen: a real TCP IPC connection, valid on every worker, allowed by --allow-net", async () => {
    const remotePort = await freePort(), remoteTcp = await freePort(), port = await freePort();
    await using remote = new WSServer({ port: remotePort, tcpPort: remoteTcp, workers: 1 });
    await remote.start();
    const address = `127.0.0.1:${remoteTcp}`;
    await using server = new WSServer({
      port,
      workers: 2,
      packMs: 0,
      permissions: { net: [address] },
    });
    await server.start();
    await using conn = await new WSClient("127.0.0.1", port).connect();
    await conn.execute(`(set h (hopen "${address}"))`);
    assert.equal(await conn.execute('(write h "(+ 40 2)")'), 42n);
    await conn.execute('(write h "(set seen 5)")');
    await using direct = await new WSClient("127.0.0.1", remotePort).connect();
    assert.equal(await direct.execute("seen"), 5n, "the remote engine ran the query");
    // The handle works from queries on every worker (sessions spread over both).
    const clients = await Promise.all(
      Array.from({ length: 6 }, () => new WSClient("127.0.0.1", port).connect()),
    );
    assert.deepEqual(
      await Promise.all(clients.map((c, i) => c.execute(`(write h "(* ${i} 2)")`))),
      [0n, 2n, 4n, 6n, 8n, 10n],
    );
    clients.forEach((c) => c.close());
    // Async write: no answer; the remote still runs it.
    assert.equal(await conn.execute('(write (neg h) "(set later 9)")'), null);
    for (let i = 0; i < 20 && (await direct.execute("(resolve 'later)")) !== 9n; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await direct.execute("later"), 9n);
    // A remote error is raised locally with its code.
    await assert.rejects(() => conn.execute(`(write h "(+ 1 'a)")`), /type/);
    await conn.execute("(hclose h)");
    await assert.rejects(() => conn.execute('(write h "1")'), /not open/);
    await assert.rejects(() => conn.execute('(hopen "127.0.0.1:1")'), /not allowed by --allow-net/);
  });
});
