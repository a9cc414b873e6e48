/**
 * Notification channels: where a notice about an agent goes besides its PM (a webhook, Slack,
 * Discord, Teams, ntfy, a program), and the notice itself.
 *
 * @module
 */

import type { AgentState } from "../agents/types.ts";

/** Every channel type a `[[channels]]` table may name. */
export const CHANNEL_TYPES = [
  "webhook",
  "slack",
  "discord",
  "teams",
  "ntfy",
  "exec",
  "pm",
] as const;

/** One channel type. */
export type ChannelType = typeof CHANNEL_TYPES[number];

/** The states a direct human channel hears about when its table names none. */
export const DEFAULT_HUMAN_STATES: readonly AgentState[] = [
  "waiting",
  "rate_limited",
  "crashed",
  "error",
  "unknown",
];

/**
 * The states an escalation channel (`escalate_after`) hears about when its table names none:
 * every state but `active`. An idle fleet whose PM gave no new work in `escalate_after` has
 * stopped, and that is what the human wants to hear.
 */
export const DEFAULT_ESCALATION_STATES: readonly AgentState[] = [
  "idle",
  "waiting",
  "stuck_input",
  "rate_limited",
  "crashed",
  "error",
  "unknown",
];

/** Which agents a channel hears about. */
export interface ChannelFilter {
  /** Only these states. */
  states: ReadonlySet<AgentState>;
  /** Only agents whose name matches one of these globs (empty: every agent). */
  agents: readonly RegExp[];
  /** Only agents in a session whose name matches one of these globs (empty: every session). */
  sessions: readonly RegExp[];
}

/** How a channel's notices are retried. */
export interface RetryPolicy {
  /** Tries before a notice is dead-lettered. @default 10 */
  maxTries: number;
  /** The first wait after a failed try (ms); doubled each time. @default 5000 */
  backoffMs: number;
  /** The longest wait between tries (ms); a longer `Retry-After` is cut to this. @default 900000 */
  backoffMaxMs: number;
}

/** One `[[channels]]` table, validated, with its secrets resolved. */
export interface Channel {
  /** Its name (unique): what `notify test NAME` and the events name. */
  name: string;
  /** Its type. */
  type: ChannelType;
  /** Whether it is used (`enabled = false` turns it off; the PM channel is on by default). */
  enabled: boolean;
  /** Which agents and states it hears about. */
  filter: ChannelFilter;
  /** Tell only once an agent has stayed in the state this long (ms). @default 0 */
  minDurationMs: number;
  /**
   * An escalation channel: it hears about an agent only when the PM was told (or not) and the
   * agent is still in the same state this long (ms) after, or at once when the PM cannot receive.
   */
  escalateAfterMs?: number;
  /** Also send a `resolved` notice when an agent leaves a state this channel was told about. */
  resolved: boolean;
  /** HTTP channels: the URL (a secret: never logged). */
  url?: string;
  /** webhook: `Authorization: Bearer`; ntfy: its access token. */
  token?: string;
  /** webhook: HMAC-SHA256 key for `X-Tmux-Orc-Signature`. */
  secret?: string;
  /** ntfy: `Priority` (1–5 or min/low/default/high/urgent); default by state. */
  priority?: string;
  /** exec: the program and its arguments (argv, no shell). */
  command?: readonly string[];
  /** One try's time limit (ms). @default 10000 */
  timeoutMs: number;
  /** Retries. */
  retry: RetryPolicy;
  /**
   * More than this many notices for the channel in one cycle go out as one digest (0: never).
   * @default 5 for slack, discord, teams and ntfy; 0 for webhook and exec
   */
  digestOver: number;
}

/** What a notice is about. */
export type NoticeEvent = "state" | "escalation" | "resolved" | "test" | "digest";

/** One notice inside a digest. */
export interface NoticeItem {
  /** The notice's own id. */
  id: string;
  /** Its event. */
  event: NoticeEvent;
  /** Agent name. */
  agent: string;
  /** Agent pane. */
  pane_id: string;
  /** tmux session. */
  session: string;
  /** The state. */
  state: AgentState;
  /** When the agent entered it (ISO 8601). */
  since: string;
  /** Why the human is told. */
  reason: string;
}

/**
 * One notice, as every channel's payload is built from it and as the outbox keeps it. The generic
 * webhook posts exactly this object.
 */
export interface Notice {
  /** Stable id: the same for every try, and after a restart (`Idempotency-Key`). */
  id: string;
  /** What it is about. */
  event: NoticeEvent;
  /** The channel it is for. */
  channel: string;
  /** The machine the monitor runs on. */
  host: string;
  /** Agent name. */
  agent: string;
  /** Agent pane (`%N`). */
  pane_id: string;
  /** tmux session. */
  session: string;
  /** The agent's state. */
  state: AgentState;
  /** What the screen showed (cleaned, shortened). */
  detail: string;
  /** When the agent entered the state (ISO 8601). */
  since: string;
  /** Seconds in the state when the notice was planned. */
  duration_s: number;
  /** The agent's PM pane, if any. */
  pm: string | null;
  /** The PM's state (`gone` when its pane is missing), if it has one. */
  pm_state: string | null;
  /** Why the human is told. */
  reason: string;
  /** One line for humans. */
  text: string;
  /** When it was planned (ISO 8601). */
  created_at: string;
  /** A digest's notices (`event: "digest"`). */
  items?: NoticeItem[];
}
