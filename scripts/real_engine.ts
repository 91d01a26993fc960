/**
 * Starts a real Rayforce engine (`RAYFORCE_BIN`) on a loopback TCP port, for the benchmarks
 * and the differential check that compare with it. The engine serves IPC only while its
 * stdin is a terminal, so it runs under util-linux `script`, which gives it one.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import process from "node:process";
import { UpstreamClient } from "../upstream/client.ts";

/** A running engine: its process, and how to stop it. */
export interface RealEngine {
  port: number;
  child: ChildProcess;
  stop(): void;
}

/**
 * Starts `bin -p port` (with `args` before, such as `["-c", "1"]` for one core) and waits
 * until it accepts connections (up to 10 s).
 */
export async function startEngine(
  binPath: string,
  port: number,
  args: string[] = [],
): Promise<RealEngine> {
  // The engine runs in TMPDIR: a path relative to here would not lead to it from there.
  const bin = resolve(binPath);
  const child = spawn("script", [
    "-qfec",
    `exec '${bin}' ${args.map((a) => `'${a}' `).join("")}-p ${port}`,
    "/dev/null",
  ], {
    stdio: ["pipe", "ignore", "ignore"],
    cwd: process.env.TMPDIR ?? "/tmp", // it writes a history file where it runs
  });
  const stop = () => {
    child.kill("SIGKILL");
    spawn("pkill", ["-f", `${bin} .*-p ${port}`]);
  };
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const probe = new UpstreamClient("127.0.0.1", port);
    try {
      await probe.connect();
      probe.close();
      return { port, child, stop };
    } catch { /* not yet */ }
  }
  stop();
  throw new Error(`the engine at ${bin} did not listen on ${port}`);
}
