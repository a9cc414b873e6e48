/**
 * The monitor process's options, as one typed table ({@linkcode MONITOR_TABLE}) shared by
 * `monitor`, `supervise`, `monitor start` and `service install`: the parse spec, `--help`, the
 * typed settings and the argv forwarded to a child monitor all come from it. Every default is
 * the library's own ({@linkcode DEFAULT_MONITOR_OPTIONS}, {@linkcode DEFAULT_INTERVAL_MS}).
 *
 * @module
 */

import { join, resolve } from "node:path";
import { DEFAULT_INTERVAL_MS } from "../../lifecycle/monitor_process.ts";
import { DEFAULT_MONITOR_OPTIONS, type MonitorOptions } from "../../monitor/monitor.ts";
import { readProfilesFile } from "../../monitor/profiles_file.ts";
import { checkListenAddress } from "../../metrics/server.ts";
import {
  count,
  forwardArgs,
  type Options,
  pickOptions,
  readOptions,
  seconds,
  switchOption,
  text,
} from "../options.ts";
import type { GlobalOptions, OptionValues } from "../spec.ts";

/** The longest resume message accepted. */
const MAX_RESUME_MESSAGE = 2000;

/** Why a `--resume-message` is refused, if it is. */
function checkResumeMessage(message: string): string | undefined {
  // deno-lint-ignore no-control-regex
  if (message.trim() === "" || /[\u0000-\u001f\u007f]/.test(message)) {
    return "expected one line of text without control characters";
  }
  if (message.length > MAX_RESUME_MESSAGE) return `longer than ${MAX_RESUME_MESSAGE} characters`;
  return undefined;
}

const DAY_S = 86400;

/** Options that configure the monitor itself (durations in ms). */
export const MONITOR_TABLE = {
  intervalMs: seconds({
    flag: "interval",
    min: 0.05,
    max: 3600,
    default: DEFAULT_INTERVAL_MS,
    help: "Seconds between monitor cycles",
  }),
  idleAfterMs: seconds({
    flag: "idle-after",
    min: 0.05,
    max: DAY_S,
    default: DEFAULT_MONITOR_OPTIONS.idleAfterMs,
    help: "Seconds of quiet at an empty prompt before an agent is idle",
  }),
  unknownAfterMs: seconds({
    flag: "unknown-after",
    min: 0.05,
    max: DAY_S,
    default: DEFAULT_MONITOR_OPTIONS.unknownAfterMs,
    help:
      "Seconds with no input prompt, busy marker or dialog recognised before an agent is unknown",
  }),
  notifyUnknownAfterMs: seconds({
    flag: "notify-unknown-after",
    min: 0,
    max: 7 * DAY_S,
    default: DEFAULT_MONITOR_OPTIONS.notifyUnknownAfterMs,
    help: "Seconds an agent is unknown before its PM is told",
  }),
  notifyCooldownMs: seconds({
    flag: "notify-cooldown",
    min: 0.05,
    max: 7 * DAY_S,
    default: DEFAULT_MONITOR_OPTIONS.notifyCooldownMs,
    help: "Least seconds between two notices about one agent and state",
  }),
  maxHoldMs: seconds({
    flag: "max-hold",
    min: 0.05,
    max: DAY_S,
    default: DEFAULT_MONITOR_OPTIONS.maxHoldMs,
    help: "Longest seconds a notice waits for a busy PM",
  }),
  autoDetect: switchOption({
    flag: "no-auto-detect",
    negates: true,
    help: "Watch registered panes only (no detection of agents by process name)",
  }),
  submitStuck: switchOption({
    flag: "no-submit-stuck",
    negates: true,
    help: "Do not press Enter for input left unsent in an agent's prompt",
  }),
  resumeAfterLimit: switchOption({
    flag: "resume-after-limit",
    help: "Type a message into a rate-limited agent once its limit resets",
  }),
  resumeMessage: text({
    flag: "resume-message",
    valueName: "TEXT",
    check: checkResumeMessage,
    help: "That message (implies --resume-after-limit)",
  }),
  restartCrashed: switchOption({
    flag: "restart-crashed",
    help: "Respawn a crashed agent's pane with its registered --command",
  }),
  notify: switchOption({
    flag: "no-notify",
    negates: true,
    help: "Do not message PMs (still detect, record and act)",
  }),
  statusLine: switchOption({
    flag: "no-status-line",
    negates: true,
    help: "Do not set the @tmux-orc-summary and @tmux-orc-state options for the status line",
  }),
  subscribe: switchOption({
    flag: "no-subscribe",
    negates: true,
    help: "Poll only: no early cycles on tmux's change notifications (tmux 3.2+ subscriptions)",
  }),
  captureConcurrency: count({
    flag: "capture-concurrency",
    min: 1,
    max: 1024,
    default: DEFAULT_MONITOR_OPTIONS.captureConcurrency,
    help: "Most pane captures in flight at once",
    hidden: true,
  }),
};

/**
 * The metrics endpoint of `monitor` and `supervise` (not forwarded to a supervised monitor: the
 * supervisor serves its child's metrics on its own endpoint).
 */
export const METRICS_TABLE = {
  metricsListen: text({
    flag: "metrics-listen",
    valueName: "HOST:PORT",
    example: "127.0.0.1:9464",
    check: checkListenAddress,
    help: "Serve Prometheus /metrics and /healthz here (a bare PORT is 127.0.0.1:PORT; " +
      "another interface must be written out, e.g. 0.0.0.0:9464)",
  }),
};

/** The metrics options given on this command line, as arguments for a `monitor`/`supervise`. */
export function metricsArgs(values: OptionValues): string[] {
  return forwardArgs(METRICS_TABLE, values);
}

/** The monitor's typed option values. */
export type MonitorTableValues = Options<typeof MONITOR_TABLE>;

/** The hidden switches of a daemon process (`monitor` and `supervise`). */
export const DAEMON_TABLE = {
  daemon: switchOption({
    flag: "daemon",
    help: "Log to the state dir only (used by monitor start)",
    hidden: true,
  }),
};

/** The monitor's own settings ({@linkcode MonitorOptions}) from its typed option values. */
export function monitorSettings(values: MonitorTableValues): MonitorOptions {
  const { intervalMs: _, subscribe: _subscribe, ...settings } = pickOptions(MONITOR_TABLE, values);
  return {
    ...settings,
    resumeAfterLimit: values.resumeAfterLimit || values.resumeMessage !== undefined,
  };
}

/**
 * Global options forwarded to child processes (state dir, tmux socket, `--config`). Also checks
 * the state dir's `profiles.json`, so that a bad file is one clear error before anything is
 * started.
 */
export function globalArgs(global: GlobalOptions, stateDir: string): string[] {
  readProfilesFile(join(stateDir, "profiles.json"));
  const args = ["--state-dir", stateDir];
  if (global.configFlag !== undefined) args.push("--config", resolve(global.configFlag));
  if (global.server.socketName !== undefined) args.push("-L", global.server.socketName);
  if (global.server.socketPath !== undefined) args.push("-S", global.server.socketPath);
  return args;
}

/**
 * The monitor options given on this command line, as arguments for a child monitor. Validates
 * them first (throws `UsageError`), so a bad value fails here, not in the child.
 */
export function monitorArgs(values: OptionValues): string[] {
  readOptions(MONITOR_TABLE, values);
  return forwardArgs(MONITOR_TABLE, values);
}
