/**
 * Opening a store: create, migrate, and recover (a corrupt database is moved aside, never
 * deleted); the reader never changes anything.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import { errorMessage } from "../state/errors.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import {
  type DbFiles,
  ensureDbFile,
  type FileIdentity,
  identityOf,
  refuseUnsafeDbPaths,
  sameFile,
  UnsafeDbFileError,
} from "./file_guard.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
import type { Row } from "./rows.ts";
import { Store, userVersion } from "./database.ts";
import { type OpenStoreOptions, StoreError, type StoreNotice } from "./types.ts";

const CORRUPT_CODES = new Set([11, /* SQLITE_CORRUPT */ 26 /* SQLITE_NOTADB */]);

/**
 * Opens (and, for the writer, creates, migrates or repairs) the store at `path`.
 *
 * Writer (default): creates the parent directory (0700) and the file (0600), moves a corrupt
 * database aside and starts a fresh one, switches to WAL with `synchronous=NORMAL`, and applies
 * pending migrations, all in one transaction.
 *
 * Reader (`readonly: true`): never creates, migrates or moves anything.
 *
 * @throws {StoreError} `missing` (reader, no file), `corrupt` (reader), `too_new` (schema newer
 *   than this code), `too_old` (reader, schema not migrated yet), `migration_failed`, `open_failed`.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  return options.readonly ? openReader(path, options) : openWriter(path, options);
}

function openReader(path: string, options: OpenStoreOptions): Store {
  refuseUnsafe(path);
  if (!fileSize(path)) {
    throw new StoreError(
      `Cannot open database: it does not exist yet (start the monitor first): ${path}`,
      { code: "missing" },
    );
  }
  let db: DatabaseSync | undefined;
  let version: number;
  try {
    db = connect(path, { readOnly: true, busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
    version = userVersion(db);
  } catch (error) {
    db?.close();
    if (isCorruption(error)) {
      throw new StoreError(
        `Cannot open database: ${
          errorMessage(error)
        } (the monitor moves it aside on start): ${path}`,
        { code: "corrupt", cause: error },
      );
    }
    throw new StoreError(`Cannot open database: ${errorMessage(error)}: ${path}`, {
      code: "open_failed",
      cause: error,
    });
  }
  try {
    checkNotTooNew(path, version);
    if (version < SCHEMA_VERSION) {
      throw new StoreError(
        `Cannot open database: schema version ${version} is older than ${SCHEMA_VERSION} ` +
          `(start the monitor to migrate it): ${path}`,
        { code: "too_old" },
      );
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return new Store(db, { path, readonly: true, clock: options.clock ?? systemClock });
}

function openWriter(path: string, options: OpenStoreOptions): Store {
  const emit = options.onEvent ?? (() => {});
  const clock = options.clock ?? systemClock;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const { existed, movedTo } = prepareWriterFile(path, { busyTimeoutMs, clock, emit });
  const main = ensureFile(path);
  let db: DatabaseSync | undefined;
  try {
    db = connect(path, { readOnly: false, busyTimeoutMs });
    userVersion(db);
  } catch (error) {
    db?.close();
    throw new StoreError(`Cannot open database: ${errorMessage(error)}: ${path}`, {
      code: isCorruption(error) ? "corrupt" : "open_failed",
      cause: error,
    });
  }
  migrateWriter(db, path, { existed, movedTo, emit });
  const files = confirmOpened(db, path, main);
  const store = new Store(db, { path, readonly: false, clock, files });
  if (movedTo !== undefined) {
    store.recordEvent({
      kind: "monitor",
      detail: `Database was corrupt: moved it aside to ${movedTo} and started a fresh one`,
      extra: { movedTo },
    });
  }
  return store;
}

/**
 * The writer's file before it is opened: its directory (0700), no link in its place, the file
 * itself (0600), and a corrupt one moved aside (reported) with a fresh one in its place.
 */
function prepareWriterFile(
  path: string,
  options: { busyTimeoutMs: number; clock: Clock; emit: (notice: StoreNotice) => void },
): { existed: boolean; movedTo?: string } {
  try {
    Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreError(`Cannot create database directory: ${errorMessage(error)}: ${path}`, {
      code: "open_failed",
      cause: error,
    });
  }
  refuseUnsafe(path);
  const existed = fileSize(path) > 0;
  ensureFile(path);
  const corruption = existed ? probeCorruption(path, options.busyTimeoutMs) : undefined;
  if (corruption === undefined) return { existed };
  const movedTo = moveAside(path, options.clock.wall());
  options.emit({
    type: "corrupt_moved_aside",
    message: `Database was corrupt (${corruption}): moved it aside to ${movedTo} ` +
      `and created a fresh one at ${path}`,
    path,
    movedTo,
  });
  ensureFile(path);
  return { existed, movedTo };
}

/** WAL, `synchronous=NORMAL`, pending migrations; reports a created or migrated database. */
function migrateWriter(
  db: DatabaseSync,
  path: string,
  state: { existed: boolean; movedTo?: string; emit: (notice: StoreNotice) => void },
): void {
  try {
    const from = userVersion(db);
    checkNotTooNew(path, from); // before any write: a newer tmux-orc's database stays untouched
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA journal_size_limit = 67108864");
    migrate(db, path);
    if (state.movedTo !== undefined) {
      // Already reported as corrupt_moved_aside.
    } else if (!state.existed) {
      state.emit({ type: "created", message: `Created database at ${path}`, path });
    } else if (from < SCHEMA_VERSION) {
      state.emit({
        type: "migrated",
        message: `Migrated database from schema version ${from} to ${SCHEMA_VERSION}: ${path}`,
        path,
        fromVersion: from,
        toVersion: SCHEMA_VERSION,
      });
    }
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`Cannot open database: ${errorMessage(error)}: ${path}`, {
      code: "open_failed",
      cause: error,
    });
  }
}

/**
 * node:sqlite opened by path: makes sure it opened the file checked before (`main`), and that no
 * side file it created or found is a link. Returns the identities of the files it uses.
 */
function confirmOpened(db: DatabaseSync, path: string, main: FileIdentity): DbFiles {
  try {
    refuseUnsafe(path);
    if (!sameFile(identityOf(path), main)) {
      throw new StoreError(`Cannot open database: the file changed while opening: ${path}`, {
        code: "open_failed",
      });
    }
  } catch (error) {
    db.close();
    throw error;
  }
  const files: DbFiles = { main };
  for (const side of ["wal", "shm"] as const) {
    const identity = identityOf(`${path}-${side}`);
    if (identity) files[side] = identity;
  }
  return files;
}

/**
 * Opens a connection with a busy timeout. The timeout is also set by pragma: Deno's `node:sqlite`
 * ignores the `timeout` option on read-only connections (they waited 5 s).
 */
function connect(
  path: string,
  options: { readOnly: boolean; busyTimeoutMs: number },
): DatabaseSync {
  const db = new DatabaseSync(path, { readOnly: options.readOnly, timeout: options.busyTimeoutMs });
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

const SQLITE_MAGIC = "SQLite format 3\u0000";

/**
 * Says why the existing file at `path` is corrupt, or returns undefined when it looks sound (or the
 * problem is not corruption: the read-write open then reports it). Reads through a read-only
 * connection, because closing a read-write connection to a damaged database can delete its
 * `-wal`, which must be kept with the moved-aside file.
 */
function probeCorruption(path: string, busyTimeoutMs: number): string | undefined {
  const header = new Uint8Array(SQLITE_MAGIC.length);
  const file = Deno.openSync(path, { read: true });
  let read: number | null;
  try {
    read = file.readSync(header);
  } finally {
    file.close();
  }
  if (read !== header.length || new TextDecoder().decode(header) !== SQLITE_MAGIC) {
    return "file is not a database: bad header";
  }
  let db: DatabaseSync | undefined;
  try {
    db = connect(path, { readOnly: true, busyTimeoutMs });
    userVersion(db);
    const rows = db.prepare("PRAGMA quick_check").all() as Row[];
    const verdict = rows.map((r) => String(Object.values(r)[0])).join("; ");
    return verdict === "ok" ? undefined : `integrity check failed: ${verdict}`;
  } catch (error) {
    return isCorruption(error) ? errorMessage(error) : undefined;
  } finally {
    db?.close();
  }
}

/**
 * Runs every pending step in ONE transaction: a reader (`agents`, `top`, a second command) sees the
 * database before or after, never between two steps (it would refuse an older schema).
 */
function migrate(db: DatabaseSync, path: string): void {
  if (userVersion(db) >= SCHEMA_VERSION) return;
  db.exec("BEGIN IMMEDIATE");
  let current: (typeof MIGRATIONS)[number] | undefined;
  try {
    for (const step of MIGRATIONS) {
      // Read inside the write lock: another writer may have migrated meanwhile.
      if (userVersion(db) >= step.version) continue;
      current = step;
      db.exec(step.sql);
      db.exec(`PRAGMA user_version = ${step.version}`);
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    const which = current ? `step ${current.version} (${current.description})` : "start";
    throw new StoreError(
      `Cannot migrate database: ${which} failed: ${errorMessage(error)}: ${path}`,
      { code: "migration_failed", cause: error },
    );
  }
}

function checkNotTooNew(path: string, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      `Cannot open database: schema version ${version} is newer than this tmux-orc supports ` +
        `(${SCHEMA_VERSION}); upgrade tmux-orc: ${path}`,
      { code: "too_new" },
    );
  }
}

/** SQLite's messages for the corrupt codes (Deno's `node:sqlite` gives no `errcode`). */
const CORRUPT_MESSAGE = /database disk image is malformed|file is not a database/i;

function isCorruption(error: unknown): boolean {
  const errcode = (error as { errcode?: unknown })?.errcode;
  if (typeof errcode === "number") return CORRUPT_CODES.has(errcode & 0xff);
  return CORRUPT_MESSAGE.test(errorMessage(error));
}

/** The file's size, or 0 when it does not exist. */
function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

/**
 * Creates `path` with mode 0600 when missing and tightens it to 0600 otherwise, never through a
 * symlink (see `file_guard.ts`). Returns its identity.
 */
function ensureFile(path: string) {
  try {
    return ensureDbFile(path);
  } catch (error) {
    if (error instanceof UnsafeDbFileError) {
      throw new StoreError(error.message, { code: "open_failed", cause: error });
    }
    throw new StoreError(`Cannot create database: ${errorMessage(error)}: ${path}`, {
      code: "open_failed",
      cause: error,
    });
  }
}

/** Refuses a database (or side file) that is a symlink or not a regular file. */
function refuseUnsafe(path: string): void {
  try {
    refuseUnsafeDbPaths(path);
  } catch (error) {
    throw new StoreError(`${errorMessage(error)}`, { code: "open_failed", cause: error });
  }
}

/** Renames `path` (and its -wal/-shm/-journal) to `<path>.corrupt-<timestamp>[-n]`. */
function moveAside(path: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, "-");
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 2; fileExists(target); n++) target = `${path}.corrupt-${stamp}-${n}`;
  try {
    Deno.renameSync(path, target);
    for (const suffix of ["-wal", "-shm", "-journal"]) {
      if (fileExists(path + suffix)) Deno.renameSync(path + suffix, target + suffix);
    }
  } catch (error) {
    throw new StoreError(
      `Cannot move corrupt database aside: ${errorMessage(error)}: ${path} -> ${target}`,
      { code: "corrupt", cause: error },
    );
  }
  return target;
}

function fileExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
