/**
 * The monitor's journal: everything a cycle writes to the store goes through here, as history
 * rows ({@linkcode StoreOp}s) collected during the cycle and committed through the
 * {@linkcode WriteQueue} — each commit one transaction. A cycle commits twice: its state
 * (transitions, the agents table, the saved monitor state) before any action or message, so a
 * crash mid-delivery loses nothing that was seen; then the outcomes (actions, notification
 * results, cooldown marks) once its I/O is done. Store trouble never fails a cycle: each kind of
 * error is logged once.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import type { AgentState } from "../agents/types.ts";
import { errorMessage } from "../state/errors.ts";
import type { AgentUpsert, Store } from "../store/store.ts";
import { MONITOR_STATE_KEY } from "./persist.ts";
import type { StoreOp, WriteQueue } from "./write_queue.ts";

/** How often old rows are pruned from the store. */
export const PRUNE_EVERY_MS = 3_600_000;
/** How long events are kept. */
export const KEEP_EVENTS_MS = 30 * 86_400_000;
/** How long an agent that is gone stays in the agents table. */
export const KEEP_GONE_AGENTS_MS = 86_400_000;

/** The monitor's writes and reads of its store; without a store every call does nothing. */
export class Journal {
  readonly #writes: WriteQueue | undefined;
  readonly #logger: Logger;
  readonly #warned = new Set<string>();
  #savedJson = "";
  #prunedAt = -Infinity;

  /** A journal over `writes` (absent: nothing is persisted). */
  constructor(writes: WriteQueue | undefined, logger: Logger) {
    this.#writes = writes;
    this.#logger = logger;
  }

  /** Whether there is a store at all. */
  get enabled(): boolean {
    return this.#writes !== undefined;
  }

  /** History rows waiting in memory because the store cannot be written. */
  get queued(): number {
    return this.#writes?.queued ?? 0;
  }

  /** History rows dropped since the start because that queue was full. */
  get lost(): number {
    return this.#writes?.lost ?? 0;
  }

  /**
   * The cycle's state in one transaction: its history rows so far, the agents table (others
   * marked gone) and the saved monitor state when it changed.
   */
  commitCycle(
    history: readonly StoreOp[],
    state: { agents: AgentUpsert[]; nowMs: number; savedJson: string },
  ): void {
    const { agents, nowMs, savedJson } = state;
    const saved = this.#writes?.commit(history, (store) => {
      store.upsertAgents(agents, { nowMs, markOthersGone: true });
      if (savedJson !== this.#savedJson) store.setMeta(MONITOR_STATE_KEY, savedJson);
    });
    if (saved) this.#savedJson = savedJson;
  }

  /** The cycle's outcomes in one transaction, with the saved state when it changed since. */
  commitOutcomes(history: readonly StoreOp[], savedJson: string): void {
    const saveAfter = savedJson !== this.#savedJson
      ? (store: Store) => store.setMeta(MONITOR_STATE_KEY, savedJson)
      : undefined;
    if (history.length === 0 && !saveAfter) return;
    if (this.#writes?.commit(history, saveAfter) && saveAfter) this.#savedJson = savedJson;
  }

  /** No tmux server: every agent in the table is gone. */
  markAllGone(nowMs: number): void {
    this.#use("mark agents gone", (store) => {
      store.upsertAgents([], { nowMs, markOthersGone: true });
    });
  }

  /** Once an hour: drop events older than 30 days and agents gone for a day. */
  prune(monoNow: number, wallNow: number): void {
    if (!this.#writes || monoNow - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = monoNow;
    this.#use("prune old events", (store) => {
      const events = store.pruneEvents(wallNow - KEEP_EVENTS_MS);
      const agents = store.pruneAgents(wallNow - KEEP_GONE_AGENTS_MS);
      if (events + agents > 0) {
        this.#logger.info("Pruned {events} old events and {agents} departed agents", {
          events,
          agents,
        });
      }
    });
  }

  /** The saved monitor state of the last run (`undefined`: none, or unreadable). */
  savedState(): string | undefined {
    return this.#read("read the saved monitor state", (store) => store.getMeta(MONITOR_STATE_KEY));
  }

  /** When a PM was last told that `agentKey` entered `state` (wall ms). */
  lastNotified(agentKey: string, state: AgentState): number | undefined {
    return this.#read("read cooldown marks", (store) => store.lastNotified(agentKey, state));
  }

  /** A last flush, then closes the store. */
  close(): void {
    this.#writes?.close();
  }

  #read<T>(what: string, fn: (store: Store) => T): T | undefined {
    try {
      return this.#writes?.use(fn);
    } catch (error) {
      this.#error(what, error);
      return undefined;
    }
  }

  #use(what: string, fn: (store: Store) => void): void {
    if (!this.#writes) return;
    try {
      this.#writes.use(fn);
    } catch (error) {
      this.#error(what, error);
    }
  }

  #error(what: string, error: unknown): void {
    const key = `store:${what}:${errorMessage(error)}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#logger.error("Cannot {what} in the store: {error}", { what, error: errorMessage(error) });
  }
}
