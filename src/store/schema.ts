/**
 * The store's versioned schema: an ordered list of migrations, tracked with `PRAGMA user_version`.
 *
 * Migration `n` (1-based) takes a database at `user_version = n - 1` to `user_version = n`. The
 * pending steps run in one transaction with their `user_version` bumps, so a crash mid-migration
 * leaves the database at the version it had, and a reader never sees a half-migrated schema.
 * Append new steps; never edit a released one.
 *
 * @module
 */

/** One schema step. */
export interface Migration {
  /** The `user_version` after this step (1, 2, …: its 1-based position in {@linkcode MIGRATIONS}). */
  readonly version: number;
  /** What the step does, for logs. */
  readonly description: string;
  /** The SQL to run (several statements allowed). */
  readonly sql: string;
}

/** Every migration, oldest first. The last one's `version` is {@linkcode SCHEMA_VERSION}. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "events, agents, notify_marks and meta tables",
    sql: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        kind TEXT NOT NULL
          CHECK (kind IN ('transition', 'notification', 'restart', 'action', 'monitor')),
        agent TEXT,
        pane_id TEXT,
        from_state TEXT,
        to_state TEXT,
        detail TEXT NOT NULL DEFAULT '',
        delivery TEXT
          CHECK (delivery IS NULL OR delivery IN ('delivered', 'failed', 'held', 'suppressed')),
        extra TEXT CHECK (extra IS NULL OR json_valid(extra))
      );
      CREATE INDEX events_ts ON events (ts);

      CREATE TABLE agents (
        pane_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        profile TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL DEFAULT '',
        pm_pane TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        since INTEGER NOT NULL,
        last_notified INTEGER,
        updated_at INTEGER NOT NULL,
        seen INTEGER NOT NULL DEFAULT 1,
        last_seen INTEGER NOT NULL
      );

      CREATE TABLE notify_marks (
        agent_key TEXT NOT NULL,
        state TEXT NOT NULL,
        notified_at INTEGER NOT NULL,
        PRIMARY KEY (agent_key, state)
      ) WITHOUT ROWID;

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: "agents.detail and agents.reset_at; per-agent event indexes",
    sql: `
      ALTER TABLE agents ADD COLUMN detail TEXT NOT NULL DEFAULT '';
      ALTER TABLE agents ADD COLUMN reset_at INTEGER;
      CREATE INDEX events_agent_ts ON events (agent, ts);
      CREATE INDEX events_pane_ts ON events (pane_id, ts);
    `,
  },
  {
    version: 3,
    description: "outbox: notices for human channels, written before any delivery",
    sql: `
      CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        notice TEXT NOT NULL CHECK (json_valid(notice)),
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        last_error TEXT,
        done_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX outbox_due ON outbox (status, next_at);
    `,
  },
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1].version;
