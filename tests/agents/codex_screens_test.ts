/**
 * Codex CLI 0.171.0, on the screens recorded from the real CLI (`tests/fixtures/screens/codex/
 * 0.171.0/`, see `tests/real/codex/suite.ts`): the details the golden test does not check — reset
 * times, unsent input, dialog details — and that a `node` pane is recognised by what stays at the
 * bottom of the screen (the composer's status line, key hints, dialogs), not by the header that
 * scrolls away.
 */

import assert from "node:assert/strict";
import { detectState, extractInput } from "../../src/agents/detect.ts";
import { identifyProfile, loadProfiles } from "../../src/agents/profiles.ts";
import type { Observation } from "../../src/agents/types.ts";
import type { PaneRecord } from "../../src/tmux/types.ts";
import { paneRecord } from "./helpers.ts";

const DIR = new URL("../fixtures/screens/codex/0.171.0/", import.meta.url);
const PROFILES = loadProfiles();
const CODEX = PROFILES.get("codex")!;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

interface Recorded {
  screen: string;
  pane: PaneRecord;
  wallNow: number;
}

function load(id: string): Recorded {
  const screen = Deno.readTextFileSync(new URL(`${id}.txt`, DIR));
  const sidecar = JSON.parse(Deno.readTextFileSync(new URL(`${id}.json`, DIR)));
  const { windowActivity, ...rest } = sidecar.pane;
  return {
    screen,
    pane: paneRecord({ ...rest, windowActivity: Date.parse(windowActivity) / 1000 }),
    wallNow: Date.parse(sidecar.wallNow),
  };
}

function recordedIds(): string[] {
  const ids: string[] = [];
  for (const state of Deno.readDirSync(DIR)) {
    if (!state.isDirectory) continue;
    for (const file of Deno.readDirSync(new URL(`${state.name}/`, DIR))) {
      if (file.name.endsWith(".txt")) ids.push(`${state.name}/${file.name.slice(0, -4)}`);
    }
  }
  return ids.sort();
}

/** Observes a recorded screen twice, 21 s apart (quiet long enough for idle). */
function observe(rec: Recorded, pane: PaneRecord = rec.pane): Observation {
  const options = { defaultTimeZone: "UTC" };
  const first = detectState(
    { pane, capture: rec.screen, monoNow: 1_000_000, wallNow: rec.wallNow, profile: CODEX },
    options,
  );
  return detectState({
    pane,
    capture: rec.screen,
    previous: first,
    monoNow: 1_021_000,
    wallNow: rec.wallNow + 21_000,
    profile: CODEX,
  }, options);
}

/**
 * The reset time Codex printed, read independently of `rate_limit.ts`: "try again at Dec 2nd,
 * 2026 1:17 AM" or, for today, "try again at 1:17 AM" (the pane ran with TZ=UTC).
 */
function printedReset(screen: string, wallNow: number): number {
  const text = screen.replace(/\s*\n\s*/g, " ");
  const m = /try again at (?:(\w{3}) (\d+)\w\w, (\d{4}) )?(\d+):(\d\d) (AM|PM)\./i.exec(text);
  assert.ok(m, "no reset time on the screen");
  const hour = Number(m[4]) % 12 + (m[6] === "PM" ? 12 : 0);
  if (m[1]) {
    return Date.UTC(Number(m[3]), MONTHS.indexOf(m[1]), Number(m[2]), hour, Number(m[5]));
  }
  const now = new Date(wallNow);
  let at = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour, Number(m[5]));
  if (at <= wallNow) at += 86_400_000;
  return at;
}

Deno.test("codex 0.171 screens: usage limits carry the reset time Codex printed", () => {
  const withReset = [
    "usage_limit_plus",
    "usage_limit_narrow",
    "usage_limit_free",
    "usage_limit_enterprise",
    "usage_limit_model",
    "usage_limit_under_offer",
  ];
  for (const id of withReset) {
    const rec = load(`rate_limited/${id}`);
    const seen = observe(rec);
    assert.equal(seen.state, "rate_limited", `${id}: ${seen.detail}`);
    assert.match(seen.detail, /hit your usage limit/, id);
    assert.equal(seen.resetAt, printedReset(rec.screen, rec.wallNow), id);
  }
  for (const id of ["usage_limit_later", "retry_limit_429"]) {
    const seen = observe(load(`rate_limited/${id}`));
    assert.equal(seen.state, "rate_limited", id);
    assert.equal(seen.resetAt, undefined, id);
  }
});

Deno.test("codex 0.171 screens: the limit under a model-switch popup, and the popup alone", () => {
  const under = observe(load("rate_limited/usage_limit_under_offer"));
  assert.equal(under.state, "rate_limited");
  const alone = observe(load("waiting/rate_limit_offer"));
  assert.equal(alone.state, "waiting");
  assert.match(alone.detail, /Switch to/);
  // Once the limit has reset, the popup is a question again.
  const rec = load("rate_limited/usage_limit_under_offer");
  const later = { ...rec, wallNow: printedReset(rec.screen, rec.wallNow) + 60_000 };
  assert.equal(observe(later).state, "waiting");
});

Deno.test("codex 0.171 screens: unsent input is read from the composer", () => {
  assert.equal(
    extractInput(load("stuck_input/typed_unsent").screen, CODEX),
    "now update CHANGELOG.md for the retry change",
  );
  assert.equal(
    extractInput(load("stuck_input/pasted_unsent").screen, CODEX),
    "TASK 7: remove the deprecated --legacy flag\nthen run the tests\nand report back",
  );
  for (const id of ["fresh_start", "after_reply", "after_interrupt", "old_error_scrollback"]) {
    assert.equal(extractInput(load(`idle/${id}`).screen, CODEX), "", id);
  }
});

Deno.test("codex 0.171 screens: dialogs say what they ask", () => {
  const wants: Record<string, RegExp> = {
    command_approval: /^Would you like to run the following command\?$/,
    patch_approval: /^Would you like to make the following edits\?$/,
    trust_folder: /^Trust this folder\?/,
    sign_in: /Sign in with ChatGPT/,
    model_offer: /Try new model/,
    question_menu: /^Question 1\/1 \(1 unanswered\)$/,
  };
  for (const [id, want] of Object.entries(wants)) {
    const seen = observe(load(`waiting/${id}`));
    assert.equal(seen.state, "waiting", id);
    assert.match(seen.detail, want, id);
  }
});

Deno.test("codex 0.171 screens: a streaming answer is busy by the pane title's spinner", () => {
  const rec = load("active/slow_stream");
  assert.match(rec.pane.title, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /);
  const seen = observe(rec);
  assert.equal(seen.state, "active");
  assert.match(seen.detail, /title: /);
  // Without the title the still screen has no busy marker: the composer is empty and quiet.
  assert.equal(
    observe(rec, { ...rec.pane, title: "walk me through every module | project" }).state,
    "idle",
  );
});

Deno.test("codex 0.171 screens: a node pane is recognised by the bottom of the screen", () => {
  for (const id of recordedIds()) {
    if (id.startsWith("crashed/")) continue;
    const lines = load(id).screen.split("\n");
    while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
    // Only the last lines: the composer with its status line, or the dialog's choices and hint.
    const bottom = lines.slice(-6).join("\n");
    assert.doesNotMatch(bottom, /OpenAI Codex/, `${id}: the header is still in view`);
    const found = identifyProfile({ profile: "", currentCommand: "node" }, {
      profiles: PROFILES,
      screen: bottom,
    });
    assert.equal(found?.name, "codex", id);
  }
});

Deno.test("profiles: busyTitle is optional, validated and overridable", () => {
  assert.deepEqual(PROFILES.get("claude")!.busyTitle, []);
  assert.equal(CODEX.busyTitle.length, 1);
  assert.throws(
    () => loadProfiles({ codex: { busyTitle: ["("] } }),
    /Invalid profile "codex": busyTitle\[0\] is not a valid regular expression/,
  );
  const mine = loadProfiles({ codex: { busyTitle: ["...", "^Working"] } }).get("codex")!;
  assert.equal(mine.busyTitle.length, 2);
  assert.ok(mine.busyTitle[1].test("Working on it"));
});

Deno.test("codex 0.171 screens: a permission question under a limit-like command stays waiting", () => {
  // The approval dialog shows the command it asks about; a command that greps for the limit text
  // must not turn the question into a usage limit.
  const rec = load("waiting/command_approval");
  const screen = rec.screen.replace(
    "• Running touch ../outside-the-sandbox.txt",
    '• Running grep -r "You\'ve hit your usage limit" logs/',
  );
  assert.notEqual(screen, rec.screen);
  const seen = observe({ ...rec, screen });
  assert.equal(seen.state, "waiting");
  assert.match(seen.detail, /Would you like to run/);
});

Deno.test("codex signatures: none of them is on another CLI's screen", () => {
  const screens = new URL("../fixtures/screens/", import.meta.url);
  const walk = (url: URL): string[] =>
    [...Deno.readDirSync(url)].flatMap((entry) =>
      entry.isDirectory
        ? walk(new URL(`${entry.name}/`, url))
        : entry.name.endsWith(".txt")
        ? [new URL(entry.name, url).pathname]
        : []
    );
  let checked = 0;
  for (const profile of ["claude", "gemini", "aider"]) {
    for (const path of walk(new URL(`${profile}/`, screens))) {
      const lines = Deno.readTextFileSync(path).split("\n");
      const hits = CODEX.signature.filter((re) => lines.some((line) => re.test(line)));
      assert.deepEqual(hits.map(String), [], path);
      checked++;
    }
  }
  assert.ok(checked >= 10, `only ${checked} screens of other CLIs`);
});
