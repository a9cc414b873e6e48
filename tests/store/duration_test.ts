import assert from "node:assert/strict";
import { parseDuration, parseSince } from "../../src/store/duration.ts";

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);

Deno.test("parseDuration reads single and compound units", () => {
  const cases: [string, number][] = [
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["250ms", 250],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    [" 2H ", 7_200_000],
    ["0s", 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

Deno.test("parseDuration rejects bad input with clear messages", () => {
  const cases: [string, RegExp][] = [
    ["", /^Cannot parse duration: it is empty/],
    ["10", /^Cannot parse duration: "10" has no unit/],
    ["1x", /^Cannot parse duration: "1x" is not a duration/],
    ["-1h", /is not a duration/],
    ["h", /is not a duration/],
    ["1h 30m", /is not a duration/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseDuration(text), (e) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, message);
      return true;
    }, text);
  }
});

Deno.test("parseSince subtracts durations from now", () => {
  assert.equal(parseSince("1h", NOW), NOW - 3_600_000);
  assert.equal(parseSince("30m", NOW), NOW - 1_800_000);
  assert.equal(parseSince("2d", NOW), NOW - 2 * 86_400_000);
  assert.equal(parseSince("90s", NOW), NOW - 90_000);
});

Deno.test("parseSince reads ISO dates", () => {
  assert.equal(parseSince("2026-01-30T10:00:00Z", NOW), Date.UTC(2026, 0, 30, 10));
  assert.equal(parseSince("2026-01-30T10:00:00.5Z", NOW), Date.UTC(2026, 0, 30, 10, 0, 0, 500));
  assert.equal(parseSince("2026-01-30T10:00+02:00", NOW), Date.UTC(2026, 0, 30, 8));
  assert.equal(parseSince("2026-01-30T10:00-0130", NOW), Date.UTC(2026, 0, 30, 11, 30));
  // Without an offset: local time; a bare date is local midnight.
  assert.equal(parseSince("2026-01-30", NOW), new Date(2026, 0, 30).getTime());
  assert.equal(parseSince("2026-01-30 10:15", NOW), new Date(2026, 0, 30, 10, 15).getTime());
  assert.equal(
    parseSince("2026-01-30T10:15:30", NOW),
    new Date(2026, 0, 30, 10, 15, 30).getTime(),
  );
});

Deno.test("parseSince rejects bad input with clear messages", () => {
  const cases: [string, RegExp][] = [
    ["", /^Cannot parse since: it is empty/],
    ["yesterday", /^Cannot parse since: "yesterday" is not a duration/],
    ["5", /^Cannot parse since: "5" has no unit/],
    ["2026-02-30", /^Cannot parse since: "2026-02-30" is not a valid date or time/],
    ["2026-13-01", /is not a valid date or time/],
    ["2026-01-01T25:00Z", /is not a valid date or time/],
    ["2026-01-01T10:00:61Z", /is not a valid date or time/],
    ["2026-1-1", /is not an ISO date/],
    ["2026-01-01T10:00+25:00", /has an invalid offset/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseSince(text, NOW), (e) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, message);
      return true;
    }, text);
  }
});
