/**
 * One monitor cycle: the seam between the daemon loop and the work. It takes its tmux client,
 * clock and store as parameters, so tests drive it with fakes and no sleeps.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import type { Clock } from "../util/clock.ts";
import { listPanes } from "../tmux/panes.ts";
import { type PaneRecord, type TmuxClient, TmuxUnavailableError } from "../tmux/types.ts";

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
  /** Agent panes among them. */
  agents: number;
  /** Agents per state. */
  states: Record<string, number>;
}

/** What a monitor needs. */
export interface MonitorDeps {
  /** The tmux connection. */
  tmux: TmuxClient;
  /** Clock. */
  clock: Clock;
  /** Logger. */
  logger: Logger;
}

/** Runs cycles and keeps what must carry from one cycle to the next. */
export class Monitor {
  readonly #deps: MonitorDeps;
  #cycle = 0;
  #tmuxUp: boolean | undefined;

  /** Creates a monitor. */
  constructor(deps: MonitorDeps) {
    this.#deps = deps;
  }

  /** Runs one cycle. Never throws for tmux trouble: no server means zero panes. */
  async cycle(): Promise<CycleResult> {
    const { clock, logger } = this.#deps;
    const start = clock.monotonic();
    const at = clock.wall();
    this.#cycle += 1;
    let panes: PaneRecord[] = [];
    let up = true;
    try {
      panes = await listPanes(this.#deps.tmux);
    } catch (error) {
      if (!(error instanceof TmuxUnavailableError)) throw error;
      up = false;
    }
    if (up !== this.#tmuxUp) {
      if (up) logger.info("Connected to the tmux server: {panes} panes", { panes: panes.length });
      else logger.warn("No tmux server is answering; watching zero panes until one does");
      this.#tmuxUp = up;
    }
    return {
      cycle: this.#cycle,
      at,
      durationMs: clock.monotonic() - start,
      tmux: up,
      panes: panes.length,
      agents: 0,
      states: {},
    };
  }

  /** Releases resources (the tmux connection). */
  async close(): Promise<void> {
    await this.#deps.tmux.close();
  }
}
