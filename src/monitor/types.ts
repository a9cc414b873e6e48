/**
 * The monitor's interface types: what a `Monitor` (`monitor.ts`) needs and what one cycle reports.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import type { AgentProfile, ProcessHint } from "../agents/profiles.ts";
import type { ProcessTable } from "../actions/pane_processes.ts";
import type { Store } from "../store/store.ts";
import type { TmuxClient } from "../tmux/types.ts";
import type { Clock } from "../util/clock.ts";
import type { Detector } from "./detector.ts";
import type { MonitorOptions } from "./options.ts";
import type { Ownership } from "./ownership.ts";
import type { MonitorMetrics } from "../metrics/monitor_metrics.ts";
import type { Channel } from "../channels/types.ts";
import type { HumanChannelsDeps } from "../outbox/human.ts";

/** What one cycle did. */
export interface CycleResult {
  /** Cycle number (1-based). */
  cycle: number;
  /** Wall-clock ms when it started. */
  at: number;
  /** How long it took (ms, monotonic). */
  durationMs: number;
  /** Whether a tmux server answered. */
  tmux: boolean;
  /** Panes listed. */
  panes: number;
  /** Monitored panes (agents and PMs) among them. */
  agents: number;
  /** Monitored panes per state (every state, zero when none). */
  states: Record<string, number>;
  /** `capture-pane` commands run (agent captures and signature checks). */
  captured: number;
  /** State transitions. */
  transitions: number;
  /** PM messages delivered. */
  notifications: number;
  /** Actions taken (Enter pressed, pane restarted, resume message sent). */
  actions: number;
  /** History rows waiting in memory because the store cannot be written. */
  storeQueued?: number;
  /** History rows dropped since the start because that queue was full. */
  storeLost?: number;
  /** Set when another monitor owns the tmux server: who it is (this cycle did nothing). */
  standby?: string;
}

/** What one cycle looks at (the daemon loop's early cycles, `early_cycles.ts`). */
export interface CycleOptions {
  /**
   * Capture only these panes (an early, change-only cycle); the others keep their last
   * observation. Default: every pane that needs it (a full cycle).
   */
  panes?: ReadonlySet<string>;
  /**
   * Tmux is reporting pane changes (`change_feed.ts`): an unchanged pane is recaptured every
   * `watchedCaptureAgeMs` instead of every `maxCaptureAgeMs`.
   */
  watched?: boolean;
}

/** What a monitor needs. */
export interface MonitorDeps {
  /** The tmux connection (closed by {@linkcode Monitor.close}). */
  tmux: TmuxClient;
  /** Clock. */
  clock: Clock;
  /** Logger. */
  logger: Logger;
  /** The store (closed by {@linkcode Monitor.close}); without it nothing is persisted. */
  store?: Store;
  /** Agent profiles (default the built-ins). */
  profiles?: ReadonlyMap<string, AgentProfile>;
  /** Options. */
  options?: MonitorOptions;
  /** Sleep used while verifying deliveries (default a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Process table used to end a crashed pane's old processes (default `ps`). */
  processes?: ProcessTable;
  /** Opens the store again after its file was deleted or replaced (default `openStore`). */
  reopenStore?: (path: string) => Store;
  /** The claim on the tmux server (see `ownership.ts`); without it the monitor never stands by. */
  ownership?: Ownership;
  /** Where detection runs (default in this thread, no deadline; see `detector.ts`). */
  detector?: Detector;
  /**
   * Reads the command line of the program in a pane's foreground, given the pane's pid (default
   * `readProcessFacts` in `agents/process_facts.ts`): a `node` pane whose command line names a CLI is identified
   * without a screen signature.
   */
  processFacts?: (panePid: number) => Promise<ProcessHint | undefined>;
  /** Where cycles, transitions and notification outcomes are counted (`/metrics`). */
  metrics?: MonitorMetrics;
  /**
   * The configured channels (`parseChannels`): human ones get notices through the outbox
   * (needs `store`); the `pm` one filters or turns off the PM messages.
   */
  channels?: readonly Channel[];
  /** Outbox worker tuning (tests). */
  outbox?: HumanChannelsDeps["worker"];
}
