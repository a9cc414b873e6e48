/**
 * The text of PM messages: one line naming every agent and its new state, with control
 * characters removed (it is typed into a pane).
 *
 * @module
 */

import type { PendingNotification } from "./policy.ts";

/**
 * Formats one PM message naming every agent and its new state, on one line:
 * `[tmux-orc] backend (%3) is idle` or
 * `[tmux-orc] 2 agents need attention: backend (%3) is idle; tests (%7) waits on a prompt`.
 * Control characters are removed (the text is typed into a pane).
 */
export function formatBatch(
  items: readonly PendingNotification[],
  options: { nowMs: number; prefix?: string },
): string {
  const prefix = sanitize(options.prefix ?? "[tmux-orc]");
  const parts = items.map((item) => describeNotification(item, options.nowMs));
  const head = items.length === 1 ? "" : `${items.length} agents need attention: `;
  return `${prefix} ${head}${parts.join("; ")}`.trim();
}

/** Describes one notification: `backend (%3) is rate-limited (resets in 12m)`. */
export function describeNotification(item: PendingNotification, nowMs: number): string {
  const who = `${sanitize(item.agentName) || "agent"} (${sanitize(item.paneId)})`;
  const detail = shorten(sanitize(item.detail), 80);
  const withDetail = (text: string) => detail === "" ? text : `${text}: ${detail}`;
  switch (item.state) {
    case "idle":
      return `${who} is idle`;
    case "waiting":
      return `${who} ${withDetail("waits on a prompt")}`;
    case "stuck_input":
      return `${who} has unsent input`;
    case "rate_limited":
      return item.resetAt !== undefined && item.resetAt > nowMs
        ? `${who} is rate-limited (resets in ${formatSpan(item.resetAt - nowMs)})`
        : `${who} is rate-limited`;
    case "error":
      return `${who} ${withDetail("hit an error")}`;
    case "crashed":
      return `${who} ${withDetail("crashed")}`;
    case "active":
      return `${who} is active`;
    case "unknown":
      return `${who} ${withDetail("is in an unknown state")}`;
  }
}

/** `45s`, `12m`, `2h5m`, `3d4h`. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
}

/** Replaces control characters with spaces, collapses whitespace, drops a trailing `;`. */
export function sanitize(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").replace(/\s+/g, " ").trim()
    .replace(/;+$/, "").trim();
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
