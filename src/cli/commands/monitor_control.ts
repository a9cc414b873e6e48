/**
 * `monitor start`, `monitor stop`, `monitor status`, `monitor logs`.
 *
 * @module
 */

import { logFilePath } from "../../log/mod.ts";
import { selfCommand } from "../../lifecycle/self_exec.ts";
import { startInBackground } from "../../lifecycle/start.ts";
import { collectStatus, statusExitCode, type StatusReport } from "../../lifecycle/status.ts";
import { stopAll } from "../../lifecycle/stop.ts";
import { UsageError } from "../../state/errors.ts";
import { count, givenFlags, seconds, switchOption } from "../options.ts";
import { defineCommand } from "../spec.ts";
import {
  DAEMON_TABLE,
  globalArgs,
  METRICS_TABLE,
  metricsArgs,
  MONITOR_TABLE,
  monitorArgs,
} from "./monitor_options.ts";
import { checkSupervisorValues, superviseArgs, SUPERVISOR_TABLE } from "./supervise_options.ts";
import { followLogs, readLastLogLines } from "../../log/read.ts";
import { safeJson, safeText } from "../../util/safe_text.ts";

/**
 * Refuses supervisor options on a lone monitor (`monitor start` without `--supervised`): there is
 * no supervisor to apply them, and ignoring them would hide the mistake.
 */
function refuseSupervisorOptionsAlone(values: Parameters<typeof givenFlags>[1]): void {
  const given = givenFlags(SUPERVISOR_TABLE, values);
  if (given.length === 0) return;
  throw new UsageError(
    `Invalid option: ${given.join(", ")} ${
      given.length === 1 ? "needs" : "need"
    } --supervised (a lone monitor has no supervisor)`,
  );
}

/** `monitor start`. */
export const monitorStartCommand = defineCommand({
  path: ["monitor", "start"],
  summary: "Start the monitor in the background (--supervised: with its self-healing supervisor)",
  description: "The supervisor's options (--check-interval … --stop-timeout) need --supervised.",
  options: {
    supervised: switchOption({
      flag: "supervised",
      help: "Start the supervisor, which starts and heals the monitor",
    }),
    waitMs: seconds({
      flag: "wait",
      min: 0.5,
      max: 600,
      default: 30_000,
      help: "How long to wait for the first heartbeat",
    }),
    ...MONITOR_TABLE,
    ...SUPERVISOR_TABLE,
    ...METRICS_TABLE,
  },
  // A lone monitor takes no [supervise] settings from the file (they wait for --supervised).
  configSections: (values) => values.supervised ? ["monitor", "supervise"] : ["monitor"],
  async run(ctx, options) {
    const { supervised, waitMs } = options;
    if (supervised) checkSupervisorValues(options);
    else refuseSupervisorOptionsAlone(ctx.values);
    const interval = options.intervalMs;
    const paths = await ctx.statePaths();
    const argv = [
      ...selfCommand(),
      supervised ? "supervise" : "monitor",
      ...globalArgs(ctx.global, paths.dir),
      ...monitorArgs(ctx.values),
      ...metricsArgs(ctx.values),
      ...(supervised ? superviseArgs(ctx.values) : []),
      `--${DAEMON_TABLE.daemon.flag}`,
    ];
    const report = await startInBackground(paths, { argv, supervised, waitMs });
    if (supervised) {
      ctx.out("✓ Supervised monitor started successfully");
      ctx.out(`Supervisor PID: ${report.supervisorPid}, monitor PID: ${report.monitorPid}`);
      ctx.out(`Check interval: ${interval / 1000} seconds`);
      ctx.out("Self-healing: Enabled");
      ctx.out("Automatic restart: On failure");
    } else {
      ctx.out(`✓ Monitor started (PID: ${report.monitorPid})`);
      ctx.out(`Check interval: ${interval / 1000} seconds`);
      ctx.out("Self-healing: Disabled (use --supervised for auto-restart)");
    }
    ctx.out(`Logs: ${paths.logs}`);
    return 0;
  },
});

/** `monitor stop`. */
export const monitorStopCommand = defineCommand({
  path: ["monitor", "stop"],
  summary: "Stop the supervisor and its monitor, or the lone monitor",
  options: {
    timeoutMs: seconds({
      flag: "timeout",
      min: 0.05,
      max: 600,
      default: 10_000,
      help: "Seconds before SIGKILL",
    }),
  },
  async run(ctx, { timeoutMs }) {
    const paths = await ctx.statePaths({ create: false });
    const report = await stopAll(paths, { timeoutMs });
    if (report.supervisor === null && report.monitor === null) {
      ctx.out("Nothing is running");
      return 0;
    }
    if (report.supervisor !== null) ctx.out(`✓ Stopped supervisor (pid ${report.supervisor})`);
    if (report.monitor !== null) ctx.out(`✓ Stopped monitor (pid ${report.monitor})`);
    if (report.killed.length > 0) ctx.out(`Had to SIGKILL: ${report.killed.join(", ")}`);
    return 0;
  },
});

function formatStatus(report: StatusReport): string[] {
  const lines: string[] = [];
  const s = report.supervisor;
  const m = report.monitor;
  const mark = report.health === "healthy" ? "✓" : report.health === "unhealthy" ? "!" : "✗";
  lines.push(`${mark} ${report.health.replace("_", " ")}  (state dir ${report.state_dir})`);
  lines.push(
    s.running
      ? `Supervisor: pid ${s.pid}, ${s.state}, up ${s.uptime_s} s, ${s.restarts} restarts, ${s.failures} failures in a row`
      : "Supervisor: not running (self-healing disabled)",
  );
  if (s.next_attempt_at) lines.push(`Next attempt: ${s.next_attempt_at}`);
  if (s.last_exit) {
    const e = s.last_exit;
    lines.push(
      `Last exit: ${e.reason}, ${e.signal ? `signal ${e.signal}` : `code ${e.code}`}, at ${
        new Date(e.at).toISOString()
      }`,
    );
  }
  if (s.state === "cooling_off" && s.last_stderr.length > 0) {
    lines.push("Last stderr:", ...s.last_stderr.slice(-5).map((l) => `  ${l}`));
  }
  lines.push(
    m.running
      ? `Monitor: pid ${m.pid}, heartbeat ${m.heartbeat_age_s ?? "?"} s ago, ${
        m.cycles ?? 0
      } cycles, last cycle ${m.last_cycle_ms ?? "?"} ms, interval ${m.interval_s ?? "?"} s, ${
        m.panes ?? 0
      } panes, ${m.agents ?? 0} agents${m.tmux_server === false ? " (no tmux server)" : ""}`
      : "Monitor: not running",
  );
  const states = Object.entries(m.states).filter(([, n]) => n > 0);
  if (states.length > 0) lines.push(`Agents: ${states.map(([k, n]) => `${n} ${k}`).join(", ")}`);
  if (m.store_queued > 0) {
    lines.push(`Store: ${m.store_queued} history rows queued in memory until it can be written`);
  }
  const o = report.outbox;
  if (o && (o.pending > 0 || o.dead_24h > 0)) {
    lines.push(`Outbox: ${o.pending} notices pending, ${o.dead_24h} dead letters in the last 24 h`);
  }
  for (const p of report.problems) lines.push(`Problem: ${p}`);
  return lines.map((line) => safeText(line));
}

/** `monitor status`. */
export const monitorStatusCommand = defineCommand({
  path: ["monitor", "status"],
  summary:
    "Show whether the supervisor and monitor run and are healthy (exit 0 healthy, 1 unhealthy, 3 stopped)",
  options: { json: switchOption({ flag: "json", help: "Print JSON" }) },
  async run(ctx, { json }) {
    const paths = await ctx.statePaths({ create: false });
    const report = await collectStatus(paths);
    if (json) ctx.out(safeJson(report, 2));
    else for (const line of formatStatus(report)) ctx.out(line);
    return statusExitCode(report);
  },
});

/** `monitor logs`. */
export const monitorLogsCommand = defineCommand({
  path: ["monitor", "logs"],
  summary: "Show the supervisor's and monitor's logs, merged by time",
  options: {
    lines: count({
      flag: "lines",
      short: "n",
      min: 0,
      max: 1_000_000,
      default: 20,
      help: "How many lines",
    }),
    follow: switchOption({ flag: "follow", short: "f", help: "Keep printing new lines" }),
    json: switchOption({ flag: "json", help: "Print the raw JSON lines" }),
  },
  async run(ctx, { lines: n, follow, json }) {
    const paths = await ctx.statePaths({ create: false });
    const files = ["supervisor", "monitor"].map((name) => logFilePath(paths.logs, name));
    for (const line of await readLastLogLines(files, { lines: n, json })) ctx.out(line);
    if (follow) {
      const stop = new AbortController();
      const handler = () => stop.abort();
      Deno.addSignalListener("SIGINT", handler);
      Deno.addSignalListener("SIGTERM", handler);
      try {
        await followLogs(files, { json, signal: stop.signal, onLine: ctx.out });
      } finally {
        Deno.removeSignalListener("SIGINT", handler);
        Deno.removeSignalListener("SIGTERM", handler);
      }
    }
    return 0;
  },
});
