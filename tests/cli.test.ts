import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { main } from "../cli.ts";
import { VERSION } from "../version.ts";
import { repoRoot, runScript, runtime } from "./_helpers/runtime.ts";
import { WSServer } from "../server.ts";
import { freePort } from "./_helpers/net.ts";

describe("cli", () => {
  it("prints usage for --help in-process", async () => {
    const r = await main(["serve", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage:/);
    assert.match(r.stdout, /serve/);
  });

  it("rejects unknown options and commands", async () => {
    assert.equal((await main(["--nope"])).code, 2);
    assert.equal((await main(["frobnicate"])).code, 2);
    const bad = await main(["serve", "--port", "70000"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid port/);
  });

  it(`runs as a script under ${runtime}: serve --help prints usage`, async () => {
    const r = await runScript("cli.ts", ["serve", "--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rf-ws .* Rayforce over WebSocket/);
    assert.match(r.stdout, /--port/);
  });

  it("keeps the version equal in version.ts, deno.json and package.json", () => {
    const deno = JSON.parse(readFileSync(repoRoot + "deno.json", "utf8"));
    const pkg = JSON.parse(readFileSync(repoRoot + "package.json", "utf8"));
    assert.equal(deno.version, VERSION);
    assert.equal(pkg.version, VERSION);
    assert.equal(deno.name, "@rf/ws");
    assert.equal(pkg.name, "@rf/ws");
  });

  it("query prints the REPL display of one query, and exits 1 with the error block on an error", async () => {
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1 });
    await server.start();
    const url = `ws://127.0.0.1:${port}`;
    assert.deepEqual(await main(["query", "(til 5)", "--url", url]), {
      code: 0,
      stdout: "[0 1 2 3 4]\n",
      stderr: "",
    });
    const bad = await main(["query", "(+ 1 'a)", "--url", url]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /× Error: type/);
    const dead = await main(["query", "1", "--url", `ws://127.0.0.1:${await freePort()}`]);
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, /cannot connect/);
  });
});
