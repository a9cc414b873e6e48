/**
 * The monitor's options, shared by `monitor`, `supervise` and `monitor start` (and `service
 * install`), and the function that forwards them from the supervisor to its child.
 *
 * @module
 */

import { join } from "node:path";
import type { MonitorOptions } from "../../monitor/monitor.ts";
import { readProfilesFile } from "../../monitor/profiles_file.ts";
import { UsageError } from "../../state/errors.ts";
import type { OptionSpec, OptionValues } from "../spec.ts";
import { countOption, flag, secondsOption, stringOption } from "../values.ts";

/** Options that configure the monitor itself. */
export const MONITOR_OPTIONS: Record<string, OptionSpec> = {
  interval: {
    type: "string",
    valueName: "S",
    description: "Seconds between monitor cycles (default 10)",
  },
  "idle-after": {
    type: "string",
    valueName: "S",
    description: "Seconds of quiet at an empty prompt before an agent is idle (default 20)",
  },
  "unknown-after": {
    type: "string",
    valueName: "S",
    description:
      "Seconds with no input prompt, busy marker or dialog recognised before an agent is unknown (default 60)",
  },
  "notify-unknown-after": {
    type: "string",
    valueName: "S",
    description: "Seconds an agent is unknown before its PM is told (default 60)",
  },
  "notify-cooldown": {
    type: "string",
    valueName: "S",
    description: "Least seconds between two notices about one agent and state (default 300)",
  },
  "max-hold": {
    type: "string",
    valueName: "S",
    description: "Longest seconds a notice waits for a busy PM (default 120)",
  },
  "no-auto-detect": {
    type: "boolean",
    description: "Watch registered panes only (no detection of agents by process name)",
  },
  "no-submit-stuck": {
    type: "boolean",
    description: "Do not press Enter for input left unsent in an agent's prompt",
  },
  "resume-after-limit": {
    type: "boolean",
    description: "Type a message into a rate-limited agent once its limit resets",
  },
  "resume-message": {
    type: "string",
    valueName: "TEXT",
    description: "That message (implies --resume-after-limit)",
  },
  "restart-crashed": {
    type: "boolean",
    description: "Respawn a crashed agent's pane with its registered --command",
  },
  "no-notify": {
    type: "boolean",
    description: "Do not message PMs (still detect, record and act)",
  },
  "capture-concurrency": {
    type: "string",
    valueName: "N",
    description: "Most pane captures in flight at once (default 64)",
    hidden: true,
  },
};

/** Hidden switch: this monitor is a supervised child (heartbeats on stdout, exit with the parent). */
export const SUPERVISED_CHILD_FLAG = "supervised-child";

/** The monitor interval in milliseconds. */
export function intervalMs(values: OptionValues): number {
  return secondsOption(values, "interval", { min: 0.05, max: 3600, fallback: 10 }) * 1000;
}

/** The longest resume message accepted. */
const MAX_RESUME_MESSAGE = 2000;

/**
 * The monitor's settings from its options, validated. Throws {@linkcode UsageError} (one line,
 * exit 2) for a bad value.
 */
export function monitorSettings(values: OptionValues): MonitorOptions {
  const seconds = (name: string, fallback: number, min: number, max: number) =>
    secondsOption(values, name, { min, max, fallback }) * 1000;
  const resumeMessage = stringOption(values, "resume-message");
  if (resumeMessage !== undefined) {
    // deno-lint-ignore no-control-regex
    if (resumeMessage.trim() === "" || /[\u0000-\u001f\u007f]/.test(resumeMessage)) {
      throw new UsageError(
        "Invalid value for --resume-message: expected one line of text without control characters",
      );
    }
    if (resumeMessage.length > MAX_RESUME_MESSAGE) {
      throw new UsageError(
        `Invalid value for --resume-message: longer than ${MAX_RESUME_MESSAGE} characters`,
      );
    }
  }
  return {
    idleAfterMs: seconds("idle-after", 20, 0.05, 86400),
    unknownAfterMs: seconds("unknown-after", 60, 0.05, 86400),
    notifyUnknownAfterMs: seconds("notify-unknown-after", 60, 0, 7 * 86400),
    notifyCooldownMs: seconds("notify-cooldown", 300, 0.05, 7 * 86400),
    maxHoldMs: seconds("max-hold", 120, 0.05, 86400),
    autoDetect: !flag(values, "no-auto-detect"),
    submitStuck: !flag(values, "no-submit-stuck"),
    resumeAfterLimit: flag(values, "resume-after-limit") || resumeMessage !== undefined,
    resumeMessage,
    restartCrashed: flag(values, "restart-crashed"),
    notify: !flag(values, "no-notify"),
    captureConcurrency: countOption(values, "capture-concurrency", {
      min: 1,
      max: 1024,
      fallback: 64,
    }),
  };
}

/**
 * Global options forwarded to child processes (state dir and tmux socket). Also checks the state
 * dir's `profiles.json`, so that a bad file is one clear error before anything is started.
 */
export function globalArgs(values: OptionValues, stateDir: string): string[] {
  readProfilesFile(join(stateDir, "profiles.json"));
  const args = ["--state-dir", stateDir];
  if (typeof values["socket-name"] === "string") args.push("-L", values["socket-name"]);
  if (typeof values["socket-path"] === "string") args.push("-S", values["socket-path"]);
  return args;
}

/**
 * The monitor options given on this command line, as arguments for a child monitor. Validates
 * them first (throws {@linkcode UsageError}), so a bad value fails here, not in the child.
 */
export function monitorArgs(values: OptionValues): string[] {
  intervalMs(values);
  monitorSettings(values);
  const args: string[] = [];
  for (const [name, spec] of Object.entries(MONITOR_OPTIONS)) {
    const value = values[name];
    if (value === undefined) continue;
    if (spec.type === "boolean") {
      if (value === true) args.push(`--${name}`);
    } else if (Array.isArray(value)) {
      for (const v of value) args.push(`--${name}`, v);
    } else {
      // A value that starts with "-" goes as --name=value, so it cannot be read as an option.
      const text = String(value);
      if (text.startsWith("-")) args.push(`--${name}=${text}`);
      else args.push(`--${name}`, text);
    }
  }
  return args;
}
