/**
 * Test helper: the real engine's conformance corpus, kept in the repository at
 * `tests/fixtures/conformance/` (the engine's recorded sessions, and in `sessions/` the ones
 * we recorded from the engine since). A missing corpus fails the tests loudly: it is the
 * evidence they stand on.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { repoRoot } from "./runtime.ts";

/** One recorded query and the engine's answer (see the corpus README). */
export interface CorpusLine {
  query: string;
  ok: boolean;
  /** Absent on lines where the engine crashed before answering. */
  hex?: string;
  type?: string | null;
  value?: unknown;
  text?: string;
  warning?: string;
  crash?: boolean;
}

/** Directory of the corpus. */
export const corpusDir: string = repoRoot + "tests/fixtures/conformance/";

/** Every session of the corpus, by name (file name without `.jsonl`). */
export function loadCorpus(): Map<string, CorpusLine[]> {
  if (!existsSync(corpusDir)) {
    throw new Error(
      `conformance corpus not found at ${corpusDir}`,
    );
  }
  const sessions = new Map<string, CorpusLine[]>();
  for (const dir of ["", "sessions/"]) {
    if (!existsSync(corpusDir + dir)) continue;
    for (const file of readdirSync(corpusDir + dir).filter((f) => f.endsWith(".jsonl")).sort()) {
      const text = readFileSync(corpusDir + dir + file, "utf8");
      const lines = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
      sessions.set(dir + file.replace(/\.jsonl$/, ""), lines as CorpusLine[]);
    }
  }
  return sessions;
}

/** Bytes of a lowercase hex string. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/**
 * Bytes of junk the engine sent after a SYMBOL vector: its size function over-counts the
 * vectors that `(as 'SYMBOL …)` builds from integers (`rayforce-ipc.md` §5.7). The end is
 * found structurally: the declared number of NUL-terminated names.
 */
function symbolVectorJunk(hex: string): number {
  if (!hex.startsWith("06")) return 0;
  const bytes = fromHex(hex);
  let n = 0;
  for (let i = 9; i >= 2; i--) n = n * 256 + bytes[i];
  let at = 10;
  for (let k = 0; k < n && at < bytes.length; k++) {
    while (at < bytes.length && bytes[at] !== 0) at++;
    at++;
  }
  return Math.max(0, bytes.length - at);
}

/** The recorded payload without the engine's trailing junk bytes. */
export function expectedPayload(line: CorpusLine, isLambda: boolean): string {
  const junk = isLambda ? 8 : symbolVectorJunk(line.hex!);
  return junk ? line.hex!.slice(0, -2 * junk) : line.hex!;
}
