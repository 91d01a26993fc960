/**
 * Test helper: replays the conformance corpus through the engine and scores each line as
 * the corpus README says:
 *
 * - `ok: true`: the payload equals `hex` byte for byte (a LAMBDA without the engine's 8
 *   junk bytes) and the display equals `text`;
 * - `ok: false`: an error with the same code;
 * - `warning` (the engine sent no payload) and `crash` lines: a well-formed answer (a
 *   value or an error that encodes), and the session goes on.
 */
import { encode, str } from "../../ipc/mod.ts";
import { Engine } from "../../engine/mod.ts";
import { type CorpusLine, expectedPayload, toHex } from "./corpus.ts";

/** The verdict on one corpus line. */
export interface LineResult {
  session: string;
  index: number;
  query: string;
  pass: boolean;
  /** What differed, for reports. */
  why?: string;
}

/** Replays one session through a fresh engine. */
export function runSession(session: string, lines: CorpusLine[]): LineResult[] {
  const engine = new Engine();
  return lines.map((line, index) => {
    const base = { session, index, query: line.query };
    let outcome;
    try {
      outcome = engine.evalMessage(str(line.query));
    } catch (e) {
      return { ...base, pass: false, why: `threw ${(e as Error).stack}` };
    }
    const value = outcome.value;
    let bytes: Uint8Array;
    try {
      bytes = encode(value);
    } catch (e) {
      return { ...base, pass: false, why: `encode failed: ${(e as Error).message}` };
    }
    // Warning and crash lines: the engine sent no payload; a well-formed answer passes.
    if (!line.hex) return { ...base, pass: true };
    if (!line.ok) {
      const expected = parseInt(line.hex.slice(2, 4), 16);
      const got = value.type === 127 ? (value as { code: number }).code : -1;
      return {
        ...base,
        pass: got === expected,
        why: `error code ${got}, expected ${expected}: ${
          outcome.error?.message ?? engine.display(value)
        }`,
      };
    }
    const expectedHex = expectedPayload(line, value.type === 100);
    const hex = toHex(bytes);
    if (hex !== expectedHex) {
      return {
        ...base,
        pass: false,
        why: `bytes ${hex} expected ${expectedHex} (${engine.render(outcome).slice(0, 200)})`,
      };
    }
    const text = engine.display(value);
    if (text !== line.text) {
      return {
        ...base,
        pass: false,
        why: `text ${JSON.stringify(text)} expected ${JSON.stringify(line.text)}`,
      };
    }
    return { ...base, pass: true };
  });
}

/** The key of a line in the passing-set file. */
export function lineKey(r: { session: string; index: number; query: string }): string {
  return `${r.session}\t${r.index}\t${r.query.replaceAll("\n", "\\n")}`;
}
