/**
 * Hostile bytes: the decoder only ever returns an object or throws RayforceIPCError,
 * never allocates what a header or length claims, and never hangs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decode,
  decodeHeader,
  decodeMessage,
  encode,
  encodeHeader,
  ErrorCode,
  FrameReader,
  MsgType,
  RayforceIPCError,
  SymbolTable,
} from "../ipc/mod.ts";
import { fromHex, loadCorpus } from "./_helpers/corpus.ts";
import { RandomObjects } from "./_helpers/random.ts";

/** Decodes and returns the RayforceIPCError thrown, or undefined when an object came back. */
function attempt(bytes: Uint8Array, options = {}): RayforceIPCError | undefined {
  try {
    decode(bytes, options);
    return undefined;
  } catch (e) {
    if (e instanceof RayforceIPCError) return e;
    throw new Error(
      `decode threw ${(e as Error)?.name}: ${(e as Error)?.message} for ${
        Array.from(bytes.subarray(0, 32))
      }`,
    );
  }
}

function expectError(bytes: Uint8Array, pattern: RegExp, code?: number, options = {}): void {
  const e = attempt(bytes, options);
  assert.ok(e, `expected a RayforceIPCError for ${Array.from(bytes.subarray(0, 24))}`);
  assert.match(e.message, pattern);
  if (code !== undefined) assert.equal(e.code, code);
}

describe("IPC decoder on hostile input", () => {
  it("truncated atoms, vectors, lists and strings", () => {
    expectError(new Uint8Array(0), /empty payload/);
    expectError(Uint8Array.of(0xfb, 1, 2), /truncated i64/, ErrorCode.DOMAIN);
    expectError(fromHex("0c000500000000000000616263"), /C8 length 5 needs 5 bytes, only 3 remain/);
    expectError(fromHex("050002000000000000000100000000000000"), /I64 length 2 needs 16 bytes/);
    expectError(fromHex("0000020000000000000"), /truncated/);
    expectError(fromHex("00000200000000000000fb0100000000000000"), /truncated type byte/);
    expectError(fromHex("63000600010000000000000061"), /terminator/);
  });

  it("lengths larger than the buffer never become allocations", () => {
    // An I64 vector claiming 2^62 elements, a LIST claiming 2^60 items, a SYMBOL vector 10^12.
    expectError(fromHex("05000000000000000040"), /needs .* bytes, only 0 remain/);
    expectError(fromHex("00000000000000000010fb"), /LIST length .* needs/);
    expectError(fromHex("060000100000e8d4a5100061006200"), /SYMBOL length/);
    expectError(fromHex("0500ffffffffffffffff"), /negative I64 length/);
  });

  it("sizes over the configured limit", () => {
    expectError(new Uint8Array(100).fill(0xfe), /exceeds the limit of 64/, ErrorCode.LIMIT, {
      maxSize: 64,
    });
    const header = encodeHeader(MsgType.SYNC, 300 * 1024 * 1024);
    assert.throws(
      () => decodeHeader(header),
      (e) => e instanceof RayforceIPCError && e.code === ErrorCode.LIMIT,
    );
  });

  it("unknown type codes, symbols without terminator, wrong prefix", () => {
    expectError(Uint8Array.of(0x15), /unknown type code 21/, ErrorCode.TYPE);
    expectError(Uint8Array.of(0xe0, 0), /unknown type code -32/, ErrorCode.TYPE);
    expectError(Uint8Array.of(0x14, 0), /unknown type code 20/, ErrorCode.TYPE); // ENUM
    expectError(Uint8Array.of(0xfa, 0x61, 0x62), /symbol without NUL terminator/);
    expectError(Uint8Array.of(0x66, 0x2b), /builtin name without NUL/);
    const frame = new Uint8Array(17);
    frame.set([0x11, 0x22, 0x33, 0x44]);
    assert.throws(() => decodeMessage(frame), /bad header prefix 0x44332211/);
  });

  it("nesting deeper than the limit (default 64) is refused, even when 100,000 deep", () => {
    const depth = 100_000;
    const bomb = new Uint8Array(depth * 10 + 1);
    for (let i = 0; i < depth; i++) bomb.set([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], i * 10);
    bomb[depth * 10] = 0x7e;
    expectError(bomb, /nested deeper than 64 levels/, ErrorCode.LIMIT);
    // 64 levels are fine.
    const ok = new Uint8Array(64 * 10 + 1);
    for (let i = 0; i < 64; i++) ok.set([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], i * 10);
    ok[640] = 0x7e;
    assert.equal(attempt(ok), undefined);
  });

  it("malformed dicts and tables are refused rather than passed to the engine", () => {
    expectError(
      fromHex(
        "630006000100000000000000610005000200000000000000" + "01000000000000000200000000000000",
      ),
      /1 keys but 2 values/,
      ErrorCode.LENGTH,
    );
    expectError(
      fromHex("6200fb0100000000000000fb0100000000000000"),
      /TABLE needs a SYMBOL vector/,
      ErrorCode.TYPE,
    );
  });

  it("fuzz: 20,000 random and mutated payloads give an object or a RayforceIPCError", () => {
    const r = new RandomObjects(42);
    const seeds: Uint8Array[] = [];
    for (const lines of loadCorpus().values()) {
      for (const l of lines) if (l.hex) seeds.push(fromHex(l.hex));
    }
    for (let i = 0; i < 200; i++) seeds.push(encode(r.object()));
    let objects = 0;
    let errors = 0;
    for (let i = 0; i < 20_000; i++) {
      let bytes: Uint8Array;
      const mode = r.int(4);
      if (mode === 0) {
        bytes = r.bytes(r.int(64));
      } else {
        bytes = r.pick(seeds).slice();
        if (mode === 1 && bytes.length) bytes = bytes.subarray(0, r.int(bytes.length)); // truncate
        const flips = r.int(4) + 1;
        for (let k = 0; k < flips && bytes.length; k++) bytes[r.int(bytes.length)] = r.int(256);
        if (mode === 3 && bytes.length > 10) bytes.fill(0xff, 2, 10); // a huge length
      }
      if (attempt(bytes)) errors++;
      else objects++;
    }
    // Both outcomes occur: the fuzzer reaches deep into valid structure and into errors.
    assert.ok(objects > 1000 && errors > 1000, `objects ${objects}, errors ${errors}`);
  });

  it("fuzz: a FrameReader fed random chunks only yields frames or throws RayforceIPCError", () => {
    const r = new RandomObjects(7);
    for (let i = 0; i < 2_000; i++) {
      const reader = new FrameReader({ maxSize: 1 << 20 });
      try {
        for (let k = 0; k < 5; k++) {
          const chunk = r.bytes(r.int(40));
          if (r.next() < 0.5) {
            chunk.set([0xfa, 0xde, 0xfa, 0xce, 1, 0, 0, r.int(3)].slice(0, chunk.length));
          }
          for (const f of reader.push(chunk)) {
            attempt(f.payload.length ? f.payload : Uint8Array.of(0x7e));
          }
        }
      } catch (e) {
        assert.ok(e instanceof RayforceIPCError, String(e));
      }
    }
  });
});

describe("symbol table", () => {
  it("refuses new symbols past its limit with a limit error, keeps the known ones", () => {
    const t = new SymbolTable(10);
    const ids = Array.from({ length: 9 }, (_, i) => t.intern(`s${i}`));
    assert.throws(
      () => t.intern("one-too-many"),
      (e) => e instanceof RayforceIPCError && e.code === ErrorCode.LIMIT,
    );
    assert.throws(() => t.internBytes(Uint8Array.of(0x7a, 0x7a), 0, 2), /symbol table full/);
    assert.equal(t.intern("s3"), ids[3]);
    assert.equal(t.text(ids[8]), "s8");
  });
});
