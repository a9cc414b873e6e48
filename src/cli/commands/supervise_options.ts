/**
 * The supervisor process's options, as one typed table ({@linkcode SUPERVISOR_TABLE}) shared by
 * `supervise`, `monitor start --supervised` and `service install`. Every default is the
 * library's own ({@linkcode DEFAULT_RESTART_POLICY}, {@linkcode DEFAULT_SUPERVISOR_TIMING}).
 *
 * @module
 */

import { DEFAULT_RESTART_POLICY } from "../../lifecycle/restart_policy.ts";
import { DEFAULT_SUPERVISOR_TIMING } from "../../lifecycle/supervisor.ts";
import { UsageError } from "../../state/errors.ts";
import { count, forwardArgs, type Options, seconds } from "../options.ts";
import type { OptionValues } from "../spec.ts";
import type { MonitorTableValues } from "./monitor_options.ts";

const DAY_S = 86400;

/** The supervisor's own options (durations in ms). */
export const SUPERVISOR_TABLE = {
  checkIntervalMs: seconds({
    flag: "check-interval",
    min: 0.05,
    max: 3600,
    default: DEFAULT_SUPERVISOR_TIMING.checkIntervalMs,
    help: "Seconds between heartbeat checks",
  }),
  heartbeatTimeoutMs: seconds({
    flag: "heartbeat-timeout",
    min: 1,
    max: DAY_S,
    default: DEFAULT_SUPERVISOR_TIMING.heartbeatTimeoutMs,
    help: "Heartbeat age that counts as a hang",
  }),
  backoffInitialMs: seconds({
    flag: "backoff-initial",
    min: 0.01,
    max: 3600,
    default: DEFAULT_RESTART_POLICY.backoffInitialMs,
    help: "Delay before the first restart",
  }),
  backoffMaxMs: seconds({
    flag: "backoff-max",
    min: 0.01,
    max: DAY_S,
    default: DEFAULT_RESTART_POLICY.backoffMaxMs,
    help: "Largest delay between restarts",
  }),
  maxRestarts: count({
    flag: "max-restarts",
    min: 0,
    max: 1000,
    default: DEFAULT_RESTART_POLICY.maxRestarts,
    help: "Failed restarts before cooling off",
  }),
  cooldownMs: seconds({
    flag: "cooldown",
    min: 0.05,
    max: 7 * DAY_S,
    default: DEFAULT_RESTART_POLICY.cooldownMs,
    help: "Cool-off period after max-restarts",
  }),
  minUptimeMs: seconds({
    flag: "min-uptime",
    min: 0.05,
    max: DAY_S,
    default: DEFAULT_RESTART_POLICY.minUptimeMs,
    help: "Uptime that resets the failure count",
  }),
  stopTimeoutMs: seconds({
    flag: "stop-timeout",
    min: 0.05,
    max: 600,
    default: DEFAULT_SUPERVISOR_TIMING.stopTimeoutMs,
    help: "SIGTERM to SIGKILL grace",
  }),
};

/** The supervisor's typed option values. */
export type SupervisorTableValues = Options<typeof SUPERVISOR_TABLE>;

/** Checks what one option alone cannot: the backoff cap is not below its start. */
export function checkSupervisorValues(values: SupervisorTableValues): void {
  if (values.backoffMaxMs < values.backoffInitialMs) {
    throw new UsageError(
      "Invalid value for --backoff-max: must not be less than --backoff-initial",
    );
  }
}

/** The supervisor options given on this command line, as arguments for a `supervise` process. */
export function superviseArgs(values: OptionValues): string[] {
  return forwardArgs(SUPERVISOR_TABLE, values);
}

/** The settings in seconds, as `status` shows them (`supervisor.json`'s `settings`). */
export function settingsInSeconds(
  values: SupervisorTableValues & Pick<MonitorTableValues, "intervalMs">,
): Record<string, number> {
  return {
    interval_s: values.intervalMs / 1000,
    check_interval_s: values.checkIntervalMs / 1000,
    heartbeat_timeout_s: values.heartbeatTimeoutMs / 1000,
    backoff_initial_s: values.backoffInitialMs / 1000,
    backoff_max_s: values.backoffMaxMs / 1000,
    max_restarts: values.maxRestarts,
    cooldown_s: values.cooldownMs / 1000,
    min_uptime_s: values.minUptimeMs / 1000,
    stop_timeout_s: values.stopTimeoutMs / 1000,
  };
}
