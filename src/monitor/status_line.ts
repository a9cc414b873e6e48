/**
 * The tmux status line's options: each cycle the monitor sets the global user option
 * `@tmux-orc-summary` (`⚠ 2 waiting · 1 limited · 5 active`) and each watched pane's
 * `@tmux-orc-state` (`waiting`), over its one tmux connection, and only the values that changed:
 * a quiet fleet costs no tmux command at all. `status-right` and `window-status-format` read
 * them (docs/status_line.md): no process runs for the status line.
 *
 * A failed write is logged once and tried again next cycle; it never fails the cycle. On a clean
 * stop {@linkcode StatusLine.clear} unsets what was set, so a stopped monitor leaves no stale
 * "all fine" behind.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import type { AgentState } from "../agents/types.ts";
import { STATUS_OPTIONS } from "../registration.ts";
import { errorMessage } from "../state/errors.ts";
import { setPaneOption, unsetPaneOption } from "../tmux/commands.ts";
import type { TmuxClient } from "../tmux/types.ts";

/**
 * The order and words of the summary: what needs a person first, then what waits on its own,
 * then the healthy states.
 */
export const SUMMARY_ORDER: readonly { state: AgentState; word: string }[] = [
  { state: "waiting", word: "waiting" },
  { state: "stuck_input", word: "stuck" },
  { state: "crashed", word: "crashed" },
  { state: "error", word: "error" },
  { state: "unknown", word: "unknown" },
  { state: "rate_limited", word: "limited" },
  { state: "idle", word: "idle" },
  { state: "active", word: "active" },
];

/** States that put `⚠` in front of the summary: someone should look. */
export const ATTENTION_STATES: ReadonlySet<AgentState> = new Set<AgentState>([
  "waiting",
  "stuck_input",
  "crashed",
  "error",
  "unknown",
]);

/**
 * The summary for some states: `⚠` when any needs a person, else `✓`; the non-zero counts in
 * {@linkcode SUMMARY_ORDER}; empty when nothing is watched.
 *
 * @example
 * ```ts
 * import { summaryText } from "./status_line.ts";
 * summaryText(["active", "waiting", "rate_limited", "waiting"]); // "⚠ 2 waiting · 1 limited · 1 active"
 * summaryText(["active", "idle"]); // "✓ 1 idle · 1 active"
 * ```
 */
export function summaryText(states: readonly AgentState[]): string {
  if (states.length === 0) return "";
  const counts = new Map<AgentState, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  const parts = SUMMARY_ORDER.filter(({ state }) => counts.has(state))
    .map(({ state, word }) => `${counts.get(state)} ${word}`);
  const mark = states.some((s) => ATTENTION_STATES.has(s)) ? "⚠" : "✓";
  return `${mark} ${parts.join(" · ")}`;
}

/** Writes the status options when they change. */
export class StatusLine {
  readonly #tmux: TmuxClient;
  readonly #logger: Logger;
  /** What each pane's option holds, as last written. */
  readonly #states = new Map<string, string>();
  #summary: string | undefined;
  #failing = false;

  /** Writes over `tmux`; trouble goes to `logger` (once until it works again). */
  constructor(tmux: TmuxClient, logger: Logger) {
    this.#tmux = tmux;
    this.#logger = logger;
  }

  /**
   * Brings the options up to date with this cycle's panes and their states; resolves with the
   * number of tmux commands run. Never rejects.
   */
  async update(panes: readonly { paneId: string; state: AgentState }[]): Promise<number> {
    const jobs: Promise<string | undefined>[] = [];
    const forgets: Promise<unknown>[] = [];
    const seen = new Set<string>();
    for (const { paneId, state } of panes) {
      seen.add(paneId);
      if (this.#states.get(paneId) === state) continue;
      jobs.push(attempt(
        () => setPaneOption(this.#tmux, paneId, STATUS_OPTIONS.state, state),
        () => this.#states.set(paneId, state),
      ));
    }
    // A pane no longer watched (or gone: then tmux refuses, which is fine) loses its state.
    for (const paneId of [...this.#states.keys()]) {
      if (seen.has(paneId)) continue;
      this.#states.delete(paneId);
      forgets.push(attempt(() => unsetPaneOption(this.#tmux, paneId, STATUS_OPTIONS.state)));
    }
    const summary = summaryText(panes.map((p) => p.state));
    if (summary !== this.#summary) {
      jobs.push(attempt(
        () => this.#tmux.run(["set-option", "-g", "--", STATUS_OPTIONS.summary, summary]),
        () => this.#summary = summary,
      ));
    }
    const [results] = await Promise.all([Promise.all(jobs), Promise.all(forgets)]);
    const failure = results.find((e) => e !== undefined);
    if (failure !== undefined && !this.#failing) {
      this.#logger.warn("Cannot set the status line options: {error}", { error: failure });
    } else if (failure === undefined && this.#failing && jobs.length > 0) {
      this.#logger.info("Status line options are written again");
    }
    if (jobs.length > 0) this.#failing = failure !== undefined;
    return jobs.length + forgets.length;
  }

  /** Forgets what was written (a new tmux server has none of it): the next update writes all. */
  forget(): void {
    this.#states.clear();
    this.#summary = undefined;
  }

  /** Unsets every option this monitor set (on a clean stop). Never rejects. */
  async clear(): Promise<void> {
    const jobs = [...this.#states.keys()].map((paneId) =>
      attempt(() => unsetPaneOption(this.#tmux, paneId, STATUS_OPTIONS.state))
    );
    if (this.#summary !== undefined) {
      jobs.push(attempt(() => this.#tmux.run(["set-option", "-g", "-u", STATUS_OPTIONS.summary])));
    }
    this.#states.clear();
    this.#summary = undefined;
    await Promise.all(jobs);
  }
}

/** Runs one write; resolves with its error message, or `undefined` (and calls `done`). */
async function attempt(
  run: () => Promise<unknown>,
  done?: () => void,
): Promise<string | undefined> {
  try {
    await run();
    done?.();
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}
