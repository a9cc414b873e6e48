/**
 * The {@linkcode Store} class: the queries and writes on an open database. Opening, migrating
 * and recovering a database is `open.ts`'s job.
 *
 * @module
 */

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { AgentState } from "../agents/types.ts";
import type { Clock } from "../util/clock.ts";
import { type DbFiles, identityOf } from "./file_guard.ts";
import { type Row, toAgentRecord, toEventRecord } from "./rows.ts";
import {
  type AgentRecord,
  type AgentUpsert,
  type EventInput,
  type EventQuery,
  type EventRecord,
  type NotificationInput,
  type NotifyMark,
  type StoreDump,
  StoreError,
  type TransitionInput,
  type UpsertResult,
} from "./types.ts";

/** The tables {@linkcode Store.dumpTables} copies. */
const DUMPED_TABLES: readonly string[] = ["events", "agents", "notify_marks", "meta", "outbox"];

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

  /**
   * `PRAGMA data_version`: changes when another connection committed since this one last asked.
   * A reader polls it to skip re-reading an unchanged database.
   */
  dataVersion(): number {
    const row = this.#stmt("PRAGMA data_version").get() as Row;
    return Number(row.data_version);
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

  /** When the PM was last told that `agentKey` entered `state` (wall ms), if ever. */
  lastNotified(agentKey: string, state: AgentState): number | undefined {
    const row = this.#stmt(
      "SELECT notified_at FROM notify_marks WHERE agent_key = ? AND state = ?",
    ).get(agentKey, state) as Row | undefined;
    return row === undefined ? undefined : Number(row.notified_at);
  }

  /** Records that the PM was told that `mark.agentKey` entered `mark.state` at `mark.atMs`. */
  #setLastNotified(mark: NotifyMark): void {
    this.#writable();
    this.#stmt(
      `INSERT INTO notify_marks (agent_key, state, notified_at) VALUES (?, ?, ?)
       ON CONFLICT (agent_key, state) DO UPDATE SET notified_at = excluded.notified_at`,
    ).run(mark.agentKey, mark.state, mark.atMs);
  }

  /** Records cooldown marks (when a PM was told an agent entered a state), in one transaction. */
  setLastNotifiedMany(marks: readonly NotifyMark[]): void {
    this.transaction(() => {
      for (const mark of marks) this.#setLastNotified(mark);
    });
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

  /**
   * A prepared statement, cached (for the store's own modules, such as `outbox.ts`). Writes through
   * it must go through {@linkcode Store.transaction} or be single statements.
   */
  statement(sql: string): StatementSync {
    return this.#stmt(sql);
  }

  /** Throws unless the store takes writes (closed, read-only). */
  assertWritable(): void {
    this.#writable();
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

/** The schema version a database records (`PRAGMA user_version`). */
export function userVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as Row;
  return Number(row.user_version);
}
