/**
 * The soak's scripted agents and its checks: fake agents that CHANGE STATE (each driven through a
 * seeded random sequence of screens, every state held long enough to be classified) and the two
 * correctness checks read from the monitor's store afterwards. (The fake PM that takes the
 * notifications is `scripts/fake_agent/fake_pm.ts`.)
 *
 * ## Held long enough to be classified
 *
 * The driver reads the monitor's heartbeat (cycle N is written when cycle N ends). A screen drawn
 * after reading cycle N is seen by cycle N + 2 at the latest (cycle N + 1 may have listed the panes
 * before the drawing). A state is therefore held until the heartbeat shows cycle N + 3 (one more
 * cycle for a screen tmux drew in two reads) plus a seeded random 0–4 cycles (to stagger agents).
 * `idle` needs `idleAfterMs` of quiet after the monitor saw the screen: the driver notes when the
 * heartbeat first showed N + 2 (the capture was before that), waits `idleAfterMs` + 100 ms past it,
 * reads the cycle M then, and holds the idle screen until cycle M + 2 has ended (that cycle started
 * after the quiet time, so it declares `idle`).
 *
 * ## The checks
 *
 * - **No event lost.** Per agent, the states it was driven through (in order; consecutive states
 *   always differ) must be a subsequence of the `to` states of its recorded transitions (in id
 *   order). Recorded transitions may hold more (e.g. `waiting` → `active` → `idle`: a new screen
 *   is activity before the quiet time makes it idle; the first look is `unknown`), never fewer.
 *   Matching is greedy; an induced state with no match later in the record counts as missing.
 * - **No duplicate notification.** No two `delivered` notifications about the same (agent, state)
 *   less than the notify cooldown apart.
 *
 * @module
 */

import type { EventRecord } from "../../src/store/store.ts";
import type { FarmPane, PaneFarm } from "./farm.ts";
import { SCRIPTED_STATES, scriptedScreen, type ScriptedState } from "../fake_agent/screens.ts";
import { seededRandom } from "./stats.ts";

/** One state a fake agent was driven into. */
export interface InducedState {
  /** The state its screen shows. */
  state: ScriptedState;
  /** Wall-clock ms when the screen was drawn. */
  atMs: number;
  /** The monitor's last finished cycle when it was drawn. */
  cycle: number;
}

interface Hold {
  state?: ScriptedState;
  drawnAfter: number;
  extra: number;
  seenAtMs?: number;
  quietCycle?: number;
}

interface DrivenAgent {
  pane: FarmPane;
  hold: Hold;
  induced: InducedState[];
}

/** Options for {@linkcode StateDriver}. */
export interface StateDriverOptions {
  /** The monitor's `--idle-after` (ms). */
  idleAfterMs: number;
  /** Seed of the state sequences and hold lengths (default 1). */
  seed?: number;
  /** Most extra cycles a state is held beyond the minimum (default 4). */
  maxExtraCycles?: number;
}

/** Drives the farm's agents through scripted states and remembers every state it induced. */
export class StateDriver {
  readonly #farm: PaneFarm;
  readonly #agents: DrivenAgent[];
  readonly #idleAfterMs: number;
  readonly #random: () => number;
  readonly #maxExtra: number;
  #step = 0;

  /** A driver for every pane of `farm`; nothing is drawn before {@linkcode StateDriver.tick}. */
  constructor(farm: PaneFarm, options: StateDriverOptions) {
    this.#farm = farm;
    this.#idleAfterMs = options.idleAfterMs;
    this.#random = seededRandom(options.seed ?? 1);
    this.#maxExtra = options.maxExtraCycles ?? 4;
    this.#agents = farm.panes.map((pane) => ({
      pane,
      hold: { drawnAfter: 0, extra: this.#extra() + this.#extra() },
      induced: [],
    }));
  }

  #extra(): number {
    return Math.floor(this.#random() * (this.#maxExtra + 1));
  }

  /** Whether `agent`'s current state has been held long enough (updates its hold's clocks). */
  #classified(hold: Hold, cycle: number, nowMs: number): boolean {
    if (hold.seenAtMs === undefined && cycle >= hold.drawnAfter + 2) hold.seenAtMs = nowMs;
    if (cycle < hold.drawnAfter + 3 + hold.extra) return false;
    if (hold.state !== "idle") return true;
    if (hold.seenAtMs === undefined || nowMs < hold.seenAtMs + this.#idleAfterMs + 100) {
      return false;
    }
    hold.quietCycle ??= cycle;
    return cycle >= hold.quietCycle + 2;
  }

  /**
   * One step: every agent whose state has been held long enough gets its next state drawn, unless
   * `draining` (then nothing new is drawn). `cycle` is the monitor's last finished cycle. Returns
   * how many agents still hold a state not yet surely classified.
   */
  async tick(cycle: number, options: { draining?: boolean } = {}): Promise<number> {
    const now = Date.now();
    let pending = 0;
    for (const agent of this.#agents) {
      const done = this.#classified(agent.hold, cycle, now);
      if (!done) {
        if (agent.hold.state !== undefined) pending++;
        continue;
      }
      if (options.draining) continue;
      const choices = SCRIPTED_STATES.filter((s) => s !== agent.hold.state);
      const state = choices[Math.floor(this.#random() * choices.length)];
      this.#step++;
      await this.#farm.draw(
        agent.pane,
        scriptedScreen(state, agent.pane, this.#step, { width: this.#farm.width }),
      );
      agent.induced.push({ state, atMs: now, cycle });
      agent.hold = { state, drawnAfter: cycle, extra: this.#extra() };
      pending++;
    }
    return pending;
  }

  /** The states each agent was driven through, by agent name. */
  get induced(): ReadonlyMap<string, readonly InducedState[]> {
    return new Map(this.#agents.map((a) => [a.pane.name, a.induced]));
  }
}

/** What {@linkcode checkSoakEvents} found. */
export interface SoakEventCheck {
  /** Agents driven. */
  agents: number;
  /** States the agents were driven into. */
  induced: number;
  /** Transitions recorded for those agents. */
  recorded: number;
  /** Induced states found in order among the recorded transitions. */
  matched: number;
  /** Induced states not found (`induced - matched`). */
  missing: number;
  /** Up to 5 missing ones: `agent: state (drawn after cycle N)`. */
  missingExamples: string[];
  /** `delivered` notification rows (one per agent named in a PM message). */
  delivered: number;
  /** Of those, ones less than the cooldown after one about the same agent and state. */
  duplicates: number;
  /** Up to 5 duplicates: `agent/state: gap ms`. */
  duplicateExamples: string[];
  /** Notification rows per delivery result. */
  notifications: Record<string, number>;
}

/**
 * The soak's two correctness checks over the monitor's events (see the module documentation):
 * induced states against recorded transitions, and delivered notifications against the cooldown.
 */
export function checkSoakEvents(
  events: readonly EventRecord[],
  induced: ReadonlyMap<string, readonly InducedState[]>,
  options: { cooldownMs: number },
): SoakEventCheck {
  const transitions = new Map<string, string[]>();
  const delivered = new Map<string, number[]>();
  const notifications: Record<string, number> = {};
  let recorded = 0;
  for (const event of [...events].sort((a, b) => a.id - b.id)) {
    if (event.agent === undefined) continue;
    if (event.kind === "transition" && induced.has(event.agent)) {
      recorded++;
      const list = transitions.get(event.agent) ?? [];
      list.push(event.toState ?? "");
      transitions.set(event.agent, list);
    } else if (event.kind === "notification") {
      const result = event.delivery ?? "unknown";
      notifications[result] = (notifications[result] ?? 0) + 1;
      if (result === "delivered") {
        const key = `${event.agent}/${event.toState ?? ""}`;
        const list = delivered.get(key) ?? [];
        list.push(event.ts);
        delivered.set(key, list);
      }
    }
  }
  let total = 0;
  let matched = 0;
  const missingExamples: string[] = [];
  for (const [agent, states] of induced) {
    const record = transitions.get(agent) ?? [];
    let at = 0;
    for (const s of states) {
      total++;
      const found = record.indexOf(s.state, at);
      if (found === -1) {
        if (missingExamples.length < 5) {
          missingExamples.push(`${agent}: ${s.state} (drawn after cycle ${s.cycle})`);
        }
        continue;
      }
      matched++;
      at = found + 1;
    }
  }
  let deliveredCount = 0;
  let duplicates = 0;
  const duplicateExamples: string[] = [];
  for (const [key, times] of delivered) {
    deliveredCount += times.length;
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i] - times[i - 1];
      if (gap < options.cooldownMs) {
        duplicates++;
        if (duplicateExamples.length < 5) duplicateExamples.push(`${key}: ${gap} ms apart`);
      }
    }
  }
  return {
    agents: induced.size,
    induced: total,
    recorded,
    matched,
    missing: total - matched,
    missingExamples,
    delivered: deliveredCount,
    duplicates,
    duplicateExamples,
    notifications,
  };
}
