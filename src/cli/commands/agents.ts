/**
 * `tmux-orc agents`: every agent pane the monitor watches, with its state, read from the store
 * (read-only: this never disturbs the monitor). Also the read-only store helpers the reporting
 * commands share.
 *
 * @module
 */

import { MONITOR_STATE_KEY, parseSavedState } from "../../monitor/persist.ts";
import { formatSpan } from "../../notify/policy.ts";
import { readDaemon } from "../../state/pid_file.ts";
import { UserError } from "../../state/errors.ts";
import { type AgentRecord, openStore, type Store, StoreError } from "../../store/store.ts";
import { switchOption } from "../options.ts";
import { defineCommand } from "../spec.ts";
import { safeJson, safeText } from "../../util/safe_text.ts";

/**
 * Opens the store read-only; `undefined` when there is no database yet (the monitor has not run).
 * Other problems become a one-line {@linkcode UserError}.
 */
export function openStoreForReading(path: string): Store | undefined {
  try {
    return openStore(path, { readonly: true });
  } catch (error) {
    if (error instanceof StoreError && error.code === "missing") return undefined;
    throw new UserError((error as Error).message);
  }
}

/** `12s`, `3m`, `2h5m` ago; `-` for none. */
export function ago(ms: number | undefined, nowMs: number): string {
  if (ms === undefined) return "-";
  return `${formatSpan(Math.max(0, nowMs - ms))} ago`;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/**
 * Whether each pane's profile recognises its screen, from the monitor's saved state, by pane id:
 * `false` when the pane is `unknown` and its last screen showed nothing the profile knows (a new
 * CLI version, an unknown dialog), `true` when the last screen showed something it knows. A pane
 * caught mid-redraw (unrecognised for one look, not `unknown`) and panes the saved state does not
 * describe are missing: not known.
 */
export function readRecognised(store: Store): Map<string, boolean> {
  const recognised = new Map<string, boolean>();
  let saved;
  try {
    saved = parseSavedState(store.getMeta(MONITOR_STATE_KEY));
  } catch {
    return recognised; // an older store or a damaged value: the marker is left out
  }
  for (const { paneId, observation } of saved?.panes ?? []) {
    if (observation.recognised === true) recognised.set(paneId, true);
    else if (observation.recognised === false && observation.state === "unknown") {
      recognised.set(paneId, false);
    }
  }
  return recognised;
}

/**
 * One agent as `agents --json` prints it. `recognised`: whether its profile recognised the last
 * screen (`false`: the CLI shows something the profile does not know; `null`: not known).
 */
export function agentJson(agent: AgentRecord, recognised?: boolean): Record<string, unknown> {
  return {
    name: agent.name,
    pane_id: agent.paneId,
    target: agent.target,
    profile: agent.profile,
    role: agent.role === "" ? "agent" : agent.role,
    registered: agent.role !== "",
    pm_pane: agent.pmPane === "" ? null : agent.pmPane,
    state: agent.state,
    since: iso(agent.since),
    since_ms: agent.since,
    detail: agent.detail,
    recognised: recognised ?? null,
    reset_at: iso(agent.resetAt),
    last_notified: iso(agent.lastNotified),
    last_notified_ms: agent.lastNotified ?? null,
    present: agent.seen,
    last_seen: iso(agent.lastSeen),
  };
}

/** Lays out rows as columns separated by two spaces (the last column is not padded). */
export function columns(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, [...cell].length));
  }
  return rows.map((row) =>
    row.map((cell, i) =>
      i === row.length - 1 ? cell : cell + " ".repeat(widths[i] - [...cell].length)
    ).join("  ").trimEnd()
  );
}

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** `agents`. */
export const agentsCommand = defineCommand({
  path: ["agents"],
  summary: "List the agents the monitor watches, with their states",
  options: {
    json: switchOption({ flag: "json", help: "Print a JSON array" }),
    all: switchOption({ flag: "all", short: "a", help: "Include agents no longer present" }),
  },
  async run(ctx, { json, all }) {
    const paths = await ctx.statePaths({ create: false });
    const store = openStoreForReading(paths.database);
    let agents: AgentRecord[] = [];
    let recognised = new Map<string, boolean>();
    try {
      agents = store?.listAgents({ includeGone: all }) ?? [];
      if (store) recognised = readRecognised(store);
    } finally {
      store?.close();
    }
    if (json) {
      ctx.out(safeJson(agents.map((a) => agentJson(a, recognised.get(a.paneId))), 2));
      return 0;
    }
    if (!store) {
      ctx.out(`No agents yet: the monitor has not run with state dir ${paths.dir}`);
      return 0;
    }
    if (!(await readDaemon(paths.monitorPid, paths.monitorLock)).running) {
      ctx.out("Note: the monitor is not running; these are the last states it saw.");
    }
    if (agents.length === 0) {
      ctx.out("No agents found (register one with 'tmux-orc agent register TARGET')");
      return 0;
    }
    const now = Date.now();
    const rows = [[
      "NAME",
      "TARGET",
      "PANE",
      "ROLE",
      "PROFILE",
      "STATE",
      "FOR",
      "NOTIFIED",
      "DETAIL",
    ]];
    for (const a of agents) {
      rows.push([
        shorten(safeText(a.name), 24),
        shorten(safeText(a.target), 28),
        safeText(a.paneId),
        a.role === "" ? "agent*" : safeText(a.role),
        `${safeText(a.profile) || "-"}${a.seen && recognised.get(a.paneId) === false ? "?" : ""}`,
        safeText(a.seen ? a.state : `${a.state} (gone)`),
        formatSpan(Math.max(0, now - a.since)),
        ago(a.lastNotified, now),
        shorten(safeText(a.detail.replace(/[ \t\r\n]+/g, " ")), 60),
      ]);
    }
    for (const line of columns(rows)) ctx.out(line);
    if (agents.some((a) => a.role === "")) ctx.out("* detected by its process, not registered");
    if (agents.some((a) => a.seen && recognised.get(a.paneId) === false)) {
      ctx.out(
        "? the profile does not recognise what the pane shows (a new CLI version?): " +
          "save it with 'tmux-orc capture TARGET' and report it",
      );
    }
    return 0;
  },
});
