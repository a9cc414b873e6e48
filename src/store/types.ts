/**
 * The store's data types: what goes in (events, transitions, notifications, agent rows, cooldown
 * marks) and what comes out, and its errors.
 *
 * @module
 */

import type { AgentState } from "../agents/types.ts";
import type { Clock } from "../util/clock.ts";

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

/** Rows by table, from {@linkcode Store.dumpTables}. */
export type StoreDump = Map<string, Record<string, unknown>[]>;
