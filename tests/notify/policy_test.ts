import assert from "node:assert/strict";
import type { AgentState } from "../../src/agents/types.ts";
import {
  decideNotifications,
  formatBatch,
  formatSpan,
  type PolicyDecision,
  type PolicyInput,
  type PolicyOptions,
  type PolicyState,
  type Transition,
} from "../../src/notify/policy.ts";

interface DecideResult {
  agent: string;
  state: AgentState;
  result: string;
  reason?: string;
}

const T0 = Date.UTC(2026, 0, 1, 12);
const S = 1000;
const M = 60 * S;

function tr(agentName: string, paneId: string, to: AgentState, extra: Partial<Transition> = {}) {
  return {
    agentKey: agentName,
    agentName,
    paneId,
    pmPaneId: "%1",
    from: "active" as AgentState,
    to,
    ...extra,
  } satisfies Transition;
}

/** Runs cycles, applying marks as a store would; returns each cycle's decision. */
class Sim {
  marks = new Map<string, number>();
  state: PolicyState | undefined;
  options: PolicyOptions;

  constructor(options: PolicyOptions = {}) {
    this.options = options;
  }

  cycle(
    nowMs: number,
    transitions: Transition[],
    busyPms: string[] = [],
  ): PolicyDecision {
    const input: PolicyInput = {
      nowMs,
      transitions,
      busyPms: new Set(busyPms),
      lastNotified: (k, s) => this.marks.get(`${k}/${s}`),
      state: this.state,
    };
    const decision = decideNotifications(input, this.options);
    for (const m of decision.marks) this.marks.set(`${m.agentKey}/${m.state}`, m.atMs);
    this.state = decision.state;
    return decision;
  }
}

function results(d: PolicyDecision): DecideResult[] {
  return d.outcomes.map((o) => ({
    agent: o.notification.agentName,
    state: o.notification.state,
    result: o.result,
    ...(o.reason ? { reason: o.reason } : {}),
  }));
}

Deno.test("one idle agent: one message to its PM and a mark", () => {
  const d = new Sim().cycle(T0, [tr("backend", "%3", "idle")]);
  assert.deepEqual(d.messages.map((m) => [m.pmPaneId, m.text, m.forced]), [
    ["%1", "[tmux-orc] backend (%3) is idle", false],
  ]);
  assert.deepEqual(d.marks, [{ agentKey: "backend", state: "idle", atMs: T0 }]);
  assert.deepEqual(results(d), [{ agent: "backend", state: "idle", result: "sent" }]);
});

Deno.test("several agents of one PM are batched into one message; other PMs get their own", () => {
  const d = new Sim().cycle(T0, [
    tr("backend", "%3", "idle"),
    tr("web", "%9", "crashed", { pmPaneId: "%2", detail: "exit status 1" }),
    tr("tests", "%7", "waiting"),
  ]);
  assert.deepEqual(d.messages.map((m) => [m.pmPaneId, m.text]), [
    [
      "%1",
      "[tmux-orc] 2 agents need attention: backend (%3) is idle; tests (%7) waits on a prompt",
    ],
    ["%2", "[tmux-orc] web (%9) crashed: exit status 1"],
  ]);
});

Deno.test("active and unknown are not notify-worthy", () => {
  const d = new Sim().cycle(T0, [tr("a", "%3", "active"), tr("b", "%4", "unknown")]);
  assert.deepEqual(d.messages, []);
  assert.deepEqual(d.outcomes, []);
});

Deno.test("cooldown: suppressed inside it, sent again once it has passed", () => {
  const sim = new Sim({ cooldownMs: 5 * M });
  sim.cycle(T0, [tr("backend", "%3", "idle")]);
  const inside = sim.cycle(T0 + 5 * M - 1, [tr("backend", "%3", "idle")]);
  assert.deepEqual(results(inside), [
    { agent: "backend", state: "idle", result: "suppressed", reason: "cooldown" },
  ]);
  assert.deepEqual(inside.messages, []);
  const after = sim.cycle(T0 + 5 * M, [tr("backend", "%3", "idle")]);
  assert.equal(after.messages.length, 1);
});

Deno.test("a state entered, left and re-entered inside the cooldown is not re-notified", () => {
  const sim = new Sim();
  assert.equal(sim.cycle(T0, [tr("backend", "%3", "idle")]).messages.length, 1);
  assert.deepEqual(sim.cycle(T0 + 10 * S, [tr("backend", "%3", "active")]).messages, []);
  const again = sim.cycle(T0 + 20 * S, [tr("backend", "%3", "idle")]);
  assert.deepEqual(again.messages, []);
  assert.equal(again.outcomes[0].reason, "cooldown");
  // A different state is a different mark.
  assert.equal(sim.cycle(T0 + 30 * S, [tr("backend", "%3", "waiting")]).messages.length, 1);
});

Deno.test("a mark far in the future (wall clock stepped back) does not block forever", () => {
  const sim = new Sim({ cooldownMs: 5 * M });
  sim.marks.set("backend/idle", T0 + 60 * M);
  assert.equal(sim.cycle(T0, [tr("backend", "%3", "idle")]).messages.length, 1);
  sim.marks.set("tests/idle", T0 + 2 * M);
  assert.equal(sim.cycle(T0, [tr("tests", "%7", "idle")]).messages.length, 0);
});

Deno.test("agents without a PM are suppressed with reason no pm", () => {
  const d = new Sim().cycle(T0, [
    tr("solo", "%5", "idle", { pmPaneId: undefined }),
    tr("empty", "%6", "idle", { pmPaneId: "" }),
  ]);
  assert.deepEqual(d.messages, []);
  assert.deepEqual(d.outcomes.map((o) => [o.result, o.reason]), [
    ["suppressed", "no pm"],
    ["suppressed", "no pm"],
  ]);
  assert.deepEqual(d.marks, []);
});

Deno.test("only the latest state of an agent in a cycle is notified", () => {
  const d = new Sim().cycle(T0, [
    tr("backend", "%3", "idle"),
    tr("backend", "%3", "waiting", { from: "idle" }),
  ]);
  assert.deepEqual(results(d), [
    { agent: "backend", state: "idle", result: "suppressed", reason: "superseded" },
    { agent: "backend", state: "waiting", result: "sent" },
  ]);
  assert.deepEqual(d.messages.map((m) => m.text), ["[tmux-orc] backend (%3) waits on a prompt"]);
});

Deno.test("busy PM: held, then delivered in one message when the PM is free", () => {
  const sim = new Sim();
  const held = sim.cycle(T0, [tr("backend", "%3", "idle")], ["%1"]);
  assert.deepEqual(held.messages, []);
  assert.deepEqual(held.marks, [], "no mark until sent");
  assert.deepEqual(results(held), [{ agent: "backend", state: "idle", result: "held" }]);
  assert.equal(held.state.held[0].heldSince, T0);

  const still = sim.cycle(T0 + 10 * S, [tr("tests", "%7", "waiting")], ["%1"]);
  assert.deepEqual(still.outcomes.map((o) => [o.origin, o.result]), [
    ["held", "held"],
    ["transition", "held"],
  ]);
  assert.deepEqual(still.state.held.map((h) => [h.agentName, h.heldSince]), [
    ["backend", T0],
    ["tests", T0 + 10 * S],
  ]);

  const free = sim.cycle(T0 + 20 * S, []);
  assert.deepEqual(free.messages.map((m) => m.text), [
    "[tmux-orc] 2 agents need attention: backend (%3) is idle; tests (%7) waits on a prompt",
  ]);
  assert.deepEqual(free.state.held, []);
  assert.deepEqual(free.marks.map((m) => [m.agentKey, m.state, m.atMs]), [
    ["backend", "idle", T0 + 20 * S],
    ["tests", "waiting", T0 + 20 * S],
  ]);
});

Deno.test("max hold, deliver mode: everything for the PM is sent, marked forced", () => {
  const sim = new Sim({ maxHoldMs: 120 * S });
  sim.cycle(T0, [tr("backend", "%3", "idle")], ["%1"]);
  const before = sim.cycle(T0 + 119 * S, [tr("tests", "%7", "idle")], ["%1"]);
  assert.deepEqual(before.messages, []);
  const at = sim.cycle(T0 + 120 * S, [], ["%1"]);
  assert.equal(at.messages.length, 1);
  assert.equal(at.messages[0].forced, true);
  assert.deepEqual(at.messages[0].items.map((i) => i.agentName), ["backend", "tests"]);
  assert.deepEqual(at.state.held, []);
});

Deno.test("max hold, fail mode: expired messages fail, younger ones stay held", () => {
  const sim = new Sim({ maxHoldMs: 120 * S, onMaxHold: "fail" });
  sim.cycle(T0, [tr("backend", "%3", "idle")], ["%1"]);
  sim.cycle(T0 + 60 * S, [tr("tests", "%7", "idle")], ["%1"]);
  const at = sim.cycle(T0 + 120 * S, [], ["%1"]);
  assert.deepEqual(at.messages, []);
  assert.deepEqual(results(at), [
    { agent: "backend", state: "idle", result: "failed", reason: "max hold" },
    { agent: "tests", state: "idle", result: "held" },
  ]);
  assert.deepEqual(at.marks, []);
});

Deno.test("a held message about a state the agent has left is dropped as superseded", () => {
  const sim = new Sim();
  sim.cycle(T0, [tr("backend", "%3", "idle")], ["%1"]);
  const d = sim.cycle(T0 + 10 * S, [tr("backend", "%3", "active", { from: "idle" })]);
  assert.deepEqual(results(d), [
    { agent: "backend", state: "idle", result: "suppressed", reason: "superseded" },
  ]);
  assert.deepEqual(d.messages, []);
  assert.deepEqual(d.state.held, []);
});

Deno.test("re-entering a held state keeps the original heldSince (max wait stays bounded)", () => {
  const sim = new Sim({ maxHoldMs: 120 * S });
  sim.cycle(T0, [tr("backend", "%3", "idle")], ["%1"]);
  const d = sim.cycle(T0 + 100 * S, [tr("backend", "%3", "idle", { detail: "again" })], ["%1"]);
  assert.deepEqual(d.state.held.map((h) => [h.detail, h.heldSince]), [["again", T0]]);
  const forced = sim.cycle(T0 + 120 * S, [], ["%1"]);
  assert.equal(forced.messages.length, 1);
  assert.equal(forced.messages[0].forced, true);
});

Deno.test("rate limit: notice sent, agent quiet until reset, then one resume", () => {
  const sim = new Sim({ resumeAfterLimit: true, resumeMessage: "go on\n" });
  const resetAt = T0 + 30 * M;
  const opened = sim.cycle(T0, [tr("backend", "%3", "rate_limited", { resetAt })]);
  assert.deepEqual(opened.messages.map((m) => m.text), [
    "[tmux-orc] backend (%3) is rate-limited (resets in 30m)",
  ]);
  assert.deepEqual(opened.state.limits, [
    { agentKey: "backend", agentName: "backend", paneId: "%3", resetAt },
  ]);

  const quiet = sim.cycle(T0 + 10 * M, [tr("backend", "%3", "idle", { from: "rate_limited" })]);
  assert.deepEqual(results(quiet), [
    { agent: "backend", state: "idle", result: "suppressed", reason: "rate limited" },
  ]);
  assert.deepEqual(quiet.resumes, []);

  const reset = sim.cycle(resetAt, []);
  assert.deepEqual(reset.resumes, [
    { agentKey: "backend", agentName: "backend", paneId: "%3", text: "go on", resetAt },
  ]);
  assert.deepEqual(reset.state.limits, []);
  assert.deepEqual(sim.cycle(resetAt + S, []).resumes, [], "only once");

  const after = sim.cycle(resetAt + 2 * S, [tr("backend", "%3", "waiting", { from: "idle" })]);
  assert.equal(after.messages.length, 1);
});

Deno.test("rate limit without resumeAfterLimit ends silently; active lifts it early", () => {
  const sim = new Sim();
  sim.cycle(T0, [tr("a", "%3", "rate_limited", { resetAt: T0 + 60 * M })]);
  sim.cycle(T0, [tr("b", "%4", "rate_limited", { resetAt: T0 + 60 * M })]);
  const lifted = sim.cycle(T0 + M, [
    tr("a", "%3", "active", { from: "rate_limited" }),
  ]);
  assert.deepEqual(lifted.state.limits.map((l) => l.agentKey), ["b"]);
  const d = sim.cycle(T0 + 2 * M, [tr("a", "%3", "idle")]);
  assert.equal(d.messages.length, 1, "no longer limited");
  const end = sim.cycle(T0 + 60 * M, []);
  assert.deepEqual(end.resumes, []);
  assert.deepEqual(end.state.limits, []);
});

Deno.test("a rate-limit notice held for a busy PM is not swallowed by its own limit", () => {
  const sim = new Sim();
  sim.cycle(T0, [tr("a", "%3", "rate_limited", { resetAt: T0 + 60 * M })], ["%1"]);
  const d = sim.cycle(T0 + M, []);
  assert.deepEqual(d.messages.map((m) => m.text), [
    "[tmux-orc] a (%3) is rate-limited (resets in 59m)",
  ]);
});

Deno.test("no resume for a limit that was renewed or lifted in the reset cycle", () => {
  const sim = new Sim({ resumeAfterLimit: true });
  sim.cycle(T0, [
    tr("a", "%3", "rate_limited", { resetAt: T0 + M }),
    tr("b", "%4", "rate_limited", { resetAt: T0 + M }),
  ]);
  const d = sim.cycle(T0 + M, [
    tr("a", "%3", "rate_limited", { from: "idle", resetAt: T0 + 9 * M }),
    tr("b", "%4", "active", { from: "rate_limited" }),
  ]);
  assert.deepEqual(d.resumes, []);
  assert.deepEqual(d.state.limits.map((l) => [l.agentKey, l.resetAt]), [["a", T0 + 9 * M]]);
});

Deno.test("messages are one line without control characters or a trailing semicolon", () => {
  const text = formatBatch([
    {
      agentKey: "x",
      agentName: "evil\nname\u001b[31m",
      paneId: "%3",
      state: "error",
      detail: "line one\r\nline two;",
      enteredAt: T0,
    },
  ], { nowMs: T0 });
  assert.equal(text, "[tmux-orc] evil name [31m (%3) hit an error: line one line two");
  const long = formatBatch([
    {
      agentKey: "x",
      agentName: "a",
      paneId: "%3",
      state: "crashed",
      detail: "y".repeat(200),
      enteredAt: T0,
    },
  ], { nowMs: T0, prefix: "[orc]" });
  assert.ok(long.startsWith("[orc] a (%3) crashed: yyy"));
  assert.ok(long.endsWith("…"));
  assert.ok(long.length < 120, `${long.length} chars`);
});

Deno.test("formatSpan", () => {
  assert.deepEqual(
    [0, 999, 45 * S, 60 * S, 61 * S, 60 * M, 125 * M, 24 * 60 * M, 26 * 60 * M].map(formatSpan),
    ["0s", "1s", "45s", "1m", "2m", "1h", "2h5m", "1d", "1d2h"],
  );
});

Deno.test("the input state is not modified and the output state is plain JSON", () => {
  const sim = new Sim();
  sim.cycle(T0, [tr("a", "%3", "idle"), tr("r", "%4", "rate_limited", { resetAt: T0 + M })], [
    "%1",
  ]);
  const before = structuredClone(sim.state);
  const frozen = JSON.parse(JSON.stringify(sim.state)) as PolicyState;
  const d = decideNotifications({
    nowMs: T0 + S,
    transitions: [],
    lastNotified: () => undefined,
    state: frozen,
  });
  assert.deepEqual(frozen, before);
  assert.deepEqual(JSON.parse(JSON.stringify(d.state)), d.state);
});

function heldItem(agentName: string, state: AgentState, heldSince: number) {
  return {
    agentKey: agentName,
    agentName,
    paneId: "%3",
    pmPaneId: "%1",
    state,
    detail: "",
    enteredAt: heldSince,
    heldSince,
  };
}

Deno.test("persisted state from elsewhere: held messages are re-checked against marks and limits", () => {
  const now = T0 + 10 * M;
  const d = decideNotifications({
    nowMs: now,
    transitions: [],
    // Another writer marked "a idle" a minute ago.
    lastNotified: (k, s) => k === "a" && s === "idle" ? now - M : undefined,
    state: {
      held: [
        heldItem("a", "idle", T0),
        heldItem("b", "idle", T0),
        heldItem("b", "waiting", T0 + M), // two for one agent: only the last counts
        heldItem("c", "crashed", T0),
        heldItem("c", "rate_limited", T0), // c's own limit notice still goes out
      ],
      limits: [{ agentKey: "c", agentName: "c", paneId: "%3", resetAt: now + M }],
    },
  });
  assert.deepEqual(results(d), [
    { agent: "a", state: "idle", result: "suppressed", reason: "cooldown" },
    { agent: "b", state: "idle", result: "suppressed", reason: "superseded" },
    { agent: "b", state: "waiting", result: "sent" },
    { agent: "c", state: "crashed", result: "suppressed", reason: "superseded" },
    { agent: "c", state: "rate_limited", result: "sent" },
  ]);
  const limited = decideNotifications({
    nowMs: now,
    transitions: [],
    lastNotified: () => undefined,
    state: {
      held: [heldItem("c", "crashed", T0)],
      limits: [{ agentKey: "c", agentName: "c", paneId: "%3", resetAt: now + M }],
    },
  });
  assert.deepEqual(results(limited), [
    { agent: "c", state: "crashed", result: "suppressed", reason: "rate limited" },
  ]);
});
