/**
 * `tmux-orc supervise`: the supervisor in the foreground (what systemd or a container runs).
 *
 * @module
 */

import { log, shutdownLogging } from "../../log/mod.ts";
import { runSupervisorProcess } from "../../supervisor/process.ts";
import { selfCommand } from "../../supervisor/self_exec.ts";
import { systemClock } from "../../util/clock.ts";
import { UsageError } from "../../state/errors.ts";
import {
  logStartRefusal,
  privateUmask,
  setupProcessLogging,
  terminationController,
} from "../process_setup.ts";
import type { CommandSpec, OptionSpec, OptionValues } from "../spec.ts";
import { countOption, flag, secondsOption } from "../values.ts";
import {
  globalArgs,
  intervalMs,
  MONITOR_OPTIONS,
  monitorArgs,
  SUPERVISED_CHILD_FLAG,
} from "./monitor_options.ts";

/** The supervisor's own options. */
export const SUPERVISE_OPTIONS: Record<string, OptionSpec> = {
  "check-interval": {
    type: "string",
    valueName: "S",
    description: "Seconds between heartbeat checks (default 10)",
  },
  "heartbeat-timeout": {
    type: "string",
    valueName: "S",
    description: "Heartbeat age that counts as a hang (default 30)",
  },
  "backoff-initial": {
    type: "string",
    valueName: "S",
    description: "Delay before the first restart (default 1)",
  },
  "backoff-max": {
    type: "string",
    valueName: "S",
    description: "Largest delay between restarts (default 60)",
  },
  "max-restarts": {
    type: "string",
    valueName: "N",
    description: "Failed restarts before cooling off (default 5)",
  },
  cooldown: {
    type: "string",
    valueName: "S",
    description: "Cool-off period after max-restarts (default 300)",
  },
  "min-uptime": {
    type: "string",
    valueName: "S",
    description: "Uptime that resets the failure count (default 60)",
  },
  "stop-timeout": {
    type: "string",
    valueName: "S",
    description: "SIGTERM to SIGKILL grace (default 3)",
  },
};

/** The supervisor options given on this command line, as arguments for a `supervise` process. */
export function superviseArgs(values: OptionValues): string[] {
  const args: string[] = [];
  for (const name of Object.keys(SUPERVISE_OPTIONS)) {
    const value = values[name];
    if (typeof value === "string") args.push(`--${name}`, value);
  }
  return args;
}

/** The supervisor settings, validated. */
export interface SuperviseSettings {
  /** Monitor interval (ms). */
  intervalMs: number;
  /** Heartbeat check interval (ms). */
  checkIntervalMs: number;
  /** Heartbeat timeout (ms). */
  heartbeatTimeoutMs: number;
  /** Backoff start (ms). */
  backoffInitialMs: number;
  /** Backoff cap (ms). */
  backoffMaxMs: number;
  /** Restarts before cooling off. */
  maxRestarts: number;
  /** Cool-off (ms). */
  cooldownMs: number;
  /** Min uptime (ms). */
  minUptimeMs: number;
  /** Stop grace (ms). */
  stopTimeoutMs: number;
}

/** Validates the supervisor options (and their relations). */
export function superviseSettings(values: OptionValues): SuperviseSettings {
  const s = (name: string, fallback: number, min = 0.05, max = 86400) =>
    secondsOption(values, name, { min, max, fallback }) * 1000;
  const settings: SuperviseSettings = {
    intervalMs: intervalMs(values),
    checkIntervalMs: s("check-interval", 10, 0.05, 3600),
    heartbeatTimeoutMs: s("heartbeat-timeout", 30, 1, 86400),
    backoffInitialMs: s("backoff-initial", 1, 0.01, 3600),
    backoffMaxMs: s("backoff-max", 60, 0.01, 86400),
    maxRestarts: countOption(values, "max-restarts", { min: 0, max: 1000, fallback: 5 }),
    cooldownMs: s("cooldown", 300, 0.05, 7 * 86400),
    minUptimeMs: s("min-uptime", 60, 0.05, 86400),
    stopTimeoutMs: s("stop-timeout", 3, 0.05, 600),
  };
  if (settings.backoffMaxMs < settings.backoffInitialMs) {
    throw new UsageError(
      "Invalid value for --backoff-max: must not be less than --backoff-initial",
    );
  }
  return settings;
}

/** The settings in seconds, as status shows them. */
export function settingsInSeconds(settings: SuperviseSettings): Record<string, number> {
  return {
    interval_s: settings.intervalMs / 1000,
    check_interval_s: settings.checkIntervalMs / 1000,
    heartbeat_timeout_s: settings.heartbeatTimeoutMs / 1000,
    backoff_initial_s: settings.backoffInitialMs / 1000,
    backoff_max_s: settings.backoffMaxMs / 1000,
    max_restarts: settings.maxRestarts,
    cooldown_s: settings.cooldownMs / 1000,
    min_uptime_s: settings.minUptimeMs / 1000,
    stop_timeout_s: settings.stopTimeoutMs / 1000,
  };
}

/** `supervise`. */
export const superviseCommand: CommandSpec = {
  path: ["supervise"],
  summary: "Run the supervisor in the foreground: it starts the monitor and heals it",
  description:
    "Restarts the monitor at once when it dies (with exponential backoff), kills and replaces it\n" +
    "when its heartbeat goes stale, cools off after too many failures, and never gives up.",
  options: {
    ...MONITOR_OPTIONS,
    ...SUPERVISE_OPTIONS,
    daemon: {
      type: "boolean",
      description: "Log to the state dir only (used by monitor start)",
      hidden: true,
    },
  },
  async run(ctx) {
    const settings = superviseSettings(ctx.values);
    const paths = await ctx.statePaths();
    privateUmask();
    const daemon = flag(ctx.values, "daemon");
    await setupProcessLogging(paths, { name: "supervisor", stderrLevel: daemon ? false : "info" });
    const { stop, unhook } = terminationController();
    try {
      return await runSupervisorProcess({
        paths,
        childArgv: [
          ...selfCommand(),
          "monitor",
          ...globalArgs(ctx.values, paths.dir),
          ...monitorArgs(ctx.values),
          `--${SUPERVISED_CHILD_FLAG}`,
        ],
        policy: settings,
        checkIntervalMs: settings.checkIntervalMs,
        heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
        stopTimeoutMs: settings.stopTimeoutMs,
        settings: settingsInSeconds(settings),
        clock: systemClock,
        logger: log("supervisor"),
        stop: stop.signal,
        echoChildStderr: !daemon,
      });
    } catch (error) {
      if (daemon) logStartRefusal("supervisor", error);
      throw error;
    } finally {
      unhook();
      await shutdownLogging();
    }
  },
};
