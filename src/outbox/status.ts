/**
 * The outbox in `status`: pending notices and the dead letters of the last day, read-only from
 * the store, and the problems they make (a dead letter means a human was not told).
 *
 * @module
 */

import { formatSpan } from "../notify/format.ts";
import { openStore } from "../store/store.ts";
import { outboxSummary } from "../store/outbox.ts";

/** How far back dead letters count as a problem. */
export const DEAD_LETTER_WINDOW_MS = 86_400_000;

/** A pending notice older than this is a problem. */
export const PENDING_TOO_LONG_MS = 15 * 60_000;

/** The outbox part of the status report. */
export interface OutboxStatus {
  /** Notices not yet delivered. */
  pending: number;
  /** Seconds the oldest pending notice has waited. */
  oldest_pending_s: number | null;
  /** Dead letters in the last 24 h. */
  dead_24h: number;
  /** The most recent of them. */
  last_dead: { channel: string; error: string; at: string } | null;
}

/** Reads the outbox of the database at `path`; `null` when there is none (or it is unreadable). */
export function outboxStatus(path: string, nowMs: number): OutboxStatus | null {
  let store;
  try {
    store = openStore(path, { readonly: true, busyTimeoutMs: 200 });
  } catch {
    return null;
  }
  try {
    const summary = outboxSummary(store, { deadSinceMs: nowMs - DEAD_LETTER_WINDOW_MS });
    return {
      pending: summary.pending,
      oldest_pending_s: summary.oldestPendingAt === undefined
        ? null
        : Math.max(0, Math.round((nowMs - summary.oldestPendingAt) / 1000)),
      dead_24h: summary.dead,
      last_dead: summary.lastDead
        ? {
          channel: summary.lastDead.channel,
          error: summary.lastDead.error,
          at: new Date(summary.lastDead.at).toISOString(),
        }
        : null,
    };
  } catch {
    return null;
  } finally {
    store.close();
  }
}

/** What is wrong with the outbox, as status problem lines. */
export function outboxProblems(outbox: OutboxStatus): string[] {
  const problems: string[] = [];
  if (outbox.dead_24h > 0 && outbox.last_dead) {
    problems.push(
      `${outbox.dead_24h} ${outbox.dead_24h === 1 ? "notice" : "notices"} could not be ` +
        `delivered in the last 24 h (dead letters; last: channel ${outbox.last_dead.channel}: ` +
        `${outbox.last_dead.error}); see tmux-orc events --kind notification`,
    );
  }
  if (outbox.oldest_pending_s !== null && outbox.oldest_pending_s * 1000 > PENDING_TOO_LONG_MS) {
    problems.push(
      `${outbox.pending} ${outbox.pending === 1 ? "notice waits" : "notices wait"} for delivery, ` +
        `the oldest for ${formatSpan(outbox.oldest_pending_s * 1000)}`,
    );
  }
  return problems;
}
