/**
 * `ser`, `de` and `enum` (`rayforce-language.md` §3.12, §3.19): `ser` gives the IPC
 * message bytes of a value (msgtype 0) as a U8 vector, `de` reads them back with the
 * engine's checks, `enum` encodes symbols against a SYMBOL vector held in a global.
 *
 * @module
 */
import {
  AtomType,
  decode,
  encodeMessage,
  type Enum,
  isAtomOf,
  isVectorOf,
  MsgType,
  type RayforceIPCError,
  type RayObject,
  symbols,
  Type,
} from "../ipc/mod.ts";
import { binary, type BuiltinFn, unary } from "./builtins.ts";
import { domainError, EvalError, typeError } from "./errors.ts";

/** `(ser x)`: x as an IPC message, in bytes. */
export const serBuiltin: BuiltinFn = unary("ser", (_e, x) => {
  try {
    return { type: 2, data: encodeMessage(x, MsgType.ASYNC) };
  } catch (e) {
    throw new EvalError((e as RayforceIPCError).code ?? 1, (e as Error).message);
  }
});

/** The builtins defined here. */
export const SERIALIZE_BUILTINS: readonly BuiltinFn[] = [
  serBuiltin,
  unary("de", (engine, x) => {
    if (!isVectorOf(x, Type.U8)) throw domainError(); // as the engine: anything but bytes is no message
    const bytes = x.data;
    if (bytes.length < 16) throw domainError("de needs a 16-byte header");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== 0xcefadefa) throw domainError("bad prefix");
    if (bytes[4] > 1) throw typeError("version 1", `version ${bytes[4]}`);
    const size = Number(view.getBigInt64(8, true));
    if (size < 0 || size > 1e9 || size + 16 !== bytes.length) {
      throw domainError("size does not match the bytes");
    }
    try {
      return decode(bytes.subarray(16), { resolveBuiltin: engine.resolveBuiltin });
    } catch (e) {
      const err = e as RayforceIPCError;
      throw new EvalError(err.code ?? 4, err.message);
    }
  }),
  /** `(enum 'domain symbols)`: positions of `symbols` in the SYMBOL vector held in global `domain`. */
  binary("enum", (e, domainName, syms) => {
    if (!isAtomOf(domainName, AtomType.SYMBOL)) throw typeError("symbol", domainName.type);
    const name = domainName.value;
    const domain = e.global(name);
    if (!domain || domain.type !== Type.SYMBOL) throw typeError("SYMBOL", domain?.type ?? 126);
    const ids = isVectorOf(syms, Type.SYMBOL)
      ? syms.data
      : isAtomOf(syms, AtomType.SYMBOL)
      ? Int32Array.of(syms.value)
      : undefined;
    if (!ids) throw typeError("SYMBOL", syms.type);
    const position = new Map<number, number>();
    domain.data.forEach((id, i) => position.has(id) || position.set(id, i));
    const data = Int32Array.from(ids, (id) => {
      const p = position.get(id);
      if (p === undefined) throw domainError(`${symbols.text(id)} is not in ${symbols.text(name)}`);
      return p;
    });
    const result: Enum = { type: 20, domain: symbols.text(name), data, symbols: ids.slice() };
    return result as RayObject;
  }),
];
