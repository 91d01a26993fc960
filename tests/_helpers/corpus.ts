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
 * Payloads where the engine's size function over-counts and sends junk bytes after the
 * object (`rayforce-ipc.md` §5.7): every LAMBDA (8 bytes), and the cases listed here by
 * query with their junk length. Our encoder writes the object alone.
 */
export const TRAILING_JUNK: ReadonlyMap<string, number> = new Map([["(as 'SYMBOL [1 2 3])", 3]]);

/** The recorded payload without the engine's trailing junk bytes. */
export function expectedPayload(line: CorpusLine, isLambda: boolean): string {
  const junk = isLambda ? 8 : TRAILING_JUNK.get(line.query) ?? 0;
  return junk ? line.hex!.slice(0, -2 * junk) : line.hex!;
}
