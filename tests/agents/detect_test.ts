import assert from "node:assert/strict";
import fc from "fast-check";
import {
  analyzeScreen,
  type DetectInput,
  type DetectOptions,
  detectState,
  extractInput,
  findInputBox,
  screenHash,
  STATE_PRECEDENCE,
} from "../../src/agents/detect.ts";
import { loadProfiles } from "../../src/agents/profiles.ts";
import { AGENT_STATES, type Observation } from "../../src/agents/types.ts";
import { ManualClock } from "../../src/util/clock.ts";
import type { PaneRecord } from "../../src/tmux/types.ts";
import { paneRecord } from "./helpers.ts";

const PROFILES = loadProfiles();
const CLAUDE = PROFILES.get("claude")!;
const RULE = "─".repeat(80);

/** A Claude Code screen in the rule-line style: transcript lines, then the input box. */
function ruleScreen(
  transcript: string[],
  options: { input?: string; footer?: string; busy?: string } = {},
): string {
  return [
    ...transcript,
    "",
    ...(options.busy ? [options.busy, ""] : []),
    RULE,
    `> ${options.input ?? ""}`,
    RULE,
    options.footer ?? "  ? for shortcuts",
  ].join("\n");
}

const REPLY = ["> fix the test", "", "● Fixed: the assertion compared cents with dollars."];
const IDLE = ruleScreen(REPLY);
const BUSY = ruleScreen(REPLY, { busy: "✻ Thinking… (4s · esc to interrupt)" });
const DIALOG = [
  ...REPLY,
  "",
  RULE,
  " Bash command",
  "",
  "   npm test",
  "",
  " Do you want to proceed?",
  " ❯ 1. Yes",
  "   2. Yes, and don't ask again for npm test commands in /home/dana/webapp",
  "   3. No, and tell Claude what to do differently (esc)",
].join("\n");

/** Drives detection like the monitor does: one call per cycle, the clock moved by hand. */
class Driver {
  readonly clock = new ManualClock({ monotonic: 1_000, wall: Date.parse("2026-03-06T12:00:00Z") });
  previous: Observation | undefined;
  pane: PaneRecord = paneRecord();
  options: DetectOptions = { idleAfterMs: 20_000 };

  observe(capture: string | null, afterMs = 1_000): Observation {
    this.clock.advance(afterMs);
    this.previous = detectState({
      pane: this.pane,
      capture,
      previous: this.previous,
      monoNow: this.clock.monotonic(),
      wallNow: this.clock.wall(),
      profile: CLAUDE,
    }, this.options);
    return this.previous;
  }
}

Deno.test("detect: precedence order is documented and complete", () => {
  assert.deepEqual([...STATE_PRECEDENCE].sort(), [...AGENT_STATES].sort());
  assert.equal(STATE_PRECEDENCE[0], "crashed");
  assert.equal(STATE_PRECEDENCE.at(-1), "unknown");
});

Deno.test("detect: first look at a quiet prompt is unknown, then idle after idleAfterMs", () => {
  const d = new Driver();
  assert.equal(d.observe(IDLE).state, "unknown");
  assert.equal(d.observe(IDLE, 10_000).state, "unknown");
  const idle = d.observe(IDLE, 10_000);
  assert.equal(idle.state, "idle");
  assert.equal(idle.since, d.clock.wall());
  assert.equal(d.observe(IDLE, 5_000).since, idle.since, "since moves only on a state change");
});

Deno.test("detect: active after a change, idle after idleAfterMs of no change, without captures", () => {
  const d = new Driver();
  d.observe(BUSY);
  const changed = d.observe(IDLE);
  assert.equal(changed.state, "active");
  assert.equal(changed.detail, "screen changed");
  // Not captured (pane unchanged): stays active until idleAfterMs since the last change.
  assert.equal(d.observe(null, 19_000).state, "active");
  const idle = d.observe(null, 1_000);
  assert.equal(idle.state, "idle");
  assert.equal(idle.lastChangeMono, changed.lastChangeMono);
});

Deno.test("detect: idle-after uses the monotonic clock, not the wall clock", () => {
  const d = new Driver();
  d.observe(BUSY);
  d.observe(IDLE);
  d.clock.jumpWall(3_600_000);
  assert.equal(d.observe(null, 1_000).state, "active");
});

Deno.test("detect: a busy marker keeps the agent active even when the screen is unchanged", () => {
  const d = new Driver();
  assert.equal(d.observe(BUSY).state, "active");
  const still = d.observe(BUSY, 60_000);
  assert.equal(still.state, "active");
  assert.match(still.detail, /^busy: .*esc to interrupt/);
  assert.equal(d.observe(null, 60_000).state, "active");
});

Deno.test("detect: busy markers in different capitalisation and forms", () => {
  for (
    const marker of [
      "✻ Thinking… (4s · Esc to interrupt)",
      "· Herding… (ESC TO INTERRUPT)",
      "✢ Compacting conversation… (23s)",
      "✶ Pondering… (12s · ↓ 300 tokens)",
    ]
  ) {
    const a = analyzeScreen(ruleScreen(REPLY, { busy: marker }), CLAUDE);
    assert.ok(a.busy, marker);
  }
  // A finished turn's summary is not a spinner.
  assert.equal(
    analyzeScreen(ruleScreen([...REPLY, "", "✻ Worked for 1m 2s"]), CLAUDE).busy,
    undefined,
  );
});

Deno.test("detect: stuck_input needs the same text in the previous observation", () => {
  const d = new Driver();
  d.observe(IDLE);
  const typed = d.observe(ruleScreen(REPLY, { input: "run the smoke tests" }));
  assert.equal(typed.state, "active", "text appearing is a change");
  const stuck = d.observe(ruleScreen(REPLY, { input: "run the smoke tests" }));
  assert.equal(stuck.state, "stuck_input");
  assert.equal(stuck.detail, 'unsent input: "run the smoke tests"');
  assert.equal(d.observe(null).state, "stuck_input");
  // More typing is activity again.
  assert.equal(d.observe(ruleScreen(REPLY, { input: "run the smoke tests now" })).state, "active");
});

Deno.test("detect: stuckAfterMs makes unsent text wait longer", () => {
  const d = new Driver();
  d.options = { idleAfterMs: 20_000, stuckAfterMs: 10_000 };
  const screen = ruleScreen(REPLY, { input: "deploy" });
  d.observe(IDLE);
  d.observe(screen);
  assert.equal(d.observe(screen, 5_000).state, "active");
  assert.equal(d.observe(screen, 5_000).state, "stuck_input");
});

Deno.test("detect: text typed while busy is queued, not stuck", () => {
  const d = new Driver();
  const screen = ruleScreen(REPLY, {
    input: "also update docs",
    busy: "✻ Working… (esc to interrupt)",
  });
  d.observe(screen);
  assert.equal(d.observe(screen).state, "active");
});

Deno.test("detect: crashed beats everything, whatever is left on the screen", () => {
  for (const command of ["bash", "zsh", "-bash", "/usr/bin/fish", "sh", "dash", "ksh", "tcsh"]) {
    const d = new Driver();
    d.pane = paneRecord({ currentCommand: command });
    const o = d.observe(`${DIALOG}\n${BUSY}\ndana@devbox:~/webapp$`);
    assert.equal(o.state, "crashed", command);
    assert.match(o.detail, /^shell in foreground: /);
  }
  const d = new Driver();
  d.pane = paneRecord({ dead: true, deadStatus: 2 });
  assert.equal(d.observe(null).state, "crashed");
  assert.equal(d.previous?.detail, "pane is dead (exit status 2)");
});

Deno.test("detect: waiting beats a usage limit and a busy marker", () => {
  const limitThenDialog = DIALOG.replace(
    "● Fixed",
    "  ⎿  5-hour limit reached ∙ resets 7pm\n● Fixed",
  );
  const d = new Driver();
  assert.equal(d.observe(limitThenDialog).state, "waiting");
  assert.equal(d.previous?.detail, "Do you want to proceed?");
});

Deno.test("detect: a permission prompt must be in the bottom part of the screen", () => {
  // The same question asked in prose above an input box is not a prompt.
  const prose = ruleScreen([...REPLY, "", "● Do you want to proceed with option 2?", "  ❯ 1. Yes"]);
  const d = new Driver();
  d.observe(prose);
  assert.notEqual(d.observe(prose, 30_000).state, "waiting");
});

Deno.test("detect: rate_limited beats error, and keeps the reset time parsed at first sight", () => {
  const screen = ruleScreen([
    "> keep going",
    "",
    '  ⎿  API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}',
    "  ⎿  You've hit your limit · resets 3pm (America/New_York)",
  ]);
  const d = new Driver();
  const first = d.observe(screen);
  assert.equal(first.state, "rate_limited");
  assert.equal(new Date(first.resetAt!).toISOString(), "2026-03-06T20:00:00.000Z");
  // Hours later (same message, unchanged): the reset time is not recomputed from "now".
  const later = d.observe(screen, 3 * 3600_000);
  assert.equal(later.state, "rate_limited");
  assert.equal(later.resetAt, first.resetAt);
  assert.equal(later.since, first.since);
  // After the reset time the message no longer counts: the agent is idle again. (The monitor
  // recaptures an unchanged pane every minute; findings are not carried for hours.)
  assert.equal(d.observe(screen, 5 * 3600_000 - 60_000).state, "rate_limited");
  const after = d.observe(null, 120_000);
  assert.equal(after.state, "idle");
  assert.match(after.detail, /usage limit has reset/);
  assert.equal(after.resetAt, undefined);
});

Deno.test("detect: a limit message first seen late is dated by the window's last activity", () => {
  const screen = ruleScreen(["> go on", "", "  ⎿  5-hour limit reached ∙ resets 1pm"]);
  const d = new Driver();
  d.options = { idleAfterMs: 20_000, defaultTimeZone: "UTC" };
  // Monitor starts at 12:00:01 UTC; the message was printed at 11:30 (window activity).
  d.pane = paneRecord({ windowActivity: Date.parse("2026-03-06T11:30:00Z") / 1000 });
  const o = d.observe(screen);
  assert.equal(new Date(o.resetAt!).toISOString(), "2026-03-06T13:00:00.000Z");
  // Monitor starts at 13:30; the message was printed at 12:59, so the limit has already reset.
  // (Dated "now", "resets 1pm" would wrongly mean tomorrow 13:00.)
  const late = new Driver();
  late.options = d.options;
  late.clock.advance(90 * 60_000);
  late.pane = paneRecord({ windowActivity: Date.parse("2026-03-06T12:59:00Z") / 1000 });
  assert.equal(late.observe(screen).state, "unknown");
  const idle = late.observe(screen, 25_000);
  assert.equal(idle.state, "idle");
  assert.match(idle.detail, /usage limit has reset/);
});

Deno.test("detect: a limit or error followed by newer output or a user message is stale", () => {
  const limit = "  ⎿  Claude usage limit reached. Your limit will reset at 3pm (America/New_York).";
  const error = '  ⎿  API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}';
  for (const banner of [limit, error]) {
    const answered = ruleScreen(["> do it", "", banner, "", "> continue", "", "● Continuing now."]);
    const d = new Driver();
    d.observe(answered);
    const o = d.observe(answered, 30_000);
    assert.equal(o.state, "idle", banner);
    const scrolled = ruleScreen([
      banner,
      "",
      "● Update(src/a.ts)",
      "  ⎿  Updated src/a.ts with 2 additions",
      "",
      "● Bash(npm test)",
      "  ⎿  ok",
      "",
      "● All good.",
    ]);
    const e = new Driver();
    e.observe(scrolled);
    assert.equal(e.observe(scrolled, 30_000).state, "idle", banner);
  }
});

Deno.test("detect: a busy agent has moved on from a limit or an error", () => {
  const screen = ruleScreen(["> go", "", '  ⎿  API Error: 500 {"type":"error"}'], {
    busy: "✻ Thinking… (2s · esc to interrupt)",
  });
  const d = new Driver();
  assert.equal(d.observe(screen).state, "active");
  const retrying = ruleScreen([
    "> go",
    "",
    "  ⎿  API Error (Request timed out.) · Retrying in 4 seconds… (attempt 2/10)",
  ]);
  const e = new Driver();
  e.observe(retrying);
  assert.equal(e.observe(retrying, 30_000).state, "idle");
});

Deno.test("detect: error state carries forward without captures and ends on a change", () => {
  const screen = ruleScreen(["> go", "", "  ⎿  API Error: 500 Internal server error"]);
  const d = new Driver();
  const error = d.observe(screen);
  assert.equal(error.state, "error");
  assert.equal(error.detail, "API Error: 500 Internal server error");
  assert.equal(d.observe(null, 60_000).state, "error");
  assert.equal(d.observe(ruleScreen(["> go", "", "● Retried and it worked."])).state, "active");
});

Deno.test("detect: no capture and no history is unknown; details stay short", () => {
  const d = new Driver();
  assert.equal(d.observe(null).state, "unknown");
  const long = ruleScreen([`  ⎿  API Error: 500 ${"x".repeat(5000)}`]);
  const o = new Driver().observe(long);
  assert.equal(o.state, "error");
  assert.ok(o.detail.length <= 120);
});

Deno.test("detect: an unrecognised screen stays unknown", () => {
  const d = new Driver();
  const screen = "some other program\nwith no prompt at all";
  assert.equal(d.observe(screen).detail, "no input prompt recognised");
  const o = d.observe(screen, 60_000);
  assert.equal(o.state, "unknown");
  assert.equal(o.detail, "no input prompt recognised for 60 s");
  assert.equal(o.recognised, false);
});

Deno.test("detect: extractInput reads both Claude Code prompt styles", () => {
  assert.equal(extractInput(IDLE, CLAUDE), "");
  assert.equal(extractInput(ruleScreen([], { input: "hello there" }), CLAUDE), "hello there");
  assert.equal(
    extractInput(`${RULE}\n❯ chevron style\n${RULE}\n  ? for shortcuts`, CLAUDE),
    "chevron style",
  );
  const boxed = [
    "╭──────────────────────────────────────╮",
    "│ > first line of a long message       │",
    "│   and its second line                │",
    "╰──────────────────────────────────────╯",
    "  ? for shortcuts",
  ].join("\n");
  assert.equal(extractInput(boxed, CLAUDE), "first line of a long message\nand its second line");
  assert.equal(findInputBox(boxed, CLAUDE)?.style, "boxed");
  const placeholder = boxed.replace(
    /│ > first[^\n]*\n[^\n]*\n/,
    '│ > Try "refactor <filepath>"             │\n',
  );
  assert.equal(extractInput(placeholder, CLAUDE), "");
  assert.equal(extractInput(DIALOG, CLAUDE), undefined);
  assert.equal(extractInput("", CLAUDE), undefined);
});

Deno.test("detect: an input box needs its footer to be short (it is at the bottom)", () => {
  const screen = [RULE, "> old", RULE, ...Array.from({ length: 20 }, (_, i) => `line ${i}`)].join(
    "\n",
  );
  assert.equal(extractInput(screen, CLAUDE), undefined);
});

Deno.test("detect: screenHash ignores trailing blanks, escapes, footer and volatile lines", () => {
  assert.equal(screenHash("a  \nb\n\n\n"), screenHash("a\nb"));
  assert.equal(screenHash("\x1b[1ma\x1b[0m\nb"), screenHash("a\nb"));
  assert.notEqual(screenHash("a\nb"), screenHash("a\nc"));
  const withFooter = ruleScreen(REPLY, { footer: "  ⏵⏵ accept edits on (shift+tab to cycle)" });
  assert.notEqual(screenHash(IDLE), screenHash(withFooter));
  assert.equal(screenHash(IDLE, CLAUDE), screenHash(withFooter, CLAUDE));
  assert.notEqual(screenHash(IDLE, CLAUDE), screenHash(ruleScreen(REPLY, { input: "x" }), CLAUDE));
  const clocky = loadProfiles({ claude: { volatile: ["^\\d\\d:\\d\\d:\\d\\d$"] } }).get("claude")!;
  assert.equal(
    screenHash(`12:00:01\n${IDLE}`, clocky),
    screenHash(`12:00:02\n${IDLE}`, clocky),
  );
  assert.notEqual(screenHash(`12:00:01\n${IDLE}`, CLAUDE), screenHash(`12:00:02\n${IDLE}`, CLAUDE));
});

Deno.test("detect: a footer-only change (status line, mode) is not activity", () => {
  const d = new Driver();
  d.observe(IDLE);
  d.observe(IDLE, 25_000);
  const o = d.observe(ruleScreen(REPLY, { footer: "  ⏸ plan mode on (shift+tab to cycle)" }));
  assert.equal(o.state, "idle");
});

Deno.test("detect: invariants over random cycles (pure, since, clocks, detail)", () => {
  const screens = [IDLE, BUSY, DIALOG, ruleScreen(REPLY, { input: "x" }), null];
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          screen: fc.integer({ min: 0, max: screens.length - 1 }),
          dt: fc.integer({ min: 0, max: 40_000 }),
          shell: fc.boolean(),
        }),
        { minLength: 1, maxLength: 30 },
      ),
      (steps) => {
        let previous: Observation | undefined;
        let mono = 0;
        let wall = Date.UTC(2026, 0, 1);
        for (const step of steps) {
          mono += step.dt;
          wall += step.dt;
          const input: DetectInput = {
            pane: paneRecord({
              currentCommand: step.shell && step.dt % 7 === 0 ? "bash" : "claude",
            }),
            capture: screens[step.screen],
            previous,
            monoNow: mono,
            wallNow: wall,
            profile: CLAUDE,
          };
          const frozen = structuredClone(input.previous);
          const next = detectState(input);
          assert.deepEqual(detectState(input), next, "same input, same output");
          assert.deepEqual(input.previous, frozen, "previous is not mutated");
          assert.ok(AGENT_STATES.includes(next.state));
          assert.ok(next.lastChangeMono <= mono);
          assert.ok(next.detail.length > 0 && next.detail.length <= 120);
          if (previous && previous.state === next.state) assert.equal(next.since, previous.since);
          if (!previous || previous.state !== next.state) assert.equal(next.since, wall);
          if (next.state === "idle") {
            assert.ok(mono - next.lastChangeMono >= 20_000, "idle only after idleAfterMs");
          }
          previous = next;
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("detect: a busy agent's detail is not prefixed again on cycles without a capture", () => {
  const d = new Driver();
  const first = d.observe(BUSY);
  assert.equal(first.detail, "busy: ✻ Thinking… (4s · esc to interrupt)");
  for (let i = 0; i < 5; i++) {
    const carried = d.observe(null, 5_000);
    assert.equal(carried.state, "active");
    assert.equal(carried.detail, first.detail, `cycle ${i + 1} without a capture`);
  }
  // And once captured again, the same.
  assert.equal(d.observe(BUSY).detail, first.detail);
});

const UNRECOGNISED = "  Some new full-screen view\n  of a CLI version the profile does not know";

Deno.test("detect: an agent seen active becomes unknown when nothing is recognised for unknownAfterMs", () => {
  const d = new Driver();
  d.observe(BUSY);
  const active = d.observe(UNRECOGNISED);
  assert.equal(active.state, "active", "the screen changed");
  assert.equal(active.recognised, false);
  assert.equal(d.observe(UNRECOGNISED, 30_000).state, "active");
  assert.equal(d.observe(null, 28_000).state, "active", "59 s since the busy marker");
  const unknown = d.observe(UNRECOGNISED, 2_000);
  assert.equal(unknown.state, "unknown");
  assert.equal(unknown.detail, "no input prompt recognised for 60 s");
  assert.equal(unknown.since, d.clock.wall());
  assert.equal(d.observe(null, 10_000).state, "unknown");
  // Its controls back on screen: read as usual again.
  assert.equal(d.observe(IDLE).state, "active");
  assert.equal(d.observe(IDLE, 25_000).state, "idle");
});

Deno.test("detect: unknownAfterMs is an option, and a screen that keeps changing does not freeze active", () => {
  const d = new Driver();
  d.options = { idleAfterMs: 20_000, unknownAfterMs: 10_000 };
  d.observe(BUSY);
  const states: string[] = [];
  for (let i = 0; i < 8; i++) states.push(d.observe(`${UNRECOGNISED}\nframe ${i}`, 2_000).state);
  assert.deepEqual(states, [
    "active",
    "active",
    "active",
    "active",
    "unknown",
    "unknown",
    "unknown",
    "unknown",
  ]);
  assert.equal(d.previous?.detail, "no input prompt recognised for 10 s");
});

Deno.test("detect: findings are carried only while captures are recent", () => {
  for (const screen of [BUSY, DIALOG, ruleScreen(["> go", "", "  ⎿  API Error: 500 oops"])]) {
    const d = new Driver();
    const seen = d.observe(screen);
    assert.notEqual(seen.state, "unknown");
    assert.equal(d.observe(null, 60_000).state, seen.state);
    assert.equal(d.observe(null, 60_000).state, seen.state, "120 s: still vouched for");
    const stale = d.observe(null, 1_000);
    assert.equal(stale.state, "unknown", seen.state);
    assert.equal(stale.detail, "screen not captured for 2 min");
  }
  const d = new Driver();
  d.options = { idleAfterMs: 20_000, maxCarryMs: 5_000 };
  d.observe(DIALOG);
  assert.equal(d.observe(null, 6_000).detail, "screen not captured for 5 s");
});

Deno.test("detect: recognised says whether the profile knew anything on the screen", () => {
  for (
    const [screen, recognised] of [[IDLE, true], [BUSY, true], [DIALOG, true], [
      UNRECOGNISED,
      false,
    ]] as const
  ) {
    assert.equal(new Driver().observe(screen).recognised, recognised, screen);
  }
  const limit = ["  ⎿  You've hit your limit · resets 3pm (America/New_York)"].join("\n");
  assert.equal(new Driver().observe(limit).recognised, true);
});

Deno.test("detect: no history freezes a state: settled on a screen, any history ends where a fresh look does", () => {
  const screens = [
    IDLE,
    BUSY,
    DIALOG,
    ruleScreen(REPLY, { input: "x" }),
    UNRECOGNISED,
    ruleScreen(["> go", "", "  ⎿  API Error: 500 oops"]),
    ruleScreen(["> go", "", "  ⎿  You've hit your limit · resets 3pm (America/New_York)"]),
  ];
  const settle = (d: Driver, screen: string) => {
    // Long enough for every timer: idle-after, unknown-after, stuck input.
    for (let t = 0; t < 150_000; t += 10_000) d.observe(screen, 10_000);
    return d.previous!;
  };
  const fresh = screens.map((screen) => settle(new Driver(), screen).state);
  assert.deepEqual(fresh, [
    "idle",
    "active",
    "waiting",
    "stuck_input",
    "unknown",
    "error",
    "rate_limited",
  ]);
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          screen: fc.integer({ min: 0, max: screens.length }),
          dt: fc.integer({ min: 0, max: 40_000 }),
          frame: fc.integer({ min: 0, max: 3 }),
        }),
        { maxLength: 25 },
      ),
      fc.integer({ min: 0, max: screens.length - 1 }),
      (history, last) => {
        const d = new Driver();
        for (const step of history) {
          const screen = step.screen === screens.length
            ? null
            : `${screens[step.screen]}${step.screen === 4 ? `\nframe ${step.frame}` : ""}`;
          d.observe(screen, step.dt);
        }
        assert.equal(settle(d, screens[last]).state, fresh[last]);
      },
    ),
    { numRuns: 200 },
  );
});
