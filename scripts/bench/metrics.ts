/**
 * `deno run -A scripts/bench/metrics.ts`: what `/metrics` costs at 10, 100, 300 and 1,000
 * agents — the size of the text, the time to record one cycle and to render, and a whole scrape
 * over loopback HTTP, straight from the monitor and through the supervisor (which reads its
 * monitor's endpoint at each scrape). Prints one table; no tmux, no files.
 *
 * @module
 */

import { AGENT_STATES } from "../../src/agents/types.ts";
import { type AgentSample, MonitorMetrics } from "../../src/metrics/monitor_metrics.ts";
import { getLoopback, serveMetrics } from "../../src/metrics/server.ts";
import { SupervisorMetrics } from "../../src/metrics/supervisor_metrics.ts";
import { systemClock } from "../../src/util/clock.ts";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeIt(runs: number, f: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function samples(n: number): AgentSample[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `agent-${i}-feature-branch-work`,
    session: `team-${i % 10}`,
    paneId: `%${i}`,
    profile: ["claude", "codex", "gemini"][i % 3],
    role: i % 10 === 0 ? "pm" : "agent",
    state: AGENT_STATES[i % AGENT_STATES.length],
    since: Date.now() - i * 1000,
  }));
}

const rows: string[][] = [[
  "agents",
  "/metrics bytes",
  "cycle() ms",
  "render ms",
  "scrape ms (monitor)",
  "scrape ms (supervisor)",
]];
for (const n of [10, 100, 300, 1000]) {
  const metrics = new MonitorMetrics({ clock: systemClock, intervalMs: 10_000 });
  const agents = samples(n);
  const cycle = { durationMs: 42, tmux: true, panes: n, captured: n / 10, actions: 0 };
  metrics.cycle(cycle, agents);
  const bytes = new TextEncoder().encode(metrics.render()).length;
  const cycleMs = await timeIt(200, () => metrics.cycle(cycle, agents));
  const renderMs = await timeIt(200, () => metrics.render());
  const monitor = serveMetrics({ hostname: "127.0.0.1", port: 0, loopback: true }, metrics);
  const supervisorSource = new SupervisorMetrics({
    snapshot: {
      pid: 1,
      state: "running",
      startedAt: Date.now(),
      childPid: 2,
      childStartedAt: Date.now(),
      restarts: 0,
      failures: 0,
      nextAttemptAt: null,
      lastExit: null,
      lastStderr: [],
      lastHeartbeatAt: Date.now(),
      heartbeatWriteError: null,
      settings: {},
    },
    heartbeatAgeMs: 100,
    childMetricsPort: monitor.address.port,
  }, { heartbeatTimeoutMs: 30_000 });
  const supervisor = serveMetrics(
    { hostname: "127.0.0.1", port: 0, loopback: true },
    supervisorSource,
  );
  const scrape = (port: number) => async () => {
    const r = await getLoopback(port, "/metrics", { timeoutMs: 5000 });
    if (r.status !== 200 || r.body.length < bytes / 2) throw new Error("bad scrape");
  };
  const monitorMs = await timeIt(50, scrape(monitor.address.port));
  const supervisorMs = await timeIt(50, scrape(supervisor.address.port));
  await supervisor.close();
  await monitor.close();
  rows.push([
    String(n),
    String(bytes),
    cycleMs.toFixed(3),
    renderMs.toFixed(3),
    monitorMs.toFixed(2),
    supervisorMs.toFixed(2),
  ]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const row of rows) console.log(row.map((c, i) => c.padStart(widths[i])).join("  "));
