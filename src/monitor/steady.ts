/**
 * The detection a cycle can skip: an agent at rest at an empty prompt (`idle`) or showing a busy
 * marker (`active`: the marker stays while the screen does), not captured this cycle (its screen
 * has not changed), with the same foreground command, title and profile as when the detector last
 * classified it. For it, `detectState` would carry the previous findings forward and give the same
 * observation again, with only `controlsMono` moved to now (its prompt or marker still shows); {@linkcode carriedIdle} builds that observation here, without the round trip
 * to the detection child (`detector.ts`), which costs the monitor ~10 ms per 100 agents even when
 * nothing changed.
 *
 * Only what cannot be decided differently is skipped: the profile's patterns (shell commands, the
 * busy title) saw the same command and title last time and found nothing (the state was `idle`);
 * the time-based rules are checked here with the same numbers (`maxCarryMs`: the screen is no
 * longer vouched for; `idleAfterMs`). Anything else (another state or detail, a hook's verdict, a
 * detection that timed out, a restored memory) goes to the detector. `tests/monitor/steady_test.ts`
 * compares the two on real screens.
 *
 * @module
 */

import {
  DEFAULT_IDLE_AFTER_MS,
  DEFAULT_MAX_CARRY_MS,
  DEFAULT_UNKNOWN_AFTER_MS,
  type DetectInput,
  type DetectOptions,
} from "../agents/detect.ts";
import { truncate } from "../agents/screen.ts";
import type { Observation } from "../agents/types.ts";
import type { PaneRecord } from "../tmux/types.ts";

/** The detail of an idle agent (`detect.ts`, without a usage-limit note or warning). */
const IDLE_DETAIL = "input prompt empty";

/** What detection reads of a pane besides its screen: profile, command, title, dead state. */
export function detectionKey(pane: PaneRecord, profileName: string): string {
  return [profileName, pane.currentCommand, pane.title ?? "", pane.dead ? "dead" : "live"].join(
    "\0",
  );
}

/**
 * The observation `detectState(input, options)` would return, when it can be told without running
 * the profile's patterns; `undefined` when detection must run. `key` is the
 * {@linkcode detectionKey} of the pane when the detector produced `input.previous` (`undefined`
 * when it did not: a hook's verdict, a restored memory).
 */
export function carriedIdle(
  input: DetectInput,
  options: DetectOptions,
  key: string | undefined,
): Observation | undefined {
  const prev = input.previous;
  if (input.capture !== null || !prev || key === undefined || input.pane.dead) return undefined;
  if (key !== detectionKey(input.pane, input.profile.name)) return undefined;
  if (prev.resetAt !== undefined) return undefined;
  const idle = prev.state === "idle" && prev.detail === IDLE_DETAIL &&
    prev.promptVisible === true && prev.inputText === "" && prev.busyMarker === undefined;
  // A busy marker on an unchanged screen keeps the agent active (it is carried with the screen).
  const busy = prev.state === "active" && prev.busyMarker !== undefined &&
    prev.detail === truncate(`busy: ${prev.busyMarker}`);
  if (!idle && !busy) return undefined;
  const unknownAfterMs = options.unknownAfterMs ?? DEFAULT_UNKNOWN_AFTER_MS;
  const maxCarryMs = options.maxCarryMs ?? Math.max(DEFAULT_MAX_CARRY_MS, unknownAfterMs);
  const idleAfterMs = options.idleAfterMs ?? DEFAULT_IDLE_AFTER_MS;
  const capturedMono = prev.capturedMono ?? prev.lastChangeMono;
  if (input.monoNow - capturedMono > maxCarryMs) return undefined;
  if (idle && input.monoNow - prev.lastChangeMono < idleAfterMs) return undefined;
  const observation: Observation = {
    paneId: input.pane.paneId,
    state: prev.state,
    since: prev.since,
    lastChangeMono: prev.lastChangeMono,
    lastChangeWall: prev.lastChangeWall,
    screenHash: prev.screenHash,
    inputText: prev.inputText,
    detail: prev.detail,
    promptVisible: prev.promptVisible ?? false,
    busy,
    recognised: prev.recognised ?? true,
  };
  if (busy) observation.busyMarker = prev.busyMarker;
  observation.capturedMono = capturedMono;
  observation.controlsMono = input.monoNow;
  return observation;
}
