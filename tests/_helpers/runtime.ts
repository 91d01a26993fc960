/**
 * Test helper: which runtime runs the tests, and how to start a script under it.
 * The same test files run under `deno test` and `bun test`; child processes must be
 * started with the runtime that runs the test.
 */
import process from "node:process";
import { spawn } from "node:child_process";
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
