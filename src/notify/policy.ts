/**
 * The notification policy: a pure function from one monitor cycle's transitions (plus what was
 * remembered from earlier cycles) to what to tell which PM, what to hold, what to drop and why.
 * No I/O and no clock: every time is a parameter, so the monitor, tests and property tests drive it
 * alike.
 *
 * Rules, in the order they are applied to each agent (identified by an opaque `agentKey`):
 *
 * 1. **Latest state only.** Per agent, only its last transition of the cycle is a candidate; an
 *    earlier notify-worthy transition of the same cycle, and any message still held about the agent,
 *    are `suppressed` with reason `superseded` (the PM hears the current state, not history). A
 *    replacement for a held message about the same state keeps the original `heldSince`.
 * 2. **Rate limit.** A transition into `rate_limited` with a future `resetAt` opens a limit for that
 *    agent (its own notice is still sent). Until `resetAt`, every other notification about the agent
 *    is `suppressed` with reason `rate limited`. A transition to `active` lifts the limit early.
 *    Without a `resetAt` no limit is opened (the cooldown still applies).
 * 3. **No PM.** An agent without a PM pane → `suppressed`, reason `no pm`.
 * 4. **Cooldown.** If the PM was told that this agent entered this state less than `cooldownMs`
 *    ago (`lastNotified`, kept in the store so it survives restarts) → `suppressed`, reason
 *    `cooldown`. Marks are set only when a notification is sent, so a state entered, left and
 *    re-entered inside the cooldown is not re-notified. A mark in the future (wall clock stepped
 *    back) counts as "within the cooldown" only if it is less than `cooldownMs` ahead.
 * 5. **Busy PM.** If the PM is busy, the notification is `held` and re-examined every cycle
 *    (rules 1–4 again) until the PM is free, then sent. When the oldest held message for a PM has
 *    waited `maxHoldMs` (default 120 s), `onMaxHold: "deliver"` (the default) sends everything
 *    pending for that PM anyway (`forced`: better a message typed into a busy PM than a PM that
 *    never hears), while `onMaxHold: "fail"` ends the expired ones as `failed`.
 * 6. **One message per PM per cycle**, naming every agent (see {@linkcode formatBatch}).
 *
 * Entering `unknown` or `active` is never told; a transition marked `notify` is (the monitor marks
 * one when an agent has stayed `unknown` for a while: its screen is not recognised).
 *
 * After a limit's `resetAt` has passed, the limit ends, and with `resumeAfterLimit` on the policy
 * emits (once) a {@linkcode ResumeAction}: a message to type into the agent itself.
 *
 * @module
 */

import { type AgentState, NOTIFY_STATES } from "../agents/types.ts";
import { formatBatch, sanitize } from "./format.ts";

export { describeNotification, formatBatch, formatSpan } from "./format.ts";

/** One state change seen this cycle. */
export interface Transition {
  /** Identifies the agent across cycles and restarts for cooldown marks (its name or pane id). */
  agentKey: string;
  /** The agent's display name. */
  agentName: string;
  /** The agent's pane (`%N`). */
  paneId: string;
  /** The agent's PM pane (`%N`), when it has one. */
  pmPaneId?: string;
  /** State before. */
  from: AgentState;
  /** State after. */
  to: AgentState;
  /** The observation's short detail. */
  detail?: string;
  /** For `rate_limited`: wall-clock ms when the limit resets, when known. */
  resetAt?: number;
  /** Wall-clock ms when the agent entered `to`. Default: the cycle's `nowMs`. */
  at?: number;
  /**
   * Consider this transition for a notice even though `to` is not one of the notify states. The
   * monitor sets it when an agent has been `unknown` for `notifyUnknownAfterMs`: entering
   * `unknown` is not worth a notice (a first look, a passing screen), staying there is.
   */
  notify?: boolean;
}

/** A notification about one agent entering one state. */
export interface PendingNotification {
  /** See {@linkcode Transition.agentKey}. */
  agentKey: string;
  /** The agent's display name. */
  agentName: string;
  /** The agent's pane. */
  paneId: string;
  /** The PM pane to tell, when any. */
  pmPaneId?: string;
  /** The state entered. */
  state: AgentState;
  /** The observation's short detail. */
  detail: string;
  /** For `rate_limited`: when the limit resets. */
  resetAt?: number;
  /** Wall-clock ms when the agent entered `state`. */
  enteredAt: number;
}

/** A notification waiting for its PM to be free. */
export interface HeldNotification extends PendingNotification {
  /** PM pane the message is for. */
  pmPaneId: string;
  /** Wall-clock ms when it was first held. */
  heldSince: number;
}

/** An agent under a rate limit. */
export interface RateLimit {
  /** See {@linkcode Transition.agentKey}. */
  agentKey: string;
  /** The agent's display name. */
  agentName: string;
  /** The agent's pane. */
  paneId: string;
  /** Wall-clock ms when the limit resets. */
  resetAt: number;
}

/** What the policy carries from one cycle to the next; plain JSON, so it can be persisted. */
export interface PolicyState {
  /** Notifications waiting for a busy PM. */
  held: HeldNotification[];
  /** Open rate limits. */
  limits: RateLimit[];
}

/** Looks up when the PM was last told that `agentKey` entered `state` (wall ms), if ever. */
export type LastNotifiedLookup = (agentKey: string, state: AgentState) => number | undefined;

/** One cycle's input. */
export interface PolicyInput {
  /** The cycle's wall-clock time (ms). */
  nowMs: number;
  /** This cycle's transitions, in order. */
  transitions: readonly Transition[];
  /** The cooldown marks (e.g. `(k, s) => store.lastNotified(k, s)`). */
  lastNotified: LastNotifiedLookup;
  /** PM panes that are busy now. */
  busyPms?: ReadonlySet<string>;
  /** The previous cycle's {@linkcode PolicyDecision.state}. Default: empty. */
  state?: PolicyState;
}

/** Tuning. */
export interface PolicyOptions {
  /** Minimum time between two notifications for the same (agent, state). Default 300 000 ms. */
  cooldownMs?: number;
  /** How long a message may wait for a busy PM. Default 120 000 ms. */
  maxHoldMs?: number;
  /** What happens to a message held `maxHoldMs`: `deliver` anyway (default) or mark `failed`. */
  onMaxHold?: "deliver" | "fail";
  /** The states worth a notification. Default {@linkcode NOTIFY_STATES}. */
  notifyStates?: ReadonlySet<AgentState>;
  /** Send {@linkcode ResumeAction}s when a rate limit resets. Default false. */
  resumeAfterLimit?: boolean;
  /** The text typed into the agent after its limit resets. Default {@linkcode DEFAULT_RESUME_MESSAGE}. */
  resumeMessage?: string;
  /** Message prefix. Default `[tmux-orc]`. */
  prefix?: string;
}

/** Why a notification was not sent. */
export type SuppressReason = "cooldown" | "rate limited" | "no pm" | "superseded";

/** What became of one notification this cycle. */
export interface Outcome {
  /** The notification. */
  notification: PendingNotification;
  /** `sent` (in {@linkcode PolicyDecision.messages}), `suppressed`, `held` or `failed`. */
  result: "sent" | "suppressed" | "held" | "failed";
  /** For `suppressed`: why; for `failed`: `max hold`. */
  reason?: SuppressReason | "max hold";
  /** `transition`: from this cycle's input (see `transition`); `held`: from the held queue. */
  origin: "transition" | "held";
  /** The input transition, for `origin: "transition"` (the same object). */
  transition?: Transition;
  /** The input held notification, for `origin: "held"` (the same object). */
  held?: HeldNotification;
}

/** One message to type into a PM pane. */
export interface PmMessage {
  /** The PM pane. */
  pmPaneId: string;
  /** The one-line text (see {@linkcode formatBatch}). */
  text: string;
  /** The notifications it carries, in message order. */
  items: PendingNotification[];
  /** Whether it is sent although the PM is busy (max hold reached). */
  forced: boolean;
}

/** A cooldown mark to store once the message carrying it is delivered. */
export interface MarkUpdate {
  /** The agent key. */
  agentKey: string;
  /** The state. */
  state: AgentState;
  /** Wall-clock ms (the cycle's `nowMs`). */
  atMs: number;
}

/** A message to type into an agent whose rate limit has reset. */
export interface ResumeAction {
  /** The agent key. */
  agentKey: string;
  /** The agent's display name. */
  agentName: string;
  /** The agent's pane: where to type `text`. */
  paneId: string;
  /** What to type. */
  text: string;
  /** The reset time that passed. */
  resetAt: number;
}

/** The policy's answer for one cycle. */
export interface PolicyDecision {
  /** At most one per PM. */
  messages: PmMessage[];
  /** One per notify-worthy input transition and one per input held notification. */
  outcomes: Outcome[];
  /** Marks for every sent notification (apply those of the messages actually delivered). */
  marks: MarkUpdate[];
  /** Agents to nudge after their rate limit reset (only with `resumeAfterLimit`). */
  resumes: ResumeAction[];
  /** Carry to the next cycle's {@linkcode PolicyInput.state}. */
  state: PolicyState;
}

/** Default cooldown: 5 minutes. */
export const DEFAULT_COOLDOWN_MS = 300_000;

/** Default maximum wait for a busy PM: 2 minutes. */
export const DEFAULT_MAX_HOLD_MS = 120_000;

/** Default text typed into an agent after its rate limit resets. */
export const DEFAULT_RESUME_MESSAGE =
  "Your rate limit has reset. Please continue where you left off.";

/** Returns an empty {@linkcode PolicyState}. */
export function emptyPolicyState(): PolicyState {
  return { held: [], limits: [] };
}

/**
 * Whether a mark at `markMs` still blocks a notification at `nowMs`: less than `cooldownMs` apart,
 * in either direction (a mark in the future means the wall clock stepped back).
 */
export function inCooldown(markMs: number | undefined, nowMs: number, cooldownMs: number): boolean {
  return markMs !== undefined && Math.abs(nowMs - markMs) < cooldownMs;
}

/** A notification waiting to be sent this cycle, with when it was first held. */
interface Pending {
  notification: PendingNotification;
  heldSince?: number;
  outcome: Outcome;
}

/** One cycle's working state while {@linkcode decideNotifications} runs its steps. */
interface Step {
  input: PolicyInput;
  now: number;
  cooldownMs: number;
  /** Limits as this cycle changes them (copies of the previous state's). */
  limits: Map<string, RateLimit>;
  /** Whether each agent was rate-limited before this cycle. */
  wasLimited: Map<string, boolean>;
  /** This cycle's transitions per agent, in first-seen order. */
  byAgent: Map<string, Transition[]>;
  /** `${agentKey}\0${state}` → when a superseded held message was first held. */
  heldSinceByKey: Map<string, number>;
  pending: Map<string, Pending[]>;
  outcomes: Outcome[];
}

/**
 * Decides one cycle. Pure: the inputs are not modified. The steps: held messages from earlier
 * cycles, this cycle's transitions, limits that ended (and resume messages), then per PM send,
 * hold or fail.
 */
export function decideNotifications(
  input: PolicyInput,
  options: PolicyOptions = {},
): PolicyDecision {
  const now = input.nowMs;
  const previous = input.state ?? emptyPolicyState();
  const limits = new Map<string, RateLimit>();
  for (const limit of previous.limits) limits.set(limit.agentKey, { ...limit });
  const wasLimited = new Map<string, boolean>();
  for (const [key, limit] of limits) wasLimited.set(key, now < limit.resetAt);
  const byAgent = new Map<string, Transition[]>();
  for (const t of input.transitions) {
    const list = byAgent.get(t.agentKey);
    if (list === undefined) byAgent.set(t.agentKey, [t]);
    else list.push(t);
  }
  const step: Step = {
    input,
    now,
    cooldownMs: options.cooldownMs ?? DEFAULT_COOLDOWN_MS,
    limits,
    wasLimited,
    byAgent,
    heldSinceByKey: new Map(),
    pending: new Map(),
    outcomes: [],
  };
  reviewHeld(step, previous.held);
  reviewTransitions(step, options.notifyStates ?? NOTIFY_STATES);
  const resumes = endLimits(step, options);
  const { messages, marks, held } = sendOrHold(step, options);
  return {
    messages,
    outcomes: step.outcomes,
    marks,
    resumes,
    state: { held, limits: [...limits.values()] },
  };
}

function addPending(step: Step, p: Pending): void {
  const pm = p.notification.pmPaneId!;
  const list = step.pending.get(pm);
  if (list === undefined) step.pending.set(pm, [p]);
  else list.push(p);
}

/** 1. Held notifications from earlier cycles: superseded, suppressed, or pending again. */
function reviewHeld(step: Step, previousHeld: readonly HeldNotification[]): void {
  const { now, input } = step;
  const lastHeld = new Map<string, HeldNotification>(); // at most one held message per agent
  for (const held of previousHeld) lastHeld.set(held.agentKey, held);
  for (const held of previousHeld) {
    const outcome: Outcome = {
      notification: held,
      result: "suppressed",
      origin: "held",
      held,
    };
    step.outcomes.push(outcome);
    if (lastHeld.get(held.agentKey) !== held) {
      outcome.reason = "superseded";
      continue;
    }
    if (step.byAgent.has(held.agentKey)) {
      outcome.reason = "superseded";
      const key = markKey(held.agentKey, held.state);
      const since = Math.min(held.heldSince, now);
      step.heldSinceByKey.set(key, Math.min(step.heldSinceByKey.get(key) ?? since, since));
      continue;
    }
    if (step.wasLimited.get(held.agentKey) && held.state !== "rate_limited") {
      outcome.reason = "rate limited";
      continue;
    }
    if (inCooldown(input.lastNotified(held.agentKey, held.state), now, step.cooldownMs)) {
      outcome.reason = "cooldown";
      continue;
    }
    addPending(step, { notification: held, heldSince: Math.min(held.heldSince, now), outcome });
  }
}

/** 2. This cycle's transitions: the last per agent may be sent; limits start or end. */
function reviewTransitions(step: Step, notifyStates: ReadonlySet<AgentState>): void {
  const { now, input, limits } = step;
  for (const [agentKey, list] of step.byAgent) {
    const last = list[list.length - 1];
    for (const t of list) {
      if (t.to === "active") limits.delete(agentKey);
      if (!notifyStates.has(t.to) && t.notify !== true) continue;
      const notification = toNotification(t, now);
      const outcome: Outcome = {
        notification,
        result: "suppressed",
        origin: "transition",
        transition: t,
      };
      step.outcomes.push(outcome);
      if (t !== last) {
        outcome.reason = "superseded";
      } else if (step.wasLimited.get(agentKey) && limits.has(agentKey)) {
        outcome.reason = "rate limited";
      } else if (notification.pmPaneId === undefined) {
        outcome.reason = "no pm";
      } else if (inCooldown(input.lastNotified(agentKey, t.to), now, step.cooldownMs)) {
        outcome.reason = "cooldown";
      } else {
        addPending(step, {
          notification,
          heldSince: step.heldSinceByKey.get(markKey(agentKey, t.to)),
          outcome,
        });
      }
    }
    if (last.to === "rate_limited" && last.resetAt !== undefined && last.resetAt > now) {
      const current = limits.get(agentKey);
      limits.set(agentKey, {
        agentKey,
        agentName: last.agentName,
        paneId: last.paneId,
        resetAt: current !== undefined && current.resetAt > now
          ? Math.max(current.resetAt, last.resetAt)
          : last.resetAt,
      });
    }
  }
}

/** 3. Expired limits end; optionally nudge the agent once. */
function endLimits(step: Step, options: PolicyOptions): ResumeAction[] {
  const resumes: ResumeAction[] = [];
  for (const [agentKey, limit] of step.limits) {
    if (step.now < limit.resetAt) continue;
    step.limits.delete(agentKey);
    if (options.resumeAfterLimit) {
      resumes.push({
        agentKey,
        agentName: limit.agentName,
        paneId: limit.paneId,
        text: sanitize(options.resumeMessage ?? DEFAULT_RESUME_MESSAGE),
        resetAt: limit.resetAt,
      });
    }
  }
  return resumes;
}

/** 4. Per PM: send (one batch), hold while it is busy, or fail after the longest hold. */
function sendOrHold(
  step: Step,
  options: PolicyOptions,
): { messages: PmMessage[]; marks: MarkUpdate[]; held: HeldNotification[] } {
  const { now } = step;
  const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
  const onMaxHold = options.onMaxHold ?? "deliver";
  const busy = step.input.busyPms ?? new Set<string>();
  const messages: PmMessage[] = [];
  const marks: MarkUpdate[] = [];
  const held: HeldNotification[] = [];
  for (const [pmPaneId, list] of step.pending) {
    const expired = (p: Pending) => now - (p.heldSince ?? now) >= maxHoldMs;
    const isBusy = busy.has(pmPaneId);
    const forced = isBusy && onMaxHold === "deliver" && list.some(expired);
    const toSend: Pending[] = [];
    for (const p of list) {
      if (!isBusy || forced) {
        toSend.push(p);
      } else if (onMaxHold === "fail" && expired(p)) {
        p.outcome.result = "failed";
        p.outcome.reason = "max hold";
      } else {
        p.outcome.result = "held";
        held.push({ ...p.notification, pmPaneId, heldSince: p.heldSince ?? now });
      }
    }
    if (toSend.length === 0) continue;
    // Older (previously held) first, then this cycle's in input order.
    toSend.sort((a, b) => (a.heldSince ?? now) - (b.heldSince ?? now));
    for (const p of toSend) {
      p.outcome.result = "sent";
      marks.push({ agentKey: p.notification.agentKey, state: p.notification.state, atMs: now });
    }
    const items = toSend.map((p) => p.notification);
    messages.push({
      pmPaneId,
      text: formatBatch(items, { nowMs: now, prefix: options.prefix }),
      items,
      forced,
    });
  }
  return { messages, marks, held };
}

function toNotification(t: Transition, now: number): PendingNotification {
  const n: PendingNotification = {
    agentKey: t.agentKey,
    agentName: t.agentName,
    paneId: t.paneId,
    state: t.to,
    detail: t.detail ?? "",
    enteredAt: t.at ?? now,
  };
  if (t.pmPaneId !== undefined && t.pmPaneId !== "") n.pmPaneId = t.pmPaneId;
  if (t.resetAt !== undefined) n.resetAt = t.resetAt;
  return n;
}

function markKey(agentKey: string, state: AgentState): string {
  return `${agentKey}\u0000${state}`;
}
