/**
 * What only tests ask of a store, done from outside it: through its public methods, or with a
 * second `node:sqlite` connection to the same file (WAL lets it read and write beside the
 * store's own connection).
 */
import { DatabaseSync } from "node:sqlite";
import { AGENT_STATES, type AgentState } from "../../src/agents/types.ts";
import type { NotifyMark, Store } from "../../src/store/store.ts";

function withDb<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 2000");
    return fn(db);
  } finally {
    db.close();
  }
}

/** Records one cooldown mark. */
export function setLastNotified(store: Store, mark: NotifyMark): void {
  store.setLastNotifiedMany([mark]);
}

/** Every cooldown mark in the database at `path`. */
export function listNotifyMarks(path: string): NotifyMark[] {
  return withDb(path, (db) =>
    (db.prepare(
      "SELECT agent_key, state, notified_at FROM notify_marks ORDER BY agent_key, state",
    ).all() as Record<string, unknown>[]).map((r) => ({
      agentKey: String(r.agent_key),
      state: String(r.state) as AgentState,
      atMs: Number(r.notified_at),
    })));
}

/** Removes a metadata value from the database at `path`. */
export function deleteMeta(path: string, key: string): void {
  withDb(path, (db) => db.prepare("DELETE FROM meta WHERE key = ?").run(key));
}

/** How many present agents are in each state (every state present, zero when none). */
export function stateCounts(store: Store): Record<AgentState, number> {
  const counts = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<
    AgentState,
    number
  >;
  for (const agent of store.listAgents()) counts[agent.state] += 1;
  return counts;
}

/** Marks the given panes gone (`seen = 0`) and returns the ones that were not already. */
export function markAgentsGone(path: string, paneIds: readonly string[], nowMs: number): string[] {
  return withDb(path, (db) =>
    (db.prepare(
      `UPDATE agents SET seen = 0, updated_at = ?
       WHERE seen = 1 AND pane_id IN (SELECT value FROM json_each(?))
       RETURNING pane_id`,
    ).all(nowMs, JSON.stringify(paneIds)) as Record<string, unknown>[]).map((r) =>
      String(r.pane_id)
    ));
}
