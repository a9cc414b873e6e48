/**
 * The monitor cycle with a fake tmux client and a manual clock: no sleeps, no tmux.
 */
import type { ProcessTable } from "../../src/actions/pane_processes.ts";
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import type { ProcessHint } from "../../src/agents/profiles.ts";
import { Monitor, type MonitorOptions } from "../../src/monitor/monitor.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { FakeApp, FakeTmux } from "./fake_tmux.ts";

const logger = getLogger(["tmux-orc-test", "monitor"]);

interface Rig {
  clock: ManualClock;
  tmux: FakeTmux;
  monitor: Monitor;
  /** Advances the clock (default 10 s) and runs one cycle. */
  tick: (ms?: number) => ReturnType<Monitor["cycle"]>;
  state: (paneId: string) => string | undefined;
}

/** Fake panes have made-up pids: the monitor must never look them up in the real `/proc`. */
const noProcesses: ProcessTable = { sessionMembers: () => [], signal: () => {} };

function rig(
  options: MonitorOptions = {},
  extra: {
    store?: Store;
    clock?: ManualClock;
    tmux?: FakeTmux;
    processes?: Record<number, ProcessHint>;
  } = {},
): Rig {
  const clock = extra.clock ?? new ManualClock();
  const tmux = extra.tmux ?? new FakeTmux(clock);
  const monitor = new Monitor({
    tmux,
    clock,
    logger,
    processes: noProcesses,
    store: extra.store,
    // The status line's own writes are proven in status_line_test.ts; here every tmux command
    // a test sees is the monitor's work on the panes.
    options: { idleAfterMs: 15_000, statusLine: false, ...options },
    sleep: (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    },
    // Fake panes have made-up pids: never ask the real /proc about them.
    processFacts: (pid) => Promise.resolve(extra.processes?.[pid]),
  });
  return {
    clock,
    tmux,
    monitor,
    tick: (ms = 10_000) => {
      clock.advance(ms);
      return monitor.cycle();
    },
    state: (paneId) => monitor.observations.get(paneId)?.state,
  };
}

/** A team: PM %0 and agent "alpha" %1 in session "team", both registered. */
function team(r: Rig) {
  const pm = r.tmux.add({ paneId: "%0", role: "pm", name: "boss", windowIndex: 0 }, { app: true });
  const alpha = r.tmux.add(
    { paneId: "%1", role: "agent", name: "alpha", windowIndex: 1, windowName: "alpha" },
    { app: true },
  );
  return { pm: pm.app!, alpha: alpha.app! };
}

async function tempStore(): Promise<
  { path: string; open: () => Store; cleanup: () => Promise<void> }
> {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-monitor-test-" });
  return {
    path: `${dir}/db`,
    open: () => openStore(`${dir}/db`),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("one list-panes per cycle; panes that are not agents are never captured or sent keys", async () => {
  const r = rig();
  team(r);
  const sleepPane = r.tmux.add({
    paneId: "%2",
    currentCommand: "sleep",
    windowName: "claude",
    windowIndex: 2,
  }, {
    text: ["────────", "> please run the tests", "────────", "  ? for shortcuts"],
  });
  const nodePane = r.tmux.add({
    paneId: "%3",
    currentCommand: "node",
    windowName: "npm-watch",
    windowIndex: 3,
  }, { text: ["webpack compiled successfully", "> watching for changes"] });
  const vim = r.tmux.add({ paneId: "%4", currentCommand: "vim", windowIndex: 4 });
  for (let i = 0; i < 6; i++) await r.tick();
  assert.equal(r.tmux.callsOf("list-panes").length, 6);
  assert.deepEqual(r.tmux.callsFor("%2"), [], "sleep pane never touched");
  assert.deepEqual(r.tmux.callsFor("%4"), [], "vim pane never touched");
  // The node pane is captured once to look for an agent signature, and not again while unchanged.
  assert.deepEqual(r.tmux.callsFor("%3").map((c) => c[0]), ["capture-pane"]);
  for (const pane of [sleepPane, nodePane, vim]) assert.deepEqual(pane.keys, []);
  assert.deepEqual([...r.monitor.observations.keys()].sort(), ["%0", "%1"]);
});

Deno.test("auto-detection: by process name; node only with a screen signature; off with autoDetect false", async () => {
  for (const autoDetect of [true, false]) {
    const r = rig({ autoDetect });
    r.tmux.add({ paneId: "%5", currentCommand: "claude" }, { app: true });
    r.tmux.add({ paneId: "%6", currentCommand: "node", windowIndex: 1 }, {
      text: ["Claude Code v2", "  ⎿  Read 3 files", "────────", ">", "────────"],
    });
    r.tmux.add({ paneId: "%7", currentCommand: "node", windowIndex: 2 }, {
      text: ["server listening on :3000"],
    });
    r.tmux.add({ paneId: "%8", currentCommand: "2.1.37", windowIndex: 3 }, { app: true });
    const result = await r.tick();
    const watched = [...r.monitor.observations.keys()].sort();
    if (autoDetect) {
      assert.deepEqual(watched, ["%5", "%6", "%8"]);
      assert.equal(result.agents, 3);
    } else {
      assert.deepEqual(watched, []);
      assert.deepEqual(r.tmux.callsOf("capture-pane"), [], "nothing captured without auto-detect");
    }
  }
});

Deno.test("PM resolution: the session's pm pane, or the one @tmux-orc-pm names; a pm has none", async () => {
  const r = rig();
  team(r);
  // Another session with its own PM, and an agent there that names the first session's PM.
  r.tmux.add({ paneId: "%10", role: "pm", sessionId: "$1", sessionName: "other" }, { app: true });
  r.tmux.add(
    { paneId: "%11", role: "agent", name: "beta", sessionId: "$1", sessionName: "other", pm: "%0" },
    { app: true },
  );
  r.tmux.add(
    {
      paneId: "%12",
      role: "agent",
      name: "gamma",
      sessionId: "$1",
      sessionName: "other",
      windowIndex: 2,
    },
    { app: true },
  );
  r.tmux.add(
    { paneId: "%20", role: "agent", name: "loner", sessionId: "$2", sessionName: "solo" },
    {
      app: true,
    },
  );
  const dir = await tempStore();
  const store = dir.open();
  try {
    const r2 = rig({}, { store, clock: r.clock, tmux: r.tmux });
    await r2.tick();
    const pmOf = Object.fromEntries(store.listAgents().map((a) => [a.paneId, a.pmPane]));
    assert.deepEqual(pmOf, {
      "%0": "",
      "%1": "%0",
      "%10": "",
      "%11": "%0",
      "%12": "%10",
      "%20": "",
    });
    const targets = Object.fromEntries(store.listAgents().map((a) => [a.name, a.target]));
    assert.equal(targets["gamma"], "other:2.0");
  } finally {
    store.close();
    await dir.cleanup();
  }
});

Deno.test("change gating: an unchanged pane is not recaptured; a changed one is; old captures refresh", async () => {
  const r = rig({ maxCaptureAgeMs: 45_000, notify: false });
  team(r);
  const first = await r.tick();
  assert.equal(first.captured, 2);
  const second = await r.tick();
  assert.equal(second.captured, 0, "nothing changed");
  r.tmux.touch("%1", (p) => p.app!.history.push("● more output"));
  const third = await r.tick();
  assert.equal(third.captured, 1);
  assert.equal(r.state("%1"), "active");
  const fourth = await r.tick();
  assert.equal(fourth.captured, 0);
  const fifth = await r.tick(); // 40 s after %0's last capture
  assert.equal(fifth.captured, 0);
  const sixth = await r.tick(); // 50 s after it: older than maxCaptureAgeMs
  assert.equal(sixth.captured, 1);
});

Deno.test("idle: the PM is told once; leaving and re-entering inside the cooldown tells nobody", async () => {
  const r = rig();
  const { pm, alpha } = team(r);
  await r.tick();
  await r.tick();
  assert.deepEqual(pm.received, []);
  const result = await r.tick(); // 20 s quiet ≥ 15 s
  assert.equal(r.state("%1"), "idle");
  assert.equal(result.notifications, 1);
  assert.equal(result.states.idle, 2);
  assert.deepEqual(pm.received, ["[tmux-orc] alpha (%1) is idle"]);
  assert.equal(pm.enters, 1, "one Enter, verified on the screen");
  // Alpha works, then goes idle again within the 300 s cooldown: no second message.
  r.tmux.touch("%1", (p) => p.app!.history.push("● working"));
  await r.tick();
  assert.equal(r.state("%1"), "active");
  for (let i = 0; i < 4; i++) await r.tick();
  assert.equal(r.state("%1"), "idle");
  assert.equal(pm.received.length, 1);
  assert.deepEqual(alpha.received, [], "nothing was typed into the agent");
});

Deno.test("a busy PM: the notice is held, then delivered once the PM is free", async () => {
  const r = rig();
  const { pm } = team(r);
  await r.tick();
  pm.busy = true;
  r.tmux.touch("%0");
  await r.tick();
  r.tmux.touch("%1", (p) => p.app!.dialog = true);
  await r.tick();
  assert.equal(r.state("%1"), "waiting");
  assert.equal(r.state("%0"), "active");
  assert.deepEqual(pm.received, [], "held while the PM works");
  pm.busy = false;
  r.tmux.touch("%0");
  for (let i = 0; i < 3 && pm.received.length === 0; i++) await r.tick();
  assert.equal(pm.received.length, 1);
  assert.match(pm.received[0], /alpha \(%1\) waits on a prompt: Do you want to proceed\?/);
});

Deno.test("a PM showing a permission prompt is never typed into, even after the max hold", async () => {
  const r = rig({ maxHoldMs: 20_000 });
  const { pm } = team(r);
  r.tmux.touch("%0", (p) => p.app!.dialog = true);
  r.tmux.touch("%1", (p) => p.app!.banner = ["", "  ⎿  API Error: 500 internal"]);
  for (let i = 0; i < 6; i++) await r.tick();
  assert.equal(r.state("%0"), "waiting");
  assert.equal(r.state("%1"), "error");
  assert.deepEqual(r.tmux.panes.get("%0")!.keys, [], "no key reached the PM");
  // The PM answers its prompt: the held notice goes out.
  r.tmux.touch("%0", (p) => p.app!.dialog = false);
  for (let i = 0; i < 4 && pm.received.length === 0; i++) await r.tick();
  assert.equal(pm.received.length, 1);
  assert.match(pm.received[0], /alpha \(%1\) hit an error: API Error: 500/);
});

Deno.test("stuck input: Enter pressed once; still stuck the cycle after → the PM is told", async () => {
  const r = rig();
  const { pm, alpha } = team(r);
  alpha.swallow = 1;
  r.tmux.touch("%1", (p) => p.app!.input = "run the migration");
  await r.tick();
  await r.tick();
  const stuck = await r.tick();
  assert.equal(r.state("%1"), "stuck_input");
  assert.equal(stuck.actions, 1);
  assert.deepEqual(r.tmux.panes.get("%1")!.keys, ["<Enter>"]);
  assert.deepEqual(pm.received.filter((m) => m.includes("alpha")), [], "not told yet");
  await r.tick();
  assert.equal(r.state("%1"), "stuck_input");
  assert.deepEqual(pm.received.filter((m) => m.includes("alpha")), [
    "[tmux-orc] alpha (%1) has unsent input",
  ]);
  for (let i = 0; i < 3; i++) await r.tick();
  assert.deepEqual(r.tmux.panes.get("%1")!.keys, ["<Enter>"], "Enter only once");
  assert.equal(pm.received.filter((m) => m.includes("alpha")).length, 1);
});

Deno.test("stuck input that the Enter submits: nobody is told", async () => {
  const r = rig();
  const { pm, alpha } = team(r);
  r.tmux.touch("%1", (p) => p.app!.input = "run the migration");
  for (let i = 0; i < 3; i++) await r.tick();
  assert.deepEqual(alpha.received, ["run the migration"]);
  await r.tick();
  assert.equal(r.state("%1"), "active");
  for (let i = 0; i < 3; i++) await r.tick();
  assert.ok(!pm.received.some((m) => m.includes("unsent input")));
});

Deno.test("submitStuck off: no Enter, the PM is told on entering stuck_input", async () => {
  const r = rig({ submitStuck: false });
  const { pm } = team(r);
  r.tmux.touch("%1", (p) => p.app!.input = "half a thought");
  for (let i = 0; i < 3; i++) await r.tick();
  assert.equal(r.state("%1"), "stuck_input");
  assert.deepEqual(r.tmux.panes.get("%1")!.keys, []);
  assert.ok(pm.received.some((m) => m.includes("alpha (%1) has unsent input")));
});

Deno.test("rate limited: one notice, then silence until the reset; resume message after it", async () => {
  const r = rig({ resumeAfterLimit: true, resumeMessage: "Carry on, please." });
  const { pm, alpha } = team(r);
  for (let i = 0; i < 3; i++) await r.tick(); // both idle; PM told alpha is idle
  assert.equal(pm.received.length, 1);
  // Limit resets in ~1 h (the time is read in UTC).
  const reset = new Date(r.clock.wall() + 3_600_000);
  const label = `${reset.getUTCHours() % 12 || 12}${reset.getUTCHours() < 12 ? "am" : "pm"} (UTC)`;
  r.tmux.touch("%1", (p) => p.app!.banner = ["", `  ⎿  You've hit your limit · resets ${label}`]);
  for (let i = 0; i < 3; i++) await r.tick();
  assert.equal(r.state("%1"), "rate_limited");
  assert.equal(pm.received.length, 2);
  assert.match(pm.received[1], /alpha \(%1\) is rate-limited \(resets in/);
  // An error while limited is not reported.
  r.tmux.touch("%1", (p) => p.app!.banner = ["", "  ⎿  API Error: 529 overloaded"]);
  for (let i = 0; i < 3; i++) await r.tick();
  assert.equal(r.state("%1"), "error");
  assert.equal(pm.received.length, 2, "suppressed while rate limited");
  // After the reset the agent gets the resume message.
  r.clock.advance(3_600_000);
  await r.tick();
  assert.deepEqual(alpha.received, ["Carry on, please."]);
});

Deno.test("restartCrashed: respawn -k a registered agent with a shell in front; dead pane without -k", async () => {
  const r = rig({
    restartCrashed: true,
    restartLimits: { minIntervalMs: 60_000, maxPerWindow: 2 },
  });
  team(r);
  const shell = r.tmux.add({
    paneId: "%2",
    role: "agent",
    name: "worker",
    currentCommand: "bash",
    command: "claude --continue 'my project'",
    windowIndex: 2,
  }, { text: ["$ "] });
  const dead = r.tmux.add({
    paneId: "%3",
    role: "agent",
    name: "dead",
    dead: true,
    deadStatus: 1,
    command: "codex",
    windowIndex: 3,
  }, { text: ["Pane is dead"] });
  const noCommand = r.tmux.add({
    paneId: "%4",
    role: "agent",
    name: "nocmd",
    currentCommand: "zsh",
    windowIndex: 4,
  }, { text: ["% "] });
  const result = await r.tick();
  assert.equal(result.actions, 2);
  // Panes are restarted concurrently: compare in pane order.
  const paneOf = (call: readonly string[]) => call[call.indexOf("-t") + 1];
  const respawns = r.tmux.callsOf("respawn-pane").sort((a, b) =>
    paneOf(a).localeCompare(paneOf(b))
  );
  assert.deepEqual(respawns, [
    [
      "respawn-pane",
      "-k",
      "-c",
      "/home/dev/project",
      "-t",
      "%2",
      "--",
      "claude",
      "--continue",
      "my project",
    ],
    ["respawn-pane", "-c", "/home/dev/project", "-t", "%3", "--", "'codex'"],
  ]);
  assert.deepEqual(r.tmux.callsFor("%4").filter((c) => c[0] !== "capture-pane"), []);
  assert.equal(noCommand.keys.length, 0);
  // The restarted agents run again: no longer crashed.
  await r.tick();
  assert.notEqual(r.state("%2"), "crashed");
  // It crashes again at once: throttled (min interval), then allowed, then the window cap holds.
  for (let i = 0; i < 8; i++) {
    shell.record.currentCommand = "bash";
    r.tmux.touch("%2");
    await r.tick();
  }
  assert.equal(r.tmux.callsOf("respawn-pane").filter((c) => c.includes("%2")).length, 2);
  assert.ok(dead.app, "the dead pane was respawned");
});

Deno.test("restartCrashed off: crashed agents are reported, never respawned", async () => {
  const r = rig();
  const { pm } = team(r);
  r.tmux.add({
    paneId: "%2",
    role: "agent",
    name: "worker",
    currentCommand: "bash",
    command: "claude",
    windowIndex: 2,
  });
  for (let i = 0; i < 3; i++) await r.tick();
  assert.deepEqual(r.tmux.callsOf("respawn-pane"), []);
  assert.ok(pm.received.some((m) => /worker \(%2\) crashed: shell in foreground: bash/.test(m)));
});

Deno.test("no tmux server: zero panes, never throws; the server coming back is picked up", async () => {
  const r = rig();
  team(r);
  r.tmux.down = true;
  const down = await r.tick();
  assert.equal(down.tmux, false);
  assert.equal(down.panes, 0);
  assert.equal(down.agents, 0);
  r.tmux.down = false;
  const up = await r.tick();
  assert.equal(up.tmux, true);
  assert.equal(up.agents, 2);
});

Deno.test("a failing capture of one pane does not fail the cycle", async () => {
  const r = rig();
  team(r);
  r.tmux.failCapture.add("%1");
  const result = await r.tick();
  assert.equal(result.agents, 2);
  assert.equal(r.state("%1"), "unknown");
  r.tmux.failCapture.clear();
  for (let i = 0; i < 3; i++) await r.tick();
  assert.equal(r.state("%1"), "idle");
});

Deno.test("a new process under a reused pane id (new tmux server) starts over", async () => {
  const r = rig();
  team(r);
  for (let i = 0; i < 3; i++) await r.tick();
  assert.equal(r.state("%1"), "idle");
  r.tmux.panes.get("%1")!.record.pid += 1000;
  await r.tick();
  assert.equal(r.state("%1"), "unknown", "first look at a new pane");
});

Deno.test("store: transitions and agents in the store; a restarted monitor does not re-notify", async () => {
  const dir = await tempStore();
  const clock = new ManualClock();
  const tmux = new FakeTmux(clock);
  let store = dir.open();
  try {
    const r = rig({}, { store, clock, tmux });
    const { pm } = team(r);
    for (let i = 0; i < 3; i++) await r.tick();
    r.tmux.touch("%1", (p) => p.app!.dialog = true);
    for (let i = 0; i < 4 && pm.received.length < 2; i++) await r.tick(); // the PM is busy a while
    assert.equal(pm.received.length, 2);
    assert.match(pm.received[1], /alpha \(%1\) waits on a prompt/);
    const agents = store.listAgents();
    assert.deepEqual(agents.map((a) => [a.name, a.state, a.role]), [
      ["alpha", "waiting", "agent"],
      ["boss", "idle", "pm"],
    ]);
    const alpha = agents.find((a) => a.name === "alpha")!;
    assert.ok(alpha.lastNotified !== undefined && alpha.lastNotified <= clock.wall());
    assert.ok(store.lastNotified("alpha", "waiting"), "cooldown mark stored");
    const transitions = store.listEvents({ kinds: ["transition"], agent: "alpha" });
    assert.deepEqual(transitions.map((e) => `${e.fromState}→${e.toState}`), [
      "unknown→idle",
      "idle→waiting",
    ]);
    const delivered = store.listEvents({ kinds: ["notification"] }).filter((e) =>
      e.delivery === "delivered"
    );
    assert.equal(delivered.length, 2);
    await r.monitor.close(); // closes the store too

    // "kill -9" and restart: a new Monitor on the same store and tmux.
    store = dir.open();
    const again = rig({}, { store, clock, tmux });
    for (let i = 0; i < 5; i++) await again.tick();
    assert.equal(again.state("%1"), "waiting");
    assert.equal(pm.received.length, 2, "no duplicate after the restart");
    assert.equal(
      store.listEvents({ kinds: ["transition"], agent: "alpha" }).length,
      2,
      "the restored observation continues: no new transition",
    );
    await again.monitor.close();
  } finally {
    try {
      store.close();
    } catch { /* closed */ }
    await dir.cleanup();
  }
});

Deno.test("notify off: states are detected and stored, nobody is messaged", async () => {
  const r = rig({ notify: false });
  const { pm } = team(r);
  for (let i = 0; i < 3; i++) await r.tick();
  assert.equal(r.state("%1"), "idle");
  assert.deepEqual(pm.received, []);
});

Deno.test("captureConcurrency 1 captures sequentially and sees the same states", async () => {
  for (const captureConcurrency of [1, 10]) {
    const r = rig({ captureConcurrency, changeGating: false, notify: false });
    team(r);
    for (let i = 0; i < 3; i++) await r.tick();
    const result = await r.tick();
    assert.equal(result.captured, 2, "gating off: every agent every cycle");
    assert.equal(result.states.idle, 2);
  }
});

Deno.test("unknown: an unrecognised screen is unknown after unknownAfterMs, counted, and told once after notifyUnknownAfterMs", async () => {
  const r = rig({ unknownAfterMs: 30_000, notifyUnknownAfterMs: 20_000 });
  const { pm } = team(r);
  r.tmux.touch("%1", (p) => p.app!.busy = true);
  await r.tick();
  await r.tick();
  assert.equal(r.state("%1"), "active");
  // The CLI draws something its profile does not know (a new version, an unknown dialog).
  r.tmux.touch("%1", (p) => {
    p.app = undefined;
    p.text = ["  A new full-screen view", "  that the profile does not know"];
  });
  const states: string[] = [];
  const told = () => pm.received.filter((m) => m.includes("alpha"));
  let unknownCount = 0;
  for (let i = 0; i < 8; i++) {
    const result = await r.tick();
    states.push(r.state("%1")!);
    unknownCount = result.states.unknown;
    if (i === 3) assert.deepEqual(told(), [], `not told before notifyUnknownAfterMs: ${states}`);
  }
  assert.deepEqual(states, [
    "active",
    "active",
    "unknown",
    "unknown",
    "unknown",
    "unknown",
    "unknown",
    "unknown",
  ]);
  assert.equal(unknownCount, 1, "counted in the cycle's per-state counts");
  assert.equal(r.monitor.observations.get("%1")?.detail, "no input prompt recognised for 30 s");
  assert.deepEqual(told(), [
    "[tmux-orc] alpha (%1) is in an unknown state: no input prompt recognised for 30 s",
  ]);
  // Recognised again, then unknown again later: a new episode is told again (after the cooldown).
  r.tmux.touch("%1", (p) => {
    p.app = new FakeApp();
    p.text = undefined;
  });
  await r.tick();
  assert.notEqual(r.state("%1"), "unknown");
});

Deno.test("auto-detection: a node pane whose command line names a CLI needs no screen signature", async () => {
  const tmux = new FakeTmux(new ManualClock());
  const codex = tmux.add({ paneId: "%6", currentCommand: "node", windowIndex: 1 }, {
    text: ["  a full-screen view with no signature of any CLI"],
  });
  const other = tmux.add({ paneId: "%7", currentCommand: "node", windowIndex: 2 }, {
    text: ["server listening on :3000"],
  });
  const r = rig({}, {
    tmux,
    processes: {
      [codex.record.pid]: { argv: ["node", "/usr/lib/node_modules/@openai/codex/bin/codex.js"] },
      [other.record.pid]: { argv: ["node", "server.js"], package: { name: "my-web-app" } },
    },
  });
  await r.tick();
  await r.tick();
  assert.deepEqual([...r.monitor.observations.keys()], ["%6"]);
  assert.equal(r.monitor.observations.get("%6")?.recognised, false);
  const saved = await r.tick();
  assert.equal(saved.agents, 1);
});

Deno.test("an unrecognised capture is looked at again next cycle, even when the pane did not change", async () => {
  const r = rig();
  team(r);
  const alpha = r.tmux.panes.get("%1")!;
  // The first capture catches a redraw half-way: nothing of the CLI on the screen.
  const app = alpha.app!;
  alpha.app = undefined;
  alpha.text = ["", "  ─────"];
  await r.tick();
  assert.equal(r.state("%1"), "unknown");
  assert.equal(r.monitor.observations.get("%1")?.recognised, false);
  // The redraw completes without anything tmux-orc's change gating would notice.
  alpha.app = app;
  alpha.text = undefined;
  const before = r.tmux.callsFor("%1").filter((c) => c[0] === "capture-pane").length;
  await r.tick();
  const after = r.tmux.callsFor("%1").filter((c) => c[0] === "capture-pane").length;
  assert.equal(after, before + 1, "recaptured although unchanged");
  assert.equal(r.monitor.observations.get("%1")?.recognised, true);
  await r.tick();
  await r.tick();
  assert.equal(r.state("%1"), "idle");
  const quiet = r.tmux.callsFor("%1").filter((c) => c[0] === "capture-pane").length;
  await r.tick();
  assert.equal(
    r.tmux.callsFor("%1").filter((c) => c[0] === "capture-pane").length,
    quiet,
    "a recognised, unchanged pane is not recaptured",
  );
});
