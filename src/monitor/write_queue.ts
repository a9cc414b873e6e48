/**
 * The monitor's writes to its store, kept on time and never silently lost.
 *
 * - **Short busy timeout.** Cycle writes wait at most `busyTimeoutMs` (default 50 ms) for another
 *   connection's lock, so a transaction someone else holds for 30 s costs each cycle 50 ms, not the
 *   store's default 5 s per call.
 * - **History is queued, state is superseded.** A cycle's history rows (transitions, notification
 *   outcomes, actions, cooldown marks) that cannot be written — lock, full disk, read-only file —
 *   stay in memory, in order, and are written first, in the same transaction as the next cycle's
 *   rows, once the store takes writes again. The state rows (agents table, saved monitor state) are
 *   not queued: the next cycle writes fresher ones. The queue is bounded (`maxQueued`, default
 *   10 000 rows); past the bound the oldest rows are dropped and counted ({@linkcode lost}), and
 *   the count is written to the log as a `monitor` event when the store is back.
 * - **Deleted or replaced database.** Every commit first compares the database's files with what
 *   was opened (`checkDbFiles`: device and inode, two or three `lstat` calls). Deleted: the open
 *   connection still reads the unlinked file, so its complete contents are read out and written
 *   into the new file created in its place — nothing is lost. Replaced by another file: our copy is
 *   kept beside it as `<db>.replaced-<time>` and the new file is used (a corrupt one is moved aside by
 *   `openStore`). Either way the event is recorded in the store. Stale `-wal`/`-shm` files of the
 *   old connection are removed (only when they are still the very files it used), so a new
 *   database never picks up an old WAL. A symlink in its place is refused: writes queue until the
 *   path is a plain file again.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { dirname } from "node:path";
import { identityOf, sameFile } from "../store/file_guard.ts";
import { checkDbFiles } from "../store/file_guard.ts";
import { openStore, type Store, type StoreDump, StoreError } from "../store/store.ts";
import { errorMessage } from "../state/errors.ts";

/** One write, run inside a transaction against the current store. */
export type StoreOp = (store: Store) => void;

/** Options for {@linkcode WriteQueue}. */
export interface WriteQueueOptions {
  /** Logger. */
  logger: Logger;
  /** Most history rows kept while the store cannot be written (default 10 000). */
  maxQueued?: number;
  /** Busy timeout for cycle writes (default 50 ms). */
  busyTimeoutMs?: number;
  /** Busy timeout for the last flush on close (default 2000 ms). */
  closeTimeoutMs?: number;
  /** Wall clock for file names (default `Date.now`). */
  wall?: () => number;
  /** Opens the store again after its file was deleted or replaced (default `openStore`). */
  reopen?: (path: string) => Store;
}

/** SQLite result codes that mean "try again later": busy, locked, read-only, I/O, full, can't open. */
const TRANSIENT_CODES = new Set([5, 6, 8, 10, 13, 14]);

/**
 * SQLite's messages for those codes. Deno's `node:sqlite` reports only `ERR_SQLITE_ERROR` and the
 * message, without `errcode`.
 */
const TRANSIENT_MESSAGE =
  /database is locked|database table is locked|readonly database|disk I\/O error|database or disk is full|unable to open database file/i;

/** Whether a write error is worth retrying (the store may take writes again later). */
export function isTransientStoreError(error: unknown): boolean {
  if (error instanceof StoreError) return error.code === "closed" || error.code === "open_failed";
  const errcode = (error as { errcode?: unknown })?.errcode;
  if (typeof errcode === "number") return TRANSIENT_CODES.has(errcode & 0xff);
  return TRANSIENT_MESSAGE.test(errorMessage(error));
}

/** Writes cycles' rows to the store (see the module documentation). */
export class WriteQueue {
  readonly #path: string;
  readonly #logger: Logger;
  readonly #maxQueued: number;
  readonly #busyTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #wall: () => number;
  readonly #reopen: (path: string) => Store;
  #store: Store | undefined;
  #queue: StoreOp[] = [];
  #lost = 0;
  #lostRecorded = 0;
  #failing: string | undefined;
  #reopenError: string | undefined;
  #closed = false;
  #restoreAfterReopen: StoreDump | undefined;

  /** Takes over `store` (closed by {@linkcode close}). */
  constructor(store: Store, options: WriteQueueOptions) {
    this.#path = store.path;
    this.#logger = options.logger;
    this.#maxQueued = Math.max(1, options.maxQueued ?? 10_000);
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 50;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    this.#wall = options.wall ?? Date.now;
    this.#reopen = options.reopen ?? ((path) => openStore(path));
    this.#adopt(store);
  }

  /** The store now in use (`undefined` while it cannot be opened). */
  get store(): Store | undefined {
    return this.#store;
  }

  /** History rows waiting in memory. */
  get queued(): number {
    return this.#queue.length;
  }

  /** History rows dropped because the queue was full (or a write failed for good). */
  get lost(): number {
    return this.#lost;
  }

  /**
   * Writes the queued rows, then `history`, then `state`, in one transaction. When that fails for
   * a reason that may pass, the history rows are queued; `state` is dropped (the next cycle has
   * fresher state). Returns whether the write went through. Never throws.
   */
  commit(history: readonly StoreOp[], state?: StoreOp): boolean {
    if (this.#closed) return false;
    this.#checkFiles();
    const batch = [...this.#queue, ...history];
    const store = this.#store;
    if (!store) {
      this.#keep(batch);
      return false;
    }
    if (batch.length === 0 && !state && this.#lost === this.#lostRecorded) return true;
    const lost = this.#lost;
    try {
      store.transaction(() => {
        for (const op of batch) op(store);
        if (lost > this.#lostRecorded) {
          store.recordEvent({
            ts: this.#wall(),
            kind: "monitor",
            detail: `${lost - this.#lostRecorded} history rows were lost while the store could ` +
              `not be written (more than ${this.#maxQueued} queued)`,
            extra: { lost: lost - this.#lostRecorded, lostTotal: lost },
          });
        }
        state?.(store);
      });
    } catch (error) {
      const text = errorMessage(error);
      if (isTransientStoreError(error)) {
        this.#keep(batch);
        if (this.#failing === undefined) {
          this.#logger.error(
            "Cannot write to the store: {error}; keeping history in memory ({queued} rows)",
            { error: text, queued: this.#queue.length },
          );
        }
        this.#failing = text;
      } else {
        this.#lost += batch.length;
        this.#queue = [];
        if (this.#failing !== text) {
          this.#logger.error("Cannot write {rows} history rows to the store, dropped: {error}", {
            rows: batch.length,
            error: text,
          });
        }
        this.#failing = text;
      }
      return false;
    }
    this.#lostRecorded = lost;
    this.#queue = [];
    if (this.#failing !== undefined) {
      this.#logger.info("The store takes writes again: wrote {rows} queued history rows", {
        rows: batch.length - history.length,
      });
      this.#failing = undefined;
    }
    return true;
  }

  /** Runs `fn` against the store now, outside the queue (reads, pruning); errors propagate. */
  use<T>(fn: (store: Store) => T): T | undefined {
    return this.#store ? fn(this.#store) : undefined;
  }

  /** A last flush (with a longer busy timeout), then closes the store. Idempotent. */
  close(): void {
    if (this.#closed) return;
    if (this.#store && this.#queue.length > 0) {
      try {
        this.#store.setBusyTimeout(this.#closeTimeoutMs);
      } catch { /* closed */ }
      this.commit([]);
      if (this.#queue.length > 0) {
        this.#logger.error("Stopping with {rows} history rows not written to the store", {
          rows: this.#queue.length,
        });
      }
    }
    this.#closed = true;
    try {
      this.#store?.close();
    } catch { /* already closed */ }
    this.#store = undefined;
  }

  #adopt(store: Store): void {
    this.#store = store;
    try {
      store.setBusyTimeout(this.#busyTimeoutMs);
    } catch { /* closed: the next commit finds out */ }
  }

  /** Keeps `batch` as the queue, dropping (and counting) the oldest rows past the bound. */
  #keep(batch: StoreOp[]): void {
    const over = batch.length - this.#maxQueued;
    if (over > 0) {
      this.#lost += over;
      batch = batch.slice(over);
    }
    this.#queue = batch;
  }

  /** Notices a deleted, replaced or symlinked database file and reopens (module doc). */
  #checkFiles(): void {
    const store = this.#store;
    if (!store) {
      this.#tryReopen([]);
      return;
    }
    const check = checkDbFiles(this.#path, store.files);
    if (check.ok) return;
    this.#logger.error("{message}; reopening", { message: check.message });
    const notes: string[] = [check.message];
    const stamp = new Date(this.#wall()).toISOString().replace(/[:.]/g, "-");
    let dump: StoreDump | undefined;
    try {
      dump = store.dumpTables();
    } catch (error) {
      notes.push(`could not read the open database: ${errorMessage(error)}`);
    }
    const old = store.files;
    try {
      store.close();
    } catch { /* already closed */ }
    this.#store = undefined;
    for (const side of ["wal", "shm"] as const) {
      const path = `${this.#path}-${side}`;
      if (sameFile(identityOf(path), old[side])) {
        try {
          Deno.removeSync(path);
        } catch { /* gone */ }
      }
    }
    if (dump && check.problem === "deleted") {
      this.#restoreAfterReopen = dump;
    } else if (dump) {
      const kept = `${this.#path}.replaced-${stamp}`;
      try {
        const copy = this.#reopen(kept);
        try {
          copy.restoreTables(dump);
        } finally {
          copy.close();
        }
        notes.push(`kept the previous contents in ${kept}`);
      } catch (error) {
        notes.push(`could not keep the previous contents: ${errorMessage(error)}`);
      }
    }
    this.#tryReopen(notes);
  }

  #tryReopen(notes: string[]): void {
    if (identityOf(dirname(this.#path)) === undefined) {
      // The whole state dir is gone: not re-created here (the daemon notices and exits).
      if (notes.length > 0) this.#queue.unshift(this.#note(notes));
      return;
    }
    let store: Store;
    try {
      store = this.#reopen(this.#path);
    } catch (error) {
      const text = errorMessage(error);
      if (this.#reopenError !== text) {
        this.#logger.error("Cannot reopen the store: {error}", { error: text });
      }
      this.#reopenError = text;
      if (notes.length > 0) this.#queue.unshift(this.#note(notes));
      return;
    }
    this.#reopenError = undefined;
    const dump = this.#restoreAfterReopen;
    this.#restoreAfterReopen = undefined;
    if (dump) {
      try {
        const rows = store.restoreTables(dump);
        notes.push(`restored its ${rows} rows from the open connection`);
      } catch (error) {
        notes.push(`could not restore its rows: ${errorMessage(error)}`);
      }
    }
    this.#adopt(store);
    this.#logger.warn("Reopened the store: {path}: {notes}", {
      path: this.#path,
      notes: notes.join("; "),
    });
    if (notes.length > 0) this.#queue.unshift(this.#note(notes));
  }

  #note(notes: readonly string[]): StoreOp {
    const ts = this.#wall();
    const detail = `${notes.join("; ")}; reopened ${this.#path}`;
    return (store) => store.recordEvent({ ts, kind: "monitor", detail, extra: { reopened: true } });
  }
}
