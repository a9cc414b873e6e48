/**
 * The escalation policy (pure, clock as a parameter): direct channels after `min_duration`,
 * escalation after `escalate_after` or at once when the PM cannot receive, `resolved` notices,
 * filters — and properties over random state histories.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { AGENT_STATES, type AgentState } from "../../src/agents/types.ts";
import {
  type AgentView,
  emptyEscalationState,
  type EscalationState,
  noticeId,
  planEscalations,
  type PlannedNotice,
} from "../../src/channels/escalation.ts";
import { defaultPmChannel } from "../../src/channels/parse.ts";
import { globToRegExp } from "../../src/channels/glob.ts";
import { buildRequest } from "../../src/channels/payload.ts";
import { type Channel, DEFAULT_HUMAN_STATES } from "../../src/channels/types.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 3, 0, 0);

function channel(over: Partial<Channel> = {}): Channel {
  return {
    ...defaultPmChannel(),
    name: "ops",
    type: "slack",
    url: "http://127.0.0.1:9/",
    filter: { states: new Set(DEFAULT_HUMAN_STATES), agents: [], sessions: [] },
    resolved: true,
    ...over,
  };
}

function agent(over: Partial<AgentView> = {}): AgentView {
  return {
    key: "backend",
    name: "backend",
    paneId: "%3",
    session: "prod",
    state: "waiting",
    since: T0,
    detail: "Allow edit to main.ts?",
    pmPaneId: "%1",
    pmState: "idle",
    ...over,
  };
}

/** Runs the policy over a list of (time, agents) steps, carrying its state. */
function run(
  channels: Channel[],
  steps: { at: number; agents: AgentView[]; toldAt?: number }[],
  state: EscalationState = emptyEscalationState(),
): { byStep: PlannedNotice[][]; state: EscalationState } {
  const byStep: PlannedNotice[][] = [];
  for (const step of steps) {
    const out = planEscalations({
      nowMs: step.at,
      host: "box1",
      agents: step.agents,
      pmToldAt: () => step.toldAt,
      channels,
      state,
    });
    state = out.state;
    byStep.push(out.notices);
  }
  return { byStep, state };
}

Deno.test("escalation: a direct channel hears after min_duration, once per episode", () => {
  const ops = channel({ minDurationMs: 10 * MIN });
  const { byStep } = run([ops], [
    { at: T0 + 9 * MIN, agents: [agent()] },
    { at: T0 + 10 * MIN, agents: [agent()] },
    { at: T0 + 11 * MIN, agents: [agent()] },
  ]);
  assert.deepEqual(byStep.map((s) => s.length), [0, 1, 0]);
  const notice = byStep[1][0].notice;
  assert.equal(notice.event, "state");
  assert.equal(notice.duration_s, 600);
  assert.equal(notice.since, new Date(T0).toISOString());
  assert.equal(notice.id, noticeId("ops", "backend", { state: "waiting", since: T0 }, "state"));
  assert.match(
    notice.text,
    /^\[tmux-orc\] backend \(%3\) on box1 has been waiting on a prompt for 10m: Allow edit/,
  );
});

Deno.test("escalation: escalate_after counts from when the PM was told, while the PM can receive", () => {
  const ops = channel({ escalateAfterMs: 15 * MIN });
  const told = T0 + 2 * MIN;
  const { byStep } = run([ops], [
    { at: T0 + 16 * MIN, agents: [agent()], toldAt: told },
    { at: T0 + 17 * MIN, agents: [agent()], toldAt: told },
    { at: T0 + 18 * MIN, agents: [agent()], toldAt: told },
  ]);
  assert.deepEqual(byStep.map((s) => s.length), [0, 1, 0]);
  assert.equal(byStep[1][0].notice.event, "escalation");
  assert.match(byStep[1][0].notice.reason, /its PM \(%1\) was told 15m ago and nothing changed/);
  // A mark older than the episode (the PM heard about an earlier one) counts from `since`.
  const old = run([ops], [{ at: T0 + 15 * MIN, agents: [agent()], toldAt: T0 - MIN }]);
  assert.equal(old.byStep[0].length, 1);
  assert.match(old.byStep[0][0].notice.reason, /has not been told in 15m/);
});

Deno.test("escalation: at once when the PM cannot receive (states, gone, no PM)", () => {
  const ops = channel({ escalateAfterMs: 60 * MIN });
  for (
    const pmState of ["waiting", "rate_limited", "crashed", "error", "unknown", "gone"] as const
  ) {
    const { byStep } = run([ops], [{ at: T0 + 1000, agents: [agent({ pmState })] }]);
    assert.equal(byStep[0].length, 1, pmState);
    assert.equal(byStep[0][0].notice.pm_state, pmState);
  }
  for (const pmState of ["idle", "active", "stuck_input"] as const) {
    const { byStep } = run([ops], [{ at: T0 + 1000, agents: [agent({ pmState })] }]);
    assert.equal(byStep[0].length, 0, pmState);
  }
  // No PM: nobody was told, so the clock runs from `since`.
  const orphan = run([ops], [
    { at: T0 + 59 * MIN, agents: [agent({ pmPaneId: undefined })] },
    { at: T0 + 60 * MIN, agents: [agent({ pmPaneId: undefined })] },
  ]);
  assert.deepEqual(orphan.byStep.map((s) => s.length), [0, 1]);
  assert.match(orphan.byStep[1][0].notice.reason, /it has no PM/);
  const idleAlone = run([channel({
    escalateAfterMs: 60 * MIN,
    filter: { states: new Set(["idle"]), agents: [], sessions: [] },
  })], [{
    at: T0 + 120 * MIN,
    agents: [agent({ state: "idle", pmPaneId: undefined })],
  }]);
  assert.equal(idleAlone.byStep[0].length, 0, "idle without a PM is not news");
  const withIdle = channel({
    escalateAfterMs: 60 * MIN,
    filter: { states: new Set(["idle"]), agents: [], sessions: [] },
  });
  const idleLeft = run([withIdle], [{ at: T0 + 60 * MIN, agents: [agent({ state: "idle" })] }]);
  assert.equal(idleLeft.byStep[0].length, 1, "an agent its PM left idle is");
  // min_duration still applies to the PM-cannot-receive case.
  const patient = channel({ escalateAfterMs: 60 * MIN, minDurationMs: 5 * MIN });
  const early = run([patient], [
    { at: T0 + 4 * MIN, agents: [agent({ pmState: "crashed" })] },
    { at: T0 + 5 * MIN, agents: [agent({ pmState: "crashed" })] },
  ]);
  assert.deepEqual(early.byStep.map((s) => s.length), [0, 1]);
});

Deno.test("escalation: a fresh unknown (monitor start) wakes nobody, for an agent or its PM", () => {
  const ops = channel({ escalateAfterMs: 60 * MIN });
  const fresh = { state: "unknown" as const, since: T0 };
  const { byStep } = run([ops], [
    { at: T0 + 1000, agents: [agent({ ...fresh, pmState: "unknown", pmSince: T0 })] },
    { at: T0 + 59_000, agents: [agent({ pmState: "unknown", pmSince: T0 })] },
    { at: T0 + 60_000, agents: [agent({ pmState: "unknown", pmSince: T0 })] },
  ]);
  assert.deepEqual(byStep.map((s) => s.length), [0, 0, 1]);
  const direct = run([channel()], [
    { at: T0 + 59_000, agents: [agent(fresh)] },
    { at: T0 + 60_000, agents: [agent(fresh)] },
  ]);
  assert.deepEqual(direct.byStep.map((s) => s.length), [0, 1]);
});

Deno.test("escalation: resolved when the agent leaves the state or its pane goes", () => {
  const ops = channel();
  const { byStep } = run([ops], [
    { at: T0, agents: [agent(), agent({ key: "tests", name: "tests", paneId: "%7" })] },
    {
      at: T0 + 20 * MIN,
      agents: [agent({ state: "active", since: T0 + 20 * MIN })],
    },
  ]);
  assert.equal(byStep[0].length, 2);
  const resolved = byStep[1].map((p) => p.notice);
  assert.deepEqual(resolved.map((n) => [n.agent, n.event, n.state]), [
    ["backend", "resolved", "waiting"],
    ["tests", "resolved", "waiting"],
  ]);
  assert.match(resolved[0].text, /is no longer waiting on a prompt \(now active, after 20m\)/);
  assert.match(resolved[1].reason, /its pane is gone/);
  const quiet = run([channel({ resolved: false })], [
    { at: T0, agents: [agent()] },
    { at: T0 + MIN, agents: [agent({ state: "active", since: T0 + MIN })] },
  ]);
  assert.deepEqual(quiet.byStep.map((s) => s.length), [1, 0]);
});

Deno.test("escalation: a pane that vanishes, returns and vanishes again is resolved once", () => {
  const both = [agent(), agent({ key: "b", name: "b", paneId: "%9" })];
  const { byStep } = run([channel()], [
    { at: T0, agents: both },
    { at: T0, agents: [both[0]] },
    { at: T0, agents: both },
    { at: T0, agents: [both[0]] },
  ]);
  assert.deepEqual(byStep.map((s) => s.map((p) => `${p.notice.agent}:${p.notice.event}`)), [
    ["backend:state", "b:state"],
    ["b:resolved"],
    [],
    [],
  ]);
});

Deno.test("escalation: more than digest_over notices in one cycle go out as one digest", () => {
  const fleet = (state: AgentState, since: number) =>
    Array.from(
      { length: 12 },
      (_, i) => agent({ key: `a${i}`, name: `a${i}`, paneId: `%${i + 2}`, state, since }),
    );
  const phone = channel({ type: "ntfy", digestOver: 5 });
  const chat = channel({ name: "chat", digestOver: 0 });
  const { byStep } = run([phone, chat], [
    {
      at: T0,
      agents: [...fleet("rate_limited", T0).slice(0, 9), ...fleet("crashed", T0).slice(9)],
    },
    {
      at: T0 + MIN,
      agents: [...fleet("rate_limited", T0).slice(0, 9), ...fleet("crashed", T0).slice(9)],
    },
    { at: T0 + 20 * MIN, agents: fleet("active", T0 + 20 * MIN).slice(0, 3) },
  ]);
  const ofPhone = byStep.map((s) => s.filter((p) => p.channel === "ops"));
  const ofChat = byStep.map((s) => s.filter((p) => p.channel === "chat"));
  assert.deepEqual(ofPhone.map((s) => s.length), [1, 0, 1]);
  assert.deepEqual(ofChat.map((s) => s.length), [12, 0, 12], "digest_over = 0: one by one");
  const digest = ofPhone[0][0].notice;
  assert.equal(digest.event, "digest");
  assert.equal(digest.items?.length, 12);
  assert.equal(digest.state, "rate_limited");
  assert.match(
    digest.text,
    /^\[tmux-orc\] 12 agents on box1 need a human: 9 rate-limited, 3 crashed: a0 \(%2\), .* and 7 more$/,
  );
  assert.match(
    ofPhone[2][0].notice.text,
    /12 agents .*: 9 no longer rate-limited, 3 no longer crashed/,
  );
  const request = buildRequest({ ...phone, url: "http://127.0.0.1:9/t" }, digest);
  assert.equal(request.headers.Title, "tmux-orc: 12 agents need a human");
  assert.equal(request.headers.Priority, "high", "a crashed member makes it urgent");
  // The same members give the same digest id (a restart re-plans them).
  const again = run([phone], [{
    at: T0 + 5 * MIN,
    agents: [...fleet("rate_limited", T0).slice(0, 9), ...fleet("crashed", T0).slice(9)],
  }]);
  assert.equal(again.byStep[0][0].notice.id, digest.id);
});

Deno.test("escalation: filters by state, agent glob and session glob; pm and disabled ignored", () => {
  const views = [
    agent(),
    agent({ key: "web", name: "web-ui", paneId: "%4", session: "staging" }),
    agent({ key: "db", name: "db", paneId: "%5", state: "idle" }),
  ];
  const pick = (c: Channel) =>
    run([c], [{ at: T0, agents: views }]).byStep[0].map((p) => p.notice.agent);
  assert.deepEqual(pick(channel()), ["backend", "web-ui"]);
  assert.deepEqual(
    pick(channel({ filter: { states: new Set(["idle"]), agents: [], sessions: [] } })),
    ["db"],
  );
  assert.deepEqual(
    pick(channel({
      filter: {
        states: new Set(DEFAULT_HUMAN_STATES),
        agents: [globToRegExp("web-*")],
        sessions: [],
      },
    })),
    ["web-ui"],
  );
  assert.deepEqual(
    pick(channel({
      filter: {
        states: new Set(DEFAULT_HUMAN_STATES),
        agents: [],
        sessions: [globToRegExp("pro?")],
      },
    })),
    ["backend"],
  );
  assert.deepEqual(pick(channel({ enabled: false })), []);
  assert.deepEqual(pick(defaultPmChannel()), []);
});

Deno.test("escalation: a restart (empty memory) plans the same ids for an ongoing episode", () => {
  const ops = channel({ minDurationMs: MIN });
  const first = run([ops], [{ at: T0 + MIN, agents: [agent()] }]);
  const again = run([ops], [{ at: T0 + 5 * MIN, agents: [agent()] }]);
  assert.equal(first.byStep[0][0].notice.id, again.byStep[0][0].notice.id);
});

// --- properties -------------------------------------------------------------------------------

const stateArb = fc.constantFrom(...AGENT_STATES);
const pmStateArb = fc.constantFrom<AgentState | "gone">(...AGENT_STATES, "gone");

/** Random histories: per step, time advances and each of two agents may change state. */
const historyArb = fc.array(
  fc.record({
    advance: fc.integer({ min: 0, max: 20 * MIN }),
    a: fc.option(stateArb, { nil: undefined }),
    b: fc.option(stateArb, { nil: undefined }),
    pm: pmStateArb,
    present: fc.boolean(),
    toldDelay: fc.option(fc.integer({ min: 0, max: 30 * MIN }), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 40 },
);

const channelArb = fc.record({
  minDuration: fc.integer({ min: 0, max: 30 * MIN }),
  escalate: fc.option(fc.integer({ min: 0, max: 30 * MIN }), { nil: undefined }),
  resolved: fc.boolean(),
  states: fc.subarray([...AGENT_STATES], { minLength: 1 }),
});

Deno.test("escalation properties: ids unique; due rules hold; resolved follows a told episode", () => {
  fc.assert(
    fc.property(historyArb, channelArb, (history, spec) => {
      const ops = channel({
        minDurationMs: spec.minDuration,
        escalateAfterMs: spec.escalate,
        resolved: spec.resolved,
        filter: { states: new Set(spec.states), agents: [], sessions: [] },
      });
      let now = T0;
      const cur = {
        a: agent({ key: "a", name: "a", paneId: "%2" }),
        b: agent({ key: "b", name: "b", paneId: "%3" }),
      };
      let state = emptyEscalationState();
      const seen = new Set<string>();
      const told = new Set<string>(); // episodes told, by agent key + since
      for (const step of history) {
        now += step.advance;
        for (const k of ["a", "b"] as const) {
          const next = step[k];
          if (next !== undefined && next !== cur[k].state) {
            cur[k] = { ...cur[k], state: next, since: now };
          }
          cur[k] = { ...cur[k], pmState: step.pm };
        }
        const agents = step.present ? [cur.a, cur.b] : [cur.a];
        const toldAt = step.toldDelay === undefined ? undefined : cur.a.since + step.toldDelay;
        const out = planEscalations({
          nowMs: now,
          host: "h",
          agents,
          pmToldAt: (key) =>
            key === "a" && toldAt !== undefined && toldAt <= now ? toldAt : undefined,
          channels: [ops],
          state,
        });
        state = out.state;
        for (const { notice } of out.notices) {
          assert.ok(!seen.has(notice.id), `duplicate id ${notice.id}`);
          seen.add(notice.id);
          const episode = `${notice.agent}@${notice.since}`;
          if (notice.event === "resolved") {
            assert.ok(told.has(episode), "resolved without a notice before it");
            assert.ok(spec.resolved);
            continue;
          }
          told.add(episode);
          const view = agents.find((a) => a.name === notice.agent)!;
          assert.ok(spec.states.includes(view.state));
          assert.ok(now - view.since >= spec.minDuration, "before min_duration");
          if (spec.escalate === undefined) {
            assert.equal(notice.event, "state");
          } else {
            assert.equal(notice.event, "escalation");
            const cannot = view.pmPaneId !== undefined &&
              ["waiting", "rate_limited", "crashed", "error", "unknown", "gone"]
                .includes(view.pmState!);
            if (!cannot) assert.ok(now - view.since >= spec.escalate, "escalated too early");
            if (view.pmPaneId === undefined) assert.notEqual(view.state, "idle");
          }
        }
      }
    }),
    { numRuns: 1000 },
  );
});
