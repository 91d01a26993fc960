/**
 * The npm package as its users get it: `npm pack`, the tarball installed into an empty
 * project, and from there the module, the client, the server and the `rf-ws` bin, under
 * the runtime that runs this test (Bun imports the TypeScript, Deno the built JavaScript)
 * and the client under Node. Everything the package needs must be in the tarball: a file
 * missing from `files`, an export condition that points nowhere or a worker URL that only
 * works from source fails here.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { WSClient } from "../client.ts";
import { WSServer } from "../server.ts";
import { freePort } from "./_helpers/net.ts";
import { repoRoot, runtime } from "./_helpers/runtime.ts";
import { until } from "./_helpers/until.ts";

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs a command to completion (npm and friends need a shell on Windows; not our target). */
function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeout?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env as Record<string, string>,
        timeout: options.timeout ?? 120_000,
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0,
          out: String(stdout),
          err: String(stderr),
        }),
    );
  });
}

/** The absolute path of `name` on PATH: the bin's tests run with a PATH that lacks it. */
function which(name: string): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} is not on PATH`);
}

const node = which("node");
const npm = which("npm");

let work = "";
let project = "";
/** A directory holding only this runtime, as `deno` or `bun`: the PATH of a user who has it. */
let runtimeOnly = "";
/** An empty directory: the PATH of a user who has neither. */
let neither = "";

async function nodeMajor(): Promise<number> {
  const version = (await run(node, ["--version"])).out.trim();
  return Number(/^v(\d+)/.exec(version)?.[1]);
}

describe("the npm package, packed and installed", { timeout: 300_000 }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), "rf-ws-pack-"));
    const packed = await run(npm, ["pack", "--silent", "--pack-destination", work], {
      cwd: repoRoot,
    });
    assert.equal(packed.code, 0, packed.err);
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    assert.ok(tarball, `npm pack left no tarball in ${work}: ${packed.out}`);
    project = join(work, "app");
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module" }),
    );
    const installed = await run(
      npm,
      ["install", "--offline", "--no-audit", "--no-fund", join(work, tarball)],
      { cwd: project },
    );
    assert.equal(installed.code, 0, installed.err);
    runtimeOnly = join(work, "runtime-only");
    neither = join(work, "neither");
    mkdirSync(runtimeOnly);
    mkdirSync(neither);
    if (runtime !== "node") symlinkSync(process.execPath, join(runtimeOnly, runtime));
    // `npm pack` builds dist/ first (tsc): seconds, more on a busy machine (Bun's own limit,
    // 5 s unless `bun test --timeout`, is raised in package.json's test:bun).
  }, { timeout: 240_000 });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("the tarball holds the library, the built JavaScript and no tests", () => {
    const pkg = join(project, "node_modules", "@rf", "ws");
    for (const file of ["mod.ts", "version.ts", "log.ts", "runtime", "LICENSE", "docs"]) {
      assert.ok(existsSync(join(pkg, file)), file);
    }
    for (const file of ["mod.js", "mod.d.ts", "client.js", "cli.js", "worker/entry.js"]) {
      assert.ok(existsSync(join(pkg, "dist", file)), `dist/${file}`);
    }
    for (const file of ["tests", "bench", "package-lock.json", "console/build.ts"]) {
      assert.ok(!existsSync(join(pkg, file)), `${file} should not be packed`);
    }
  });

  it(
    `${runtime} imports the module, the client, ipc and engine; serves and queries`,
    { skip: runtime === "node" },
    async () => {
      const port = await freePort();
      writeFileSync(
        join(project, "app.mjs"),
        `import { VERSION, WSServer } from "@rf/ws";
import { WSClient } from "@rf/ws/client";
import { decode, encode, i64 } from "@rf/ws/ipc";
import { Engine } from "@rf/ws/engine";
const out = { resolved: import.meta.resolve("@rf/ws"), version: VERSION };
out.ipc = String(decode(encode(i64(42))).value);
const engine = new Engine();
out.engine = engine.display(engine.evalSource("(sum (til 5))").value);
const server = new WSServer({ port: ${port}, workers: 1 });
await server.start();
const conn = await new WSClient("127.0.0.1", ${port}).connect();
out.query = String(await conn.execute("(+ 1 2)"));
conn.close();
await server.stop();
console.log(JSON.stringify(out));
`,
      );
      const argv = runtime === "deno" ? ["run", "-A", "app.mjs"] : ["app.mjs"];
      const r = await run(process.execPath, argv, { cwd: project, timeout: 60_000 });
      assert.equal(r.code, 0, r.err);
      const out = JSON.parse(r.out.trim().split("\n").pop()!);
      const expectedEntry = runtime === "bun" ? "/@rf/ws/mod.ts" : "/@rf/ws/dist/mod.js";
      assert.ok(out.resolved.endsWith(expectedEntry), out.resolved);
      const { VERSION } = await import("../version.ts");
      assert.deepEqual(out, {
        resolved: out.resolved,
        version: VERSION,
        ipc: "42",
        engine: "10",
        query: "3",
      });
    },
  );

  it(
    `the bin runs under ${runtime} itself (${runtime === "bun" ? "bun x" : "deno run npm:"})`,
    { skip: runtime === "node" },
    async () => {
      const argv = runtime === "bun"
        ? ["x", "--bun", "rf-ws", "--version"]
        : ["run", "-A", "npm:@rf/ws", "--version"];
      const r = await run(process.execPath, argv, { cwd: project, timeout: 60_000 });
      assert.equal(r.code, 0, r.err);
      const { VERSION } = await import("../version.ts");
      assert.equal(r.out.trim(), VERSION);
    },
  );

  it(
    `npx rf-ws under Node hands over to ${runtime}, serves, and stops on SIGTERM`,
    { skip: runtime === "node" },
    async () => {
      const bin = join(project, "node_modules", ".bin", "rf-ws");
      const env = { ...process.env, PATH: runtimeOnly } as Record<string, string>;
      const version = await run(node, [bin, "--version"], { cwd: project, env });
      assert.equal(version.code, 0, version.err);
      const { VERSION } = await import("../version.ts");
      assert.equal(version.out.trim(), VERSION);

      const port = await freePort();
      const child = spawn(node, [bin, "serve", "--port", String(port), "--workers", "1"], {
        cwd: project,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => out += d);
      child.stderr.setEncoding("utf8").on("data", (d: string) => err += d);
      const exited = new Promise<string>((resolve) =>
        child.on("exit", (code, signal) => resolve(`${code} ${signal}`))
      );
      try {
        let conn: Awaited<ReturnType<WSClient["connect"]>> | undefined;
        await until(
          async () => {
            conn = await new WSClient("127.0.0.1", port).connect().catch(() => undefined);
            return conn !== undefined || child.exitCode !== null;
          },
          "the server the bin started",
          30_000,
        );
        assert.ok(conn, `the bin exited before serving: ${err}`);
        assert.equal(String(await conn.execute("(* 6 7)")), "42");
        conn.close();
      } finally {
        // process.kill, not child.kill: after child.kill Deno's node:child_process reports
        // the signal it sent as the cause of exit even when the process exited 0.
        process.kill(child.pid!, "SIGTERM");
      }
      const code = await exited;
      assert.equal(code, "0 null", err);
      assert.match(out, /stopped/);
    },
  );

  it("npx rf-ws with neither Bun nor Deno says which to install and exits 1", async () => {
    const bin = join(project, "node_modules", ".bin", "rf-ws");
    const env = { ...process.env, PATH: neither } as Record<string, string>;
    const r = await run(node, [bin, "serve"], { cwd: project, env });
    assert.equal(r.code, 1);
    assert.match(r.err, /runs on Bun or Deno, and neither is installed/);
    assert.match(r.err, /bunx --bun @rf\/ws serve/);
  });

  it("Node imports @rf/ws/client from the package and queries a server", async () => {
    const major = await nodeMajor();
    assert.ok(major >= 20, `node ${major}`);
    const port = await freePort();
    await using server = new WSServer({ port, workers: 1 });
    await server.start();
    writeFileSync(
      join(project, "client.mjs"),
      `import { WSClient, RayforceTypeError } from "@rf/ws/client";
const out = { resolved: import.meta.resolve("@rf/ws/client") };
const conn = await new WSClient("127.0.0.1:${port}").connect();
out.sum = String(await conn.execute("(+ 1 2)"));
try { await conn.execute("(+ 1 'a)"); } catch (e) { out.error = e instanceof RayforceTypeError; }
conn.close();
console.log(JSON.stringify(out));
`,
    );
    // Node 20–21 have the standard WebSocket behind a flag; Node 22 has it by default.
    const flags = major < 22 ? ["--experimental-websocket"] : [];
    const r = await run(node, [...flags, "client.mjs"], { cwd: project, timeout: 30_000 });
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out.trim().split("\n").pop()!);
    assert.ok(out.resolved.endsWith("/@rf/ws/dist/client.js"), out.resolved);
    assert.deepEqual(out, { resolved: out.resolved, sum: "3", error: true });
  });
});
