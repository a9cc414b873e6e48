/**
 * `tmux-orc events`: the monitor's event log (state transitions, notifications and what became of
 * them, actions, restarts), read-only from the store.
 *
 * @module
 */

import { shown, UsageError } from "../../state/errors.ts";
import { parseSince } from "../../store/duration.ts";
import { EVENT_KINDS, type EventKind, type EventRecord } from "../../store/store.ts";
import { count, switchOption, text } from "../options.ts";
import { defineCommand } from "../spec.ts";
import { columns, openStoreForReading } from "./agents.ts";
import { safeJson, safeText } from "../../util/safe_text.ts";

/** One event as `events --json` prints it. */
export function eventJson(event: EventRecord): Record<string, unknown> {
  return {
    id: event.id,
    time: new Date(event.ts).toISOString(),
    ts_ms: event.ts,
    kind: event.kind,
    agent: event.agent ?? null,
    pane_id: event.paneId ?? null,
    from_state: event.fromState ?? null,
    to_state: event.toState ?? null,
    delivery: event.delivery ?? null,
    detail: event.detail,
    extra: event.extra ?? null,
  };
}

function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

/** What an event did, in a few words: `idle → active`, `delivered (waiting)`. */
export function eventWhat(event: EventRecord): string {
  switch (event.kind) {
    case "transition":
      return `${event.fromState ?? "?"} → ${event.toState ?? "?"}`;
    case "notification": {
      // A human channel's notice names its channel; a dead letter says so.
      const channel = typeof event.extra?.channel === "string" ? ` via ${event.extra.channel}` : "";
      const dead = event.extra?.dead_letter === true ? " (dead letter)" : "";
      return `${event.delivery ?? "?"}${channel}${dead} (${event.toState ?? "?"})`;
    }
    default:
      return event.toState ?? "";
  }
}

/** How many events `events` prints without `--lines` or `--since`. */
const DEFAULT_EVENT_LINES = 50;

/** `events`. */
export const eventsCommand = defineCommand({
  path: ["events"],
  summary: "Show the monitor's event log: transitions, notifications, actions",
  options: {
    since: text({
      flag: "since",
      valueName: "WHEN",
      help: "Only events since a duration ago (90s, 30m, 1h, 2d) or an ISO date",
    }),
    agent: text({
      flag: "agent",
      valueName: "NAME",
      help: "Only events about this agent (name or %pane_id)",
    }),
    kind: text({
      flag: "kind",
      valueName: "KIND",
      help: `Only this kind: ${EVENT_KINDS.join(", ")}`,
    }),
    lines: count({
      flag: "lines",
      short: "n",
      min: 0,
      max: 1_000_000,
      help: `At most the last N events (default ${DEFAULT_EVENT_LINES} without --since)`,
    }),
    json: switchOption({ flag: "json", help: "Print a JSON array" }),
  },
  async run(ctx, options) {
    const now = Date.now();
    const sinceText = options.since;
    let sinceMs: number | undefined;
    if (sinceText !== undefined) {
      try {
        sinceMs = parseSince(sinceText, now);
      } catch (error) {
        throw new UsageError(`Invalid value for --since: ${shown((error as Error).message)}`);
      }
    }
    const kind = options.kind;
    if (kind !== undefined && !(EVENT_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(
        `Invalid value for --kind: expected one of ${EVENT_KINDS.join(", ")}, got '${shown(kind)}'`,
      );
    }
    const limit = options.lines ?? (sinceMs !== undefined ? undefined : DEFAULT_EVENT_LINES);
    const agent = options.agent;
    const paths = await ctx.statePaths({ create: false });
    const store = openStoreForReading(paths.database);
    let events: EventRecord[] = [];
    try {
      events = store?.listEvents({
        sinceMs,
        agent,
        kinds: kind === undefined ? undefined : [kind as EventKind],
        limit,
      }) ?? [];
    } finally {
      store?.close();
    }
    if (options.json) {
      ctx.out(safeJson(events.map(eventJson), 2));
      return 0;
    }
    if (!store) {
      ctx.out(`No events yet: the monitor has not run with state dir ${paths.dir}`);
      return 0;
    }
    if (events.length === 0) {
      ctx.out("No events match");
      return 0;
    }
    const rows = events.map((e) =>
      [
        localTime(e.ts),
        e.kind,
        e.agent ? `${e.agent}${e.paneId && e.paneId !== e.agent ? ` (${e.paneId})` : ""}` : "-",
        eventWhat(e),
        e.detail.replace(/[ \t\r\n]+/g, " "),
      ].map((cell) => safeText(cell))
    );
    for (const line of columns(rows)) ctx.out(line);
    return 0;
  },
});
