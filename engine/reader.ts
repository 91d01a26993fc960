/**
 * The reader: Rayforce source text → parse tree (`rayforce-language.md` §1).
 *
 * The tree is made of ordinary objects: a call is a LIST, a variable reference a symbol
 * atom, a quoted symbol a symbol atom flagged `quoted`, a builtin name the builtin object
 * itself (parse-time substitution, off inside `[...]` and for dict keys), `(fn …)` a
 * LAMBDA, `[...]` a typed vector, `{k: v}` a DICT whose values stay unevaluated. Several
 * top-level forms are wrapped in `(do f1 f2 …)`. Malformed source raises the engine's
 * codes: `domain` for unclosed `(`/`{`/strings and bad vector elements, `parse` for the rest.
 *
 * @module
 */
import {
  type Atom,
  type AtomOf,
  AtomType,
  type Lambda,
  NULL,
  type RayObject,
  symbols,
  Type,
} from "../ipc/mod.ts";
import { daysFromCivil } from "../ipc/temporal.ts";
import { decimalToDouble } from "./decimal.ts";
import { domainError, type EvalError, parseError } from "./errors.ts";
import { NULL_I16, NULL_I32, NULL_I64, vectorOf } from "./values.ts";

/** A symbol atom of the parse tree; `quoted` marks `'name` (evaluates to itself). */
export interface SymbolNode extends AtomOf<-6> {
  /** `'name`: the symbol itself, not the value it names. */
  quoted?: boolean;
}

/** Where each parsed call and name came from, for the error block's source frame. */
export const positions: WeakMap<object, { source: string; offset: number }> = new WeakMap();

/** Finds a builtin by name; the reader substitutes it for bare words. */
export type BuiltinLookup = (name: string) => RayObject | undefined;

const WHITESPACE = new Set([" ", "\t", "\r", "\n", "\0"]);
const OPERATOR_CHARS = "+-*/%&|^~<>!=._?";

function isWordStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || OPERATOR_CHARS.includes(c);
}

function isWordChar(c: string): boolean {
  return isWordStart(c) || (c >= "0" && c <= "9");
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

const RE_NULL = /0N([hilfdtpgs0])/y;
const RE_TIMESTAMP = /(\d+)\.(\d\d)\.(\d\d)D(\d+):(\d\d):(\d\d)(?:\.(\d+))?/y;
const RE_DATE = /(\d+)\.(\d\d)\.(\d\d)/y;
const RE_TIME = /(-?)(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?/y;
const RE_HEX = /0x([0-9a-fA-F]{2})/y;
const RE_FLOAT = /-?\d+\.\d*(?:[eE][+-]?\d+)?/y;
const RE_INT = /-?\d+/y;

const I64_MAX = 2n ** 63n - 1n;

class Reader {
  pos = 0;
  constructor(
    readonly src: string,
    readonly builtins: BuiltinLookup,
    readonly intern: (text: string) => number,
  ) {}

  fail(e: EvalError, at = this.pos): never {
    e.offset = at;
    e.source = this.src;
    throw e;
  }

  mark<T extends object>(node: T, offset: number): T {
    positions.set(node, { source: this.src, offset });
    return node;
  }

  skip(): void {
    const s = this.src;
    if (this.pos === 0 && s.startsWith("#!")) {
      while (this.pos < s.length && s[this.pos] !== "\n") this.pos++;
    }
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (WHITESPACE.has(c)) this.pos++;
      else if (c === ";") {
        while (this.pos < s.length && s[this.pos] !== "\n") this.pos++;
      } else break;
    }
  }

  program(): RayObject {
    const forms: RayObject[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.src.length) break;
      forms.push(this.form());
    }
    if (forms.length === 0) return NULL;
    if (forms.length === 1) return forms[0];
    const doForm = this.builtins("do");
    return this.mark({ type: 0, items: [doForm!, ...forms] }, 0);
  }

  form(): RayObject {
    const c = this.src[this.pos];
    switch (c) {
      case "(":
        return this.list();
      case "[":
        return this.vector();
      case "{":
        return this.dict();
      case '"':
        return this.string();
      case "'":
        return this.quote();
    }
    if (isDigit(c) || (c === "-" && isDigit(this.src[this.pos + 1]))) return this.number();
    if (c !== undefined && isWordStart(c)) return this.word(true);
    return this.fail(parseError(`unexpected ${JSON.stringify(c)}`));
  }

  list(): RayObject {
    const start = this.pos++;
    this.skip();
    if (this.src.startsWith("fn", this.pos) && !isWordChar(this.src[this.pos + 2] ?? " ")) {
      return this.lambda(start);
    }
    const items: RayObject[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.src.length) this.fail(domainError("unclosed ("), start);
      if (this.src[this.pos] === ")") {
        this.pos++;
        return this.mark({ type: 0, items }, start);
      }
      items.push(this.form());
    }
  }

  lambda(start: number): Lambda {
    this.pos += 2;
    this.skip();
    if (this.src[this.pos] !== "[") this.fail(parseError("fn needs a [parameter] vector"));
    const at = this.pos;
    const params = this.vector();
    if (
      params.type !== Type.SYMBOL &&
      !(params.type === Type.I64 && params.data.length === 0)
    ) {
      this.fail(parseError("fn parameters must be names"), at);
    }
    const args = params.type === Type.SYMBOL
      ? params
      : { type: 6 as const, data: new Int32Array(0) };
    const body: RayObject[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.src.length) this.fail(domainError("unclosed ("), start);
      if (this.src[this.pos] === ")") {
        this.pos++;
        break;
      }
      body.push(this.form());
    }
    const bodyForm = body.length === 1
      ? body[0]
      : body.length === 0
      ? NULL
      : this.mark({ type: 0, items: [this.builtins("do")!, ...body] }, start);
    return this.mark({ type: 100, args, body: bodyForm } as Lambda, start);
  }

  /** A literal vector: atoms only, the first element fixes the type (§1.3). */
  vector(): RayObject {
    const start = this.pos++;
    const values: (number | bigint | Uint8Array)[] = [];
    let type = 0;
    for (;;) {
      this.skip();
      if (this.pos >= this.src.length) this.fail(parseError("unclosed ["), start);
      const c = this.src[this.pos];
      if (c === "]") {
        this.pos++;
        break;
      }
      const at = this.pos;
      let el: Atom;
      if (c === "(" || c === "[" || c === "{" || c === '"') {
        this.fail(domainError("vector elements must be literal atoms"), at);
      } else if (c === "'") {
        const q = this.quote();
        if (q.type !== AtomType.SYMBOL) {
          this.fail(domainError("chars cannot be vector elements"), at);
        }
        el = q as Atom;
      } else if (isDigit(c) || (c === "-" && isDigit(this.src[this.pos + 1]))) {
        el = this.number() as Atom;
      } else if (isWordStart(c)) {
        const w = this.word(false);
        if (w.type === Type.NULL) this.fail(domainError("null cannot be a vector element"), at);
        el = w as Atom;
      } else {
        this.fail(parseError(`unexpected ${JSON.stringify(c)}`), at);
      }
      const t = -el.type;
      if (values.length === 0) {
        type = t;
      } else if (t !== type) {
        if (type === 5 && t === 10) {
          for (let i = 0; i < values.length; i++) values[i] = i64ToF64(values[i] as bigint);
          type = 10;
        } else if (type === 10 && (t === 5 || t === 3)) {
          values.push(t === 5 ? i64ToF64(el.value as bigint) : i16ToF64(el.value as number));
          continue;
        } else {
          this.fail(domainError("vector elements of different types"), at);
        }
      }
      values.push(el.value);
    }
    if (values.length === 0) return { type: 5, data: new BigInt64Array(0) };
    return vectorOf(type as 5, values);
  }

  /** `{k: v …}`: literal keys, unevaluated values (§1.5). */
  dict(): RayObject {
    const start = this.pos++;
    const keys: Atom[] = [];
    const values: RayObject[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.src.length) this.fail(domainError("unclosed {"), start);
      if (this.src[this.pos] === "}") {
        this.pos++;
        break;
      }
      const at = this.pos;
      const c = this.src[this.pos];
      let key: RayObject;
      if (isDigit(c) || (c === "-" && isDigit(this.src[this.pos + 1]))) key = this.number();
      else if (c === "'") key = this.quote();
      else if (isWordStart(c)) key = this.word(false);
      else key = this.fail(parseError("dict keys must be literal atoms"), at);
      if (key.type >= 0) this.fail(parseError("dict keys must be literal atoms"), at);
      this.skip();
      if (this.src[this.pos] !== ":") this.fail(parseError("expected ':' after a dict key"));
      this.pos++;
      this.skip();
      if (this.pos >= this.src.length) this.fail(domainError("unclosed {"), start);
      keys.push(key as Atom);
      values.push(this.form());
    }
    const valueList = { type: 0 as const, items: values };
    if (keys.length === 0) return this.mark({ type: 99, keys: NULL, values: valueList }, start);
    const t = -keys[0].type;
    for (const k of keys) {
      if (-k.type !== t) this.fail(domainError("dict keys of different types"), start);
    }
    return this.mark({
      type: 99,
      keys: vectorOf(t as 5, keys.map((k) => k.value)),
      values: valueList,
    }, start);
  }

  /** `"…"` with escapes `\\ \" \n \r \t \ooo` → a C8 vector of bytes. */
  string(): RayObject {
    const start = this.pos++;
    const bytes: number[] = [];
    const s = this.src;
    for (;;) {
      if (this.pos >= s.length) this.fail(domainError("unterminated string"), start);
      const c = s[this.pos];
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === "\\") {
        bytes.push(this.escape(start));
        continue;
      }
      const code = s.codePointAt(this.pos)!;
      this.pos += code > 0xffff ? 2 : 1;
      pushUtf8(bytes, code);
    }
    return { type: 12, data: Uint8Array.from(bytes) };
  }

  /** Reads an escape after `\` (at `pos`) and returns its byte. */
  escape(start: number): number {
    const s = this.src;
    const e = s[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case "n":
        return 10;
      case "r":
        return 13;
      case "t":
        return 9;
      case "\\":
        return 92;
      case '"':
        return 34;
      case "'":
        return 39;
    }
    if (e !== undefined && e >= "0" && e <= "7") {
      const oct = /[0-7]{1,3}/y;
      oct.lastIndex = this.pos - 1;
      const m = oct.exec(s)!;
      this.pos = this.pos - 1 + m[0].length;
      return parseInt(m[0], 8) & 0xff;
    }
    return this.fail(domainError(`unknown escape \\${e ?? ""}`), start);
  }

  /** `'x'` a char, `'name` a quoted symbol, a lone `'` the null symbol. */
  quote(): RayObject {
    const start = this.pos++;
    const s = this.src;
    const c = s[this.pos];
    if (c === "\\" && s[this.pos + 1] !== undefined) {
      const b = this.escape(start);
      if (s[this.pos] !== "'") this.fail(parseError("unterminated char"), start);
      this.pos++;
      return { type: -12, value: b };
    }
    if (c !== undefined && s[this.pos + 1] === "'") {
      this.pos += 2;
      const bytes: number[] = [];
      pushUtf8(bytes, c.codePointAt(0)!);
      return { type: -12, value: bytes[0] };
    }
    if (c !== undefined && isWordStart(c)) {
      const begin = this.pos;
      while (this.pos < s.length && isWordChar(s[this.pos])) this.pos++;
      const node: SymbolNode = {
        type: -6,
        value: this.intern(s.slice(begin, this.pos)),
        quoted: true,
      };
      return this.mark(node, start);
    }
    return { type: -6, value: 0, quoted: true } as SymbolNode;
  }

  /** A name: `true`/`false`/`null` (matched as prefixes, as the engine does), a builtin, a symbol. */
  word(substitute: boolean): RayObject {
    const s = this.src;
    const start = this.pos;
    if (s.startsWith("true", start)) {
      this.pos += 4;
      return { type: -1, value: 1 };
    }
    if (s.startsWith("false", start)) {
      this.pos += 5;
      return { type: -1, value: 0 };
    }
    if (s.startsWith("null", start)) {
      this.pos += 4;
      return NULL;
    }
    while (this.pos < s.length && isWordChar(s[this.pos])) this.pos++;
    const name = s.slice(start, this.pos);
    if (substitute) {
      const b = this.builtins(name);
      if (b) return b;
    }
    const node: SymbolNode = { type: -6, value: this.intern(name) };
    return this.mark(node, start);
  }

  number(): RayObject {
    const s = this.src;
    const at = this.pos;
    const match = (re: RegExp) => {
      re.lastIndex = this.pos;
      return re.exec(s);
    };
    let m = match(RE_NULL);
    if (m) {
      this.pos += m[0].length;
      return typedNull(m[1]);
    }
    if ((m = match(RE_TIMESTAMP))) {
      this.pos += m[0].length;
      const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
      if (mo > 12 || mo < 1 || d > 31 || h > 23 || mi > 59 || se > 59) {
        this.fail(domainError("bad timestamp"), at);
      }
      const days = BigInt(daysFromCivil(y, mo, d));
      const ns = days * 86_400_000_000_000n + BigInt(h * 3600 + mi * 60 + se) * 1_000_000_000n +
        BigInt(m[7] ?? 0);
      return { type: -9, value: BigInt.asIntN(64, ns) };
    }
    if ((m = match(RE_DATE))) {
      this.pos += m[0].length;
      const [y, mo, d] = m.slice(1, 4).map(Number);
      if (mo > 12 || mo < 1 || d > 31) this.fail(domainError("bad date"), at);
      return { type: -7, value: daysFromCivil(y, mo, d) };
    }
    if ((m = match(RE_TIME))) {
      this.pos += m[0].length;
      const ms = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1000 +
        Number(m[5] ?? 0);
      return { type: -8, value: m[1] ? -ms : ms };
    }
    if ((m = match(RE_HEX))) {
      this.pos += m[0].length;
      return { type: -2, value: parseInt(m[1], 16) };
    }
    if ((m = match(RE_FLOAT))) {
      this.pos += m[0].length;
      const next = s[this.pos];
      if (next === "f") this.pos++;
      else if (next !== undefined && "hilxdtp".includes(next)) {
        this.fail(parseError("bad number suffix"), at);
      }
      return { type: -10, value: decimalToDouble(m[0]) };
    }
    m = match(RE_INT)!;
    this.pos += m[0].length;
    const digits = m[0];
    const suffix = s[this.pos];
    const big = BigInt(digits);
    const inRange = (lim: bigint) => big >= -lim && big <= lim;
    switch (suffix) {
      case "h":
        this.pos++;
        if (!inRange(32767n)) this.fail(domainError("i16 out of range"), at);
        return { type: -3, value: Number(big) };
      case "i":
        this.pos++;
        if (!inRange(2147483647n)) this.fail(domainError("i32 out of range"), at);
        return { type: -4, value: Number(big) };
      case "x":
        this.pos++;
        if (big < 0n || big > 255n) this.fail(domainError("u8 out of range"), at);
        return { type: -2, value: Number(big) };
      case "f":
        this.pos++;
        return { type: -10, value: Number(digits) };
      case "d":
        this.pos++;
        return { type: -7, value: Number(BigInt.asIntN(32, big)) };
      case "t":
        this.pos++;
        return { type: -8, value: Number(BigInt.asIntN(32, big)) };
      case "l":
        this.pos++;
        break;
    }
    if (!inRange(I64_MAX)) return { type: -10, value: Number(digits) };
    return { type: -5, value: big };
  }
}

function typedNull(code: string): RayObject {
  switch (code) {
    case "h":
      return { type: -3, value: NULL_I16 };
    case "i":
      return { type: -4, value: NULL_I32 };
    case "l":
      return { type: -5, value: NULL_I64 };
    case "f":
      return { type: -10, value: NaN };
    case "d":
      return { type: -7, value: NULL_I32 };
    case "t":
      return { type: -8, value: NULL_I32 };
    case "p":
      return { type: -9, value: NULL_I64 };
    case "g":
      return { type: -11, value: new Uint8Array(16) };
    case "s":
      return { type: -6, value: 0, quoted: true } as SymbolNode;
  }
  return NULL;
}

function i64ToF64(v: bigint): number {
  return v === NULL_I64 ? NaN : Number(v);
}

function i16ToF64(v: number): number {
  return v === NULL_I16 ? NaN : v;
}

function pushUtf8(bytes: number[], code: number): void {
  if (code < 0x80) bytes.push(code);
  else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
  else if (code < 0x10000) {
    bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  } else {
    bytes.push(
      0xf0 | (code >> 18),
      0x80 | ((code >> 12) & 63),
      0x80 | ((code >> 6) & 63),
      0x80 | (code & 63),
    );
  }
}

/**
 * Parses Rayforce source into a parse tree. Throws {@link EvalError} with the engine's
 * code for malformed source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isList } from "../ipc/mod.ts";
 * import { STANDARD_BUILTINS } from "./library.ts";
 * const tree = read("(+ 1 2)", (name) => STANDARD_BUILTINS.get(name));
 * assert.equal(tree.type, 0); // a list: the builtin + and its two arguments
 * assert.equal(isList(tree) && tree.items[0], STANDARD_BUILTINS.get("+"));
 * ```
 */
export function read(
  source: string,
  builtins: BuiltinLookup,
  intern: (text: string) => number = (t) => symbols.intern(t),
): RayObject {
  return new Reader(source, builtins, intern).program();
}
