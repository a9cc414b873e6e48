/**
 * The Claude Code profile on banner lines as Claude Code 2.1.332 draws them (the window names and
 * wording are the ones in its code: `WFe` and the `You've hit your …` builder), in their place
 * (own `⎿` line above the input box) and quoted inside a reply (never a banner).
 */

import assert from "node:assert/strict";
import { analyzeScreen, detectState } from "../../src/agents/detect.ts";
import { loadProfiles } from "../../src/agents/profiles.ts";
import { paneRecord } from "./helpers.ts";

const CLAUDE = loadProfiles().get("claude")!;
const RULE = "─".repeat(100);

/** A 2.1.332 screen: user echo, `lines` as the latest output, the input box and footer. */
function screen(lines: string[], input = ""): string {
  return [
    " ▐▛███▛█   Claude Code v2.1.332",
    "▝▜██████▀  Opus 5.5 · API Usage Billing",
    "",
    "❯ Keep going",
    ...lines,
    "                                                                  ◐ medium · /effort",
    RULE,
    `❯\u00a0${input}`,
    RULE,
    "  ⏸ manual mode on · ? for shortcuts · ← for agents",
  ].join("\n");
}

const LIMIT_NAMES = [
  "5-hour limit",
  "weekly limit",
  "Opus limit",
  "Sonnet limit",
  "Fable limit",
  "usage limit",
  "limit",
  "usage credit limit",
  "monthly spend limit",
  "org's monthly spend limit",
  "individual spend limit",
  "channel's monthly spend limit",
  "org's monthly usage limit",
  "team's pooled group budget",
];

const RESETS = [" · resets 12:34am (UTC)", " · resets Dec 4, 10:12pm (Asia/Seoul)", ""];

Deno.test("claude: every limit window name, with or without a reset time, is rate_limited", () => {
  for (const name of LIMIT_NAMES) {
    for (const reset of RESETS) {
      const line = `You've hit your ${name}${reset}`;
      const a = analyzeScreen(screen([`  ⎿  ${line}`]), CLAUDE);
      assert.equal(a.rateLimit, line, line);
      assert.equal(a.inputBox?.text, "");
    }
  }
});

Deno.test("claude: a limit banner wrapped by Claude Code in a narrow pane is still a limit", () => {
  const a = analyzeScreen(
    screen([
      "  ⎿  You've hit your org's monthly",
      "     spend limit · resets Dec 4, 10:12pm (UTC)",
    ]),
    CLAUDE,
  );
  assert.equal(a.rateLimit, "You've hit your org's monthly");
  assert.match(a.rateLimitText ?? "", /resets Dec 4, 10:12pm \(UTC\)/);
  const prose = analyzeScreen(screen(["  ⎿  You've hit your stride, keep going."]), CLAUDE);
  assert.equal(prose.rateLimit, undefined);
});

Deno.test("claude: the same limit and error words quoted in a reply are not banners", () => {
  const quoted = [
    ["● Here is the tail of the log:", "  You've hit your 5-hour limit · resets 12:34am (UTC)"],
    ["● The job stopped with:", "  API Error: 500 Internal server error"],
    ["● The job stopped with:", '  {"type":"error","error":{"type":"rate_limit_error"}}'],
    ["● Its last lines were:", "  API Error: 529 Overloaded. rate_limit_error"],
    ["● You've hit your limit of retries, so I stopped."],
  ];
  for (const lines of quoted) {
    const a = analyzeScreen(screen(lines), CLAUDE);
    assert.equal(a.rateLimit, undefined, lines.join(" / "));
    assert.equal(a.error, undefined, lines.join(" / "));
  }
});

Deno.test("claude: API error banners on their own bullet line are errors, 429s limits", () => {
  const error = analyzeScreen(
    screen(["● API Error: 500 Internal server error. This is a…"]),
    CLAUDE,
  );
  assert.match(error.error ?? "", /^API Error: 500/);
  assert.equal(error.rateLimit, undefined);
  const key = analyzeScreen(screen(["  ⎿  Invalid API key · Fix external API key"]), CLAUDE);
  assert.match(key.error ?? "", /^Invalid API key/);
  const rejected = analyzeScreen(
    screen(["● API Error: Request rejected (429) · This request would exceed your rate limit"]),
    CLAUDE,
  );
  assert.match(rejected.rateLimit ?? "", /Request rejected \(429\)/);
});

Deno.test("claude: the placeholders after an error are an empty input box, not unsent text", () => {
  for (const hint of ["Resend your message to try again", "Once fixed, resend your message"]) {
    const a = analyzeScreen(screen(["● API Error: 500 Internal server error."], hint), CLAUDE);
    assert.equal(a.inputBox?.text, "", hint);
  }
  const typed = analyzeScreen(screen(["● Done."], "Resend it please"), CLAUDE);
  assert.equal(typed.inputBox?.text, "Resend it please");
});

Deno.test("claude: the reset time of a limit line is read in its zone", () => {
  const wallNow = Date.parse("2026-12-01T22:12:00Z");
  const observed = detectState({
    pane: paneRecord({ currentCommand: "claude" }),
    capture: screen(["  ⎿  You've hit your 5-hour limit · resets 12:34am (UTC)"]),
    monoNow: 1_000_000,
    wallNow,
    profile: CLAUDE,
  });
  assert.equal(observed.state, "rate_limited");
  assert.equal(new Date(observed.resetAt!).toISOString(), "2026-12-02T00:34:00.000Z");
});

Deno.test("claude: dialogs are waiting by their indented ❯ choice, whatever it says", () => {
  const dialog = (choices: string[]) =>
    [
      RULE,
      " Accessing workspace:",
      " Quick safety check: Is this a project you created or one you trust?",
      ...choices,
      " Enter to confirm · Esc to cancel",
    ].join("\n");
  for (
    const choices of [[" ❯ No, exit", "   Yes, I trust this folder"], [
      "  ❯ Yes, set auto mode as my default permission mode",
      "    No, keep manual mode",
    ], ["  ❯ Keep trying", "    Stop"]]
  ) {
    const a = analyzeScreen(dialog(choices), CLAUDE);
    assert.ok(a.waiting, choices[0]);
  }
  // A user message echoed at column 0 with no input box (transcript view) is no choice.
  const transcript = ["❯ Are the services up?", "● All five services are up.", RULE].join("\n");
  assert.equal(analyzeScreen(transcript, CLAUDE).waiting, undefined);
});
