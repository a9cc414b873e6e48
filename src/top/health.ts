/**
 * The health part of `top`'s header, pure: the monitor from its heartbeat file (fresh, late or
 * stale for its own interval; cycle number and time), the supervisor from `supervisor.json`
 * (state, restarts), and the problems either reports. Nothing here probes a lock or a process:
 * `top` must not disturb what it watches, so a fresh heartbeat is the proof of life (a supervised
 * monitor exits within seconds of losing its supervisor, so its fresh beat vouches for both).
 *
 * @module
 */

import type { Heartbeat } from "../lifecycle/heartbeat.ts";
import type { SupervisorSnapshot } from "../lifecycle/supervisor.ts";

/** How a part is coloured. */
export type Tone = "ok" | "warn" | "bad" | "info";

/** One part of the header. */
export interface HealthPart {
  /** The text (made of numbers and fixed words; pane text never gets here). */
  text: string;
  /** Its colour. */
  tone: Tone;
}

/** The header's health facts. */
export interface Health {
  /** `monitor ● ok pid 1 · cycle 5 took 3 ms, every 0.3 s · beat 0.2 s ago`. */
  monitor: HealthPart;
  /** `supervisor running pid 2 · 0 restarts`, `unsupervised`, … */
  supervisor: HealthPart;
  /** What else is wrong: tmux not answering, history rows lost, standing by. */
  problems: string[];
}

const secs = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

/** A heartbeat's freshness for its interval: fresh up to 2 intervals + 1 s, stale past + 5 s. */
export function beatFreshness(
  beat: Pick<Heartbeat, "at" | "intervalS">,
  nowMs: number,
  staleAfterS = 0,
): "fresh" | "late" | "stale" {
  const ageS = (nowMs - beat.at) / 1000;
  const interval = beat.intervalS > 0 ? beat.intervalS : 10;
  if (ageS <= interval * 2 + 1) return "fresh";
  return ageS <= Math.max(interval * 2 + 5, staleAfterS) ? "late" : "stale";
}

function monitorPart(beat: Heartbeat | undefined, nowMs: number, staleAfterS: number): HealthPart {
  if (!beat) return { text: "monitor ✗ not running (no heartbeat)", tone: "bad" };
  const freshness = beatFreshness(beat, nowMs, staleAfterS);
  const cycle = `cycle ${beat.cycle} took ${Math.round(beat.cycleMs * 10) / 10} ms, every ` +
    `${beat.intervalS} s`;
  const age = `beat ${secs(nowMs - beat.at)} ago`;
  if (freshness === "fresh") {
    return { text: `monitor ● ok pid ${beat.pid} · ${cycle} · ${age}`, tone: "ok" };
  }
  if (freshness === "late") {
    return { text: `monitor ▲ late pid ${beat.pid} · ${cycle} · ${age}`, tone: "warn" };
  }
  return {
    text: `monitor ✗ stale: last ${age} (pid ${beat.pid}, cycle ${beat.cycle})`,
    tone: "bad",
  };
}

function supervisorPart(
  beat: Heartbeat | undefined,
  snap: SupervisorSnapshot | undefined,
  live: boolean,
): HealthPart {
  const restarts = snap ? ` · ${snap.restarts} restart${snap.restarts === 1 ? "" : "s"}` : "";
  if (snap && live && beat?.supervised && snap.childPid === beat.pid) {
    return {
      text: `supervisor ${snap.state} pid ${snap.pid}${restarts}`,
      tone: snap.state === "running" ? "ok" : "warn",
    };
  }
  if (snap && !(live && beat && !beat.supervised)) {
    const next = snap.nextAttemptAt
      ? `, next start ${new Date(snap.nextAttemptAt).toISOString()}`
      : "";
    return {
      text: `supervisor ${snap.state} (last known, pid ${snap.pid}${next})${restarts}`,
      tone: snap.state === "running" ? "warn" : "bad",
    };
  }
  return { text: "unsupervised", tone: "info" };
}

/**
 * The header's health from the heartbeat file and `supervisor.json` (either may be missing).
 *
 * @example
 * ```ts
 * describeHealth(undefined, undefined, Date.now()).monitor.text;
 * // "monitor ✗ not running (no heartbeat)"
 * ```
 */
export function describeHealth(
  beat: Heartbeat | undefined,
  snap: SupervisorSnapshot | undefined,
  nowMs: number,
): Health {
  const staleAfterS = snap?.settings?.heartbeat_timeout_s ?? 0;
  const live = beat !== undefined && beatFreshness(beat, nowMs, staleAfterS) !== "stale";
  const problems: string[] = [];
  if (beat && live) {
    if (beat.tmux === false) problems.push("tmux server not answering");
    if (beat.standby) problems.push(`standing by: ${beat.standby}`);
    if (beat.storeLost) problems.push(`${beat.storeLost} history rows lost`);
    else if (beat.storeQueued) problems.push(`${beat.storeQueued} history rows queued`);
  }
  if (snap?.heartbeatWriteError) {
    problems.push(`heartbeat file not writable: ${snap.heartbeatWriteError}`);
  }
  return {
    monitor: monitorPart(beat, nowMs, staleAfterS),
    supervisor: supervisorPart(beat, snap, live),
    problems,
  };
}
