/**
 * The monitoring strategies the bench compares, all running the real {@linkcode Monitor} (same
 * listing, classification and store); they differ only in how tmux is reached and which panes
 * are captured:
 *
 * - `sequential`: the replaced system's approach: one tmux subprocess per command, every agent
 *   pane captured every cycle, one after another;
 * - `pooled`: the same with 10 captures in flight (the replaced system's thread pool of 10);
 * - `control-all`: our one control-mode connection, but still every pane every cycle (shows what
 *   the connection alone buys);
 * - `default`: what tmux-orc runs: the control-mode connection plus change gating (a pane whose
 *   `list-panes` fingerprint shows no new output is not captured again).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { Monitor } from "../../src/monitor/monitor.ts";
import type { Store } from "../../src/store/store.ts";
import { ControlClient } from "../../src/tmux/control_client.ts";
import { SubprocessClient } from "../../src/tmux/subprocess_client.ts";
import type { TmuxClient, TmuxServer } from "../../src/tmux/types.ts";
import type { Clock } from "../../src/util/clock.ts";

/** The strategy names, in table order. */
export const STRATEGY_NAMES = ["sequential", "pooled", "control-all", "default"] as const;

/** One strategy name. */
export type StrategyName = typeof STRATEGY_NAMES[number];

/** How a strategy reaches tmux and what it captures. */
export interface StrategySpec {
  /** Its name. */
  name: StrategyName;
  /** One line for reports. */
  description: string;
  /** One subprocess per command, or one control-mode connection. */
  transport: "subprocess" | "control";
  /** Captures in flight at once (`undefined`: the monitor's default). */
  captureConcurrency?: number;
  /** Whether unchanged panes are skipped. */
  changeGating: boolean;
}

/** The strategies, by name. */
export const STRATEGIES: Readonly<Record<StrategyName, StrategySpec>> = {
  sequential: {
    name: "sequential",
    description: "replaced system: tmux subprocess per pane, one at a time, every pane every cycle",
    transport: "subprocess",
    captureConcurrency: 1,
    changeGating: false,
  },
  pooled: {
    name: "pooled",
    description: "replaced system with a pool of 10: subprocess per pane, 10 at a time, every pane",
    transport: "subprocess",
    captureConcurrency: 10,
    changeGating: false,
  },
  "control-all": {
    name: "control-all",
    description: "one control-mode connection, every pane every cycle (no change gating)",
    transport: "control",
    changeGating: false,
  },
  default: {
    name: "default",
    description: "tmux-orc: one control-mode connection, only changed panes captured",
    transport: "control",
    changeGating: true,
  },
};

/** Whether `name` is a strategy name. */
export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** Opens the tmux client a strategy uses. */
export function strategyClient(spec: StrategySpec, server: TmuxServer): TmuxClient {
  return spec.transport === "control"
    ? new ControlClient(server, { timeoutMs: 30_000 })
    : new SubprocessClient(server, { timeoutMs: 30_000 });
}

/** What {@linkcode createStrategyMonitor} needs. */
export interface StrategyMonitorDeps {
  /** The tmux client (from {@linkcode strategyClient}, possibly wrapped). */
  tmux: TmuxClient;
  /** The store every cycle writes to. */
  store?: Store;
  /** Clock. */
  clock: Clock;
}

/** Builds the real {@linkcode Monitor} configured the way `spec` says. */
export function createStrategyMonitor(spec: StrategySpec, deps: StrategyMonitorDeps): Monitor {
  return new Monitor({
    tmux: deps.tmux,
    clock: deps.clock,
    logger: getLogger(["tmux-orc", "bench", spec.name]),
    store: deps.store,
    options: {
      ...(spec.captureConcurrency !== undefined
        ? { captureConcurrency: spec.captureConcurrency }
        : {}),
      changeGating: spec.changeGating,
    },
  });
}
