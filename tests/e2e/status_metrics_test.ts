/**
 * End to end, real processes on a private tmux server: the running monitor keeps the status-line
 * options (`@tmux-orc-summary`, each pane's `@tmux-orc-state`) current, writes them only when
 * they change, unsets them when it stops; and its `--metrics-listen` endpoint serves `/metrics`
 * (the waiting agent, hostile names escaped, valid for `promtool check metrics`) and `/healthz`.
 * The supervisor's endpoint serves its own families and its monitor's, and counts a restart.
 */
import assert from "node:assert/strict";
import { FAST } from "../helpers/sandbox.ts";
import { signal, waitFor } from "../helpers/mod.ts";
import {
  freePort,
  httpGet,
  promtoolOrSkip,
  runPromtool,
  sampleValue,
} from "../metrics/promtool.ts";
import { Team } from "./team.ts";

const HOSTILE_NAME = 'evil"\\name\x1b[2J';

async function option(team: Team, args: string[]): Promise<string | undefined> {
  try {
    return await team.tmux(["show-options", "-v", ...args]);
  } catch {
    return undefined;
  }
}

Deno.test("e2e: status-line options follow the agents, only on change, and are unset on stop; /metrics and /healthz", async (t) => {
  const team = await Team.create();
  try {
    const pm = await team.agent({ window: "pm", busyMs: 150 });
    await team.register(pm.paneId, ["--role", "pm", "--name", "pm", "--profile", "claude"]);
    const asker = await team.agent({ window: "asker" });
    await team.register(asker.paneId, ["--name", "asker", "--profile", "claude"]);
    const odd = await team.agent({ window: "odd" });
    await team.register(odd.paneId, ["--name", "odd", "--profile", "claude"]);
    // A name tmux holds as is: quote, backslash, an escape sequence.
    await team.tmux(["set-option", "-p", "-t", odd.paneId, "@tmux-orc-name", HOSTILE_NAME]);

    const port = freePort();
    // --no-notify: the PM stays idle, so every change below is one the test makes.
    const monitor = team.startMonitor(["--no-notify", "--metrics-listen", `127.0.0.1:${port}`]);
    const summary = () => option(team, ["-g", "@tmux-orc-summary"]);
    const stateOf = (paneId: string) => option(team, ["-p", "-t", paneId, "@tmux-orc-state"]);
    await waitFor(async () => await summary() === "✓ 3 idle", {
      timeoutMs: 20_000,
      everyMs: 100,
      what: "the summary of three idle agents",
    });

    await asker.command({ state: "waiting" });
    await waitFor(async () => await summary() === "⚠ 1 waiting · 2 idle", {
      timeoutMs: 10_000,
      everyMs: 50,
      what: "the waiting agent in the summary",
    });
    assert.equal(await stateOf(asker.paneId), "waiting");
    assert.equal(await stateOf(odd.paneId), "idle");
    assert.equal(await stateOf(pm.paneId), "idle");

    // /metrics of the running monitor.
    const scraped = await waitFor(async () => {
      const r = await httpGet(port, "/metrics");
      return r?.body.includes('tmux_orc_agents{state="waiting"} 1') ? r : undefined;
    }, { timeoutMs: 5000, what: "the waiting agent in /metrics" });
    assert.equal(scraped.status, 200);
    assert.equal(sampleValue(scraped.body, /^tmux_orc_agents\{state="idle"\}/), 2);
    assert.equal(
      sampleValue(
        scraped.body,
        new RegExp(
          `^tmux_orc_agent_state\\{name="asker",session="main",pane_id="${asker.paneId}",profile="claude",role="agent",state="waiting"\\}`,
        ),
      ),
      1,
    );
    // The hostile name: quote and backslash escaped, the ESC shown as text.
    assert.ok(
      scraped.body.includes('name="evil\\"\\\\name\\\\x1b[2J"'),
      scraped.body.split("\n").filter((l) => l.includes("evil")).join("\n"),
    );
    assert.ok(
      (sampleValue(scraped.body, /^tmux_orc_transitions_total\{state="waiting"\}/) ?? 0) >= 1,
    );
    assert.ok((sampleValue(scraped.body, /^tmux_orc_cycle_duration_seconds_count/) ?? 0) >= 3);
    assert.ok((sampleValue(scraped.body, /^tmux_orc_heartbeat_age_seconds/) ?? 99) < 5);
    const health = await httpGet(port, "/healthz");
    assert.equal(health?.status, 200);
    assert.equal(JSON.parse(health!.body).ok, true);
    if (promtoolOrSkip(t)) {
      const lint = await runPromtool(["check", "metrics"], { stdin: scraped.body });
      assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    }

    // Unchanged values are never written again: overwrite them behind the monitor's back and
    // they stay overwritten while nothing changes (≥ 5 cycles of 0.3 s).
    await team.tmux(["set-option", "-p", "-t", odd.paneId, "@tmux-orc-state", "tampered"]);
    await team.tmux(["set-option", "-g", "@tmux-orc-summary", "tampered"]);
    const cycleBefore = (await team.box.heartbeat())!.cycle;
    await waitFor(async () => (await team.box.heartbeat())!.cycle >= cycleBefore + 5, {
      timeoutMs: 10_000,
      what: "five more cycles",
    });
    assert.equal(await stateOf(odd.paneId), "tampered");
    assert.equal(await summary(), "tampered");

    // A change is written at once: the asker answers and is idle again.
    await asker.command({ state: "idle" });
    await waitFor(async () => await stateOf(asker.paneId) === "idle", {
      timeoutMs: 10_000,
      everyMs: 50,
      what: "the asker idle again",
    });
    await waitFor(async () => await summary() === "✓ 3 idle", {
      timeoutMs: 5000,
      what: "the summary rewritten",
    });

    // A clean stop unsets every option it set and closes the endpoint.
    signal(monitor.pid, "SIGTERM");
    assert.equal((await monitor.status).code, 0);
    assert.equal(await summary(), undefined);
    assert.equal(await stateOf(asker.paneId), undefined);
    assert.equal(await stateOf(pm.paneId), undefined);
    assert.equal(await httpGet(port, "/healthz"), undefined);
  } finally {
    await team.cleanup();
  }
});

Deno.test("e2e: the supervisor's endpoint serves its own metrics and its monitor's, and counts a restart", async (t) => {
  const team = await Team.create();
  try {
    const agent = await team.agent({ window: "solo" });
    await team.register(agent.paneId, ["--name", "solo", "--profile", "claude"]);
    const port = freePort();
    team.box.spawn([
      "supervise",
      ...FAST,
      "--idle-after",
      "1",
      "--backoff-initial",
      "1.5",
      "--metrics-listen",
      `${port}`,
    ]);
    const scrape = async () => (await httpGet(port, "/metrics"))?.body ?? "";
    const first = await waitFor(async () => {
      const body = await scrape();
      return sampleValue(body, /^tmux_orc_agents\{state="idle"\}/) === 1 ? body : undefined;
    }, { timeoutMs: 20_000, everyMs: 100, what: "the monitor's metrics through the supervisor" });
    assert.equal(sampleValue(first, /^tmux_orc_supervisor_restarts_total/), 0);
    assert.equal(sampleValue(first, /^tmux_orc_monitor_up/), 1);
    assert.equal(sampleValue(first, /^tmux_orc_supervisor_state\{state="running"\}/), 1);
    assert.equal(first.match(/^# TYPE tmux_orc_build_info /gm)?.length, 1, "one build_info");
    // The monitor's memory, once (the supervisor adds no process gauges of its own).
    assert.equal(first.match(/^process_resident_memory_bytes /gm)?.length, 1);
    assert.ok((sampleValue(first, /^process_resident_memory_bytes /) ?? 0) > 10_000_000);
    assert.equal((await httpGet(port, "/healthz"))?.status, 200);
    if (promtoolOrSkip(t)) {
      const lint = await runPromtool(["check", "metrics"], { stdin: first });
      assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    }
    // Kill the monitor: the supervisor restarts it and counts it.
    const monitorPid = await team.box.pidOf("monitor");
    assert.ok(monitorPid);
    signal(monitorPid, "SIGKILL");
    // While it waits to restart (1.5 s backoff): the supervisor still answers, monitor down.
    const down = await waitFor(async () => {
      const body = await scrape();
      return sampleValue(body, /^tmux_orc_supervisor_state\{state="backoff"\}/) === 1
        ? body
        : undefined;
    }, { timeoutMs: 5000, everyMs: 50, what: "the supervisor in backoff" });
    assert.equal(sampleValue(down, /^tmux_orc_monitor_up/), 0);
    assert.equal(sampleValue(down, /^tmux_orc_monitor_scrape_ok/), 0);
    assert.equal(sampleValue(down, /^tmux_orc_agents\{/), undefined, "no monitor families");
    assert.equal((await httpGet(port, "/healthz"))?.status, 503);
    const after = await waitFor(async () => {
      const body = await scrape();
      return sampleValue(body, /^tmux_orc_supervisor_restarts_total/) === 1 &&
          sampleValue(body, /^tmux_orc_monitor_up/) === 1 &&
          sampleValue(body, /^tmux_orc_agents\{state="idle"\}/) === 1
        ? body
        : undefined;
    }, { timeoutMs: 20_000, everyMs: 100, what: "the restart counted and the monitor back" });
    assert.equal(sampleValue(after, /^tmux_orc_monitor_scrape_ok/), 1);
  } finally {
    await team.cleanup();
  }
});
