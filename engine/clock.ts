/**
 * The clock builtins `date time timestamp` (`rayforce-language.md` §3.11): the current
 * date, time of day or timestamp; `'utc` gives UTC, any other symbol local time. The
 * engine reads the host clock here and nowhere else.
 *
 * @module
 */
import { AtomType, isAtomOf, type RayObject, symbols } from "../ipc/mod.ts";
import { type BuiltinFn, unary } from "./builtins.ts";
import { typeError } from "./errors.ts";

const MS_2000 = Date.UTC(2000, 0, 1);

/** Milliseconds since 2000-01-01 in UTC or local time. */
function nowMs(kind: RayObject): number {
  if (!isAtomOf(kind, AtomType.SYMBOL)) throw typeError("symbol", kind.type);
  const now = Date.now();
  const utc = symbols.text(kind.value) === "utc";
  return now - MS_2000 - (utc ? 0 : new Date(now).getTimezoneOffset() * 60_000);
}

/** The builtins defined here. */
export const CLOCK_BUILTINS: readonly BuiltinFn[] = [
  unary("date", (_e, k) => ({ type: -7, value: Math.floor(nowMs(k) / 86_400_000) }), {
    impure: true,
  }),
  unary(
    "time",
    (_e, k) => ({ type: -8, value: ((nowMs(k) % 86_400_000) + 86_400_000) % 86_400_000 }),
    { impure: true },
  ),
  unary("timestamp", (_e, k) => ({ type: -9, value: BigInt(nowMs(k)) * 1_000_000n }), {
    impure: true,
  }),
];
