/**
 * What the monitor carries from one run to the next, so a restarted monitor (kill -9, supervisor
 * restart, upgrade) continues where the last one stopped instead of re-deciding every agent from
 * scratch: each agent's last observation (state, since, screen hash, input text), what was
 * auto-detected, the stuck-input bookkeeping, and the notification policy's state (held messages,
 * open rate limits). Kept as one JSON value in the store's `meta` table, written in the cycle's
 * transaction whenever it changes. Cooldown marks live in their own table (see the store).
 *
 * Monotonic times do not survive a restart: observations are saved with wall-clock times only and
 * {@linkcode restoreObservation} rebuilds the monotonic ones.
 *
 * @module
 */

import { AGENT_STATES, type AgentState, type Observation } from "../agents/types.ts";
import { emptyPolicyState, type PolicyState } from "../notify/policy.ts";
import type { Detection } from "./registry.ts";

/** The `meta` key the monitor state is saved under. */
export const MONITOR_STATE_KEY = "monitor.state";

/** Stuck-input bookkeeping for one pane. */
export interface StuckEpisode {
  /** The unsent text. */
  text: string;
  /** Whether Enter was pressed for it. */
  entered: boolean;
  /** Whether the PM was told. */
  told: boolean;
}

/** One pane as saved. */
export interface SavedPane {
  /** The pane (`%N`). */
  paneId: string;
  /** Its `pane_pid`: a different pid later means a different pane. */
  pid: number;
  /** The last observation (its `lastChangeMono` is meaningless after a restart). */
  observation: Observation;
  /** What was auto-detected in it, if anything. */
  detection?: Detection;
  /** Stuck-input bookkeeping, if any. */
  stuck?: StuckEpisode;
  /** Whether the PM was told about the pane's current `unknown` episode. */
  unknownTold?: boolean;
}

/** The saved monitor state. */
export interface SavedMonitorState {
  /** Format version. */
  version: 1;
  /** Panes. */
  panes: SavedPane[];
  /** The notification policy's state. */
  policy: PolicyState;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isState(value: unknown): value is AgentState {
  return typeof value === "string" && (AGENT_STATES as readonly string[]).includes(value);
}

function validObservation(value: unknown): value is Observation {
  if (!isRecord(value)) return false;
  return typeof value.paneId === "string" && isState(value.state) &&
    typeof value.since === "number" && typeof value.lastChangeWall === "number" &&
    typeof value.screenHash === "string" && typeof value.inputText === "string" &&
    typeof value.detail === "string";
}

/**
 * Parses a saved state; returns `undefined` for a missing, garbled or unknown-version value (the
 * monitor then starts fresh, which is safe: cooldown marks still prevent repeated notifications).
 */
export function parseSavedState(json: string | undefined): SavedMonitorState | undefined {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.version !== 1 || !Array.isArray(value.panes)) return undefined;
  const panes: SavedPane[] = [];
  for (const p of value.panes) {
    if (!isRecord(p) || typeof p.paneId !== "string" || typeof p.pid !== "number") continue;
    if (!validObservation(p.observation)) continue;
    const pane: SavedPane = { paneId: p.paneId, pid: p.pid, observation: p.observation };
    const d = p.detection;
    if (
      isRecord(d) && typeof d.profile === "string" && typeof d.pid === "number" &&
      typeof d.command === "string"
    ) {
      pane.detection = { profile: d.profile, pid: d.pid, command: d.command };
    }
    const s = p.stuck;
    if (isRecord(s) && typeof s.text === "string") {
      pane.stuck = { text: s.text, entered: s.entered === true, told: s.told === true };
    }
    if (p.unknownTold === true) pane.unknownTold = true;
    panes.push(pane);
  }
  const policy = isRecord(value.policy) && Array.isArray(value.policy.held) &&
      Array.isArray(value.policy.limits)
    ? value.policy as unknown as PolicyState
    : emptyPolicyState();
  return { version: 1, panes, policy };
}

/** Serialises a state (observations without their monotonic time). */
export function serializeState(state: SavedMonitorState): string {
  return JSON.stringify({
    ...state,
    panes: state.panes.map((p) => ({
      ...p,
      observation: {
        ...p.observation,
        lastChangeMono: 0,
        capturedMono: undefined,
        controlsMono: undefined,
      },
    })),
  });
}

/**
 * Rebuilds an observation saved by an earlier run for this run's clocks: the monotonic time of
 * the last screen change is set as far in the past as its wall-clock time is; the last capture
 * and the last sight of the agent's controls count from now (the pane is recaptured at once, and
 * the time-bounded `unknown` starts its clock again).
 */
export function restoreObservation(
  saved: Observation,
  now: { monoNow: number; wallNow: number },
): Observation {
  const age = Math.max(0, now.wallNow - saved.lastChangeWall);
  return {
    ...saved,
    lastChangeMono: now.monoNow - age,
    capturedMono: now.monoNow,
    controlsMono: now.monoNow,
  };
}
