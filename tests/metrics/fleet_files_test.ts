/**
 * The fleet files under deploy/ are what Prometheus, Alertmanager and Grafana accept: the rules
 * and the scrape config pass `promtool check`, the alerts fire (and stay quiet) as
 * `promtool test rules` expects, Alertmanager's routing passes `amtool check-config` and routes
 * each severity where the comments say, and every PromQL expression of the Grafana dashboard
 * parses and names only metrics the program really serves.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../helpers/mod.ts";
import { commandWorks } from "../helpers/mod.ts";
import { MonitorMetrics } from "../../src/metrics/monitor_metrics.ts";
import { SupervisorMetrics } from "../../src/metrics/supervisor_metrics.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { promtoolOrSkip, runPromtool } from "./promtool.ts";

const DEPLOY = join(ROOT, "deploy");
const PROM = join(DEPLOY, "prometheus");

Deno.test("promtool: the alert rules and the scrape config are valid", async (t) => {
  if (!promtoolOrSkip(t)) return;
  const rules = await runPromtool(["check", "rules", "tmux-orc.rules.yml"], { cwd: PROM });
  assert.equal(rules.code, 0, rules.stdout + rules.stderr);
  assert.match(rules.stdout, /SUCCESS: 10 rules found/);
  const config = await runPromtool(["check", "config", "prometheus.yml"], { cwd: PROM });
  assert.equal(config.code, 0, config.stdout + config.stderr);
  assert.match(config.stdout, /is valid prometheus config file syntax/);
});

Deno.test("promtool test rules: waiting > 10 min, all idle, host/monitor down, restart storm, rate-limited fleet", async (t) => {
  if (!promtoolOrSkip(t)) return;
  const r = await runPromtool(["test", "rules", "tmux-orc.rules.test.yml"], { cwd: PROM });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // Every required alert has a test case.
  const cases = await Deno.readTextFile(join(PROM, "tmux-orc.rules.test.yml"));
  for (
    const alert of [
      "TmuxOrcAgentWaiting",
      "TmuxOrcAllAgentsIdle",
      "TmuxOrcHostDown",
      "TmuxOrcMonitorDown",
      "TmuxOrcRestartStorm",
      "TmuxOrcFleetRateLimited",
    ]
  ) assert.match(cases, new RegExp(`alertname: ${alert}\\n`), alert);
});

Deno.test("amtool: the Alertmanager config is valid and routes by severity", async (t) => {
  if (!commandWorks(["amtool", "--version"])) {
    console.error(
      `!! SKIPPED ${t.name}: amtool is not installed (apt-get install prometheus-alertmanager)`,
    );
    return;
  }
  const config = join(DEPLOY, "alertmanager", "alertmanager.yml");
  const check = await new Deno.Command("amtool", { args: ["check-config", config] }).output();
  assert.equal(check.code, 0, new TextDecoder().decode(check.stdout));
  const route = async (labels: string[]) => {
    const out = await new Deno.Command("amtool", {
      args: ["config", "routes", "test", `--config.file=${config}`, ...labels],
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  };
  assert.equal(await route(["alertname=TmuxOrcHostDown", "severity=critical"]), "on-call");
  assert.equal(await route(["alertname=TmuxOrcAgentWaiting", "severity=warning"]), "team-chat");
  assert.equal(await route(["alertname=TmuxOrcAllAgentsIdle", "severity=info"]), "quiet-chat");
});

/** Every metric family name the program serves (monitor and supervisor), with histogram parts. */
async function servedNames(): Promise<Set<string>> {
  const clock = new ManualClock();
  const monitor = new MonitorMetrics({ clock, intervalMs: 1000 });
  monitor.cycle({ durationMs: 1, tmux: true, panes: 0, captured: 0, actions: 0 }, []);
  const supervisor = new SupervisorMetrics({
    snapshot: {
      pid: 1,
      state: "running",
      startedAt: 0,
      childPid: 2,
      childStartedAt: 0,
      restarts: 0,
      failures: 0,
      nextAttemptAt: null,
      lastExit: null,
      lastStderr: [],
      lastHeartbeatAt: 0,
      heartbeatWriteError: null,
      settings: {},
    },
    heartbeatAgeMs: 10,
    childMetricsPort: undefined,
  }, { heartbeatTimeoutMs: 30_000 });
  const text = monitor.render() + await supervisor.render();
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === "histogram") {
      for (const part of ["_bucket", "_sum", "_count"]) names.add(name + part);
    }
  }
  return names;
}

function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:tmux_orc|process)_[a-z_]+)\b/g)].map((m) => m[1]);
}

Deno.test("grafana dashboard: valid JSON, every expression parses and names served metrics only", async (t) => {
  const dashboard = JSON.parse(
    await Deno.readTextFile(join(DEPLOY, "grafana", "tmux-orc-dashboard.json")),
  );
  const exprs: string[] = [];
  for (const panel of dashboard.panels) {
    assert.ok(panel.title && panel.type && panel.gridPos, `panel ${panel.id}`);
    for (const target of panel.targets) exprs.push(target.expr);
  }
  for (const annotation of dashboard.annotations.list) exprs.push(annotation.expr);
  assert.ok(exprs.length >= 12, `${exprs.length} expressions`);
  const served = await servedNames();
  const rules = await Deno.readTextFile(join(PROM, "tmux-orc.rules.yml"));
  for (const expr of [...exprs, rules]) {
    for (const name of metricNames(expr)) assert.ok(served.has(name), `not served: ${name}`);
  }
  if (!promtoolOrSkip(t)) return;
  // Grafana's variables replaced by what they expand to; each expression as a recording rule.
  const concrete = exprs.map((e) =>
    e.replaceAll("$instance", ".*").replaceAll("$__rate_interval", "5m")
  );
  const file = await Deno.makeTempFile({ suffix: ".yml" });
  try {
    await Deno.writeTextFile(
      file,
      "groups:\n  - name: dashboard\n    rules:\n" +
        concrete.map((e, i) =>
          `      - record: dashboard:expr${i}\n        expr: ${JSON.stringify(e)}\n`
        )
          .join(""),
    );
    const r = await runPromtool(["check", "rules", file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${concrete.length} rules found`));
  } finally {
    await Deno.remove(file);
  }
});
