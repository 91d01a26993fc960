#!/usr/bin/env node
/**
 * The `rf-ws` command of the npm package, in plain JavaScript so that whatever runs it can:
 * `npx @rf/ws serve` (Node), `bunx @rf/ws serve` (Node or Bun, as bunx chooses),
 * `deno run -A npm:@rf/ws serve` (Deno).
 *
 * Under Bun it runs the TypeScript CLI as is; under Deno, the JavaScript built into
 * `dist/`. Node cannot serve (the server is `Deno.serve` or `Bun.serve`), so under Node it
 * hands the command to Bun or Deno, whichever it finds first on PATH or in the project's
 * `node_modules/.bin`, and says which to install when it finds neither.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "..", "cli.ts");
const built = join(here, "..", "dist", "cli.js");

if ("Bun" in globalThis) {
  const { runCli } = await import(pathToFileURL(source).href);
  await runCli(argv);
} else if ("Deno" in globalThis) {
  const { runCli } = await import(pathToFileURL(built).href);
  await runCli(argv);
} else {
  const bun = findOnPath("bun");
  const deno = findOnPath("deno");
  if (bun) {
    await handOver(bun, [source, ...argv]);
  } else if (deno) {
    await handOver(deno, ["run", "-A", "--unstable-net", built, ...argv]);
  } else {
    process.stderr.write(
      "rf-ws runs on Bun or Deno, and neither is installed here.\n" +
        "Install one (npm install -g bun, or npm install -g deno), or run it with:\n" +
        "  bunx --bun @rf/ws " + argv.join(" ") + "\n" +
        "  deno run -A npm:@rf/ws " + argv.join(" ") + "\n",
    );
    process.exitCode = 1;
  }
}

/**
 * The path of `name` in PATH or in a `node_modules/.bin` above this package (a project
 * that has `bun` or `deno` as a dependency), or undefined.
 */
function findOnPath(name) {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  dirs.push(join(here, "..", "node_modules", ".bin")); // a checkout of this repository
  for (let dir = here;; dir = dirname(dir)) {
    if (dir.endsWith("node_modules")) dirs.push(join(dir, ".bin"));
    if (dirname(dir) === dir) break;
  }
  const names = process.platform === "win32" ? [name + ".exe", name + ".cmd"] : [name];
  for (const dir of dirs) {
    for (const file of names) if (existsSync(join(dir, file))) return join(dir, file);
  }
  return undefined;
}

/** Runs the command with our stdio, forwards SIGINT/SIGTERM, and exits as it exits. */
function handOver(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit" });
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", (error) => {
      process.stderr.write(`rf-ws: cannot start ${command}: ${error.message}\n`);
      process.exitCode = 1;
      resolve();
    });
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      process.exitCode = code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : 15) : 1);
      resolve();
    });
  });
}
