/**
 * The outbox worker: delivers the pending notices of the outbox table, apart from the monitor's
 * cycle. It reads due rows every `pollMs` (and at once when kicked after a cycle wrote new ones),
 * hands each to its channel with a per-try timeout, at most `perChannel` at a time per channel and
 * `concurrency` in all (p-limit), so a slow or hanging channel delays neither the cycle nor the
 * other channels. After each try the row is updated: delivered; or tried again later (backoff,
 * `Retry-After`); or, after the last try or a failure no retry can fix, dead-lettered — a
 * `notification` event (`failed`, `extra.dead_letter`) that `events` and `status` show.
 *
 * Guarantees: at least once (a row is marked delivered only after the receiver said 2xx; a
 * `kill -9` between the two means one more try, with the same `id` and `Idempotency-Key`), and at
 * most one try in flight per notice.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import pLimit, { type LimitFunction } from "p-limit";
import { redact } from "../config/mod.ts";
import { sendNotice, type SendResult } from "../channels/send.ts";
import type { Channel, Notice } from "../channels/types.ts";
import { errorMessage } from "../state/errors.ts";
import type { Store } from "../store/store.ts";
import {
  dueNotices,
  markDead,
  markDelivered,
  markRetry,
  type OutboxRow,
  pendingNotices,
} from "../store/outbox.ts";
import { retryDelay } from "./backoff.ts";

/** Runs `fn` against the monitor's store now (`undefined`: no store at the moment). */
export type StoreAccess = <T>(fn: (store: Store) => T) => T | undefined;

/** What the worker needs. */
export interface OutboxWorkerDeps {
  /** The store the rows live in. */
  access: StoreAccess;
  /** The configured channels (a row for a channel no longer configured is dead-lettered). */
  channels: readonly Channel[];
  /** Logger. */
  logger: Logger;
  /** Wall clock. @default Date.now */
  wall?: () => number;
  /** One try (tests may wrap it). @default sendNotice */
  send?: (
    channel: Channel,
    notice: Notice,
    options: { signal?: AbortSignal },
  ) => Promise<SendResult>;
  /** Tries in flight in all. @default 8 */
  concurrency?: number;
  /** Tries in flight per channel. @default 2 */
  perChannel?: number;
  /** How often due rows are looked for (ms). @default 1000 */
  pollMs?: number;
  /** Jitter source. @default Math.random */
  random?: () => number;
  /**
   * Told each try's outcome: `delivered`, `retry` (failed, tried again later) or `dead_letter`
   * (e.g. the metrics' notifications counter).
   */
  onOutcome?: (outcome: { channel: string; state: string; outcome: string }) => void;
}

/** A row update that could not be written yet (the store was locked): written first next pass. */
interface Pending {
  /** The notice it updates (not tried again while its update waits). */
  id: string;
  /** The update. */
  op: (store: Store) => void;
}

/** Delivers the outbox (see the module documentation). */
export class OutboxWorker {
  readonly #deps: OutboxWorkerDeps;
  readonly #channels: Map<string, Channel>;
  readonly #wall: () => number;
  readonly #all: LimitFunction;
  readonly #perChannel = new Map<string, LimitFunction>();
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  #unwritten: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #closed = false;
  #warned = "";

  /** A worker; nothing runs until {@linkcode start} or {@linkcode kick}. */
  constructor(deps: OutboxWorkerDeps) {
    this.#deps = deps;
    this.#channels = new Map(deps.channels.map((c) => [c.name, c]));
    this.#wall = deps.wall ?? Date.now;
    this.#all = pLimit(Math.max(1, deps.concurrency ?? 8));
  }

  /** Tries in flight now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Starts polling. */
  start(): void {
    if (!this.#running && !this.#closed) {
      this.#running = true;
      this.#schedule(0);
    }
  }

  /** Looks for due rows now (after a cycle wrote new ones). */
  kick(): void {
    if (this.#closed) return;
    this.#running = true;
    this.#schedule(0);
  }

  /**
   * Stops: one last pass for what is due, then no new tries; tries in flight get `timeoutMs` to
   * finish, then are aborted (an aborted try does not count: the row stays pending for the next
   * run).
   */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.pass(); // what the last cycle wrote (`monitor --once`) gets its try within the bound
    this.#closed = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#abort.abort();
        resolve();
      }, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.#inFlight.values()]), late]);
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight.values()]);
    clearTimeout(timer);
    this.#flushUnwritten();
  }

  /** One pass now: start tries for the due rows; resolves once they are started (tests). */
  pass(): void {
    if (this.#closed) return;
    this.#flushUnwritten();
    let rows: OutboxRow[] = [];
    try {
      rows = this.#deps.access((store) => dueNotices(store, { nowMs: this.#wall(), limit: 200 })) ??
        [];
      this.#warned = "";
    } catch (error) {
      this.#warnOnce(`Cannot read the outbox: ${errorMessage(error)}`);
    }
    for (const row of rows) {
      if (this.#inFlight.has(row.id) || this.#unwritten.some((u) => u.id === row.id)) continue;
      const channel = this.#channels.get(row.channel);
      if (!channel || !channel.enabled) {
        this.#orphan(row);
        continue;
      }
      const limit = this.#limitFor(channel.name);
      if (limit.activeCount + limit.pendingCount >= limit.concurrency) continue;
      const run = limit(() => this.#all(() => this.#tryOnce(channel, row))).finally(() =>
        this.#inFlight.delete(row.id)
      );
      this.#inFlight.set(row.id, run);
    }
  }

  /**
   * Dead-letters every pending notice whose channel is no longer configured or is disabled (at
   * start: nothing else would ever deliver them). Returns how many.
   */
  settleOrphans(): number {
    let orphans: OutboxRow[] = [];
    try {
      orphans = (this.#deps.access((store) => pendingNotices(store)) ?? []).filter((row) =>
        !this.#channels.get(row.channel)?.enabled
      );
    } catch (error) {
      this.#warnOnce(`Cannot read the outbox: ${errorMessage(error)}`);
    }
    for (const row of orphans) this.#orphan(row);
    return orphans.length;
  }

  /** Resolves when every try in flight now has finished (tests). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.pass();
      if (this.#running && !this.#closed) this.#schedule(this.#deps.pollMs ?? 1000);
    }, ms);
  }

  #limitFor(name: string): LimitFunction {
    let limit = this.#perChannel.get(name);
    if (!limit) {
      limit = pLimit(Math.max(1, this.#deps.perChannel ?? 2));
      this.#perChannel.set(name, limit);
    }
    return limit;
  }

  async #tryOnce(channel: Channel, row: OutboxRow): Promise<void> {
    if (this.#abort.signal.aborted) return;
    const notice = row.notice as unknown as Notice;
    const send = this.#deps.send ?? sendNotice;
    let result: SendResult;
    try {
      result = await send(channel, notice, { signal: this.#abort.signal });
    } catch (error) {
      result = { ok: false, error: redact(errorMessage(error)), durationMs: 0 };
    }
    if (this.#abort.signal.aborted && !result.ok) return; // stopping: not a real try
    const attempts = row.attempts + 1;
    const now = this.#wall();
    if (result.ok) {
      this.#write(row.id, (store) => {
        markDelivered(store, row.id, { atMs: now, attempts });
        this.#event(store, row, notice, {
          ts: now,
          delivery: "delivered",
          detail: `${channel.name} (${channel.type}): ${notice.text}`,
          extra: { attempts, status: result.status, ms: result.durationMs },
        });
      });
      this.#deps.logger.info("Told channel {channel}: {text}", {
        channel: channel.name,
        text: notice.text,
      });
      return;
    }
    const error = redact(result.error ?? "failed");
    if (result.permanent || attempts >= channel.retry.maxTries) {
      const why = result.permanent
        ? `${error} (not retried: this answer will not change)`
        : `${error} (after ${attempts} ${attempts === 1 ? "try" : "tries"})`;
      this.#write(row.id, (store) => this.#deadLetter(store, row, attempts, why));
      return;
    }
    const wait = retryDelay(attempts, channel.retry, {
      retryAfterMs: result.retryAfterMs,
      random: this.#deps.random ?? Math.random,
    });
    this.#deps.logger.warn(
      "Channel {channel}: try {attempt} of notice {id} failed: {error}; next try in {wait_s} s",
      { channel: channel.name, attempt: attempts, id: row.id, error, wait_s: wait / 1000 },
    );
    this.#write(
      row.id,
      (store) => markRetry(store, row.id, { attempts, nextAt: now + wait, error }),
    );
    this.#outcome(row, "retry");
  }

  /** Dead-letters a notice whose channel is disabled or no longer configured. */
  #orphan(row: OutboxRow): void {
    this.#write(
      row.id,
      (store) =>
        this.#deadLetter(
          store,
          row,
          row.attempts,
          "the channel is disabled or no longer configured",
        ),
    );
  }

  #deadLetter(store: Store, row: OutboxRow, attempts: number, error: string): void {
    const notice = row.notice as unknown as Notice;
    const now = this.#wall();
    markDead(store, row.id, { atMs: now, attempts, error });
    this.#event(store, row, notice, {
      ts: now,
      delivery: "failed",
      detail: `${row.channel}: dead letter: ${error}: ${notice.text ?? ""}`,
      extra: { attempts, dead_letter: true, error },
    });
    this.#deps.logger.error("Channel {channel}: gave up on notice {id}: {error}", {
      channel: row.channel,
      id: row.id,
      error,
    });
  }

  #event(
    store: Store,
    row: OutboxRow,
    notice: Notice,
    what: {
      ts: number;
      delivery: "delivered" | "failed";
      detail: string;
      extra: Record<string, unknown>;
    },
  ): void {
    this.#outcome(row, what.delivery === "delivered" ? "delivered" : "dead_letter");
    store.recordEvent({
      ts: what.ts,
      kind: "notification",
      agent: notice.agent,
      paneId: notice.pane_id,
      toState: notice.state,
      delivery: what.delivery,
      detail: redact(what.detail),
      extra: {
        channel: row.channel,
        channel_type: this.#channels.get(row.channel)?.type ?? null,
        notice_id: row.id,
        event: notice.event,
        ...what.extra,
      },
    });
  }

  #outcome(row: OutboxRow, outcome: string): void {
    const state = String((row.notice as unknown as Notice).state ?? "");
    try {
      this.#deps.onOutcome?.({ channel: row.channel, state, outcome });
    } catch { /* a counter never stops a delivery */ }
  }

  /** Writes a row update in one transaction; a failed write is kept and tried first next pass. */
  #write(id: string, op: (store: Store) => void): void {
    this.#unwritten.push({ id, op });
    this.#flushUnwritten();
  }

  #flushUnwritten(): void {
    if (this.#unwritten.length === 0) return;
    const batch = [...this.#unwritten];
    try {
      const done = this.#deps.access((store) =>
        store.transaction(() => {
          for (const update of batch) update.op(store);
          return true;
        })
      );
      if (done === undefined) return;
      this.#unwritten = this.#unwritten.slice(batch.length);
    } catch (error) {
      this.#warnOnce(`Cannot write delivery results to the outbox: ${errorMessage(error)}`);
    }
  }

  #warnOnce(message: string): void {
    if (this.#warned === message) return;
    this.#warned = message;
    this.#deps.logger.error("{message}", { message: redact(message) });
  }
}
