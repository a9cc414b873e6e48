import assert from "node:assert/strict";
import fc from "fast-check";
import {
  combineHook,
  HOOK_ACTIVE_MS,
  HOOK_SLACK_MS,
  hookSignal,
} from "../../src/agents/hook_events.ts";
import { AGENT_STATES, type AgentState, type Observation } from "../../src/agents/types.ts";
import type { HookEvent } from "../../src/hooks/event.ts";
import { ManualClock } from "../../src/util/clock.ts";

function screen(state: AgentState, overrides: Partial<Observation> = {}): Observation {
  return {
    paneId: "%7",
    state,
    since: 0,
    lastChangeMono: 0,
    lastChangeWall: 0,
    screenHash: "h",
    inputText: "",
    detail: `screen ${state}`,
    ...overrides,
  };
}

function hook(event: string, at: number, extra: Partial<HookEvent> = {}): HookEvent {
  return { cli: "claude", event, at, ...extra };
}

Deno.test("hook signals: Claude, Gemini and Codex events", () => {
  const at = 1;
  assert.equal(hookSignal(hook("Notification", at, { type: "permission_prompt" })), "waiting");
  assert.equal(hookSignal(hook("Notification", at, { type: "idle_prompt" })), "idle");
  assert.equal(hookSignal(hook("Notification", at, { type: "auth_success" })), undefined);
  assert.equal(hookSignal(hook("Notification", at)), undefined);
  assert.equal(hookSignal(hook("PermissionRequest", at)), "waiting");
  assert.equal(hookSignal(hook("UserPromptSubmit", at)), "active");
  assert.equal(hookSignal(hook("PreToolUse", at)), "active");
  assert.equal(hookSignal(hook("Stop", at)), "idle");
  assert.equal(hookSignal(hook("StopFailure", at)), "error");
  assert.equal(hookSignal(hook("SessionEnd", at)), "ended");
  assert.equal(hookSignal(hook("SubagentStop", at)), undefined);
  const gemini = { cli: "gemini" as const };
  assert.equal(
    hookSignal(hook("Notification", at, { ...gemini, type: "ToolPermission" })),
    "waiting",
  );
  assert.equal(hookSignal(hook("BeforeTool", at, gemini)), "active");
  assert.equal(hookSignal(hook("AfterAgent", at, gemini)), "idle");
  assert.equal(hookSignal(hook("agent-turn-complete", at, { cli: "codex" })), "idle");
  assert.equal(hookSignal(hook("agent-turn-complete", at, { cli: "" })), "idle");
});

Deno.test("combine: a fresh permission prompt decides before the screen draws it", () => {
  const clock = new ManualClock();
  const t0 = clock.wall();
  const event = hook("Notification", t0, { type: "permission_prompt", message: "needs Bash" });
  clock.advance(300);
  const spinner = screen("active", { lastChangeWall: t0 + 200, since: t0 - 5000 });
  const out = combineHook(spinner, event, { wallNow: clock.wall(), previous: spinner });
  assert.equal(out.observation.state, "waiting");
  assert.equal(out.observation.since, t0);
  assert.equal(out.observation.detail, "hook: Notification permission_prompt: needs Bash");
  assert.equal(out.byHook, true);
  assert.deepEqual(out.contradiction, {
    hook: "waiting",
    event: "Notification permission_prompt",
    at: t0,
    screen: "active",
    screenDetail: "screen active",
    winner: "hook",
  });
  // The prompt stays on a still screen: still waiting a minute later.
  clock.advance(60_000);
  const still = combineHook(spinner, event, { wallNow: clock.wall(), previous: out.observation });
  assert.equal(still.observation.state, "waiting");
  assert.equal(still.observation.since, t0);
  // The screen moved on (the prompt was answered, the agent works): the screen decides.
  const moved = screen("active", { lastChangeWall: t0 + HOOK_SLACK_MS + 1 });
  assert.equal(combineHook(moved, event, { wallNow: clock.wall() }).observation.state, "active");
});

Deno.test("combine: the screen alone tells crashed, rate_limited and stuck_input", () => {
  const t0 = Date.UTC(2026, 0, 1);
  for (const state of ["crashed", "rate_limited", "stuck_input"] as const) {
    for (
      const event of [
        hook("Notification", t0, { type: "permission_prompt" }),
        hook("UserPromptSubmit", t0),
        hook("Stop", t0),
        hook("StopFailure", t0, { type: "rate_limit" }),
      ]
    ) {
      const s = screen(state, { lastChangeWall: t0, resetAt: t0 + 3600_000 });
      const out = combineHook(s, event, { wallNow: t0 + 100 });
      assert.equal(out.observation, s, `${state} ${event.event}`);
      assert.equal(out.contradiction?.winner, "screen");
    }
  }
});

Deno.test("combine: an active hook decides only for a short time; SessionEnd never", () => {
  const t0 = Date.UTC(2026, 0, 1);
  const idle = screen("idle", { lastChangeWall: t0 - 10_000 });
  const submit = hook("UserPromptSubmit", t0);
  assert.equal(combineHook(idle, submit, { wallNow: t0 + 500 }).observation.state, "active");
  assert.equal(
    combineHook(idle, submit, { wallNow: t0 + HOOK_ACTIVE_MS + 1 }).observation.state,
    "idle",
  );
  // An active hook does not hide a prompt the screen shows.
  const prompt = screen("waiting", { lastChangeWall: t0 });
  assert.equal(combineHook(prompt, submit, { wallNow: t0 + 100 }).observation.state, "waiting");
  const end = hook("SessionEnd", t0, { type: "clear" });
  const out = combineHook(idle, end, { wallNow: t0 + 10 });
  assert.equal(out.observation, idle);
  assert.equal(out.contradiction, undefined);
});

Deno.test("combine: Stop turns the spinner's last frame idle; StopFailure is an error", () => {
  const t0 = Date.UTC(2026, 0, 1);
  const lastFrame = screen("active", { lastChangeWall: t0 + 100 });
  assert.equal(
    combineHook(lastFrame, hook("Stop", t0), { wallNow: t0 + 500 }).observation.state,
    "idle",
  );
  const idle = screen("idle", { lastChangeWall: t0 });
  const failure = combineHook(idle, hook("StopFailure", t0, { type: "server_error" }), {
    wallNow: t0 + 500,
  });
  assert.equal(failure.observation.state, "error");
  assert.equal(failure.observation.detail, "hook: StopFailure server_error");
  // A hook from the future (a skewed clock, a forged value) decides nothing.
  const future = hook("Notification", t0 + 3600_000, { type: "permission_prompt" });
  assert.equal(combineHook(idle, future, { wallNow: t0 }).observation, idle);
});

Deno.test("combine: property: agreement changes nothing; screen-only states always win", () => {
  const states = fc.constantFrom(...AGENT_STATES);
  const events = fc.constantFrom(
    hook("Notification", 0, { type: "permission_prompt" }),
    hook("PermissionRequest", 0),
    hook("UserPromptSubmit", 0),
    hook("PostToolUse", 0),
    hook("Stop", 0),
    hook("StopFailure", 0),
    hook("SessionEnd", 0),
    hook("Notification", 0, { type: "idle_prompt" }),
  );
  fc.assert(
    fc.property(states, events, fc.nat(120_000), fc.nat(120_000), (state, base, age, change) => {
      const wallNow = Date.UTC(2026, 0, 1) + 200_000;
      const event = { ...base, at: wallNow - age };
      const s = screen(state, { lastChangeWall: wallNow - change });
      const out = combineHook(s, event, { wallNow });
      const signal = hookSignal(event);
      if (signal === state || signal === "ended") assert.equal(out.observation, s);
      if (["crashed", "rate_limited", "stuck_input"].includes(state)) {
        assert.equal(out.observation, s);
      }
      if (out.byHook) {
        assert.equal(out.observation.state, signal);
        assert.ok(out.observation.since <= wallNow);
        assert.equal(out.contradiction?.winner, "hook");
        assert.equal(out.observation.resetAt, undefined);
      } else assert.equal(out.observation, s);
    }),
    { numRuns: 2000 },
  );
});
