/**
 * Test helper: Debian's Chromium driven by playwright-core. Deno loads playwright through
 * its `npm:` specifier (it cannot load the package's CommonJS from node_modules with
 * `nodeModulesDir: none`); Bun loads it from node_modules. Same pinned version for both.
 */
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { repoRoot, runtime } from "./runtime.ts";

/** The Chromium executable (installed by `scripts/ensure-browser.sh` before the tests). */
export const CHROMIUM: string = process.env.RF_WS_CHROMIUM ?? "/usr/bin/chromium";

/** The parts of playwright's Page the tests use. */
export interface Page {
  goto(url: string): Promise<unknown>;
  fill(selector: string, value: string): Promise<void>;
  press(selector: string, key: string): Promise<void>;
  click(selector: string): Promise<void>;
  waitForSelector(
    selector: string,
    options?: { timeout?: number; state?: string },
  ): Promise<unknown>;
  textContent(selector: string): Promise<string | null>;
  locator(selector: string): { count(): Promise<number>; allTextContents(): Promise<string[]> };
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
}

/** The parts of playwright's Browser the tests use. */
export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile; fails loudly when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}; npm test installs it with scripts/ensure-browser.sh`,
    );
  }
  const version =
    JSON.parse(readFileSync(repoRoot + "package.json", "utf8")).devDependencies["playwright-core"];
  const spec = runtime === "deno"
    ? `npm:playwright-core@${version}`
    : new URL("../../node_modules/playwright-core/index.mjs", import.meta.url).href;
  const pw = await import(spec) as { chromium: { launch(options: unknown): Promise<Browser> } };
  return await pw.chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox as root; no background traffic on this machine's closed network.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
