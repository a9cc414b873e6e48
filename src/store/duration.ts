/**
 * Parses durations (`90s`, `30m`, `1h30m`, `2d`) and `--since` values (a duration ago, or an ISO
 * date) into milliseconds.
 *
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const HINT = "use e.g. 90s, 30m, 1h, 2d, 1h30m or an ISO date such as 2026-01-31T14:00";

/**
 * Parses a duration such as `90s`, `30m`, `1h`, `2d`, `1w`, `250ms` or `1h30m` into milliseconds.
 *
 * @throws {RangeError} When `text` is not a duration.
 */
export function parseDuration(text: string): number {
  const compact = text.trim().toLowerCase();
  if (compact === "") throw new RangeError(`Cannot parse duration: it is empty (${HINT})`);
  if (/^\d+(?:\.\d+)?$/.test(compact)) {
    throw new RangeError(`Cannot parse duration: "${text}" has no unit (${HINT})`);
  }
  if (!DURATION.test(compact)) {
    throw new RangeError(`Cannot parse duration: "${text}" is not a duration (${HINT})`);
  }
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(PART)) total += Number(amount) * UNIT_MS[unit];
  if (!Number.isFinite(total)) {
    throw new RangeError(`Cannot parse duration: "${text}" is too large`);
  }
  return Math.round(total);
}

/**
 * Turns a `--since` value into wall-clock milliseconds: a duration is taken as "that long before
 * `nowMs`"; an ISO date (`2026-01-31`, `2026-01-31T14:00`, `2026-01-31 14:00:05`,
 * `2026-01-31T14:00:00Z`, `…+02:00`) is read as given, in local time when it has no offset (a bare
 * date means local midnight).
 *
 * @throws {RangeError} When `text` is neither, or names an impossible date.
 */
export function parseSince(text: string, nowMs: number): number {
  const trimmed = text.trim();
  if (trimmed === "") throw new RangeError(`Cannot parse since: it is empty (${HINT})`);
  if (/^\d{4}-/.test(trimmed)) return parseIsoDate(trimmed);
  let ms: number;
  try {
    ms = parseDuration(trimmed);
  } catch (error) {
    throw new RangeError((error as Error).message.replace("parse duration", "parse since"));
  }
  return nowMs - ms;
}

function parseIsoDate(text: string): number {
  const match = ISO.exec(text);
  if (match === null) {
    throw new RangeError(`Cannot parse since: "${text}" is not an ISO date (${HINT})`);
  }
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  const milli = Number((frac ?? "0").padEnd(3, "0"));
  const date = zone === undefined
    ? new Date(year, month - 1, day, hour, minute, second, milli)
    : new Date(Date.UTC(year, month - 1, day, hour, minute, second, milli));
  // Date rolls over out-of-range fields (Feb 30 → Mar 2); read them back to refuse that.
  const fields = zone === undefined
    ? [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes()]
    : [
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      date.getUTCHours(),
      date.getUTCMinutes(),
    ];
  const expected = [year, month, day, hour, minute];
  if (second > 59 || fields.some((v, i) => v !== expected[i])) {
    // A local time inside a DST gap also fails this check, which is the honest answer.
    throw new RangeError(`Cannot parse since: "${text}" is not a valid date or time`);
  }
  let ms = date.getTime();
  if (zone !== undefined && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetH = Number(digits.slice(0, 2));
    const offsetM = Number(digits.slice(2, 4));
    if (offsetH > 23 || offsetM > 59) {
      throw new RangeError(`Cannot parse since: "${text}" has an invalid offset`);
    }
    ms -= sign * (offsetH * 60 + offsetM) * 60_000;
  }
  return ms;
}
