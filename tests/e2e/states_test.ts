/**
 * End to end, real processes on a private tmux server: a PM and seven fake agents registered with
 * `agent register`, the real monitor (`--interval 0.3 --idle-after 1`). Every state shows in
 * `agents --json` within two cycles of the agent entering it (measured and printed), the PM gets
 * one message per event, stuck input gets one Enter, and a monitor killed with SIGKILL and
 * restarted inside the cooldown sends no duplicate.
 */
import assert from "node:assert/strict";
import { signal, waitFor } from "../helpers/mod.ts";
import { type AgentJson, type FakeAgent, Team } from "./team.ts";

const INTERVAL_MS = 300;
const IDLE_AFTER_MS = 1000;

function resetLabel(hoursAhead: number): string {
  const h = (new Date().getUTCHours() + hoursAhead) % 24;
  return `${h % 12 || 12}${h < 12 ? "am" : "pm"} (UTC)`;
}

Deno.test("e2e: every state within two cycles; one PM message per event; no duplicate after kill -9", async () => {
  const team = await Team.create();
  try {
    const pm = await team.agent({ window: "pm", busyMs: 150 });
    await team.register(pm.paneId, ["--role", "pm", "--name", "pm", "--profile", "claude"]);
    const names = ["idler", "worker", "asker", "stuck", "limited", "broken", "crasher"] as const;
    const agents = {} as Record<typeof names[number], FakeAgent>;
    for (const name of names) {
      agents[name] = await team.agent({ window: name });
      await team.register(agents[name].paneId, ["--name", name, "--profile", "claude"]);
    }
    await agents.idler.command({ state: "active" });

    let monitor = team.startMonitor();
    const byName = (list: AgentJson[]) => Object.fromEntries(list.map((a) => [a.name, a]));
    // Steady state first: every agent idle at its prompt except the busy "idler".
    await waitFor(async () => {
      const list = byName(await team.agents());
      return names.every((n) => list[n]?.state === (n === "idler" ? "active" : "idle")) &&
        list.pm?.state === "idle";
    }, { timeoutMs: 20_000, everyMs: 100, what: "the steady state" });

    // Enter the states all at once and measure when `agents --json` shows each.
    const expected: Record<string, string> = {
      idler: "idle",
      worker: "active",
      asker: "waiting",
      stuck: "stuck_input",
      limited: "rate_limited",
      broken: "error",
      crasher: "crashed",
    };
    const t0 = performance.now();
    const t0Wall = Date.now();
    await Promise.all([
      agents.idler.command({ state: "idle" }),
      agents.worker.command({ state: "active" }),
      agents.asker.command({ state: "waiting" }),
      agents.stuck.command({ swallowEnter: 5 }).then(() =>
        agents.stuck.command({ state: "stuck", text: "please run the migration" })
      ),
      agents.limited.command({ state: "rate_limited", resets: resetLabel(3) }),
      agents.broken.command({ state: "error" }),
      agents.crasher.command({ exit: 1 }),
    ]);
    const latency: Record<string, number> = {};
    let final: Record<string, AgentJson> = {};
    await waitFor(async () => {
      const list = byName(await team.agents());
      const now = performance.now() - t0;
      for (const [name, state] of Object.entries(expected)) {
        if (latency[state] === undefined && list[name]?.state === state) latency[state] = now;
      }
      final = list;
      return Object.keys(latency).length === names.length;
    }, { timeoutMs: 15_000, everyMs: 100, what: "every state" });
    // `since` is when the monitor's cycle classified the agent: the detection latency proper.
    const detected = Object.fromEntries(
      Object.entries(expected).map((
        [name, state],
      ) => [state, Date.parse(final[name].since) - t0Wall]),
    );
    console.log(
      "    latency from the control command (interval 0.3 s, idle-after 1 s): " +
        "detected by the monitor / visible in agents --json\n" +
        Object.entries(latency).map(([s, ms]) =>
          `      ${s.padEnd(13)} ${String(Math.round(detected[s])).padStart(5)} ms / ${
            String(Math.round(ms)).padStart(5)
          } ms`
        ).join("\n"),
    );
    // Two cycles, plus the fake agent's 0.1 s control poll and the CLI poll; idle and stuck also
    // need the idle-after quiet time.
    const slack = 2 * INTERVAL_MS + 100 + 400;
    for (const [state, ms] of Object.entries(detected)) {
      const bound = state === "idle" || state === "stuck_input" ? IDLE_AFTER_MS + slack : slack;
      assert.ok(ms <= bound * 1.5, `${state} took ${Math.round(ms)} ms (bound ${bound} ms)`);
    }

    // The PM hears about every notify-worthy state: one delivered notice per (agent, state).
    const notify = ["idle", "waiting", "stuck_input", "rate_limited", "error", "crashed"];
    const deliveredNow = async () =>
      (await team.events(["--kind", "notification"])).filter((e) => e.delivery === "delivered");
    const delivered = await waitFor(async () => {
      const list = await deliveredNow();
      const after = list.filter((e) => e.ts_ms >= Date.now() - (performance.now() - t0));
      const seen = new Set(after.map((e) => `${e.agent}:${e.to_state}`));
      const want = Object.entries(expected).filter(([, s]) => notify.includes(s))
        .map(([n, s]) => `${n}:${s}`);
      return want.every((k) => seen.has(k)) ? list : undefined;
    }, { timeoutMs: 20_000, everyMs: 100, what: "the PM notices" });
    const pairs = delivered.map((e) => `${e.agent}:${e.to_state}`);
    assert.equal(new Set(pairs).size, pairs.length, `no (agent, state) twice: ${pairs}`);
    const texts = [...new Set(delivered.map((e) => e.detail))];
    const received = await waitFor(async () => {
      const got = await pm.messages();
      return got.length >= texts.length ? got : undefined;
    }, { timeoutMs: 5_000, what: "the PM log" });
    assert.deepEqual(received, texts, "one PM message per delivered batch, in order");
    assert.ok(
      !delivered.some((e) => e.agent === "worker" && e.ts_ms >= t0Wall),
      "nothing about the busy agent",
    );
    for (const pair of pairs) {
      const [name] = pair.split(":");
      assert.ok(received.some((m) => m.includes(`${name} (`)), `PM told about ${name}`);
    }

    // Stuck input: one Enter (swallowed by the agent), then the PM was told.
    const actions = await team.events(["--kind", "action", "--agent", "stuck"]);
    assert.equal(actions.filter((e) => /pressed Enter/.test(e.detail)).length, 1);
    assert.deepEqual(await agents.stuck.messages(), [], "the Enter was swallowed");
    assert.ok(received.some((m) => m.includes("stuck (") && m.includes("has unsent input")));

    // kill -9 and restart inside the cooldown: no duplicate.
    const before = (await pm.messages()).length;
    const beforeEvents = (await deliveredNow()).length;
    signal(monitor.pid, "SIGKILL");
    await monitor.status;
    monitor = team.startMonitor();
    const startBeat = await waitFor(async () => {
      const beat = await team.box.heartbeat();
      return beat && beat.pid === monitor.pid ? beat : undefined;
    }, { timeoutMs: 10_000, what: "the restarted monitor" });
    await waitFor(async () => {
      const beat = await team.box.heartbeat();
      return beat && beat.pid === monitor.pid && beat.cycle >= startBeat.cycle + 6;
    }, { timeoutMs: 10_000, what: "six cycles of the restarted monitor" });
    assert.equal((await pm.messages()).length, before, "the PM got nothing new");
    assert.equal((await deliveredNow()).length, beforeEvents);
    const list = byName(await team.agents());
    for (const [name, state] of Object.entries(expected)) assert.equal(list[name].state, state);
    const status = await team.box.cli(["monitor", "status", "--json"]);
    const report = JSON.parse(status.stdout);
    assert.equal(report.monitor.agents, 8);
    assert.equal(report.monitor.states.rate_limited, 1);
  } finally {
    await team.cleanup();
  }
});
