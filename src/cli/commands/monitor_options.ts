/**
 * The monitor's options, shared by `monitor`, `supervise` and `monitor start`, and the function
 * that forwards them from the supervisor to its child.
 *
 * @module
 */

import type { OptionSpec, OptionValues } from "../spec.ts";
import { secondsOption } from "../values.ts";

/** Options that configure the monitor itself. */
export const MONITOR_OPTIONS: Record<string, OptionSpec> = {
  interval: {
    type: "string",
    valueName: "S",
    description: "Seconds between monitor cycles (default 10)",
  },
};

/** Hidden switch: this monitor is a supervised child (heartbeats on stdout, exit with the parent). */
export const SUPERVISED_CHILD_FLAG = "supervised-child";

/** The monitor interval in milliseconds. */
export function intervalMs(values: OptionValues): number {
  return secondsOption(values, "interval", { min: 0.05, max: 3600, fallback: 10 }) * 1000;
}

/** Global options forwarded to child processes (state dir and tmux socket). */
export function globalArgs(values: OptionValues, stateDir: string): string[] {
  const args = ["--state-dir", stateDir];
  if (typeof values["socket-name"] === "string") args.push("-L", values["socket-name"]);
  if (typeof values["socket-path"] === "string") args.push("-S", values["socket-path"]);
  return args;
}

/** The monitor options given on this command line, as arguments for a child monitor. */
export function monitorArgs(values: OptionValues): string[] {
  const args: string[] = [];
  for (const [name, spec] of Object.entries(MONITOR_OPTIONS)) {
    const value = values[name];
    if (value === undefined) continue;
    if (spec.type === "boolean") {
      if (value === true) args.push(`--${name}`);
    } else if (Array.isArray(value)) {
      for (const v of value) args.push(`--${name}`, v);
    } else {
      args.push(`--${name}`, String(value));
    }
  }
  return args;
}
