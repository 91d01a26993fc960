/**
 * The package version, kept equal to `version` in `deno.json` and `package.json`
 * (a test checks that the three agree).
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(`@rf/ws ${VERSION}`);
 * ```
 */
export const VERSION = "0.1.0";
