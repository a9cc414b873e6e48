/**
 * Reset times in usage-limit messages, e.g. `Your limit will reset at 3pm (America/New_York).`,
 * `5-hour limit reached ∙ resets 7pm`, `resets Jan 12, 10:59am (Europe/Berlin)` or Codex's
 * `try again in 2 days 3 hours 14 minutes.`
 *
 * Wall times are read in the time zone the message states (an IANA name, resolved with `Intl`),
 * or in the machine's local time zone when it states none, and converted to UTC here without any
 * library: {@linkcode zonedTimeToUtc} uses the zone's UTC offsets just before and just after the
 * wall time, so daylight-saving gaps and overlaps are handled like Temporal's `"compatible"`
 * disambiguation (a time in a gap moves forward by the gap; an ambiguous time takes the earlier
 * instant).
 *
 * @module
 */

/** A wall-clock date and time, as read on a clock in some time zone. */
export interface WallTime {
  /** Full year, e.g. 2026. */
  year: number;
  /** Month, 1–12. */
  month: number;
  /** Day of the month, 1–31. */
  day: number;
  /** Hour, 0–23. */
  hour: number;
  /** Minute, 0–59. */
  minute: number;
  /** Second, 0–59 (default 0). */
  second?: number;
}

/** The reset time found in a message. */
export interface ResetTime {
  /** Wall-clock ms (UTC epoch) when the limit resets. */
  resetAt: number;
  /** The time zone the time was read in (stated, or the default). */
  timeZone: string;
  /** Whether the message named the time zone itself. */
  zoneStated: boolean;
  /** The part of the message that gave the time, e.g. `3pm (America/New_York)`. */
  text: string;
}

/** Options for {@linkcode parseResetTime}. */
export interface ParseResetOptions {
  /**
   * Time zone for messages that state none; defaults to the machine's local time zone
   * ({@linkcode localTimeZone}).
   */
  defaultTimeZone?: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Returns the machine's local IANA time zone (`UTC` when the runtime does not know it). */
export function localTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Whether `timeZone` is a time zone name that `Intl` accepts (e.g. `Europe/Berlin`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the wall-clock time in `timeZone` at the instant `epochMs`. Throws a `RangeError` for
 * an unknown time zone.
 */
export function utcToZonedTime(epochMs: number, timeZone: string): WallTime {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const part = parts.find((p) => p.type === type);
    return part ? Number(part.value) : 0;
  };
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour") % 24,
    minute: get("minute"),
    second: get("second"),
  };
}

function wallAsUtc(wall: WallTime): number {
  const ms = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second ?? 0,
  );
  // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly.
  if (wall.year >= 0 && wall.year < 100) {
    const d = new Date(ms);
    d.setUTCFullYear(wall.year);
    return d.getTime();
  }
  return ms;
}

/** The zone's UTC offset in ms at `epochMs` (positive east of Greenwich). */
function offsetAt(epochMs: number, timeZone: string): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  return wallAsUtc(utcToZonedTime(whole, timeZone)) - whole;
}

function sameWall(a: WallTime, b: WallTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour &&
    a.minute === b.minute && (a.second ?? 0) === (b.second ?? 0);
}

/**
 * Converts a wall-clock time in `timeZone` to UTC epoch ms. A wall time that does not exist (in a
 * spring-forward gap) is moved forward by the length of the gap; one that exists twice (in a
 * fall-back overlap) resolves to the earlier instant. Throws a `RangeError` for an unknown zone.
 */
export function zonedTimeToUtc(wall: WallTime, timeZone: string): number {
  const asUtc = wallAsUtc(wall);
  const before = offsetAt(asUtc - DAY, timeZone);
  const after = offsetAt(asUtc + DAY, timeZone);
  const candidates = [asUtc - before, asUtc - after]
    .filter((t) => sameWall(utcToZonedTime(t, timeZone), wall))
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0];
  // Also try the offset at the guess itself (zones with two transitions within two days).
  const own = asUtc - offsetAt(asUtc - before, timeZone);
  if (sameWall(utcToZonedTime(own, timeZone), wall)) return own;
  // In a gap: read the wall time with the offset from before the transition.
  return asUtc - before;
}

function addDays(wall: WallTime, days: number): WallTime {
  const d = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { ...wall, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const UNIT_MS: Record<string, number> = { d: DAY, h: HOUR, m: MINUTE, s: 1000 };

// "in 5 days 22 hours 11 minutes", "in ~2h 5m", "in 45 minutes".
const RELATIVE_RE =
  /\b(?:try again|resets?|reset|retry|available(?: again)?)\s+in\s+~?\s*((?:\d+\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b[\s,]*(?:and\s+)?)+)/i;
const DURATION_PART_RE = /(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b/gi;

// "reset at 3pm (America/New_York)", "resets 7pm", "resets Jan 12, 10:59am (Europe/Berlin)",
// "resets Sep 15 at 7pm", "try again at Jul 5th, 2026 8:19 PM", "resets at 15:00".
const ABSOLUTE_RE = new RegExp(
  String.raw`\b(?:resets?|try again|available(?: again)?)\s+(?:at\s+|on\s+)?` +
    String
      .raw`(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?` +
    String.raw`(?:,?\s+(\d{4}))?(?:\s*,\s*|\s+at\s+|\s+))?` +
    String.raw`(\d{1,2})(?::(\d{2}))?\s*(?:([ap])\.?\s?m\b\.?)?` +
    String.raw`(?:\s*\(([A-Za-z][A-Za-z0-9_+\-/]*)\))?`,
  "i",
);

/**
 * Finds the reset time in a usage-limit message and returns it as a UTC instant: the next
 * occurrence of the stated wall time after `now` (the moment the message was first seen), read in
 * the stated time zone, or in `options.defaultTimeZone` (the machine's zone by default) when none
 * is stated. Relative forms (`try again in 2 hours 5 minutes`) count from `now`. Returns
 * `undefined` when the message gives no time, or names a time zone `Intl` does not know.
 */
export function parseResetTime(
  text: string,
  now: number,
  options: ParseResetOptions = {},
): ResetTime | undefined {
  const defaultZone = options.defaultTimeZone ?? localTimeZone();
  const oneLine = text.replace(/\s+/g, " ");

  const absolute = ABSOLUTE_RE.exec(oneLine);
  if (absolute) {
    const [whole, monthName, dayText, yearText, hourText, minuteText, ampm, zoneText] = absolute;
    // A bare number is not a time: require am/pm or minutes.
    if (ampm || minuteText !== undefined) {
      const parsed = resolveAbsolute({
        monthName,
        dayText,
        yearText,
        hourText,
        minuteText,
        ampm,
        zoneText,
        now,
        defaultZone,
      });
      if (parsed === null) return undefined;
      if (parsed) {
        const start = whole.search(/\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec/i);
        return { ...parsed, text: whole.slice(Math.max(0, start)).trim() };
      }
    }
  }

  const relative = RELATIVE_RE.exec(oneLine);
  if (relative) {
    let total = 0;
    for (const part of relative[1].matchAll(DURATION_PART_RE)) {
      const unit = part[2].toLowerCase();
      const key = unit.startsWith("mi") || unit === "m" ? "m" : unit[0];
      total += Number(part[1]) * UNIT_MS[key];
    }
    if (total > 0) {
      return {
        resetAt: now + total,
        timeZone: defaultZone,
        zoneStated: false,
        text: `in ${relative[1].trim().replace(/[\s,]+$/, "")}`,
      };
    }
  }
  return undefined;
}

interface AbsoluteParts {
  monthName?: string;
  dayText?: string;
  yearText?: string;
  hourText: string;
  minuteText?: string;
  ampm?: string;
  zoneText?: string;
  now: number;
  defaultZone: string;
}

/** Returns the reset, `undefined` when the time is malformed, `null` for an unknown zone. */
function resolveAbsolute(
  p: AbsoluteParts,
): Omit<ResetTime, "text"> | undefined | null {
  let hour = Number(p.hourText);
  const minute = p.minuteText === undefined ? 0 : Number(p.minuteText);
  if (minute > 59) return undefined;
  if (p.ampm) {
    if (hour < 1 || hour > 12) return undefined;
    const pm = p.ampm.toLowerCase() === "p";
    hour = (hour % 12) + (pm ? 12 : 0);
  } else if (hour > 23) {
    return undefined;
  }
  const zoneStated = p.zoneText !== undefined;
  const timeZone = p.zoneText ?? p.defaultZone;
  if (!isValidTimeZone(timeZone)) return null;

  const today = utcToZonedTime(p.now, timeZone);
  if (p.monthName && p.dayText) {
    const month = MONTHS.indexOf(p.monthName.slice(0, 3).toLowerCase()) + 1;
    const day = Number(p.dayText);
    if (month < 1 || day < 1 || day > 31) return undefined;
    if (p.yearText) {
      const wall = { year: Number(p.yearText), month, day, hour, minute };
      return { resetAt: zonedTimeToUtc(wall, timeZone), timeZone, zoneStated };
    }
    for (let year = today.year; year <= today.year + 1; year++) {
      const resetAt = zonedTimeToUtc({ year, month, day, hour, minute }, timeZone);
      if (resetAt > p.now) return { resetAt, timeZone, zoneStated };
    }
    return undefined;
  }
  for (let days = 0; days <= 2; days++) {
    const date = addDays(today, days);
    const resetAt = zonedTimeToUtc({ ...date, hour, minute, second: 0 }, timeZone);
    if (resetAt > p.now) return { resetAt, timeZone, zoneStated };
  }
  return undefined;
}
