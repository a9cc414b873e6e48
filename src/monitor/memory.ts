/**
 * What the monitor remembers between cycles, pane by pane: the last observation (the input of
 * the next detection), capture marks, the stuck-input and `unknown` episodes, detections of
 * unregistered agents, signature probes and respawned panes. Saved with every cycle
 * (`persist.ts`) and restored at start, so a restarted monitor carries on where it stopped.
 *
 * @module
 */

import type { Observation } from "../agents/types.ts";
import type { PolicyState } from "../notify/policy.ts";
import type { PaneCaptureMark } from "../tmux/panes.ts";
import type { PaneRecord } from "../tmux/types.ts";
import type { CaptureMemory, ProbeMarks } from "./capture.ts";
import { restoreObservation, type SavedMonitorState, type StuckEpisode } from "./persist.ts";
import type { Detection } from "./registry.ts";

/** What the monitor remembers about one monitored pane. */
export interface PaneMemory {
  /** The pane's process (a new one under the same pane id starts over). */
  pid: number;
  /** The last observation. */
  observation: Observation;
  /** Change key and wall time of its last capture. */
  capture?: PaneCaptureMark;
  /** Monotonic ms of its last capture. */
  capturedAtMono?: number;
  /** Capture it next cycle whatever its change key says (after an action or a restore). */
  confirm: boolean;
  /** The current stuck-input episode. */
  stuck?: StuckEpisode;
  /** Whether the PM was told about the current `unknown` episode. */
  unknownTold?: boolean;
  /** The pane's `@tmux-orc-hook` value last cycle (a change is captured at once). */
  hook?: string;
  /** The hook/screen contradiction last logged (`AT:SCREEN_STATE`), so it is logged once. */
  hookNoted?: string;
  /**
   * `detectionKey` (`steady.ts`) of the pane when the detector's own verdict became
   * {@linkcode PaneMemory.observation}; unset after a hook's verdict or a restore.
   */
  detectedKey?: string;
}

/** The monitor's memory of its panes. */
export class PaneMemories {
  /** Memory by pane id. */
  readonly panes: Map<string, PaneMemory> = new Map();
  /** Detections of unregistered agents, by pane id. */
  detections: Map<string, Detection> = new Map();
  /** Signature probes of generic runtimes, by pane id. */
  readonly probes: ProbeMarks = new Map();
  /** Panes respawned by a restart (their new pid is expected). */
  readonly respawned: Set<string> = new Set();

  /** What the capture gating reads of a pane. */
  captureMemory(paneId: string): CaptureMemory | undefined {
    const mem = this.panes.get(paneId);
    return mem && { ...mem, screenHash: mem.observation.screenHash };
  }

  /**
   * Forgets panes that are gone, and panes whose process changed (a new tmux server reusing pane
   * ids) unless a restart respawned them; `onForget` hears each.
   */
  forgetVanished(panes: readonly PaneRecord[], onForget: (paneId: string) => void): void {
    const byId = new Map(panes.map((p) => [p.paneId, p]));
    for (const [id, mem] of this.panes) {
      const pane = byId.get(id);
      if (!pane) {
        this.panes.delete(id);
        this.respawned.delete(id);
        onForget(id);
      } else if (pane.pid !== mem.pid && !this.respawned.has(id)) {
        // A different process tree under a reused pane id (e.g. a new tmux server): start over.
        this.panes.delete(id);
        onForget(id);
      }
    }
    for (const [id, probe] of this.probes) {
      const pane = byId.get(id);
      if (!pane || pane.pid !== probe.pid) this.probes.delete(id);
    }
  }

  /** Keeps only the memory of these panes (the others were unregistered or are no longer detected). */
  keepOnly(paneIds: ReadonlySet<string>): void {
    for (const id of this.panes.keys()) if (!paneIds.has(id)) this.panes.delete(id);
  }

  /** The memory as saved in the store, with the notification policy's state. */
  snapshot(policy: PolicyState): SavedMonitorState {
    return {
      version: 1,
      panes: [...this.panes].map(([paneId, mem]) => {
        const pane: SavedMonitorState["panes"][number] = {
          paneId,
          pid: mem.pid,
          observation: mem.observation,
        };
        const detection = this.detections.get(paneId);
        if (detection) pane.detection = detection;
        if (mem.stuck) pane.stuck = mem.stuck;
        if (mem.unknownTold) pane.unknownTold = true;
        return pane;
      }),
      policy,
    };
  }

  /** Restores a saved memory; every pane is confirmed by a capture next cycle. */
  restore(saved: SavedMonitorState, now: { monoNow: number; wallNow: number }): void {
    for (const pane of saved.panes) {
      this.panes.set(pane.paneId, {
        pid: pane.pid,
        observation: restoreObservation(pane.observation, now),
        confirm: true,
        stuck: pane.stuck,
        unknownTold: pane.unknownTold,
      });
      if (pane.detection) this.detections.set(pane.paneId, pane.detection);
    }
  }
}
