/**
 * The monitor's SQLite store (`node:sqlite`): the event log, each agent pane's current state, the
 * notification cooldown marks (which must survive monitor restarts) and small key/value metadata.
 *
 * One writer (the monitor) opens the database read-write; CLI commands (`agents`, `events`,
 * `status`) open it with `readonly: true`. The database runs in WAL mode, so readers never block the
 * writer and the writer never blocks readers.
 *
 * A corrupt database is never deleted: the writer moves it aside to `<name>.corrupt-<timestamp>`
 * (with its `-wal`/`-shm`), reports that through `onEvent`, and starts a fresh one.
 *
 * @example
 * ```ts
 * const store = openStore("/tmp/tmux-orc.db", { onEvent: (e) => console.error(e.message) });
 * store.recordTransition({ agent: "backend", paneId: "%3", from: "active", to: "idle" });
 * store.close();
 * ```
 *
 * @module
 */

import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { dirname } from "node:path";
import { AGENT_STATES, type AgentState } from "../agents/types.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import {
  type DbFiles,
  ensureDbFile,
  identityOf,
  refuseUnsafeDbPaths,
  sameFile,
  UnsafeDbFileError,
} from "./file_guard.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";

/** The kinds of rows in the event log. */
export const EVENT_KINDS = ["transition", "notification", "restart", "action", "monitor"] as const;

/** One kind of event. */
export type EventKind = typeof EVENT_KINDS[number];

/** What became of a notification. */
export const DELIVERY_RESULTS = ["delivered", "failed", "held", "suppressed"] as const;

/** One delivery result. */
export type DeliveryResult = typeof DELIVERY_RESULTS[number];

/** Why {@linkcode openStore} or a store method failed. */
export type StoreErrorCode =
  | "missing"
  | "corrupt"
  | "too_new"
  | "too_old"
  | "read_only"
  | "closed"
  | "open_failed"
  | "migration_failed";

/** An error from the store, with a machine-readable {@linkcode StoreErrorCode}. */
export class StoreError extends Error {
  /** What went wrong. */
  readonly code: StoreErrorCode;

  /** Creates the error. */
  constructor(message: string, options: ErrorOptions & { code: StoreErrorCode }) {
    super(message, options);
    this.name = "StoreError";
    this.code = options.code;
  }
}

/** Something the store wants a human to know about while opening (via `onEvent`). */
export interface StoreNotice {
  /** `created`: a new database; `migrated`: schema upgraded; `corrupt_moved_aside`: see module doc. */
  type: "created" | "migrated" | "corrupt_moved_aside";
  /** A complete, human-readable sentence. */
  message: string;
  /** The database path. */
  path: string;
  /** For `corrupt_moved_aside`: where the corrupt file went. */
  movedTo?: string;
  /** For `migrated`: the version before. */
  fromVersion?: number;
  /** For `migrated`: the version after. */
  toVersion?: number;
}

/** Options for {@linkcode openStore}. */
export interface OpenStoreOptions {
  /** Open read-only (CLI readers). The file must exist; nothing is created, migrated or moved. */
  readonly?: boolean;
  /** Receives notices while opening (corrupt database moved aside, migrations, creation). */
  onEvent?: (notice: StoreNotice) => void;
  /** How long to wait for a lock before failing with "database is locked" (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** The clock that supplies default time stamps. Default {@linkcode systemClock}. */
  clock?: Clock;
}

/** A row to append to the event log. */
export interface EventInput {
  /** Wall-clock ms. Default: now. */
  ts?: number;
  /** The kind of event. */
  kind: EventKind;
  /** The agent's name. */
  agent?: string;
  /** The agent's pane (`%N`). */
  paneId?: string;
  /** State before (transitions). */
  fromState?: string;
  /** State after (transitions; for notifications, the state notified about). */
  toState?: string;
  /** A short human-readable description. */
  detail?: string;
  /** For notifications: what became of it. */
  delivery?: DeliveryResult;
  /** Anything else, stored as JSON. */
  extra?: Record<string, unknown>;
}

/** A row of the event log. */
export interface EventRecord {
  /** Increasing id (insertion order). */
  id: number;
  /** Wall-clock ms. */
  ts: number;
  /** The kind of event. */
  kind: EventKind;
  /** The agent's name. */
  agent?: string;
  /** The agent's pane. */
  paneId?: string;
  /** State before. */
  fromState?: string;
  /** State after. */
  toState?: string;
  /** Description (empty when none). */
  detail: string;
  /** For notifications: what became of it. */
  delivery?: DeliveryResult;
  /** Extra JSON data. */
  extra?: Record<string, unknown>;
}

/** A state transition to log. */
export interface TransitionInput {
  /** Wall-clock ms. Default: now. */
  ts?: number;
  /** The agent's name. */
  agent: string;
  /** The agent's pane. */
  paneId: string;
  /** State before. */
  from: AgentState;
  /** State after. */
  to: AgentState;
  /** Why (the observation's detail). */
  detail?: string;
  /** Extra JSON data. */
  extra?: Record<string, unknown>;
}

/** A notification outcome to log (one row per agent named in a PM message). */
export interface NotificationInput {
  /** Wall-clock ms. Default: now. */
  ts?: number;
  /** The agent's name. */
  agent?: string;
  /** The agent's pane. A `delivered` row also sets that agent's `lastNotified`. */
  paneId?: string;
  /** The state notified about. */
  state?: AgentState;
  /** What became of it. */
  delivery: DeliveryResult;
  /** Message text or suppression reason. */
  detail?: string;
  /** Extra JSON data (e.g. `{ pm: "%1" }`). */
  extra?: Record<string, unknown>;
}

/** Filters for {@linkcode Store.listEvents}. */
export interface EventQuery {
  /** Only events at or after this wall-clock ms. */
  sinceMs?: number;
  /** Only events before this wall-clock ms. */
  untilMs?: number;
  /** Only events about this agent: matches the agent name or the pane id. */
  agent?: string;
  /** Only these kinds. */
  kinds?: readonly EventKind[];
  /** Only events with a larger id (for following the log). */
  afterId?: number;
  /** At most this many: the most recent ones. Default: no limit. */
  limit?: number;
}

/** One agent pane's current state, as the monitor writes it each cycle. */
export interface AgentUpsert {
  /** The pane (`%N`): the key. */
  paneId: string;
  /** `@tmux-orc-name`. */
  name: string;
  /** Human-readable target such as `session:window.pane`. */
  target?: string;
  /** `@tmux-orc-profile`. */
  profile?: string;
  /** `@tmux-orc-role`. */
  role?: string;
  /** The PM's pane id, when any. */
  pmPane?: string;
  /** Current state. */
  state: AgentState;
  /** Wall-clock ms when the agent entered `state`. */
  since: number;
  /** The observation's detail. */
  detail?: string;
  /** For `rate_limited`: wall-clock ms when the limit resets. */
  resetAt?: number;
}

/** One agent pane as stored. */
export interface AgentRecord {
  /** The pane. */
  paneId: string;
  /** Agent name. */
  name: string;
  /** Target (empty when unknown). */
  target: string;
  /** Profile (empty when none). */
  profile: string;
  /** Role (empty when none). */
  role: string;
  /** PM pane id (empty when none). */
  pmPane: string;
  /** Current state. */
  state: AgentState;
  /** Wall-clock ms when the agent entered `state`. */
  since: number;
  /** The observation's detail. */
  detail: string;
  /** Rate-limit reset time, when known. */
  resetAt?: number;
  /** Wall-clock ms of the last delivered notification about this pane. */
  lastNotified?: number;
  /** Wall-clock ms when any field other than `lastSeen` last changed. */
  updatedAt: number;
  /** Whether the pane was present in the latest cycle. */
  seen: boolean;
  /** Wall-clock ms of the last cycle that saw the pane. */
  lastSeen: number;
}

/** What {@linkcode Store.upsertAgents} did. */
export interface UpsertResult {
  /** Rows written. */
  upserted: number;
  /** Pane ids newly marked gone (with `markOthersGone`). */
  gone: string[];
}

/** When the PM was last told that an agent entered a state. */
export interface NotifyMark {
  /** The agent key the notification policy uses (agent name or pane id). */
  agentKey: string;
  /** The state. */
  state: AgentState;
  /** Wall-clock ms. */
  atMs: number;
}

type Row = Record<string, unknown>;

/** The tables {@linkcode Store.dumpTables} copies. */
const DUMPED_TABLES: readonly string[] = ["events", "agents", "notify_marks", "meta"];

/** Rows by table, from {@linkcode Store.dumpTables}. */
export type StoreDump = Map<string, Record<string, unknown>[]>;

const CORRUPT_CODES = new Set([11, /* SQLITE_CORRUPT */ 26 /* SQLITE_NOTADB */]);

/**
 * The store. Create it with {@linkcode openStore}; the constructor is internal.
 */
export class Store {
  #db: DatabaseSync;
  #path: string;
  #readonly: boolean;
  #clock: Clock;
  #statements = new Map<string, StatementSync>();
  #depth = 0;
  #closed = false;
  #files: DbFiles;

  /** Internal: use {@linkcode openStore}. */
  constructor(
    db: DatabaseSync,
    options: { path: string; readonly: boolean; clock: Clock; files?: DbFiles },
  ) {
    this.#db = db;
    this.#path = options.path;
    this.#readonly = options.readonly;
    this.#clock = options.clock;
    this.#files = options.files ?? { main: identityOf(options.path) ?? { dev: 0, ino: 0 } };
  }

  /** The identities of the files this connection opened (see `file_guard.ts`). */
  get files(): DbFiles {
    return this.#files;
  }

  /** Sets how long a statement waits for another connection's lock before failing (ms). */
  setBusyTimeout(ms: number): void {
    this.#open().exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(ms))}`);
  }

  /**
   * Every row of every table, as this connection sees it: how the writer rescues its data when
   * its file was deleted under it (the open connection still reads the unlinked file). `VACUUM
   * INTO` would be simpler, but Deno's `node:sqlite` forbids `ATTACH` without `--allow-all`.
   */
  dumpTables(): StoreDump {
    const db = this.#open();
    const dump: StoreDump = new Map();
    for (const table of DUMPED_TABLES) {
      dump.set(table, db.prepare(`SELECT * FROM ${table}`).all() as Row[]);
    }
    return dump;
  }

  /** Writes rows from {@linkcode dumpTables} into this database (same schema), in one transaction. */
  restoreTables(dump: StoreDump): number {
    const db = this.#writable();
    let rows = 0;
    this.transaction(() => {
      for (const [table, list] of dump) {
        if (!DUMPED_TABLES.includes(table)) continue;
        for (const row of list) {
          const columns = Object.keys(row);
          if (columns.some((c) => !/^[a-z_]+$/.test(c))) continue;
          db.prepare(
            `INSERT OR REPLACE INTO ${table} (${columns.join(", ")}) VALUES (${
              columns.map(() => "?").join(", ")
            })`,
          ).run(...columns.map((c) => row[c] as SQLInputValue));
          rows++;
        }
      }
    });
    return rows;
  }

  /** The database file. */
  get path(): string {
    return this.#path;
  }

  /** Whether the store was opened read-only. */
  get readonly(): boolean {
    return this.#readonly;
  }

  /** The database's `user_version`. */
  get schemaVersion(): number {
    return userVersion(this.#open());
  }

  /** `PRAGMA journal_mode` (`wal` once opened by the writer). */
  get journalMode(): string {
    const row = this.#stmt("PRAGMA journal_mode").get() as Row;
    return String(row.journal_mode);
  }

  /**
   * Runs `fn` in one transaction (`BEGIN IMMEDIATE`; nested calls use savepoints) and returns its
   * result. Rolls back and rethrows when `fn` throws.
   */
  transaction<T>(fn: () => T): T {
    const db = this.#writable();
    const depth = this.#depth;
    const savepoint = `sp${depth}`;
    db.exec(depth === 0 ? "BEGIN IMMEDIATE" : `SAVEPOINT ${savepoint}`);
    this.#depth++;
    try {
      const result = fn();
      db.exec(depth === 0 ? "COMMIT" : `RELEASE ${savepoint}`);
      return result;
    } catch (error) {
      if (depth === 0) {
        if (db.isTransaction) db.exec("ROLLBACK");
      } else {
        db.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      }
      throw error;
    } finally {
      this.#depth--;
    }
  }

  /** Appends an event and returns its id. */
  recordEvent(event: EventInput): number {
    this.#writable();
    const result = this.#stmt(
      `INSERT INTO events (ts, kind, agent, pane_id, from_state, to_state, detail, delivery, extra)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      event.ts ?? this.#clock.wall(),
      event.kind,
      event.agent ?? null,
      event.paneId ?? null,
      event.fromState ?? null,
      event.toState ?? null,
      event.detail ?? "",
      event.delivery ?? null,
      event.extra === undefined ? null : JSON.stringify(event.extra),
    );
    return Number(result.lastInsertRowid);
  }

  /** Appends a `transition` event and returns its id. */
  recordTransition(transition: TransitionInput): number {
    return this.recordEvent({
      ts: transition.ts,
      kind: "transition",
      agent: transition.agent,
      paneId: transition.paneId,
      fromState: transition.from,
      toState: transition.to,
      detail: transition.detail,
      extra: transition.extra,
    });
  }

  /**
   * Appends a `notification` event and returns its id. A `delivered` notification with a `paneId`
   * also sets that agent row's `lastNotified`.
   */
  recordNotification(notification: NotificationInput): number {
    const ts = notification.ts ?? this.#clock.wall();
    return this.transaction(() => {
      const id = this.recordEvent({
        ts,
        kind: "notification",
        agent: notification.agent,
        paneId: notification.paneId,
        toState: notification.state,
        detail: notification.detail,
        delivery: notification.delivery,
        extra: notification.extra,
      });
      if (notification.delivery === "delivered" && notification.paneId !== undefined) {
        this.#stmt("UPDATE agents SET last_notified = ? WHERE pane_id = ?").run(
          ts,
          notification.paneId,
        );
      }
      return id;
    });
  }

  /** Events matching `query`, oldest first (with `limit`: the most recent `limit` of them). */
  listEvents(query: EventQuery = {}): EventRecord[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.sinceMs !== undefined) {
      where.push("ts >= ?");
      params.push(query.sinceMs);
    }
    if (query.untilMs !== undefined) {
      where.push("ts < ?");
      params.push(query.untilMs);
    }
    if (query.agent !== undefined) {
      where.push("(agent = ? OR pane_id = ?)");
      params.push(query.agent, query.agent);
    }
    if (query.kinds !== undefined) {
      where.push("kind IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(query.kinds));
    }
    if (query.afterId !== undefined) {
      where.push("id > ?");
      params.push(query.afterId);
    }
    let sql = "SELECT * FROM events";
    if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`;
    if (query.limit !== undefined) {
      sql += " ORDER BY id DESC LIMIT ?";
      params.push(Math.max(0, Math.floor(query.limit)));
    } else {
      sql += " ORDER BY id";
    }
    const rows = (this.#stmt(sql).all(...params) as Row[]).map(toEventRecord);
    return query.limit === undefined ? rows : rows.reverse();
  }

  /** Deletes events older than `beforeMs` and returns how many. */
  pruneEvents(beforeMs: number): number {
    this.#writable();
    return Number(this.#stmt("DELETE FROM events WHERE ts < ?").run(beforeMs).changes);
  }

  /**
   * Writes this cycle's agents in one transaction. With `markOthersGone`, panes not in `agents`
   * are marked gone (`seen = false`) in the same transaction and returned in `gone`.
   */
  upsertAgents(
    agents: readonly AgentUpsert[],
    options: { nowMs?: number; markOthersGone?: boolean } = {},
  ): UpsertResult {
    const now = options.nowMs ?? this.#clock.wall();
    this.#writable();
    const upsert = this.#stmt(
      `INSERT INTO agents (pane_id, name, target, profile, role, pm_pane, state, since, detail,
                           reset_at, updated_at, seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
       ON CONFLICT (pane_id) DO UPDATE SET
         updated_at = CASE
           WHEN name IS NOT excluded.name OR target IS NOT excluded.target
             OR profile IS NOT excluded.profile OR role IS NOT excluded.role
             OR pm_pane IS NOT excluded.pm_pane OR state IS NOT excluded.state
             OR since IS NOT excluded.since OR detail IS NOT excluded.detail
             OR reset_at IS NOT excluded.reset_at OR seen = 0
           THEN excluded.updated_at ELSE updated_at END,
         name = excluded.name, target = excluded.target, profile = excluded.profile,
         role = excluded.role, pm_pane = excluded.pm_pane, state = excluded.state,
         since = excluded.since, detail = excluded.detail, reset_at = excluded.reset_at,
         seen = 1, last_seen = excluded.last_seen`,
    );
    return this.transaction(() => {
      for (const a of agents) {
        upsert.run(
          a.paneId,
          a.name,
          a.target ?? "",
          a.profile ?? "",
          a.role ?? "",
          a.pmPane ?? "",
          a.state,
          a.since,
          a.detail ?? "",
          a.resetAt ?? null,
          now,
          now,
        );
      }
      let gone: string[] = [];
      if (options.markOthersGone) {
        gone = (this.#stmt(
          `UPDATE agents SET seen = 0, updated_at = ?
           WHERE seen = 1 AND pane_id NOT IN (SELECT value FROM json_each(?))
           RETURNING pane_id`,
        ).all(now, JSON.stringify(agents.map((a) => a.paneId))) as Row[]).map((r) =>
          String(r.pane_id)
        );
      }
      return { upserted: agents.length, gone };
    });
  }

  /** Marks the given panes gone (`seen = false`) and returns the ones that were not already. */
  markAgentsGone(paneIds: readonly string[], options: { nowMs?: number } = {}): string[] {
    this.#writable();
    const rows = this.#stmt(
      `UPDATE agents SET seen = 0, updated_at = ?
       WHERE seen = 1 AND pane_id IN (SELECT value FROM json_each(?))
       RETURNING pane_id`,
    ).all(options.nowMs ?? this.#clock.wall(), JSON.stringify(paneIds)) as Row[];
    return rows.map((r) => String(r.pane_id));
  }

  /** Deletes agents gone since before `beforeMs` and returns how many. */
  pruneAgents(beforeMs: number): number {
    this.#writable();
    return Number(
      this.#stmt("DELETE FROM agents WHERE seen = 0 AND last_seen < ?").run(beforeMs).changes,
    );
  }

  /** Stored agents ordered by name then pane; gone ones only with `includeGone`. */
  listAgents(options: { includeGone?: boolean } = {}): AgentRecord[] {
    const sql = options.includeGone
      ? "SELECT * FROM agents ORDER BY name, pane_id"
      : "SELECT * FROM agents WHERE seen = 1 ORDER BY name, pane_id";
    return (this.#stmt(sql).all() as Row[]).map(toAgentRecord);
  }

  /** How many present agents are in each state (every state present, zero when none). */
  stateCounts(): Record<AgentState, number> {
    const counts = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<
      AgentState,
      number
    >;
    const rows = this.#stmt(
      "SELECT state, COUNT(*) AS n FROM agents WHERE seen = 1 GROUP BY state",
    ).all() as Row[];
    for (const row of rows) counts[asState(row.state)] += Number(row.n);
    return counts;
  }

  /** When the PM was last told that `agentKey` entered `state` (wall ms), if ever. */
  lastNotified(agentKey: string, state: AgentState): number | undefined {
    const row = this.#stmt(
      "SELECT notified_at FROM notify_marks WHERE agent_key = ? AND state = ?",
    ).get(agentKey, state) as Row | undefined;
    return row === undefined ? undefined : Number(row.notified_at);
  }

  /** Records that the PM was told that `mark.agentKey` entered `mark.state` at `mark.atMs`. */
  setLastNotified(mark: NotifyMark): void {
    this.#writable();
    this.#stmt(
      `INSERT INTO notify_marks (agent_key, state, notified_at) VALUES (?, ?, ?)
       ON CONFLICT (agent_key, state) DO UPDATE SET notified_at = excluded.notified_at`,
    ).run(mark.agentKey, mark.state, mark.atMs);
  }

  /** {@linkcode Store.setLastNotified} for several marks, in one transaction. */
  setLastNotifiedMany(marks: readonly NotifyMark[]): void {
    this.transaction(() => {
      for (const mark of marks) this.setLastNotified(mark);
    });
  }

  /** Every cooldown mark. */
  listNotifyMarks(): NotifyMark[] {
    const rows = this.#stmt(
      "SELECT agent_key, state, notified_at FROM notify_marks ORDER BY agent_key, state",
    ).all() as Row[];
    return rows.map((r) => ({
      agentKey: String(r.agent_key),
      state: asState(r.state),
      atMs: Number(r.notified_at),
    }));
  }

  /** A metadata value, if set. */
  getMeta(key: string): string | undefined {
    const row = this.#stmt("SELECT value FROM meta WHERE key = ?").get(key) as Row | undefined;
    return row === undefined ? undefined : String(row.value);
  }

  /** Sets a metadata value. */
  setMeta(key: string, value: string): void {
    this.#writable();
    this.#stmt(
      `INSERT INTO meta (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(key, value);
  }

  /** Removes a metadata value. */
  deleteMeta(key: string): void {
    this.#writable();
    this.#stmt("DELETE FROM meta WHERE key = ?").run(key);
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#db.close();
  }

  /** Same as {@linkcode Store.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #open(): DatabaseSync {
    if (this.#closed) {
      throw new StoreError(`Cannot use database: it is closed: ${this.#path}`, { code: "closed" });
    }
    return this.#db;
  }

  #writable(): DatabaseSync {
    const db = this.#open();
    if (this.#readonly) {
      throw new StoreError(`Cannot write to database: it is open read-only: ${this.#path}`, {
        code: "read_only",
      });
    }
    return db;
  }

  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#open().prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * Opens (and, for the writer, creates, migrates or repairs) the store at `path`.
 *
 * Writer (default): creates the parent directory (0700) and the file (0600), moves a corrupt
 * database aside and starts a fresh one, switches to WAL with `synchronous=NORMAL`, and applies
 * pending migrations, each in its own transaction.
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
        `Cannot open database: ${errorText(error)} (the monitor moves it aside on start): ${path}`,
        { code: "corrupt", cause: error },
      );
    }
    throw new StoreError(`Cannot open database: ${errorText(error)}: ${path}`, {
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
  try {
    Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreError(`Cannot create database directory: ${errorText(error)}: ${path}`, {
      code: "open_failed",
      cause: error,
    });
  }
  refuseUnsafe(path);
  const existed = fileSize(path) > 0;
  ensureFile(path);

  let movedTo: string | undefined;
  const corruption = existed ? probeCorruption(path, busyTimeoutMs) : undefined;
  if (corruption !== undefined) {
    movedTo = moveAside(path, clock.wall());
    emit({
      type: "corrupt_moved_aside",
      message: `Database was corrupt (${corruption}): moved it aside to ${movedTo} ` +
        `and created a fresh one at ${path}`,
      path,
      movedTo,
    });
    ensureFile(path);
  }

  let db: DatabaseSync | undefined;
  const main = ensureFile(path);
  try {
    db = connect(path, { readOnly: false, busyTimeoutMs });
    userVersion(db);
  } catch (error) {
    db?.close();
    throw new StoreError(`Cannot open database: ${errorText(error)}: ${path}`, {
      code: isCorruption(error) ? "corrupt" : "open_failed",
      cause: error,
    });
  }

  try {
    const from = userVersion(db);
    checkNotTooNew(path, from); // before any write: a newer tmux-orc's database stays untouched
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA journal_size_limit = 67108864");
    migrate(db, path);
    if (movedTo !== undefined) {
      // Already reported as corrupt_moved_aside.
    } else if (!existed) {
      emit({ type: "created", message: `Created database at ${path}`, path });
    } else if (from < SCHEMA_VERSION) {
      emit({
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
    throw new StoreError(`Cannot open database: ${errorText(error)}: ${path}`, {
      code: "open_failed",
      cause: error,
    });
  }

  // node:sqlite opened by path: make sure it opened the file checked above, and that no side file
  // it created or found is a link.
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
    return isCorruption(error) ? errorText(error) : undefined;
  } finally {
    db?.close();
  }
}

function migrate(db: DatabaseSync, path: string): void {
  for (const step of MIGRATIONS) {
    if (userVersion(db) >= step.version) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      // Re-read inside the write lock: another writer may have migrated meanwhile.
      if (userVersion(db) < step.version) {
        db.exec(step.sql);
        db.exec(`PRAGMA user_version = ${step.version}`);
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw new StoreError(
        `Cannot migrate database: step ${step.version} (${step.description}) failed: ` +
          `${errorText(error)}: ${path}`,
        { code: "migration_failed", cause: error },
      );
    }
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

function userVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as Row;
  return Number(row.user_version);
}

/** SQLite's messages for the corrupt codes (Deno's `node:sqlite` gives no `errcode`). */
const CORRUPT_MESSAGE = /database disk image is malformed|file is not a database/i;

function isCorruption(error: unknown): boolean {
  const errcode = (error as { errcode?: unknown })?.errcode;
  if (typeof errcode === "number") return CORRUPT_CODES.has(errcode & 0xff);
  return CORRUPT_MESSAGE.test(errorText(error));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
    throw new StoreError(`Cannot create database: ${errorText(error)}: ${path}`, {
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
    throw new StoreError(`${errorText(error)}`, { code: "open_failed", cause: error });
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
      `Cannot move corrupt database aside: ${errorText(error)}: ${path} -> ${target}`,
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

function asState(value: unknown): AgentState {
  const s = String(value);
  return (AGENT_STATES as readonly string[]).includes(s) ? s as AgentState : "unknown";
}

function optString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function optNumber(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

function toEventRecord(row: Row): EventRecord {
  const record: EventRecord = {
    id: Number(row.id),
    ts: Number(row.ts),
    kind: String(row.kind) as EventKind,
    detail: String(row.detail ?? ""),
  };
  const agent = optString(row.agent);
  if (agent !== undefined) record.agent = agent;
  const paneId = optString(row.pane_id);
  if (paneId !== undefined) record.paneId = paneId;
  const fromState = optString(row.from_state);
  if (fromState !== undefined) record.fromState = fromState;
  const toState = optString(row.to_state);
  if (toState !== undefined) record.toState = toState;
  const delivery = optString(row.delivery);
  if (delivery !== undefined) record.delivery = delivery as DeliveryResult;
  const extra = optString(row.extra);
  if (extra !== undefined) record.extra = JSON.parse(extra);
  return record;
}

function toAgentRecord(row: Row): AgentRecord {
  const record: AgentRecord = {
    paneId: String(row.pane_id),
    name: String(row.name),
    target: String(row.target),
    profile: String(row.profile),
    role: String(row.role),
    pmPane: String(row.pm_pane),
    state: asState(row.state),
    since: Number(row.since),
    detail: String(row.detail ?? ""),
    updatedAt: Number(row.updated_at),
    seen: Number(row.seen) === 1,
    lastSeen: Number(row.last_seen),
  };
  const resetAt = optNumber(row.reset_at);
  if (resetAt !== undefined) record.resetAt = resetAt;
  const lastNotified = optNumber(row.last_notified);
  if (lastNotified !== undefined) record.lastNotified = lastNotified;
  return record;
}
