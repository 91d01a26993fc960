/**
 * Strings to dates, times and timestamps as `(as 'date "…")`, `(as 'time "…")` and
 * `(as 'timestamp "…")` read them. These are not the literal syntax: the engine has three
 * lenient scanners of its own, each found by asking it (sessions `temporal-text`):
 *
 * - **date**: digit groups separated by runs of other characters, `year month day`; the
 *   year kept in 16 bits; a month outside 1–12 drops month and day, a day outside 1–31
 *   drops the day (day 0 is the month's eve: `"2025-03"` is 2025.02.28); a text that
 *   does not start with a digit is year 0 (`0000.01.90` in the engine's display).
 * - **time**: `h:m:s[.ms]` with `:` or `.` between groups (a group may be empty), every
 *   digit of a group counted (`.1` is 1 ms, `.123456` is 123,456 ms) in the engine's
 *   field widths (hours, minutes, seconds in 8 bits, milliseconds in 16), a `-`
 *   anywhere negative; anything else in the text makes it null.
 * - **timestamp**: ISO 8601 when the fifth character is `-` (`YYYY-MM-DD`, then after `T`
 *   or a space `hh:mm:ss`, a fraction scaled to nanoseconds, `Z` or an offset `±hh[:][mm]`
 *   subtracted), else the engine's own form: up to seven digit groups separated by runs
 *   of other characters (`2025.03.04D15:41:47.123` — the last group counts nanoseconds,
 *   unscaled, in 32 bits). Fields out of range make it null; days past a month's end
 *   roll over; the nanosecond count wraps in 64 bits as the engine's does.
 *
 * @example
 * ```ts
 * import { dateFromText, timeFromText, timestampFromText } from "./temporal_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dateFromText("2025-03-04"), 9194);
 * assert.equal(timeFromText("15:41:47.12"), 56507012);
 * assert.equal(timestampFromText("2025-03-04T15:41:47+02:00"), 794410907000000000n);
 * ```
 *
 * @module
 */
import { daysOfDate } from "./calendar.ts";
import { NULL_I32, NULL_I64 } from "./values.ts";

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_SECOND;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** The values of a text's first `max` digit groups (runs of other characters between). */
function digitGroups(text: string, max: number): number[] {
  const values: number[] = [];
  let i = 0;
  while (i < text.length && values.length < max) {
    while (i < text.length && !isDigit(text.charCodeAt(i))) i++;
    if (i >= text.length) break;
    let v = 0;
    for (; i < text.length && isDigit(text.charCodeAt(i)); i++) {
      // 64-bit accumulation: only the low bits survive the engine's narrow fields.
      v = (v * 10 + text.charCodeAt(i) - 48) % 2 ** 48;
    }
    values.push(v);
  }
  return values;
}

/** `(as 'date text)`: days since 2000-01-01. */
export function dateFromText(text: string): number {
  if (!isDigit(text.charCodeAt(0))) return daysOfDate(0, 0, 0);
  const [y = 0, m = 0, d = 0] = digitGroups(text, 3);
  const year = y % 65536;
  if (m < 1 || m > 12) return daysOfDate(year, 0, 0) | 0;
  return daysOfDate(year, m, d >= 1 && d <= 31 ? d : 0) | 0;
}

/** `(as 'time text)`: milliseconds, or the null. */
export function timeFromText(text: string): number {
  const groups = [0, 0, 0, 0];
  let group = 0, negative = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) groups[group] = (groups[group] * 10 + c - 48) % 2 ** 48;
    else if (c === 45) negative = true; // '-'
    else if ((c === 58 || c === 46) && group < 3) group++; // ':' '.'
    else return NULL_I32;
  }
  if (group < 2) return NULL_I32;
  const [h, m, s, ms] = groups;
  const value = (h % 256) * 3_600_000 + (m % 256) * 60_000 + (s % 256) * 1000 + ms % 65536;
  return negative ? -value : value;
}

/** Nanoseconds of a day and time, wrapped to 64 bits, less an offset in seconds. */
function nanos(days: number, h: number, m: number, s: number, ns: bigint, offset = 0): bigint {
  const seconds = BigInt(h * 3600 + m * 60 + s - offset);
  return BigInt.asIntN(64, BigInt(days) * NS_PER_DAY + seconds * NS_PER_SECOND + ns);
}

const ISO_DATE = /^(\d{4})-(\d\d)-(\d\d)/;
const ISO_TIME = /^(\d\d):(\d\d):(\d\d)(?:\.(\d*))?/;
const ISO_OFFSET = /^([+-])(\d\d)(?::?(\d\d))?/;

/** An ISO 8601 timestamp (the fifth character is `-`), or the null. */
function isoTimestamp(text: string): bigint {
  const date = ISO_DATE.exec(text);
  if (!date) return NULL_I64;
  const [year, month, day] = date.slice(1, 4).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31) return NULL_I64;
  const days = daysOfDate(year, month, day);
  const sep = text[10];
  if (sep !== "T" && sep !== " ") return nanos(days, 0, 0, 0, 0n);
  const rest = text.slice(11);
  const time = ISO_TIME.exec(rest);
  if (!time) return NULL_I64;
  const [h, m, s] = time.slice(1, 4).map(Number);
  if (h > 23 || m > 59 || s > 59) return NULL_I64;
  const fraction = BigInt((time[4] ?? "").slice(0, 9).padEnd(9, "0"));
  const zone = rest.slice(time[0].length);
  let offset = 0;
  if (zone[0] === "+" || zone[0] === "-") {
    const z = ISO_OFFSET.exec(zone);
    if (!z) return NULL_I64;
    offset = (Number(z[2]) * 3600 + Number(z[3] ?? 0) * 60) * (z[1] === "-" ? -1 : 1);
  }
  return nanos(days, h, m, s, fraction, offset);
}

/** `(as 'timestamp text)`: nanoseconds since 2000-01-01, or the null. */
export function timestampFromText(text: string): bigint {
  if (text[4] === "-") return isoTimestamp(text);
  if (!isDigit(text.charCodeAt(0))) return NULL_I64;
  const [y, mo = 0, d = 0, h = 0, mi = 0, s = 0, ns = 0] = digitGroups(text, 7);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NULL_I64;
  return nanos(daysOfDate(y % 65536, mo, d), h, mi, s, BigInt(ns % 2 ** 32));
}
