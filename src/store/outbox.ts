/**
 * The outbox table: every notice for a human channel is a row here before any delivery is
 * tried, keyed by the notice's stable `id` (a second insert of the same id is ignored: dedup).
 * A row is `pending` until it is `delivered` or, after its last try, `dead` (a dead letter).
 * Rows survive a `kill -9` of the monitor: the next run delivers what is still pending.
 *
 * @module
 */

import type { Store } from "./database.ts";
import { optNumber, optString, type Row } from "./rows.ts";

/** Where a notice is. */
export type OutboxStatus = "pending" | "delivered" | "dead";

/** A new notice. */
export interface OutboxInput {
  /** Stable id (the same notice retried or re-planned after a restart has the same id). */
  id: string;
  /** The channel's name. */
  channel: string;
  /** Wall ms when it was planned. */
  createdAt: number;
  /** The notice itself (JSON). */
  notice: Record<string, unknown>;
}

/** One outbox row. */
export interface OutboxRow extends OutboxInput {
  /** Where it is. */
  status: OutboxStatus;
  /** Tries so far. */
  attempts: number;
  /** Wall ms of the next try (pending rows). */
  nextAt: number;
  /** The last failure, redacted. */
  lastError?: string;
  /** Wall ms when it was delivered or dead-lettered. */
  doneAt?: number;
}

/** Counts for `status`. */
export interface OutboxSummary {
  /** Notices not yet delivered. */
  pending: number;
  /** Wall ms the oldest pending notice was planned. */
  oldestPendingAt?: number;
  /** Dead letters since `deadSinceMs`. */
  dead: number;
  /** The most recent dead letter since `deadSinceMs`. */
  lastDead?: { channel: string; error: string; at: number };
}

function toRow(row: Row): OutboxRow {
  const out: OutboxRow = {
    id: String(row.id),
    channel: String(row.channel),
    createdAt: Number(row.created_at),
    notice: JSON.parse(String(row.notice)),
    status: String(row.status) as OutboxStatus,
    attempts: Number(row.attempts),
    nextAt: Number(row.next_at),
  };
  const lastError = optString(row.last_error);
  if (lastError !== undefined) out.lastError = lastError;
  const doneAt = optNumber(row.done_at);
  if (doneAt !== undefined) out.doneAt = doneAt;
  return out;
}

/** Writes a new pending notice; `false` when a notice with this id exists already. */
export function enqueueNotice(store: Store, input: OutboxInput): boolean {
  store.assertWritable();
  const result = store.statement(
    `INSERT INTO outbox (id, channel, created_at, notice, status, attempts, next_at)
     VALUES (?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (id) DO NOTHING`,
  ).run(input.id, input.channel, input.createdAt, JSON.stringify(input.notice), input.createdAt);
  return Number(result.changes) > 0;
}

/** Pending notices due at `nowMs`, the longest-due first, at most `limit`. */
export function dueNotices(store: Store, options: { nowMs: number; limit: number }): OutboxRow[] {
  return (store.statement(
    // ORDER BY the index's own column: the scan stops at LIMIT however long the backlog.
    `SELECT * FROM outbox WHERE status = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?`,
  ).all(options.nowMs, Math.max(0, Math.floor(options.limit))) as Row[]).map(toRow);
}

/** Every pending notice, due or not. */
export function pendingNotices(store: Store): OutboxRow[] {
  return (store.statement(
    "SELECT * FROM outbox WHERE status = 'pending' ORDER BY created_at",
  ).all() as Row[]).map(toRow);
}

/** One notice by id. */
export function getNotice(store: Store, id: string): OutboxRow | undefined {
  const row = store.statement("SELECT * FROM outbox WHERE id = ?").get(id) as Row | undefined;
  return row === undefined ? undefined : toRow(row);
}

/** Every notice, oldest first (tests, diagnostics). */
export function listNotices(store: Store): OutboxRow[] {
  return (store.statement("SELECT * FROM outbox ORDER BY created_at, id").all() as Row[]).map(
    toRow,
  );
}

/** Marks a pending notice delivered. */
export function markDelivered(
  store: Store,
  id: string,
  options: { atMs: number; attempts: number },
): void {
  store.assertWritable();
  store.statement(
    `UPDATE outbox SET status = 'delivered', attempts = ?, done_at = ?, next_at = ?
     WHERE id = ? AND status = 'pending'`,
  ).run(options.attempts, options.atMs, options.atMs, id);
}

/** Records a failed try and when to try again. */
export function markRetry(
  store: Store,
  id: string,
  options: { attempts: number; nextAt: number; error: string },
): void {
  store.assertWritable();
  store.statement(
    `UPDATE outbox SET attempts = ?, next_at = ?, last_error = ?
     WHERE id = ? AND status = 'pending'`,
  ).run(options.attempts, options.nextAt, options.error, id);
}

/** Dead-letters a pending notice after its last try. */
export function markDead(
  store: Store,
  id: string,
  options: { atMs: number; attempts: number; error: string },
): void {
  store.assertWritable();
  store.statement(
    `UPDATE outbox SET status = 'dead', attempts = ?, done_at = ?, last_error = ?
     WHERE id = ? AND status = 'pending'`,
  ).run(options.attempts, options.atMs, options.error, id);
}

/** Pending and dead counts for `status`. */
export function outboxSummary(store: Store, options: { deadSinceMs: number }): OutboxSummary {
  const pending = store.statement(
    "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE status = 'pending'",
  ).get() as Row;
  const dead = store.statement(
    "SELECT COUNT(*) AS n FROM outbox WHERE status = 'dead' AND done_at >= ?",
  ).get(options.deadSinceMs) as Row;
  const summary: OutboxSummary = { pending: Number(pending.n), dead: Number(dead.n) };
  const oldest = optNumber(pending.oldest);
  if (oldest !== undefined) summary.oldestPendingAt = oldest;
  const last = store.statement(
    `SELECT channel, last_error, done_at FROM outbox WHERE status = 'dead' AND done_at >= ?
     ORDER BY done_at DESC LIMIT 1`,
  ).get(options.deadSinceMs) as Row | undefined;
  if (last !== undefined) {
    summary.lastDead = {
      channel: String(last.channel),
      error: String(last.last_error ?? ""),
      at: Number(last.done_at),
    };
  }
  return summary;
}

/** Deletes delivered and dead notices finished before `beforeMs`; returns how many. */
export function pruneOutbox(store: Store, beforeMs: number): number {
  store.assertWritable();
  return Number(
    store.statement("DELETE FROM outbox WHERE status != 'pending' AND done_at < ?").run(beforeMs)
      .changes,
  );
}
