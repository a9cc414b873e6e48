import assert from "node:assert/strict";
import { unsafePatternReason } from "../../src/agents/pattern_safety.ts";
import { loadProfiles } from "../../src/agents/profiles.ts";

const CATASTROPHIC: Record<string, string> = {
  "(a+)+$": "nested quantifiers",
  "^(\\w+\\s?)*$": "nested quantifiers",
  "(.*a){20}": "nested quantifiers",
  "^(([a-z])+.)+[A-Z]([a-z])+$": "nested quantifiers",
  "^(a|a)*$": "overlapping alternatives under a quantifier",
  "(a|ab)*c": "overlapping alternatives under a quantifier",
  "(\\w|_)+!": "overlapping alternatives under a quantifier",
  "(a|)+": "a repeated group that can match the empty string",
  "\\s*\\s*$": "adjacent repeats that overlap",
  "\\d+\\w*x": "adjacent repeats that overlap",
  "(a)\\1": "a backreference",
  "(?<n>a)\\k<n>": "a backreference",
};

const FINE = [
  "esc to interrupt",
  "(foo|bar)+",
  "(ab)+",
  "x{3}",
  "\\d+ tokens",
  "^\\s*❯\\s*\\d+\\.\\s",
  "Do you want to proceed\\?",
  "[a-z]+@[a-z]+\\.com",
  "^[│|]\\s*>\\s?(.*?)[│|]$",
];

Deno.test("unsafePatternReason: the catastrophic families are refused with their reason", () => {
  for (const [source, reason] of Object.entries(CATASTROPHIC)) {
    assert.equal(unsafePatternReason(source, "i"), reason, source);
  }
  assert.match(unsafePatternReason("a".repeat(1001))!, /longer than 1000/);
});

Deno.test("unsafePatternReason: ordinary markers pass", () => {
  for (const source of FINE) assert.equal(unsafePatternReason(source, "i"), undefined, source);
});

Deno.test("profiles.json: a catastrophic pattern is refused at load in one line; built-ins load", () => {
  assert.ok(loadProfiles().size >= 4);
  assert.throws(
    () => loadProfiles({ claude: { busy: ["...", "^(a+)+$"] } }),
    (e: Error) =>
      /^Invalid profile "claude": busy\[\d+\] could take exponential time on a line of pane output \(nested quantifiers\): "\^\(a\+\)\+\$"$/
        .test(e.message),
  );
});
