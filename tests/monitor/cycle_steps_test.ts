/**
 * The steps of a monitor cycle, each on its own: the actions as data (pure), capture gating
 * (pure), the pane jobs' ordering, the journal against a real SQLite store, and the memory of
 * panes across cycles.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { loadProfiles } from "../../src/agents/profiles.ts";
import type { AgentState, Observation } from "../../src/agents/types.ts";
import { decideActions, transitionOf, unknownNotice } from "../../src/monitor/actions.ts";
import { needsCapture } from "../../src/monitor/capture.ts";
import { Journal } from "../../src/monitor/journal.ts";
import { PaneMemories } from "../../src/monitor/memory.ts";
import { runPaneJobs } from "../../src/monitor/pane_jobs.ts";
import { ProcessHints } from "../../src/monitor/process_hints.ts";
import type { AgentPane } from "../../src/monitor/registry.ts";
import { WriteQueue } from "../../src/monitor/write_queue.ts";
import { emptyPolicyState } from "../../src/notify/policy.ts";
import { openStore } from "../../src/store/store.ts";
import { paneChangeKey } from "../../src/tmux/panes.ts";
import { paneRecord } from "./fake_tmux.ts";

const profiles = loadProfiles();
const logger = getLogger(["tmux-orc", "test"]);

function agent(overrides: Partial<AgentPane> = {}, pane: Parameters<typeof paneRecord>[0] = {}) {
  const record = paneRecord({ paneId: "%1", currentCommand: "claude", ...pane });
  return {
    pane: record,
    role: "agent",
    source: "registered",
    profile: profiles.get("claude")!,
    name: "alice",
    key: "alice",
    target: "s:0.1",
    pmPaneId: "%0",
    ...overrides,
  } satisfies AgentPane;
}

function observation(state: AgentState, extra: Partial<Observation> = {}): Observation {
  return {
    paneId: "%1",
    state,
    since: 1_000,
    lastChangeMono: 0,
    lastChangeWall: 0,
    screenHash: "h",
    inputText: "",
    detail: state,
    ...extra,
  };
}

const OPTIONS = { submitStuck: true, restartCrashed: true, notifyUnknownAfterMs: 60_000 };
const allow = () => ({ ok: true }) as const;

Deno.test("actions: a transition is the change of state, with the agent's PM", () => {
  const t = transitionOf(agent(), "active", observation("idle"));
  assert.deepEqual(t && [t.from, t.to, t.pmPaneId, t.agentKey, t.at], [
    "active",
    "idle",
    "%0",
    "alice",
    1_000,
  ]);
  assert.equal(transitionOf(agent(), "idle", observation("idle")), undefined);
  assert.equal(transitionOf(agent(), undefined, observation("unknown")), undefined);
});

Deno.test("actions: stuck input gets Enter once, then the PM is told once, then nothing", () => {
  const a = agent();
  const stuck = observation("stuck_input", { inputText: "run the tests" });
  const transition = transitionOf(a, "idle", stuck);
  const first = decideActions(
    { agent: a, observation: stuck, transition, memory: {}, restartCheck: allow, wallNow: 2_000 },
    OPTIONS,
  );
  assert.deepEqual(first.actions.map((x) => x.kind), ["submit_stuck"]);
  assert.equal(first.notices.length, 0, "the PM is not told before Enter was tried");
  assert.equal(first.confirm, true);
  assert.deepEqual(first.memory.stuck, { text: "run the tests", entered: true, told: false });
  const second = decideActions(
    {
      agent: a,
      observation: stuck,
      transition: undefined,
      memory: first.memory,
      restartCheck: allow,
      wallNow: 12_000,
    },
    OPTIONS,
  );
  assert.deepEqual(second.actions, []);
  assert.deepEqual(second.notices.map((n) => [n.from, n.to, n.detail]), [
    ["stuck_input", "stuck_input", "still stuck after pressing Enter"],
  ]);
  const third = decideActions(
    {
      agent: a,
      observation: stuck,
      transition: undefined,
      memory: second.memory,
      restartCheck: allow,
      wallNow: 22_000,
    },
    OPTIONS,
  );
  assert.deepEqual([third.actions, third.notices], [[], []]);
  // New text is a new episode; leaving the state ends it.
  const other = decideActions({
    agent: a,
    observation: observation("stuck_input", { inputText: "other" }),
    transition: undefined,
    memory: third.memory,
    restartCheck: allow,
    wallNow: 32_000,
  }, OPTIONS);
  assert.deepEqual(other.actions.map((x) => x.kind), ["submit_stuck"]);
  const idle = decideActions({
    agent: a,
    observation: observation("idle"),
    transition: undefined,
    memory: other.memory,
    restartCheck: allow,
    wallNow: 42_000,
  }, OPTIONS);
  assert.equal(idle.memory.stuck, undefined);
});

Deno.test("actions: without submitStuck the transition goes to the PM; a PM is never pressed", () => {
  const a = agent();
  const stuck = observation("stuck_input", { inputText: "x" });
  const t = transitionOf(a, "idle", stuck);
  const off = decideActions(
    { agent: a, observation: stuck, transition: t, memory: {}, restartCheck: allow, wallNow: 0 },
    { ...OPTIONS, submitStuck: false },
  );
  assert.deepEqual([off.actions, off.notices.map((n) => n.to)], [[], ["stuck_input"]]);
  const pm = agent({ role: "pm", pmPaneId: undefined });
  const onPm = decideActions(
    { agent: pm, observation: stuck, transition: t, memory: {}, restartCheck: allow, wallNow: 0 },
    OPTIONS,
  );
  assert.deepEqual([onPm.actions, onPm.notices], [[], []]);
});

Deno.test("actions: a crashed registered agent with a command is restarted, or the refusal noted once", () => {
  const a = agent({}, { command: "claude --resume", currentCommand: "bash" });
  const crashed = observation("crashed");
  const t = transitionOf(a, "idle", crashed);
  const ok = decideActions(
    { agent: a, observation: crashed, transition: t, memory: {}, restartCheck: allow, wallNow: 0 },
    OPTIONS,
  );
  assert.deepEqual(ok.actions.map((x) => x.kind), ["restart"]);
  assert.equal(ok.confirm, true);
  const refuse = () => ({ ok: false, reason: "3 restarts in 10 min" }) as const;
  const refused = decideActions(
    { agent: a, observation: crashed, transition: t, memory: {}, restartCheck: refuse, wallNow: 0 },
    OPTIONS,
  );
  assert.deepEqual(refused.actions.map((x) => x.kind === "restart_refused" && x.reason), [
    "3 restarts in 10 min",
  ]);
  const later = decideActions({
    agent: a,
    observation: crashed,
    transition: undefined,
    memory: {},
    restartCheck: refuse,
    wallNow: 0,
  }, OPTIONS);
  assert.deepEqual(later.actions, [], "refused once, at the transition");
  let asked = 0;
  const detected = agent({ source: "detected" }, { command: "claude" });
  decideActions({
    agent: detected,
    observation: crashed,
    transition: t,
    memory: {},
    restartCheck: () => (asked++, { ok: true }),
    wallNow: 0,
  }, OPTIONS);
  assert.equal(asked, 0, "a detected agent is never restarted, nor is the throttle asked");
});

Deno.test("actions: unknown for notifyUnknownAfterMs tells the PM once per episode", () => {
  const a = agent();
  const unknown = observation("unknown", { since: 0 });
  assert.deepEqual(unknownNotice(a, unknown, undefined, 59_999, OPTIONS), { told: undefined });
  const due = unknownNotice(a, unknown, undefined, 60_000, OPTIONS);
  assert.equal(due.told, true);
  assert.deepEqual(due.notice && [due.notice.from, due.notice.to, due.notice.notify], [
    "unknown",
    "unknown",
    true,
  ]);
  assert.deepEqual(unknownNotice(a, unknown, true, 90_000, OPTIONS), { told: true });
  assert.deepEqual(unknownNotice(a, observation("idle"), true, 90_000, OPTIONS), {
    told: undefined,
  });
  const pm = agent({ role: "pm" });
  assert.equal(unknownNotice(pm, unknown, undefined, 90_000, OPTIONS).notice, undefined);
});

Deno.test("capture gating: dead and shell panes never; new, confirming or stale panes always", () => {
  const options = { changeGating: true, maxCaptureAgeMs: 60_000, monoNow: 100_000 };
  const a = agent();
  const mark = { key: paneChangeKey(a.pane), capturedAtMs: (a.pane.windowActivity + 5) * 1000 };
  const seen = { capture: mark, capturedAtMono: 90_000, confirm: false, screenHash: "h" };
  assert.equal(needsCapture(agent({}, { dead: true }), undefined, options), false);
  assert.equal(needsCapture(agent({}, { currentCommand: "bash" }), undefined, options), false);
  assert.equal(needsCapture(a, undefined, options), true, "first look");
  assert.equal(needsCapture(a, seen, options), false, "unchanged and captured 10 s ago");
  const scrolled = agent({}, { historySize: a.pane.historySize + 1 });
  assert.equal(needsCapture(scrolled, seen, options), true, "new output");
  assert.equal(needsCapture(a, { ...seen, confirm: true }, options), true, "after an action");
  assert.equal(needsCapture(a, { ...seen, screenHash: "" }, options), true, "never captured");
  assert.equal(needsCapture(a, seen, { ...options, changeGating: false }), true, "no gating");
  assert.equal(
    needsCapture(a, { ...seen, capturedAtMono: 40_000 }, options),
    true,
    "older than maxCaptureAgeMs",
  );
});

Deno.test("pane jobs: in order within a pane, concurrent across panes, a failure stops nothing", async () => {
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  await runPaneJobs([
    { paneId: "%1", run: async () => (await gate, log.push("1a")) as unknown as void },
    {
      paneId: "%1",
      run: () => {
        log.push("1b");
        throw new Error("boom");
      },
    },
    { paneId: "%1", run: () => Promise.resolve(void log.push("1c")) },
    { paneId: "%2", run: () => Promise.resolve(void (log.push("2a"), release())) },
  ], logger);
  assert.deepEqual(log, ["2a", "1a", "1b", "1c"]);
});

Deno.test("journal: a cycle's state in one transaction, outcomes after, nothing twice", async () => {
  const dir = await Deno.makeTempDir();
  const store = openStore(join(dir, "history.db"));
  const journal = new Journal(new WriteQueue(store, { logger }), logger);
  try {
    journal.commitCycle([(s) =>
      s.recordTransition({
        ts: 1_000,
        agent: "alice",
        paneId: "%1",
        from: "active",
        to: "idle",
        detail: "prompt",
      })], {
      agents: [{
        paneId: "%1",
        name: "alice",
        target: "s:0.1",
        profile: "claude",
        role: "agent",
        state: "idle",
        since: 1_000,
        detail: "prompt",
      }],
      nowMs: 1_000,
      savedJson: '{"version":1}',
    });
    assert.equal(journal.savedState(), '{"version":1}');
    assert.deepEqual(store.listAgents().map((a) => [a.paneId, a.state]), [["%1", "idle"]]);
    journal.commitOutcomes([
      (s) => s.recordEvent({ ts: 2_000, kind: "action", paneId: "%1", detail: "pressed Enter" }),
    ], '{"version":1}');
    const kinds = store.listEvents().map((e) => e.kind).sort();
    assert.deepEqual(kinds, ["action", "transition"]);
    journal.markAllGone(3_000);
    assert.deepEqual(store.listAgents().length, 0, "gone agents are not listed");
    assert.equal(journal.queued, 0);
  } finally {
    journal.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("journal: without a store nothing happens and nothing throws", () => {
  const journal = new Journal(undefined, logger);
  journal.commitCycle([], { agents: [], nowMs: 0, savedJson: "{}" });
  journal.commitOutcomes([], "{}");
  journal.prune(0, 0);
  assert.equal(journal.savedState(), undefined);
  assert.equal(journal.lastNotified("alice", "idle"), undefined);
  assert.equal(journal.enabled, false);
});

Deno.test("memory: panes that vanish or change process are forgotten, unless respawned", () => {
  const memory = new PaneMemories();
  const remember = (paneId: string, pid: number) =>
    memory.panes.set(paneId, { pid, observation: observation("idle", { paneId }), confirm: false });
  remember("%1", 10);
  remember("%2", 20);
  remember("%3", 30);
  memory.respawned.add("%3");
  const forgotten: string[] = [];
  memory.forgetVanished([
    paneRecord({ paneId: "%2", pid: 21 }),
    paneRecord({ paneId: "%3", pid: 31 }),
  ], (id) => forgotten.push(id));
  assert.deepEqual(forgotten, ["%1", "%2"]);
  assert.deepEqual([...memory.panes.keys()], ["%3"]);
  const saved = memory.snapshot(emptyPolicyState());
  const again = new PaneMemories();
  again.restore(saved, { monoNow: 0, wallNow: 0 });
  assert.deepEqual([...again.panes.keys()], ["%3"]);
  assert.equal(again.panes.get("%3")!.confirm, true, "a restored pane is confirmed by a capture");
});

Deno.test("process hints: read once per pane process and command, dropped when gone", async () => {
  let reads = 0;
  const hints = new ProcessHints((pid) => {
    reads++;
    return Promise.resolve(pid === 7 ? { argv: ["node", "/x/codex.js"] } : undefined);
  });
  const panes = [
    paneRecord({ paneId: "%1", pid: 7, currentCommand: "node" }),
    paneRecord({ paneId: "%2", pid: 8, currentCommand: "node" }),
    paneRecord({ paneId: "%3", pid: 9, currentCommand: "claude" }),
  ];
  const first = await hints.forPanes(panes, profiles, new Map());
  assert.deepEqual([...first.keys()], ["%1"]);
  await hints.forPanes(panes, profiles, new Map());
  assert.equal(reads, 2, "cached: the claude pane is never read, the node panes once each");
  await hints.forPanes([panes[0]], profiles, new Map());
  await hints.forPanes(panes, profiles, new Map());
  assert.equal(reads, 3, "the dropped pane is read again");
});
