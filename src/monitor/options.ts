/**
 * The monitor's tuning: every option and its default, in one place. The CLI's option table
 * (`src/cli/commands/monitor_options.ts`) reads its defaults from here.
 *
 * @module
 */

import { DEFAULT_IDLE_AFTER_MS, DEFAULT_UNKNOWN_AFTER_MS } from "../agents/detect.ts";
import type { RestartLimits } from "../actions/restart.ts";
import { DEFAULT_COOLDOWN_MS, DEFAULT_MAX_HOLD_MS } from "../notify/policy.ts";

/** Tuning of the monitor. Every field has a default. */
export interface MonitorOptions {
  /** Quiet time before an agent at an empty prompt is idle (default 20 000 ms). */
  idleAfterMs?: number;
  /**
   * How long a screen may show none of the agent's controls (input box, busy marker, prompt)
   * before an agent that looked active is `unknown` (default 60 000 ms).
   */
  unknownAfterMs?: number;
  /** How long an agent is `unknown` before its PM is told (default 60 000 ms). */
  notifyUnknownAfterMs?: number;
  /** Quiet time before unsent input counts as stuck (default: `idleAfterMs`). */
  stuckAfterMs?: number;
  /** Least time between two notifications about one agent entering one state (300 000 ms). */
  notifyCooldownMs?: number;
  /** Longest wait for a busy PM before a message is typed anyway (default 120 000 ms). */
  maxHoldMs?: number;
  /** Auto-detect unregistered agents by their process (default true). */
  autoDetect?: boolean;
  /** Press Enter once for stuck input (default true). */
  submitStuck?: boolean;
  /** Type a message into an agent after its rate limit resets (default false). */
  resumeAfterLimit?: boolean;
  /** That message (default the policy's `DEFAULT_RESUME_MESSAGE`). */
  resumeMessage?: string;
  /** Respawn crashed agents that have a `@tmux-orc-command` (default false). */
  restartCrashed?: boolean;
  /** Tell PMs at all (default true). */
  notify?: boolean;
  /** Most captures in flight at once (default 64; 1 = sequential). */
  captureConcurrency?: number;
  /** Capture only panes whose output may have changed (default true; false for benchmarks). */
  changeGating?: boolean;
  /** Recapture an unchanged agent pane at least this often (default 60 000 ms). */
  maxCaptureAgeMs?: number;
  /**
   * The same while tmux reports pane changes through the pane watch subscription, which vouches
   * for "unchanged" (default 600 000 ms; never less than `maxCaptureAgeMs`).
   */
  watchedCaptureAgeMs?: number;
  /** Bound on one delivery (default 2000 ms). */
  deliverTimeoutMs?: number;
  /** Restart throttling. */
  restartLimits?: RestartLimits;
  /** Time zone for reset times that state none (default the machine's). */
  defaultTimeZone?: string;
  /** Set `@tmux-orc-summary` and each pane's `@tmux-orc-state` (default true). */
  statusLine?: boolean;
}

/** The options that have fixed defaults. */
export type Defaulted = Required<
  Omit<MonitorOptions, "stuckAfterMs" | "resumeMessage" | "restartLimits" | "defaultTimeZone">
>;

/** The defaults of {@linkcode MonitorOptions}. */
export const DEFAULT_MONITOR_OPTIONS: Readonly<Defaulted> = {
  idleAfterMs: DEFAULT_IDLE_AFTER_MS,
  unknownAfterMs: DEFAULT_UNKNOWN_AFTER_MS,
  notifyUnknownAfterMs: 60_000,
  notifyCooldownMs: DEFAULT_COOLDOWN_MS,
  maxHoldMs: DEFAULT_MAX_HOLD_MS,
  autoDetect: true,
  submitStuck: true,
  resumeAfterLimit: false,
  restartCrashed: false,
  notify: true,
  captureConcurrency: 64,
  changeGating: true,
  maxCaptureAgeMs: 60_000,
  watchedCaptureAgeMs: 600_000,
  deliverTimeoutMs: 2000,
  statusLine: true,
};

/** Options with every default filled in. */
export type ResolvedOptions = MonitorOptions & Defaulted;

/** The options with the defaults filled in for what is absent (or `undefined`). */
export function resolveMonitorOptions(options: MonitorOptions = {}): ResolvedOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_MONITOR_OPTIONS, ...given };
}
