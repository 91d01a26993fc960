/**
 * The package version, kept equal to `version` in `deno.json` and `package.json`
 * (a test checks that the three agree).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "./version.ts";
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION = "0.1.0";
