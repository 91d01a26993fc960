import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { main } from "../cli.ts";
import { VERSION } from "../version.ts";
import { repoRoot, runScript, runtime } from "./_helpers/runtime.ts";

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
});
