/**
 * `monitor start`, `monitor stop`, `monitor status`, `monitor logs`.
 *
 * @module
 */

import { logFilePath } from "../../log/mod.ts";
import { selfCommand } from "../../supervisor/self_exec.ts";
import { startInBackground } from "../../supervisor/start.ts";
import { collectStatus, statusExitCode, type StatusReport } from "../../supervisor/status.ts";
import { stopAll } from "../../supervisor/stop.ts";
import type { CommandSpec } from "../spec.ts";
import { countOption, flag, secondsOption } from "../values.ts";
import { globalArgs, intervalMs, MONITOR_OPTIONS, monitorArgs } from "./monitor_options.ts";
import { SUPERVISE_OPTIONS, superviseArgs, superviseSettings } from "./supervise.ts";
import { followLogs, readLastLogLines } from "../../log/read.ts";
import { safeJson, safeText } from "../../util/safe_text.ts";

/** `monitor start`. */
export const monitorStartCommand: CommandSpec = {
  path: ["monitor", "start"],
  summary: "Start the monitor in the background (--supervised: with its self-healing supervisor)",
  options: {
    supervised: {
      type: "boolean",
      description: "Start the supervisor, which starts and heals the monitor",
    },
    wait: {
      type: "string",
      valueName: "S",
      description: "How long to wait for the first heartbeat (default 30)",
    },
    ...MONITOR_OPTIONS,
    ...SUPERVISE_OPTIONS,
  },
  async run(ctx) {
    const supervised = flag(ctx.values, "supervised");
    const interval = intervalMs(ctx.values);
    if (supervised) superviseSettings(ctx.values);
    const waitMs = secondsOption(ctx.values, "wait", { min: 0.5, max: 600, fallback: 30 }) * 1000;
    const paths = await ctx.statePaths();
    const argv = [
      ...selfCommand(),
      supervised ? "supervise" : "monitor",
      ...globalArgs(ctx.values, paths.dir),
      ...monitorArgs(ctx.values),
      ...(supervised ? superviseArgs(ctx.values) : []),
      "--daemon",
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
};

/** `monitor stop`. */
export const monitorStopCommand: CommandSpec = {
  path: ["monitor", "stop"],
  summary: "Stop the supervisor and its monitor, or the lone monitor",
  options: {
    timeout: { type: "string", valueName: "S", description: "Seconds before SIGKILL (default 10)" },
  },
  async run(ctx) {
    const timeoutMs = secondsOption(ctx.values, "timeout", { min: 0.05, max: 600, fallback: 10 }) *
      1000;
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
};

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
  for (const p of report.problems) lines.push(`Problem: ${p}`);
  return lines.map((line) => safeText(line));
}

/** `monitor status`. */
export const monitorStatusCommand: CommandSpec = {
  path: ["monitor", "status"],
  summary:
    "Show whether the supervisor and monitor run and are healthy (exit 0 healthy, 1 unhealthy, 3 stopped)",
  options: { json: { type: "boolean", description: "Print JSON" } },
  async run(ctx) {
    const paths = await ctx.statePaths({ create: false });
    const report = await collectStatus(paths);
    if (flag(ctx.values, "json")) ctx.out(safeJson(report, 2));
    else for (const line of formatStatus(report)) ctx.out(line);
    return statusExitCode(report);
  },
};

/** `monitor logs`. */
export const monitorLogsCommand: CommandSpec = {
  path: ["monitor", "logs"],
  summary: "Show the supervisor's and monitor's logs, merged by time",
  options: {
    lines: {
      type: "string",
      short: "n",
      valueName: "N",
      description: "How many lines (default 20)",
    },
    follow: { type: "boolean", short: "f", description: "Keep printing new lines" },
    json: { type: "boolean", description: "Print the raw JSON lines" },
  },
  async run(ctx) {
    const n = countOption(ctx.values, "lines", { min: 0, max: 1_000_000, fallback: 20 });
    const paths = await ctx.statePaths({ create: false });
    const files = ["supervisor", "monitor"].map((name) => logFilePath(paths.logs, name));
    const json = flag(ctx.values, "json");
    for (const line of await readLastLogLines(files, { lines: n, json })) ctx.out(line);
    if (flag(ctx.values, "follow")) {
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
};
