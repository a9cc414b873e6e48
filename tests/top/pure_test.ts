/**
 * `top`'s pure parts: cell widths, keys, the view state machine, filtering, scrolling, the frame
 * diff and the header's health.
 */
import assert from "node:assert/strict";
import { cellWidth, fitCells } from "../../src/top/width.ts";
import { parseKeys } from "../../src/top/keys.ts";
import {
  filterAgents,
  initialView,
  pressKey,
  scrollFor,
  type ViewState,
} from "../../src/top/view.ts";
import { changedLines, diffFrame } from "../../src/top/screen.ts";
import { beatFreshness, describeHealth } from "../../src/top/health.ts";
import type { Heartbeat } from "../../src/lifecycle/heartbeat.ts";
import type { SupervisorSnapshot } from "../../src/lifecycle/supervisor.ts";
import type { Key } from "../../src/top/keys.ts";
import { agent } from "./helpers.ts";

Deno.test("width: ASCII, wide CJK and emoji, combining marks", () => {
  assert.equal(cellWidth("backend"), 7);
  assert.equal(cellWidth("日本語"), 6);
  assert.equal(cellWidth("e\u0301"), 1);
  assert.equal(cellWidth("👍"), 2);
  assert.equal(cellWidth("✓ ok"), 4);
});

Deno.test("width: fitCells cuts with an ellipsis, pads, never splits a wide character", () => {
  assert.equal(fitCells("backend", 5), "back…");
  assert.equal(fitCells("ok", 4), "ok  ");
  assert.equal(fitCells("日本語", 4), "日… ");
  assert.equal(cellWidth(fitCells("日本語", 4)), 4);
  assert.equal(fitCells("abc", 0), "");
  for (const text of ["日本語テキスト", "a日b本c", "👍👍👍x", "plain text here"]) {
    for (let w = 1; w < 12; w++) assert.equal(cellWidth(fitCells(text, w)), w, `${text} @${w}`);
  }
});

Deno.test("keys: arrows (CSI, SS3, modified), paging, Enter, Backspace, Escape, Ctrl-C", () => {
  assert.deepEqual(parseKeys("\x1b[A\x1bOB\x1b[1;5A\x1b[5~\x1b[6~\x1b[H\x1b[4~"), [
    { kind: "up" },
    { kind: "down" },
    { kind: "up" },
    { kind: "pageUp" },
    { kind: "pageDown" },
    { kind: "home" },
    { kind: "end" },
  ]);
  assert.deepEqual(parseKeys("j\rq"), [
    { kind: "char", char: "j" },
    { kind: "enter" },
    { kind: "char", char: "q" },
  ]);
  assert.deepEqual(parseKeys("\x7f\x1b\x03\x15"), [
    { kind: "backspace" },
    { kind: "escape" },
    { kind: "interrupt" },
    { kind: "clear" },
  ]);
  assert.deepEqual(parseKeys("日\x1b[99z\x07"), [{ kind: "char", char: "日" }], "unknown dropped");
});

function keys(view: ViewState, text: string, rows: { paneId: string; name?: string }[]) {
  const effects = [];
  for (const key of parseKeys(text)) {
    const step = pressKey(view, key, rows);
    view = step.view;
    if (step.effect) effects.push(step.effect);
  }
  return { view, effects };
}

const ROWS = [
  { paneId: "%1", name: "a" },
  { paneId: "%2", name: "b" },
  { paneId: "%3", name: "c" },
];

Deno.test("view: j/k and arrows move the selection, clamped at both ends", () => {
  let { view } = keys(initialView(), "j", ROWS);
  assert.equal(view.selected, "%2");
  view = keys(view, "jjjj", ROWS).view;
  assert.equal(view.selected, "%3");
  view = keys(view, "k\x1b[A\x1b[A\x1b[A", ROWS).view;
  assert.equal(view.selected, "%1");
  view = keys(view, "G", ROWS).view;
  assert.equal(view.selected, "%3");
  view = keys(view, "g", ROWS).view;
  assert.equal(view.selected, "%1");
});

Deno.test("view: the selection follows the pane when the list changes", () => {
  const { view } = keys(initialView(), "jj", ROWS);
  assert.equal(view.selected, "%3");
  const reordered = [{ paneId: "%3" }, { paneId: "%1" }];
  assert.equal(keys(view, "j", reordered).view.selected, "%1");
  const gone = [{ paneId: "%1" }, { paneId: "%2" }];
  assert.equal(keys(view, "j", gone).view.selected, "%2", "gone: from the first row");
});

Deno.test("view: Enter jumps, e presses Enter, q and Ctrl-C quit, nothing without rows", () => {
  assert.deepEqual(keys(initialView(), "j\r", ROWS).effects, [{ kind: "jump", paneId: "%2" }]);
  assert.deepEqual(keys(initialView(), "e", ROWS).effects, [{ kind: "pressEnter", paneId: "%1" }]);
  assert.deepEqual(keys(initialView(), "q", ROWS).effects, [{ kind: "quit" }]);
  assert.deepEqual(keys(initialView(), "\x03", []).effects, [{ kind: "quit" }]);
  assert.deepEqual(keys(initialView(), "\res", []).effects, []);
});

Deno.test("view: s opens the message line; Enter sends it, Esc and a blank line do not", () => {
  let { view, effects } = keys(initialView(), "js", ROWS);
  assert.deepEqual(view.mode, { kind: "message", draft: "", paneId: "%2", name: "b" });
  ({ view, effects } = keys(view, "hi qj/e\x7fx", ROWS));
  assert.equal(view.mode.kind === "message" && view.mode.draft, "hi qj/x", "keys are text here");
  assert.deepEqual(effects, []);
  ({ view, effects } = keys(view, "\r", ROWS));
  assert.deepEqual(effects, [{ kind: "send", paneId: "%2", message: "hi qj/x" }]);
  assert.equal(view.mode.kind, "list");
  assert.deepEqual(keys(view, "s   \r", ROWS).effects, []);
  assert.deepEqual(keys(view, "sabc\x1b", ROWS).effects, []);
  assert.equal(keys(view, "sabc\x1b", ROWS).view.mode.kind, "list");
  assert.deepEqual(keys(view, "sabc\x03", ROWS).effects, [{ kind: "quit" }]);
});

Deno.test("view: / filters live; Enter keeps it, Esc restores the one before", () => {
  let { view } = keys(initialView(), "/ba", ROWS);
  assert.deepEqual(view.mode, { kind: "filter", draft: "ba", before: "" });
  view = keys(view, "\r", ROWS).view;
  assert.equal(view.filter, "ba");
  view = keys(view, "/q\x7f\x7fzz\x1b", ROWS).view;
  assert.equal(view.filter, "ba", "Esc gives back the applied filter");
  assert.equal(view.mode.kind, "list");
  view = keys(view, "\x1b", ROWS).view;
  assert.equal(view.filter, "", "Esc in the list clears it");
});

Deno.test("filterAgents: every word must occur in name, target, pane, profile, state or detail", () => {
  const agents = [
    agent({ paneId: "%1", name: "Backend", state: "waiting", detail: "Do you want to proceed?" }),
    agent({ paneId: "%2", name: "frontend", profile: "codex", state: "active" }),
    agent({ paneId: "%3", name: "docs", target: "writing:1.0", role: "pm", state: "idle" }),
  ];
  const names = (filter: string) => filterAgents(agents, filter).map((a) => a.name);
  assert.deepEqual(names(""), ["Backend", "frontend", "docs"]);
  assert.deepEqual(names("backend"), ["Backend"]);
  assert.deepEqual(names("END"), ["Backend", "frontend"]);
  assert.deepEqual(names("codex active"), ["frontend"]);
  assert.deepEqual(names("proceed"), ["Backend"]);
  assert.deepEqual(names("writing"), ["docs"]);
  assert.deepEqual(names("%3"), ["docs"]);
  assert.deepEqual(names("pm"), ["docs"]);
  assert.deepEqual(names("codex idle"), []);
});

Deno.test("scrollFor: keeps the selection visible, moving as little as possible", () => {
  assert.equal(scrollFor(0, { selected: 3, height: 5, count: 20 }), 0);
  assert.equal(scrollFor(0, { selected: 7, height: 5, count: 20 }), 3);
  assert.equal(scrollFor(3, { selected: 5, height: 5, count: 20 }), 3);
  assert.equal(scrollFor(3, { selected: 1, height: 5, count: 20 }), 1);
  assert.equal(scrollFor(18, { selected: 19, height: 5, count: 20 }), 15);
  assert.equal(scrollFor(9, { selected: 2, height: 5, count: 4 }), 0);
});

Deno.test("diffFrame: only changed lines are rewritten; a first frame clears and draws all", () => {
  assert.equal(diffFrame(["a", "b", "c"], ["a", "b", "c"]), "");
  assert.equal(diffFrame(["a", "b", "c"], ["a", "X", "c"]), "\x1b[2;1HX");
  assert.equal(changedLines(["a", "b", "c"], ["a", "X", "Y"]), 2);
  assert.equal(diffFrame(undefined, ["a", "b"]), "\x1b[0m\x1b[H\x1b[2J\x1b[1;1Ha\x1b[2;1Hb");
  assert.equal(diffFrame(["a", "b"], ["a"]), "\x1b[2;1H\x1b[0m\x1b[K", "a row no longer used");
});

const NOW = 1_800_000_000_000;

function beat(overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    pid: 77,
    cycle: 12,
    cycleMs: 4.26,
    panes: 3,
    agents: 2,
    states: {},
    tmux: true,
    intervalS: 1,
    at: NOW - 400,
    time: "",
    startedAt: NOW - 60_000,
    supervised: true,
    ...overrides,
  };
}

function snap(overrides: Partial<SupervisorSnapshot> = {}): SupervisorSnapshot {
  return {
    pid: 66,
    state: "running",
    startedAt: NOW - 90_000,
    childPid: 77,
    childStartedAt: NOW - 60_000,
    restarts: 2,
    failures: 0,
    nextAttemptAt: null,
    lastExit: null,
    lastStderr: [],
    lastHeartbeatAt: NOW - 400,
    heartbeatWriteError: null,
    settings: {},
    ...overrides,
  };
}

Deno.test("health: fresh, late and stale heartbeats for their own interval", () => {
  assert.equal(beatFreshness(beat(), NOW), "fresh");
  assert.equal(beatFreshness(beat({ at: NOW - 3_500 }), NOW), "late");
  assert.equal(beatFreshness(beat({ at: NOW - 8_000 }), NOW), "stale");
  assert.equal(beatFreshness(beat({ at: NOW - 8_000, intervalS: 10 }), NOW), "fresh");
  assert.equal(beatFreshness(beat({ at: NOW - 8_000 }), NOW, 30), "late", "supervisor timeout");
});

Deno.test("health: the header names pid, cycle time, interval, beat age and restarts", () => {
  const ok = describeHealth(beat(), snap(), NOW);
  assert.equal(
    ok.monitor.text,
    "monitor ● ok pid 77 · cycle 12 took 4.3 ms, every 1 s · beat 0.4 s ago",
  );
  assert.equal(ok.monitor.tone, "ok");
  assert.equal(ok.supervisor.text, "supervisor running pid 66 · 2 restarts");
  assert.deepEqual(ok.problems, []);

  const none = describeHealth(undefined, undefined, NOW);
  assert.equal(none.monitor.text, "monitor ✗ not running (no heartbeat)");
  assert.equal(none.monitor.tone, "bad");
  assert.equal(none.supervisor.text, "unsupervised");

  const down = describeHealth(
    beat({ at: NOW - 60_000 }),
    snap({ state: "backoff", nextAttemptAt: NOW + 5000, childPid: null }),
    NOW,
  );
  assert.match(down.monitor.text, /^monitor ✗ stale: last beat 60\.0 s ago \(pid 77, cycle 12\)$/);
  assert.match(down.supervisor.text, /^supervisor backoff \(last known, pid 66, next start /);
  assert.equal(down.supervisor.tone, "bad");

  const alone = describeHealth(beat({ supervised: false }), snap({ childPid: 5 }), NOW);
  assert.equal(alone.supervisor.text, "unsupervised", "an old supervisor.json is not this one");

  const trouble = describeHealth(
    beat({ tmux: false, storeLost: 3, standby: "monitor pid 9 owns the server" }),
    snap({ heartbeatWriteError: "No space left on device" }),
    NOW,
  );
  assert.deepEqual(trouble.problems, [
    "tmux server not answering",
    "standing by: monitor pid 9 owns the server",
    "3 history rows lost",
    "heartbeat file not writable: No space left on device",
  ]);
});

// The Key type is exported for the app; make sure the parser only produces its kinds.
Deno.test("keys: every parsed key is a Key", () => {
  const kinds = new Set<Key["kind"]>(
    parseKeys("\x1b[A\x1b[B\r\x7f\x1bx\x03\x15").map((k) => k.kind),
  );
  assert.deepEqual([...kinds].sort(), [
    "backspace",
    "char",
    "clear",
    "down",
    "enter",
    "escape",
    "interrupt",
    "up",
  ]);
});
