/**
 * Row mappers: SQLite rows to the store's records, tolerant of what an older or damaged file
 * holds (an unknown state reads as `unknown`).
 *
 * @module
 */

import { AGENT_STATES, type AgentState } from "../agents/types.ts";
import type { AgentRecord, DeliveryResult, EventKind, EventRecord } from "./types.ts";

/** A row as `node:sqlite` returns it. */
export type Row = Record<string, unknown>;

export function asState(value: unknown): AgentState {
  const s = String(value);
  return (AGENT_STATES as readonly string[]).includes(s) ? s as AgentState : "unknown";
}

export function optString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

export function optNumber(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : Number(value);
}

export function toEventRecord(row: Row): EventRecord {
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

export function toAgentRecord(row: Row): AgentRecord {
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
