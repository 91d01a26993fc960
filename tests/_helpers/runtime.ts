/**
 * Test helper: which runtime runs the tests, and how to start a script under it.
 * The same test files run under `deno test` and `bun test`; child processes must be
 * started with the runtime that runs the test.
 */
import process from "node:process";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The runtime executing this test file. */
export const runtime: "deno" | "bun" | "node" = "Bun" in globalThis
  ? "bun"
  : "Deno" in globalThis
  ? "deno"
  : "node";

/** Absolute path of the repository root. */
export const repoRoot: string = fileURLToPath(new URL("../../", import.meta.url));

/** The argv that runs `script` (relative to the repository root) with the current runtime. */
export function scriptArgv(script: string, args: string[] = []): string[] {
  const path = repoRoot + script;
  if (runtime === "deno") return [process.execPath, "run", "-A", path, ...args];
  return [process.execPath, path, ...args];
}

/** Output of a finished child process. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a repository script to completion with the current runtime and collects its output. */
export function runScript(
  script: string,
  args: string[] = [],
  timeoutMs = 30_000,
): Promise<RunResult> {
  const [cmd, ...rest] = scriptArgv(script, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, rest, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => stdout += d);
    child.stderr.setEncoding("utf8").on("data", (d: string) => stderr += d);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `serve` child process of {@link startServer}, and what it printed so far. */
export interface ServerProcess {
  child: ChildProcess;
  /** Its stdout so far. */
  stdout(): string;
}

/**
 * Starts a repository script that serves (`cli.ts serve …`, `mod.ts serve …`) with the
 * current runtime, and resolves once its stdout says it listens (`served on`); rejects with
 * what it printed when it does not within `ms`.
 */
export async function startServer(
  script: string,
  args: string[],
  ms = 20_000,
): Promise<ServerProcess> {
  const [cmd, ...rest] = scriptArgv(script, args);
  const child = spawn(cmd, rest, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const deadline = Date.now() + ms;
  while (!out.includes("served on")) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${script} did not start listening: ${out}${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, stdout: () => out };
}
