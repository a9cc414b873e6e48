/**
 * Which humans to tell what, cycle by cycle: a pure function of the agents' states, when each
 * PM was told, the channels, the time (a parameter) and what it decided before.
 *
 * Per channel and agent, one notice per *episode* (an agent entering a state at `since`):
 *
 * 1. **Filter.** The channel hears about the agent only in its `states` (default waiting,
 *    rate_limited, crashed, error, unknown), when its `agents`/`sessions` globs match.
 * 2. **Minimum duration.** Only once the agent has been in the state for `min_duration`
 *    (`unknown`: and for at least `unknownGraceMs`, as a PM hears of it only then).
 * 3. **Direct channel** (no `escalate_after`): told then.
 * 4. **Escalation channel** (`escalate_after`): told when the agent is still in the same state
 *    `escalate_after` after its PM was told (or after it entered the state, when the PM was never
 *    told: the PM was busy, the message held, or the agent has no PM — then `idle` is not news);
 *    or at once when its PM cannot receive: the PM is waiting, rate-limited, crashed, in error,
 *    unknown or gone.
 * 5. **Resolved.** When an agent leaves a state a channel was told about (or its pane goes away),
 *    that channel gets a `resolved` notice (unless `resolved = false`).
 *
 * 6. **Digest.** More than the channel's `digest_over` notices in one cycle (300 agents hitting
 *    one account's rate limit) go out as one `digest` notice listing them: one phone buzz.
 *
 * Notice ids are derived from channel, agent, state, `since` and event: planning the same episode
 * again (after a restart, whose memory starts empty) yields the same id, which the outbox stores
 * only once.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { AgentState } from "../agents/types.ts";
import { formatSpan, sanitize } from "../notify/format.ts";
import { filterAccepts } from "./glob.ts";
import { label } from "./payload.ts";
import type { Channel, Notice, NoticeEvent, NoticeItem } from "./types.ts";

/** PM states in which a PM cannot take a message: the human is told at once. */
export const PM_CANNOT_RECEIVE: ReadonlySet<string> = new Set([
  "waiting",
  "rate_limited",
  "crashed",
  "error",
  "unknown",
  "gone",
]);

/** One monitored pane as the policy sees it. */
export interface AgentView {
  /** The agent key (cooldown marks use the same). */
  key: string;
  /** Display name. */
  name: string;
  /** Pane id. */
  paneId: string;
  /** tmux session name. */
  session: string;
  /** Current state. */
  state: AgentState;
  /** Wall ms it entered the state. */
  since: number;
  /** The observation's detail. */
  detail: string;
  /** Its PM's pane, if any. */
  pmPaneId?: string;
  /** Its PM's state (`gone`: the PM pane is missing or dead). */
  pmState?: AgentState | "gone";
  /** Wall ms its PM entered `pmState`. */
  pmSince?: number;
}

/** One episode a channel was told about. */
interface Episode {
  state: AgentState;
  since: number;
  name: string;
  paneId: string;
  session: string;
  pmPaneId?: string;
}

/** What the policy remembers between cycles. */
export interface EscalationState {
  /** channel name → agent key → the episode told. */
  told: Map<string, Map<string, Episode>>;
  /** Ids planned (wall ms), kept {@linkcode KEEP_SENT_IDS_MS}: no id is planned twice. */
  sent: Map<string, number>;
}

/** How long planned ids are remembered. */
export const KEEP_SENT_IDS_MS = 7 * 86_400_000;

/** A state with nothing told yet. */
export function emptyEscalationState(): EscalationState {
  return { told: new Map(), sent: new Map() };
}

/** One cycle's input. */
export interface EscalationInput {
  /** Wall ms now. */
  nowMs: number;
  /** This machine's name (goes into every notice). */
  host: string;
  /** Every monitored pane this cycle (agents and PMs). */
  agents: readonly AgentView[];
  /** When the PM was last told that `agentKey` entered `state` (wall ms). */
  pmToldAt: (agentKey: string, state: AgentState) => number | undefined;
  /** The human channels (a `pm` channel is ignored). */
  channels: readonly Channel[];
  /** What earlier cycles decided. */
  state: EscalationState;
  /**
   * `unknown` counts only after this long (ms), for an agent and for a PM: every pane is
   * `unknown` for a moment when the monitor starts, and that is no reason to wake anyone.
   * @default 60000
   */
  unknownGraceMs?: number;
}

/** One notice to write to the outbox. */
export interface PlannedNotice {
  /** The channel's name. */
  channel: string;
  /** The notice. */
  notice: Notice;
}

/** Decides this cycle's notices (see the module documentation). Does not mutate its input. */
export function planEscalations(
  input: EscalationInput,
): { notices: PlannedNotice[]; state: EscalationState } {
  const notices: PlannedNotice[] = [];
  const told = new Map<string, Map<string, Episode>>();
  const sent = new Map<string, number>();
  for (const [id, at] of input.state.sent) {
    if (input.nowMs - at < KEEP_SENT_IDS_MS) sent.set(id, at);
  }
  const emit = (channel: string, notice: Notice) => {
    if (sent.has(notice.id)) return;
    sent.set(notice.id, input.nowMs);
    notices.push({ channel, notice });
  };
  const byKey = new Map(input.agents.map((a) => [a.key, a]));
  for (const channel of input.channels) {
    if (!channel.enabled || channel.type === "pm") continue;
    const before = input.state.told.get(channel.name) ?? new Map<string, Episode>();
    const after = new Map<string, Episode>();
    for (const [key, episode] of before) {
      const agent = byKey.get(key);
      if (agent && agent.state === episode.state && agent.since === episode.since) {
        after.set(key, episode);
      } else if (channel.resolved) {
        emit(channel.name, resolvedNotice(input, channel, key, episode, agent));
      }
    }
    for (const agent of input.agents) {
      if (after.has(agent.key) || !matches(channel, agent)) continue;
      const why = dueReason(input, channel, agent);
      if (why === undefined) continue;
      after.set(agent.key, {
        state: agent.state,
        since: agent.since,
        name: agent.name,
        paneId: agent.paneId,
        session: agent.session,
        pmPaneId: agent.pmPaneId,
      });
      emit(channel.name, stateNotice(input, channel, agent, why));
    }
    if (after.size > 0) told.set(channel.name, after);
  }
  return { notices: digested(notices, input), state: { told, sent } };
}

/** The stable id of a notice: channel, agent, state, `since` and event. */
export function noticeId(
  channel: string,
  agentKey: string,
  episode: { state: string; since: number },
  event: NoticeEvent,
): string {
  return createHash("sha256")
    .update([channel, agentKey, episode.state, String(episode.since), event].join("\u0000"))
    .digest("hex").slice(0, 32);
}

function matches(channel: Channel, agent: AgentView): boolean {
  return filterAccepts(channel.filter, agent);
}

/** Why the channel hears about the agent now: `[event, reason]`, or `undefined`: not yet. */
function dueReason(
  input: EscalationInput,
  channel: Channel,
  agent: AgentView,
): [NoticeEvent, string] | undefined {
  const inState = input.nowMs - agent.since;
  if (inState < channel.minDurationMs) return undefined;
  const grace = input.unknownGraceMs ?? 60_000;
  if (agent.state === "unknown" && inState < grace) return undefined;
  const spent = `for ${formatSpan(inState)}`;
  if (channel.escalateAfterMs === undefined) return ["state", spent];
  const pm = agent.pmPaneId;
  if (pm === undefined) {
    // Nobody was told: the clock runs from `since`. Idle without a PM (a PM waiting for its
    // agents, a lone agent done) is no emergency: an idle agent matters when its PM let it idle.
    if (agent.state === "idle") return undefined;
    return inState >= channel.escalateAfterMs ? ["escalation", "it has no PM"] : undefined;
  }
  const pmState = agent.pmState ?? "gone";
  const freshUnknown = pmState === "unknown" && agent.pmSince !== undefined &&
    input.nowMs - agent.pmSince < grace;
  if (PM_CANNOT_RECEIVE.has(pmState) && !freshUnknown) {
    return [
      "escalation",
      `its PM (${pm}) ${pmState === "gone" ? "is gone" : `is ${label(pmState)}`}`,
    ];
  }
  const toldAt = input.pmToldAt(agent.key, agent.state);
  const told = toldAt !== undefined && toldAt >= agent.since;
  const ref = told ? toldAt : agent.since;
  if (input.nowMs - ref < channel.escalateAfterMs) return undefined;
  return [
    "escalation",
    told
      ? `its PM (${pm}) was told ${formatSpan(input.nowMs - toldAt)} ago and nothing changed`
      : `its PM (${pm}) has not been told in ${formatSpan(input.nowMs - ref)}`,
  ];
}

function stateNotice(
  input: EscalationInput,
  channel: Channel,
  agent: AgentView,
  [event, reason]: [NoticeEvent, string],
): Notice {
  const detail = shorten(sanitize(agent.detail), 200);
  const who = `${sanitize(agent.name)} (${agent.paneId}) on ${sanitize(input.host)}`;
  const text = event === "state"
    ? `${who} has been ${label(agent.state)} ${reason}${detail ? `: ${detail}` : ""}`
    : `${who} has been ${label(agent.state)} for ${
      formatSpan(input.nowMs - agent.since)
    } and ${reason}${detail ? `: ${detail}` : ""}`;
  return {
    id: noticeId(channel.name, agent.key, agent, event),
    event,
    channel: channel.name,
    host: input.host,
    agent: agent.name,
    pane_id: agent.paneId,
    session: agent.session,
    state: agent.state,
    detail,
    since: new Date(agent.since).toISOString(),
    duration_s: Math.max(0, Math.round((input.nowMs - agent.since) / 1000)),
    pm: agent.pmPaneId ?? null,
    pm_state: agent.pmPaneId === undefined ? null : agent.pmState ?? "gone",
    reason,
    text: `[tmux-orc] ${text}`,
    created_at: new Date(input.nowMs).toISOString(),
  };
}

function resolvedNotice(
  input: EscalationInput,
  channel: Channel,
  key: string,
  episode: Episode,
  agent: AgentView | undefined,
): Notice {
  const now = agent === undefined ? "its pane is gone" : `now ${label(agent.state)}`;
  const reason = `${now}, after ${formatSpan(input.nowMs - episode.since)}`;
  return {
    id: noticeId(channel.name, key, episode, "resolved"),
    event: "resolved",
    channel: channel.name,
    host: input.host,
    agent: episode.name,
    pane_id: episode.paneId,
    session: episode.session,
    state: episode.state,
    detail: "",
    since: new Date(episode.since).toISOString(),
    duration_s: Math.max(0, Math.round((input.nowMs - episode.since) / 1000)),
    pm: episode.pmPaneId ?? null,
    pm_state: null,
    reason,
    text: `[tmux-orc] ${sanitize(episode.name)} (${episode.paneId}) on ${
      sanitize(input.host)
    } is no longer ${label(episode.state)} (${reason})`,
    created_at: new Date(input.nowMs).toISOString(),
  };
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** Per channel: more than `digestOver` notices become one digest (order otherwise kept). */
function digested(notices: PlannedNotice[], input: EscalationInput): PlannedNotice[] {
  const byChannel = new Map<string, PlannedNotice[]>();
  for (const planned of notices) {
    byChannel.set(planned.channel, [...(byChannel.get(planned.channel) ?? []), planned]);
  }
  const out: PlannedNotice[] = [];
  for (const [name, list] of byChannel) {
    const over = input.channels.find((c) => c.name === name)?.digestOver ?? 0;
    if (over <= 0 || list.length <= over) out.push(...list);
    else out.push({ channel: name, notice: digestNotice(input, name, list.map((p) => p.notice)) });
  }
  return out;
}

/** One notice for many: counts by state in the text, every notice in `items`. */
export function digestNotice(
  input: { nowMs: number; host: string },
  channel: string,
  members: readonly Notice[],
): Notice {
  const items: NoticeItem[] = members.map((n) => ({
    id: n.id,
    event: n.event,
    agent: n.agent,
    pane_id: n.pane_id,
    session: n.session,
    state: n.state,
    since: n.since,
    reason: n.reason,
  }));
  const counts = new Map<string, number>();
  for (const n of members) {
    const what = n.event === "resolved" ? `no longer ${label(n.state)}` : label(n.state);
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${n} ${what}`)
    .join(", ");
  const names = members.slice(0, 5).map((n) => `${sanitize(n.agent)} (${n.pane_id})`).join(", ");
  const more = members.length > 5 ? ` and ${members.length - 5} more` : "";
  const states = new Map<AgentState, number>();
  for (const n of members) states.set(n.state, (states.get(n.state) ?? 0) + 1);
  const top = [...states].sort((a, b) => b[1] - a[1])[0][0];
  const sessions = new Set(members.map((n) => n.session));
  const earliest = members.map((n) => n.since).sort()[0];
  const ids = members.map((n) => n.id).sort();
  return {
    id: createHash("sha256").update([channel, "digest", ...ids].join("\u0000")).digest("hex")
      .slice(0, 32),
    event: "digest",
    channel,
    host: input.host,
    agent: `${members.length} agents`,
    pane_id: "",
    session: sessions.size === 1 ? members[0].session : "",
    state: top,
    detail: "",
    since: earliest,
    duration_s: Math.max(...members.map((n) => n.duration_s)),
    pm: null,
    pm_state: null,
    reason: `${members.length} notices in one cycle`,
    text: `[tmux-orc] ${members.length} agents on ${
      sanitize(input.host)
    } need a human: ${summary}: ${names}${more}`,
    created_at: new Date(input.nowMs).toISOString(),
    items,
  };
}
