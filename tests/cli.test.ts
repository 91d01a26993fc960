import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { main } from "../cli.ts";
import { VERSION } from "../version.ts";
import { spawn } from "node:child_process";
import process from "node:process";
import { repoRoot, runScript, runtime, scriptArgv, startServer } from "./_helpers/runtime.ts";
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

  it("refuses an empty --token instead of serving without auth", async () => {
    const port = await freePort();
    const r = await main(["serve", "--port", String(port), "--workers", "1", "--token="]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /token is empty/);
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

  it("--version and -V print the version; mod.ts run as a program is the CLI", async () => {
    for (const flag of ["--version", "-V", "version"]) {
      assert.deepEqual(await main([flag]), { code: 0, stdout: `${VERSION}\n`, stderr: "" });
    }
    const r = await runScript("mod.ts", ["-V"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
  });

  it("mod.ts serve serves (what `deno run -A jsr:@rf/ws serve` runs)", async () => {
    const port = await freePort();
    const { child, stdout } = await startServer("mod.ts", [
      "serve",
      "--port",
      String(port),
      "--workers",
      "1",
    ]);
    try {
      assert.match(stdout(), new RegExp(`served on ws://127\\.0\\.0\\.1:${port}`));
      const q = await main(["query", "(* 6 7)", "--url", `ws://127.0.0.1:${port}`]);
      assert.equal(q.stdout, "42\n");
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.on("close", r));
    }
  });

  it("repl says so and exits when the server goes away", async () => {
    const port = await freePort();
    const server = new WSServer({ port, workers: 1 });
    await server.start();
    const [cmd, ...args] = scriptArgv("cli.ts", ["repl", "--url", `ws://127.0.0.1:${port}`]);
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
    child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
    const closed = new Promise<number | null>((r) => child.on("close", r));
    try {
      for (let i = 0; i < 200 && !out.includes("connected"); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      child.stdin.write("(+ 1 2)\n");
      for (let i = 0; i < 200 && !out.includes("3"); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await server.stop(); // stdin stays open: only the server's going can end the repl
      const code = await Promise.race([
        closed,
        new Promise((r) => setTimeout(() => r("hung"), 10_000)),
      ]);
      assert.equal(code, 1, `exit ${code}; stderr ${err}`);
      assert.match(err, /server closed the connection/);
    } finally {
      child.kill("SIGKILL");
    }
  });

  // Bun needs no flag for it, so there is nothing to explain there.
  (runtime === "deno" ? it : it.skip)(
    "--reuse-port without Deno's --unstable-net says which flag",
    async () => {
      const args = ["run", "-A", "--no-config", repoRoot + "cli.ts", "serve", "--reuse-port"];
      const child = spawn(process.execPath, [...args, "--port", String(await freePort())], {
        cwd: "/",
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
      const code = await new Promise((r) => child.on("close", r));
      assert.equal(code, 1);
      assert.match(err, /--reuse-port on Deno needs its --unstable-net flag/);
    },
  );
});
