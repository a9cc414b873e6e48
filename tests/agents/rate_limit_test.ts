import assert from "node:assert/strict";
import fc from "fast-check";
import {
  isValidTimeZone,
  localTimeZone,
  parseResetTime,
  utcToZonedTime,
  type WallTime,
  zonedTimeToUtc,
} from "../../src/agents/rate_limit.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => ms === undefined ? undefined : new Date(ms).toISOString();

function resetIso(text: string, seen: string, defaultTimeZone = "UTC"): string | undefined {
  return iso(parseResetTime(text, at(seen), { defaultTimeZone })?.resetAt);
}

Deno.test("rate limit: stated zone, standard and daylight time (America/New_York)", () => {
  const msg = "Claude usage limit reached. Your limit will reset at 3pm (America/New_York).";
  // EST is UTC-5, EDT is UTC-4.
  assert.equal(resetIso(msg, "2026-01-15T12:00:00Z"), "2026-01-15T20:00:00.000Z");
  assert.equal(resetIso(msg, "2026-07-15T12:00:00Z"), "2026-07-15T19:00:00.000Z");
  const parsed = parseResetTime(msg, at("2026-01-15T12:00:00Z"));
  assert.equal(parsed?.timeZone, "America/New_York");
  assert.equal(parsed?.zoneStated, true);
  assert.equal(parsed?.text, "3pm (America/New_York)");
});

Deno.test("rate limit: a time already past today means tomorrow", () => {
  const msg = "5-hour limit reached ∙ resets 3pm (America/New_York)";
  // Seen at 4pm EST: the next 3pm is the following day.
  assert.equal(resetIso(msg, "2026-01-15T21:00:00Z"), "2026-01-16T20:00:00.000Z");
  // Seen exactly at 3pm: also the following day (the reset is strictly after the message).
  assert.equal(resetIso(msg, "2026-01-15T20:00:00Z"), "2026-01-16T20:00:00.000Z");
});

Deno.test("rate limit: spring-forward day, offset taken at the reset time not at first sight", () => {
  // 2026-03-08: New York jumps from 02:00 EST to 03:00 EDT.
  const seen = "2026-03-08T05:00:00Z"; // 00:00 EST
  assert.equal(
    resetIso("resets 3pm (America/New_York)", seen),
    "2026-03-08T19:00:00.000Z",
  );
  // 02:30 does not exist that day: it moves forward by the gap, to 03:30 EDT.
  assert.equal(
    resetIso("resets 2:30am (America/New_York)", seen),
    "2026-03-08T07:30:00.000Z",
  );
});

Deno.test("rate limit: fall-back day, an ambiguous time takes the earlier instant", () => {
  // 2026-11-01: New York repeats 01:00–02:00 (EDT, then EST).
  assert.equal(
    resetIso("resets 1:30am (America/New_York)", "2026-11-01T04:00:00Z"),
    "2026-11-01T05:30:00.000Z",
  );
  // 2026-10-25: Berlin repeats 02:00–03:00 (CEST, then CET).
  assert.equal(
    resetIso("You've hit your limit · resets 2:30am (Europe/Berlin)", "2026-10-24T22:00:00Z"),
    "2026-10-25T00:30:00.000Z",
  );
});

Deno.test("rate limit: half-hour DST shift (Australia/Lord_Howe)", () => {
  // 2026-10-04 02:00 LHST (+10:30) becomes 02:30 LHDT (+11:00); 02:15 does not exist.
  const seen = "2026-10-03T14:00:00Z"; // 00:30 local
  assert.equal(resetIso("resets 2:15am (Australia/Lord_Howe)", seen), "2026-10-03T15:45:00.000Z");
  assert.equal(resetIso("resets 4am (Australia/Lord_Howe)", seen), "2026-10-03T17:00:00.000Z");
});

Deno.test("rate limit: odd offsets (Asia/Kolkata, Pacific/Chatham, Etc/GMT+5)", () => {
  assert.equal(
    resetIso("resets 6:30pm (Asia/Kolkata)", "2026-05-01T00:00:00Z"),
    "2026-05-01T13:00:00.000Z",
  );
  // Chatham in January is UTC+13:45; at 13:45 local the next 9am is tomorrow.
  assert.equal(
    resetIso("resets 9am (Pacific/Chatham)", "2026-01-10T00:00:00Z"),
    "2026-01-10T19:15:00.000Z",
  );
  // Etc/GMT+5 is UTC-5 (POSIX sign convention).
  assert.equal(
    resetIso("Your limit will reset at 1pm (Etc/GMT+5).", "2025-06-14T12:00:00Z"),
    "2025-06-14T18:00:00.000Z",
  );
});

Deno.test("rate limit: 24-hour times, noon and midnight", () => {
  const seen = "2026-02-01T10:00:00Z";
  assert.equal(resetIso("limit resets at 15:00 (UTC)", seen), "2026-02-01T15:00:00.000Z");
  assert.equal(resetIso("resets 12am (UTC)", seen), "2026-02-02T00:00:00.000Z");
  assert.equal(resetIso("resets 12pm (UTC)", seen), "2026-02-01T12:00:00.000Z");
  assert.equal(resetIso("Limits will reset at 9:30 AM.", seen), "2026-02-02T09:30:00.000Z");
});

Deno.test("rate limit: no zone stated uses the default time zone", () => {
  const msg = "5-hour limit reached ∙ resets 7pm";
  // London is on BST (UTC+1) in July.
  assert.equal(resetIso(msg, "2026-07-10T14:05:00Z", "Europe/London"), "2026-07-10T18:00:00.000Z");
  assert.equal(resetIso(msg, "2026-07-10T14:05:00Z", "Asia/Tokyo"), "2026-07-11T10:00:00.000Z");
  const parsed = parseResetTime(msg, at("2026-07-10T14:05:00Z"), {
    defaultTimeZone: "Asia/Tokyo",
  });
  assert.equal(parsed?.zoneStated, false);
  assert.equal(parsed?.timeZone, "Asia/Tokyo");
});

Deno.test("rate limit: no zone and no option uses the machine's zone", async () => {
  // Run in a child process whose local zone is set with TZ, and compare with the JS Date's own
  // local-time arithmetic there.
  const module = new URL("../../src/agents/rate_limit.ts", import.meta.url).href;
  const script = `
    import { parseResetTime, localTimeZone } from ${JSON.stringify(module)};
    const now = Date.parse("2026-07-10T01:00:00Z");
    const got = parseResetTime("You've hit your limit · resets 3:45pm", now);
    const d = new Date(now);
    let want = new Date(d.getFullYear(), d.getMonth(), d.getDate(), 15, 45).getTime();
    if (want <= now) want = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1, 15, 45).getTime();
    console.log(JSON.stringify({ zone: localTimeZone(), got: got?.resetAt, timeZone: got?.timeZone, want }));
  `;
  for (const tz of ["Asia/Tokyo", "America/Denver", "Australia/Adelaide"]) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", script],
      env: { TZ: tz },
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const result = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(result.zone, tz);
    assert.equal(result.timeZone, tz);
    assert.equal(result.got, result.want, tz);
  }
  assert.ok(isValidTimeZone(localTimeZone()));
});

Deno.test("rate limit: dates, with and without a year", () => {
  assert.equal(
    resetIso("Resets Jan 12, 10:59am (America/New_York)", "2026-12-30T12:00:00Z"),
    "2027-01-12T15:59:00.000Z",
  );
  assert.equal(
    resetIso(
      "You've hit your weekly limit · resets Sep 15 at 7pm (America/Los_Angeles)",
      "2026-09-10T17:00:00Z",
    ),
    "2026-09-16T02:00:00.000Z",
  );
  assert.equal(
    resetIso(
      "You've hit your usage limit. Upgrade to Plus to continue using Codex, or try again at Jul 5th, 2026 8:19 PM.",
      "2026-07-03T09:00:00Z",
      "America/Chicago",
    ),
    "2026-07-06T01:19:00.000Z",
  );
});

Deno.test("rate limit: relative durations count from first sight", () => {
  const seen = "2026-04-01T10:00:00Z";
  assert.equal(
    resetIso(
      "■ You've hit your usage limit. Upgrade to Pro or try again in 5 days 22 hours 11 minutes.",
      seen,
    ),
    "2026-04-07T08:11:00.000Z",
  );
  assert.equal(resetIso("Please try again in 2h 5m.", seen), "2026-04-01T12:05:00.000Z");
  assert.equal(resetIso("resets in 45 minutes", seen), "2026-04-01T10:45:00.000Z");
});

Deno.test("rate limit: no time, a bare number or an unknown zone gives nothing", () => {
  const now = at("2026-04-01T10:00:00Z");
  assert.equal(parseResetTime("Claude usage limit reached.", now), undefined);
  assert.equal(parseResetTime("resets 15", now), undefined);
  assert.equal(parseResetTime("resets 13pm", now), undefined);
  assert.equal(parseResetTime("resets 3pm (Mars/Olympus_Mons)", now), undefined);
  assert.equal(isValidTimeZone("Mars/Olympus_Mons"), false);
});

const ZONES = [
  "UTC",
  "America/New_York",
  "America/St_Johns",
  "America/Santiago",
  "Europe/Berlin",
  "Europe/London",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Pacific/Apia",
];

Deno.test("rate limit: zonedTimeToUtc inverts utcToZonedTime (earlier instant when ambiguous)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
      fc.constantFrom(...ZONES),
      (t, zone) => {
        const instant = Math.floor(t / 1000) * 1000;
        const wall = utcToZonedTime(instant, zone);
        const back = zonedTimeToUtc(wall, zone);
        // Same wall time, and either the same instant or an earlier one (a repeated hour).
        assert.deepEqual(utcToZonedTime(back, zone), wall);
        assert.ok(back <= instant && instant - back <= 3 * 3600_000, `${zone} ${iso(instant)}`);
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("rate limit: a parsed clock time is the next one, within two days", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
      fc.constantFrom(...ZONES),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 59 }),
      fc.boolean(),
      (now, zone, hour12, minute, pm) => {
        const text = `resets ${hour12}:${String(minute).padStart(2, "0")}${
          pm ? "pm" : "am"
        } (${zone})`;
        const parsed = parseResetTime(text, now);
        assert.ok(parsed, text);
        assert.ok(parsed.resetAt > now, `${text} at ${iso(now)}`);
        assert.ok(parsed.resetAt - now <= 49 * 3600_000, `${text} at ${iso(now)}`);
        const wall: WallTime = utcToZonedTime(parsed.resetAt, zone);
        const hour = (hour12 % 12) + (pm ? 12 : 0);
        // The wall clock shows the stated time, unless it fell into a DST gap (moved forward).
        const statedMinutes = hour * 60 + minute;
        const shownMinutes = wall.hour * 60 + wall.minute;
        const diff = (shownMinutes - statedMinutes + 1440) % 1440;
        assert.ok(diff === 0 || diff <= 120, `${text} shows ${wall.hour}:${wall.minute}`);
      },
    ),
    { numRuns: 1000 },
  );
});
