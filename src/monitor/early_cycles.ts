/**
 * When to run an early, change-only cycle: the pure decisions behind the monitor loop's reaction
 * to tmux's change notifications (`change_feed.ts`). No clock and no timers here: every method
 * takes the monotonic time, so tests drive it with plain numbers.
 *
 * - **Debounce**: an early cycle starts `debounceMs` after the FIRST change of a batch (not the
 *   last), so changes that keep coming (a busy agent) cannot postpone it; tmux itself reports at
 *   most once a second.
 * - **Rate bound**: an early cycle starts no sooner than `minGapMs` after the previous cycle
 *   ended, nor sooner than `dutyFactor` times that cycle's duration after it: early cycles take
 *   at most 1 / (1 + dutyFactor) of the time however many panes change (at 1,000 busy panes a
 *   cycle takes longer, so they come less often).
 * - **Follow-ups**: the panes of an early cycle are looked at again after each of `followUpsMs`
 *   (unless they change again first, which starts their follow-ups over): after ~1 s because
 *   tmux's `window_activity` has 1-second resolution (output in the same second after the capture
 *   shows no change to the gating; the follow-up's gating captures such a pane again), and once
 *   the quiet time that makes an agent idle or its input stuck has passed (those states come
 *   from time, not from a change).
 * - A full cycle covers every change noted before it started.
 *
 * @module
 */

/** Tuning of {@linkcode EarlyCycles}. */
export interface EarlyCycleOptions {
  /**
   * Wait after the first change of a batch.
   * @default 150
   */
  debounceMs?: number;
  /**
   * Least time from the end of one cycle to the start of an early one.
   * @default 250
   */
  minGapMs?: number;
  /**
   * An early cycle waits at least this many times the previous cycle's duration after it.
   * @default 3
   */
  dutyFactor?: number;
  /**
   * When the panes of an early cycle are looked at again, in ms after it ended.
   * @default [1100]
   */
  followUpsMs?: readonly number[];
}

/** The defaults of {@linkcode EarlyCycleOptions}. */
export const EARLY_CYCLE_DEFAULTS: Readonly<Required<EarlyCycleOptions>> = {
  debounceMs: 150,
  minGapMs: 250,
  dutyFactor: 3,
  followUpsMs: [1100],
};

/** One cycle as {@linkcode EarlyCycles.ran} hears of it. */
export interface CycleSpan {
  /** Monotonic ms when it started. */
  startedAt: number;
  /** Monotonic ms when it ended. */
  endedAt: number;
  /** A periodic full cycle (it covers every change noted before it started). */
  full: boolean;
}

/** Pending changes and the rate bound; see the module documentation. */
export class EarlyCycles {
  readonly #options: Required<EarlyCycleOptions>;
  /** Changed panes not yet looked at, with when each was first noted. */
  #pending = new Map<string, number>();
  /** Follow-up looks still due, by pane (ascending times). */
  #followUps = new Map<string, number[]>();
  /** The panes the last {@linkcode take} took as changed (not as follow-ups). */
  #taken = new Set<string>();
  #lastEnd = -Infinity;
  #lastDuration = 0;

  /** Creates the gate with `options` (defaults: {@linkcode EARLY_CYCLE_DEFAULTS}). */
  constructor(options: EarlyCycleOptions = {}) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.#options = { ...EARLY_CYCLE_DEFAULTS, ...given };
  }

  /** Panes that tmux reported changed at `now`. */
  changed(panes: Iterable<string>, now: number): void {
    for (const pane of panes) if (!this.#pending.has(pane)) this.#pending.set(pane, now);
  }

  /**
   * Schedules the follow-ups of `panes` from `now` as if an early cycle had just looked at them
   * (e.g. after a full cycle, for the agents whose state may still change with time alone).
   */
  followUp(panes: Iterable<string>, now: number): void {
    const times = this.#followUpTimes(now);
    if (times.length === 0) return;
    for (const pane of panes) this.#followUps.set(pane, times);
  }

  /** Whether any change or follow-up waits. */
  get pending(): boolean {
    return this.#pending.size > 0 || this.#followUps.size > 0;
  }

  /** When the next early cycle may start (monotonic ms); `undefined` when nothing waits. */
  dueAt(): number | undefined {
    let wanted = Infinity;
    for (const at of this.#pending.values()) {
      wanted = Math.min(wanted, at + this.#options.debounceMs);
    }
    for (const times of this.#followUps.values()) wanted = Math.min(wanted, times[0]);
    if (wanted === Infinity) return undefined;
    const gap = Math.max(this.#options.minGapMs, this.#options.dutyFactor * this.#lastDuration);
    return Math.max(wanted, this.#lastEnd + gap);
  }

  /**
   * The panes for an early cycle starting at `now`, removed from what waits; `undefined` when
   * none is due yet. Follow-ups due by `now` are taken too.
   */
  take(now: number): Set<string> | undefined {
    const due = this.dueAt();
    if (due === undefined || now < due) return undefined;
    this.#taken = new Set(this.#pending.keys());
    this.#pending.clear();
    const panes = new Set(this.#taken);
    for (const [pane, times] of this.#followUps) {
      if (times[0] > now) continue;
      panes.add(pane);
      const later = times.filter((at) => at > now);
      if (later.length > 0) this.#followUps.set(pane, later);
      else this.#followUps.delete(pane);
    }
    return panes;
  }

  /**
   * A cycle ran: it sets the rate bound. A full cycle drops the changes noted before it started
   * (it looked at them); an early one (re)starts the follow-ups of the panes it took as changed.
   */
  ran(span: CycleSpan): void {
    this.#lastEnd = span.endedAt;
    this.#lastDuration = Math.max(0, span.endedAt - span.startedAt);
    const taken = this.#taken;
    this.#taken = new Set();
    if (span.full) {
      for (const [pane, at] of this.#pending) if (at <= span.startedAt) this.#pending.delete(pane);
      return;
    }
    const times = this.#followUpTimes(span.endedAt);
    if (times.length === 0) return;
    for (const pane of taken) this.#followUps.set(pane, times);
  }

  #followUpTimes(from: number): number[] {
    return [...this.#options.followUpsMs].filter((ms) => ms > 0).sort((a, b) => a - b)
      .map((ms) => from + ms);
  }
}
