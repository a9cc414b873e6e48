import assert from "node:assert/strict";
import fc from "fast-check";
import { AGENT_STATES, type AgentState, NOTIFY_STATES } from "../../src/agents/types.ts";
import {
  decideNotifications,
  formatBatch,
  type HeldNotification,
  type PolicyOptions,
  type PolicyState,
  type Transition,
} from "../../src/notify/policy.ts";

const AGENTS = ["a", "b", "c", "d"] as const;
const PMS = ["%1", "%2"] as const;
const T0 = Date.UTC(2026, 0, 1);

interface CycleSpec {
  dtMs: number;
  transitions: { agent: number; to: AgentState; resetInMs?: number; pmChange?: number }[];
  busy: boolean[];
}

const optionsArb = fc.record({
  cooldownMs: fc.integer({ min: 1, max: 600_000 }),
  maxHoldMs: fc.integer({ min: 0, max: 300_000 }),
  onMaxHold: fc.constantFrom("deliver" as const, "fail" as const),
  resumeAfterLimit: fc.boolean(),
});

const cycleArb: fc.Arbitrary<CycleSpec> = fc.record({
  dtMs: fc.oneof(
    fc.integer({ min: 0, max: 5_000 }),
    fc.integer({ min: 0, max: 200_000 }),
    fc.integer({ min: 0, max: 900_000 }),
  ),
  transitions: fc.array(
    fc.record(
      {
        agent: fc.integer({ min: 0, max: AGENTS.length - 1 }),
        to: fc.constantFrom(...AGENT_STATES),
        resetInMs: fc.integer({ min: -60_000, max: 1_200_000 }),
        pmChange: fc.integer({ min: 0, max: 9 }),
      },
      { requiredKeys: ["agent", "to"] },
    ),
    { maxLength: 6 },
  ),
  busy: fc.tuple(fc.boolean(), fc.boolean()),
});

/** Each agent's PM: a PM pane or none. */
const pmsArb = fc.tuple(
  ...AGENTS.map(() => fc.constantFrom<string | undefined>("%1", "%2", undefined)),
);

function markKey(agentKey: string, state: AgentState) {
  return `${agentKey}/${state}`;
}

/** Runs a scenario and checks every invariant on every cycle. */
function runScenario(
  options: PolicyOptions & { cooldownMs: number; maxHoldMs: number },
  pmOf: (string | undefined)[],
  cycles: CycleSpec[],
): void {
  const marks = new Map<string, number>();
  const lastSent = new Map<string, number>();
  const currentState = new Map<string, AgentState>();
  const resumed = new Set<string>();
  let state: PolicyState = { held: [], limits: [] };
  let now = T0;

  for (const cycle of cycles) {
    now += cycle.dtMs;
    const busyPms = new Set<string>(PMS.filter((_, i) => cycle.busy[i]));
    const transitions: Transition[] = cycle.transitions.map((t) => {
      const agentKey = AGENTS[t.agent];
      // Now and then an agent's PM changes (or it loses it).
      if (t.pmChange === 0) pmOf[t.agent] = pmOf[t.agent] === "%1" ? "%2" : undefined;
      const transition: Transition = {
        agentKey,
        agentName: `agent-${agentKey}`,
        paneId: `%${10 + t.agent}`,
        from: currentState.get(agentKey) ?? "unknown",
        to: t.to,
        detail: `went ${t.to}`,
      };
      if (pmOf[t.agent] !== undefined) transition.pmPaneId = pmOf[t.agent];
      if (t.to === "rate_limited" && t.resetInMs !== undefined) {
        transition.resetAt = now + t.resetInMs;
      }
      currentState.set(agentKey, t.to);
      return transition;
    });
    const inputHeld: readonly HeldNotification[] = state.held;
    const inputLimits = state.limits;

    const decision = decideNotifications({
      nowMs: now,
      transitions,
      busyPms,
      lastNotified: (k, s) => marks.get(markKey(k, s)),
      state,
    }, options);

    // Every notify-worthy transition and every held message ends as exactly one outcome.
    const worthy = transitions.filter((t) => NOTIFY_STATES.has(t.to));
    assert.equal(decision.outcomes.length, worthy.length + inputHeld.length);
    for (const t of transitions) {
      const own = decision.outcomes.filter((o) => o.transition === t);
      assert.equal(own.length, NOTIFY_STATES.has(t.to) ? 1 : 0);
      if (own.length === 1) {
        assert.ok(["sent", "suppressed", "held", "failed"].includes(own[0].result));
        if (own[0].result === "failed") assert.equal(options.onMaxHold, "fail");
      }
    }
    for (const h of inputHeld) {
      assert.equal(decision.outcomes.filter((o) => o.held === h).length, 1);
    }
    for (const o of decision.outcomes) {
      assert.equal(o.result === "suppressed" || o.result === "failed", o.reason !== undefined);
      if (o.reason === "no pm") assert.equal(o.notification.pmPaneId, undefined);
    }

    // At most one message per PM per cycle; each names every agent it carries.
    const pms = decision.messages.map((m) => m.pmPaneId);
    assert.equal(new Set(pms).size, pms.length, "one message per PM");
    const sent = decision.outcomes.filter((o) => o.result === "sent");
    const items = decision.messages.flatMap((m) => m.items);
    assert.equal(items.length, sent.length);
    for (const o of sent) assert.ok(items.includes(o.notification));
    for (const m of decision.messages) {
      assert.ok(m.items.length > 0);
      assert.ok(!m.text.includes("\n"));
      assert.equal(m.text, formatBatch(m.items, { nowMs: now }));
      for (const item of m.items) {
        assert.equal(item.pmPaneId, m.pmPaneId);
        assert.ok(m.text.includes(`${item.agentName} (${item.paneId})`));
      }
      // A busy PM only gets a message when something waited the maximum.
      assert.equal(m.forced, busyPms.has(m.pmPaneId));
      if (m.forced) assert.equal(options.onMaxHold, "deliver");
    }

    // Never two notifications for the same (agent, state) inside the cooldown.
    for (const item of items) {
      const key = markKey(item.agentKey, item.state);
      const previous = lastSent.get(key);
      if (previous !== undefined) {
        assert.ok(
          now - previous >= options.cooldownMs,
          `${key} sent at ${previous} and again ${now - previous} ms later`,
        );
      }
      lastSent.set(key, now);
    }
    assert.equal(new Set(items.map((i) => markKey(i.agentKey, i.state))).size, items.length);

    // Marks: exactly one per sent notification, at now.
    assert.deepEqual(
      decision.marks.map((m) => [m.agentKey, m.state, m.atMs]),
      items.map((i) => [i.agentKey, i.state, now]),
    );
    for (const m of decision.marks) marks.set(markKey(m.agentKey, m.state), m.atMs);

    // No notification about a rate-limited agent before its reset, except its own notice.
    for (const limit of inputLimits) {
      if (now >= limit.resetAt) continue;
      const lifted = transitions.some((t) => t.agentKey === limit.agentKey && t.to === "active");
      if (lifted) continue;
      for (const o of sent) {
        if (o.notification.agentKey !== limit.agentKey) continue;
        assert.equal(o.origin, "held");
        assert.equal(o.notification.state, "rate_limited");
      }
    }

    // Resumes: once per limit, only after its reset, only when asked for.
    for (const r of decision.resumes) {
      assert.ok(options.resumeAfterLimit);
      assert.ok(now >= r.resetAt);
      const key = `${r.agentKey}@${r.resetAt}`;
      assert.ok(!resumed.has(key), `resumed ${key} twice`);
      resumed.add(key);
      assert.ok(inputLimits.some((l) => l.agentKey === r.agentKey && l.resetAt === r.resetAt));
    }
    for (const limit of decision.state.limits) assert.ok(limit.resetAt > now);

    // The held queue: what was held, at most one per agent, never past the max wait (deliver).
    const heldOutcomes = decision.outcomes.filter((o) => o.result === "held");
    assert.equal(decision.state.held.length, heldOutcomes.length);
    const heldAgents = decision.state.held.map((h) => h.agentKey);
    assert.equal(new Set(heldAgents).size, heldAgents.length);
    for (const h of decision.state.held) {
      assert.ok(busyPms.has(h.pmPaneId), "only busy PMs have held messages");
      assert.ok(h.heldSince <= now);
      if (options.onMaxHold === "deliver") assert.ok(now - h.heldSince < options.maxHoldMs);
    }

    // Persisted between cycles as JSON, as the monitor would.
    state = JSON.parse(JSON.stringify(decision.state));
  }
}

Deno.test("policy invariants hold for any sequence of transitions, times and busy PMs", () => {
  fc.assert(
    fc.property(
      optionsArb,
      pmsArb,
      fc.array(cycleArb, { minLength: 1, maxLength: 40 }),
      (options, pms, cycles) => runScenario(options, [...pms], cycles),
    ),
    { numRuns: 500 },
  );
});

Deno.test("policy invariants hold with the default options", () => {
  fc.assert(
    fc.property(
      pmsArb,
      fc.array(cycleArb, { minLength: 1, maxLength: 60 }),
      (pms, cycles) =>
        runScenario(
          { cooldownMs: 300_000, maxHoldMs: 120_000, onMaxHold: "deliver" },
          [...pms],
          cycles,
        ),
    ),
    { numRuns: 300 },
  );
});

Deno.test("a notify-worthy transition to a free PM outside any cooldown or limit is sent", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...NOTIFY_STATES),
      fc.integer({ min: 1, max: 600_000 }),
      fc.option(fc.integer({ min: 0, max: 10_000_000 })),
      (to, cooldownMs, markAgo) => {
        const now = T0 + 10_000_000;
        const mark = markAgo === null ? undefined : now - markAgo;
        const decision = decideNotifications({
          nowMs: now,
          transitions: [{
            agentKey: "a",
            agentName: "a",
            paneId: "%3",
            pmPaneId: "%1",
            from: "active",
            to,
          }],
          lastNotified: () => mark,
        }, { cooldownMs });
        const expectSent = mark === undefined || now - mark >= cooldownMs;
        assert.equal(decision.messages.length, expectSent ? 1 : 0);
        assert.equal(decision.outcomes[0].result, expectSent ? "sent" : "suppressed");
      },
    ),
  );
});
