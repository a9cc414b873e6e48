/**
 * Capture and change gating: which panes a cycle captures, and the captures themselves.
 *
 * A pane is captured only when its output may have changed since its last capture (the
 * `list-panes` fields in its {@linkcode PaneCaptureMark}), or when its state needs confirming
 * (first look, after an action, `maxCaptureAgeMs` without a capture). Dead panes and panes with
 * a shell in the foreground are never captured: they are `crashed`. Generic runtimes (`node`…)
 * are captured once per change of their output to look for a CLI's screen signature.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import pLimit from "p-limit";
import { type AgentProfile, isShellCommand, type ProcessHint } from "../agents/profiles.ts";
import { errorMessage } from "../state/errors.ts";
import { type PaneCaptureMark, paneChangeKey, paneNeedsCapture } from "../tmux/panes.ts";
import type { PaneRecord, TmuxClient } from "../tmux/types.ts";
import type { Clock } from "../util/clock.ts";
import { type AgentPane, type Classification, classifyPanes, type Detection } from "./registry.ts";

/** What the monitor remembers of a pane's last capture. */
export interface CaptureMemory {
  /** The pane's change key and wall time at its last capture. */
  capture?: PaneCaptureMark;
  /** Monotonic ms of its last capture. */
  capturedAtMono?: number;
  /** Its state needs confirming: capture it whatever its change key says. */
  confirm: boolean;
  /** The last observation's screen hash (`""`: nothing captured yet). */
  screenHash: string;
}

/** The screens and change marks one cycle captured, by pane id. */
export interface Captures {
  /** `capture-pane -p -J` text. */
  screens: Map<string, string>;
  /** The change key and wall time of each capture. */
  marks: Map<string, PaneCaptureMark>;
}

/** How captures are made. */
export interface CaptureDeps {
  /** The tmux connection. */
  tmux: TmuxClient;
  /** Wall time of each capture (for its mark). */
  clock: Clock;
  /** Failed captures are logged at debug level (the pane stays uncaptured). */
  logger: Logger;
  /** Most captures in flight at once (at least 1). */
  concurrency: number;
}

/**
 * Whether an agent pane must be captured this cycle (see the module documentation).
 *
 * @example
 * ```ts
 * import { needsCapture } from "./capture.ts";
 * // Never seen before: capture.
 * // needsCapture(agent, undefined, { changeGating: true, maxCaptureAgeMs: 60_000 }, now) === true
 * ```
 */
export function needsCapture(
  agent: AgentPane,
  memory: CaptureMemory | undefined,
  options: { changeGating: boolean; maxCaptureAgeMs: number; monoNow: number },
): boolean {
  const pane = agent.pane;
  if (pane.dead || isShellCommand(pane.currentCommand, agent.profile)) return false;
  if (!memory || memory.confirm || memory.screenHash === "" || !memory.capture) return true;
  if (!options.changeGating) return true;
  if (paneNeedsCapture(pane, memory.capture)) return true;
  return memory.capturedAtMono === undefined ||
    options.monoNow - memory.capturedAtMono >= options.maxCaptureAgeMs;
}

/**
 * Captures panes concurrently into `into`; a failed capture leaves its pane uncaptured. Returns
 * how many captures were sent.
 */
export async function captureAll(
  panes: readonly PaneRecord[],
  deps: CaptureDeps,
  into: Captures,
): Promise<number> {
  if (panes.length === 0) return 0;
  const limit = pLimit(Math.max(1, deps.concurrency));
  await Promise.all(panes.map((pane) =>
    limit(async () => {
      const key = paneChangeKey(pane);
      const capturedAtMs = deps.clock.wall();
      try {
        const lines = await deps.tmux.run(["capture-pane", "-p", "-J", "-t", pane.paneId]);
        into.screens.set(pane.paneId, lines.join("\n"));
        into.marks.set(pane.paneId, { key, capturedAtMs });
      } catch (error) {
        deps.logger.debug("Cannot capture {pane}: {error}", {
          pane: pane.paneId,
          error: errorMessage(error),
        });
      }
    })
  ));
  return panes.length;
}

/** The marks of the screens looked at for a signature, by pane id (with the pane's pid). */
export type ProbeMarks = Map<string, PaneCaptureMark & { pid: number }>;

/** What {@linkcode findAgents} needs besides the panes. */
export interface FindAgentsInput {
  /** This cycle's `list-panes`. */
  panes: readonly PaneRecord[];
  /** The profiles that identify agent CLIs. */
  profiles: ReadonlyMap<string, AgentProfile>;
  /** Detect unregistered agents by process. */
  autoDetect: boolean;
  /** Last cycle's detections. */
  detections: ReadonlyMap<string, Detection>;
  /** Command lines of generic-runtime panes, by pane id. */
  processes: ReadonlyMap<string, ProcessHint>;
  /** Last signature probes (updated in place). */
  probes: ProbeMarks;
}

/**
 * Which panes are agents (`registry.ts`), capturing the generic runtimes whose output changed
 * (or that are registered) to look for a signature. Those screens are kept in `into`, so the
 * agents among them are not captured twice. Returns the classification and the captures sent.
 */
export async function findAgents(
  input: FindAgentsInput,
  deps: CaptureDeps,
  into: Captures,
): Promise<{ classification: Classification; captured: number }> {
  const classify = (screens?: Map<string, string>) =>
    classifyPanes({
      panes: input.panes,
      profiles: input.profiles,
      autoDetect: input.autoDetect,
      detections: input.detections,
      ...(screens ? { screens } : {}),
      processes: input.processes,
    });
  const first = classify();
  if (first.needScreen.length === 0) return { classification: first, captured: 0 };
  const probe = first.needScreen.filter((pane) =>
    pane.role !== "" || paneNeedsCapture(pane, input.probes.get(pane.paneId))
  );
  const captured = await captureAll(probe, deps, into);
  for (const pane of probe) {
    const mark = into.marks.get(pane.paneId);
    if (mark) input.probes.set(pane.paneId, { ...mark, pid: pane.pid });
  }
  return { classification: classify(into.screens), captured };
}
