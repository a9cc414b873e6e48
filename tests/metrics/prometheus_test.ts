/**
 * A real Prometheus server (Debian's `prometheus`) on 127.0.0.1, with a temp config and data dir,
 * scrapes a real monitor (`--metrics-listen`, private tmux server, fake agents, one of them at a
 * permission prompt) and answers PromQL about the waiting agent through its HTTP API; the shipped
 * alert rules load into it. Ports are free ones picked at run time (never 9090 or another
 * default), and the test ends only the Prometheus process it started, by its pid.
 *
 * Skips with one loud line when prometheus or promtool is not installed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, waitFor } from "../helpers/mod.ts";
import { Team } from "../e2e/team.ts";
import { freePort, httpGet, prometheusOrSkip } from "./promtool.ts";

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(port: number, promql: string): Promise<VectorSample[]> {
  const r = await httpGet(port, `/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (r?.status !== 200) return [];
  const body = JSON.parse(r.body);
  return body.status === "success" ? body.data.result : [];
}

Deno.test("prometheus: a real server scrapes a real monitor and answers PromQL about the waiting agent", async (t) => {
  if (!prometheusOrSkip(t)) return;
  const team = await Team.create();
  const data = await Deno.makeTempDir({ prefix: "tmux-orc-prometheus-" });
  let prometheus: Deno.ChildProcess | undefined;
  try {
    const asker = await team.agent({ window: "asker" });
    await team.register(asker.paneId, ["--name", "asker", "--profile", "claude"]);
    const worker = await team.agent({ window: "worker" });
    await team.register(worker.paneId, ["--name", "worker", "--profile", "claude"]);
    const monitorPort = freePort();
    team.startMonitor(["--no-notify", "--metrics-listen", `127.0.0.1:${monitorPort}`]);
    await asker.command({ state: "waiting" });

    const webPort = freePort();
    const config = join(data, "prometheus.yml");
    await Deno.writeTextFile(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        `  - ${JSON.stringify(join(ROOT, "deploy", "prometheus", "tmux-orc.rules.yml"))}`,
        "scrape_configs:",
        "  - job_name: tmux-orc",
        "    static_configs:",
        `      - targets: ["127.0.0.1:${monitorPort}"]`,
        "",
      ].join("\n"),
    );
    prometheus = new Deno.Command("prometheus", {
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(data, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
        "--storage.tsdb.retention.time=1h",
        "--log.level=warn",
      ],
      cwd: data,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const exited = prometheus.status;
    await waitFor(async () => {
      const r = await Promise.race([httpGet(webPort, "/-/ready"), exited.then(() => null)]);
      if (r === null) throw new Error("prometheus exited at start");
      return r?.status === 200;
    }, { timeoutMs: 30_000, everyMs: 200, what: "prometheus ready" });

    const waiting = await waitFor(async () => {
      const result = await query(webPort, 'tmux_orc_agent_state{state="waiting"} == 1');
      return result.length > 0 ? result : undefined;
    }, { timeoutMs: 30_000, everyMs: 250, what: "the waiting agent in PromQL" });
    assert.equal(waiting.length, 1);
    assert.equal(waiting[0].metric.name, "asker");
    assert.equal(waiting[0].metric.pane_id, asker.paneId);
    assert.equal(waiting[0].metric.session, "main");
    assert.equal(waiting[0].metric.profile, "claude");
    assert.equal(waiting[0].metric.job, "tmux-orc");

    const counts = await query(webPort, 'sum by (state) (tmux_orc_agents{state=~"waiting|idle"})');
    const byState = Object.fromEntries(counts.map((s) => [s.metric.state, Number(s.value[1])]));
    assert.equal(byState.waiting, 1);
    const up = await query(webPort, 'up{job="tmux-orc"}');
    assert.equal(up[0]?.value[1], "1");
    // The shipped rules loaded and evaluate without error against the live series.
    const rules = await httpGet(webPort, "/api/v1/rules");
    const groups: { name: string; rules: { name: string; health: string }[] }[] =
      JSON.parse(rules!.body).data.groups;
    assert.deepEqual(groups.map((g) => g.name).sort(), ["tmux-orc.alerts", "tmux-orc.recording"]);
    await waitFor(async () => {
      const r = JSON.parse((await httpGet(webPort, "/api/v1/rules"))!.body);
      return r.data.groups.every((g: typeof groups[number]) =>
        g.rules.every((rule) => rule.health === "ok")
      );
    }, { timeoutMs: 10_000, everyMs: 250, what: "every rule evaluated ok" });
  } finally {
    if (prometheus) {
      try {
        prometheus.kill("SIGTERM");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          prometheus!.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await prometheus.status;
      clearTimeout(timer);
      await prometheus.stderr.cancel().catch(() => {});
    }
    await team.cleanup();
    await Deno.remove(data, { recursive: true }).catch(() => {});
  }
});
