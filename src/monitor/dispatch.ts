/**
 * Notification dispatch: the notification policy (`notify/policy.ts`, pure) decides what to tell
 * which PM; this turns its decision into pane jobs and history rows. Messages are typed with
 * `deliver` (typed, Enter, verified, bounded), never into a PM that shows a permission prompt,
 * has crashed or is gone (held instead), and the cooldown marks of the messages actually
 * delivered are kept. The policy's state (held messages, limits) and the marks carry from one
 * cycle to the next here.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import type { AgentProfile } from "../agents/profiles.ts";
import type { AgentState } from "../agents/types.ts";
import { deliver, type DeliveryReport } from "../notify/deliver.ts";
import {
  decideNotifications,
  emptyPolicyState,
  type HeldNotification,
  type Outcome,
  type PmMessage,
  type PolicyState,
  type ResumeAction,
  type Transition,
} from "../notify/policy.ts";
import type { PaneRecord, TmuxClient } from "../tmux/types.ts";
import type { Clock } from "../util/clock.ts";
import type { Journal } from "./journal.ts";
import type { PaneJob } from "./pane_jobs.ts";
import type { ResolvedOptions } from "./options.ts";
import type { AgentPane } from "./registry.ts";
import type { StoreOp } from "./write_queue.ts";
import type { MonitorMetrics } from "../metrics/monitor_metrics.ts";

/** States in which typing into a PM is never safe (a keystroke could answer a prompt or a shell). */
export const UNSAFE_PM_STATES: ReadonlySet<AgentState> = new Set<AgentState>([
  "waiting",
  "crashed",
]);
/** States in which a PM is busy: messages are held (up to `maxHoldMs`). */
export const BUSY_PM_STATES: ReadonlySet<AgentState> = new Set<AgentState>([
  "active",
  "waiting",
  "stuck_input",
  "unknown",
  "crashed",
]);

/** Records what became of one notification. */
type RecordOutcome = (
  outcome: Outcome,
  delivery: "delivered" | "failed" | "held" | "suppressed",
  detail: string,
  extra?: Record<string, unknown>,
) => void;

/** One cycle's input to {@linkcode NotificationDispatch.plan}, and where its work goes. */
export interface PlanContext {
  /** The cycle's agents and PMs. */
  agents: readonly AgentPane[];
  /** What the policy hears about (transitions and reminders). */
  transitions: Transition[];
  /** Wall ms of the cycle. */
  wallNow: number;
  /** A pane's state this cycle. */
  stateOf: (paneId: string) => AgentState | undefined;
  /** Pane work is queued here. */
  io: PaneJob[];
  /** History rows are pushed here. */
  records: StoreOp[];
  /** A message was delivered. */
  onDelivered: () => void;
  /** A resume message is being sent (an action). */
  onAction: () => void;
  /** Something was typed into the pane: confirm its state next cycle. */
  onTyped: (paneId: string) => void;
}

/**
 * Records the outcomes that send nothing (held, failed, suppressed: once, at the transition) and
 * returns the sent ones by PM pane.
 */
function recordUnsent(outcomes: readonly Outcome[], record: RecordOutcome): Map<string, Outcome[]> {
  const sent = new Map<string, Outcome[]>();
  for (const outcome of outcomes) {
    const first = outcome.origin === "transition";
    if (outcome.result === "sent") {
      const pm = outcome.notification.pmPaneId!;
      sent.set(pm, [...(sent.get(pm) ?? []), outcome]);
    } else if (outcome.result === "held" && first) {
      record(outcome, "held", "PM is busy");
    } else if (outcome.result === "failed") {
      record(outcome, "failed", `not delivered: ${outcome.reason ?? "failed"}`);
    } else if (outcome.result === "suppressed" && first && outcome.reason !== "superseded") {
      record(outcome, "suppressed", outcome.reason ?? "suppressed");
    }
  }
  return sent;
}

/** What dispatch needs. */
export interface DispatchDeps {
  /** The tmux connection messages are typed over. */
  tmux: TmuxClient;
  /** Clock for delivery timing. */
  clock: Clock;
  /** Sleep used while verifying deliveries. */
  sleep: (ms: number) => Promise<void>;
  /** Every message and failure is logged. */
  logger: Logger;
  /** Where cooldown marks of earlier runs are read. */
  journal: Journal;
  /** Cooldown, hold, resume and delivery tuning. */
  options: Pick<
    ResolvedOptions,
    "notifyCooldownMs" | "maxHoldMs" | "resumeAfterLimit" | "resumeMessage" | "deliverTimeoutMs"
  >;
  /** Counts each notification outcome (`tmux_orc_notifications_total`). */
  metrics?: Pick<MonitorMetrics, "notification">;
}

function markKey(agentKey: string, state: AgentState): string {
  return `${agentKey}\u0000${state}`;
}

/** Turns the policy's decisions into pane jobs and history rows, cycle after cycle. */
export class NotificationDispatch {
  readonly #deps: DispatchDeps;
  readonly #options: DispatchDeps["options"];
  #policy: PolicyState = emptyPolicyState();
  #marks = new Map<string, number>();

  /** A dispatch with no held messages and no marks yet. */
  constructor(deps: DispatchDeps) {
    this.#deps = deps;
    this.#options = deps.options;
  }

  /** The policy's state (saved with the monitor state). */
  get policy(): PolicyState {
    return this.#policy;
  }

  /** Restores the policy's state saved by the last run. */
  restore(policy: PolicyState): void {
    this.#policy = policy;
  }

  /**
   * Decides this cycle's notifications and queues their delivery as pane jobs (`io`); history
   * rows go to `records`.
   */
  plan(ctx: PlanContext): void {
    const busyPms = new Set<string>();
    for (const agent of ctx.agents) {
      const state = ctx.stateOf(agent.pane.paneId);
      if (state !== undefined && BUSY_PM_STATES.has(state)) busyPms.add(agent.pane.paneId);
    }
    const decision = decideNotifications({
      nowMs: ctx.wallNow,
      transitions: ctx.transitions,
      lastNotified: (key, state) => this.#lastNotified(key, state),
      busyPms,
      state: this.#policy,
    }, {
      cooldownMs: this.#options.notifyCooldownMs,
      maxHoldMs: this.#options.maxHoldMs,
      resumeAfterLimit: this.#options.resumeAfterLimit,
      resumeMessage: this.#options.resumeMessage,
    });
    this.#policy = { held: [...decision.state.held], limits: decision.state.limits };
    const record: RecordOutcome = (outcome, delivery, detail, extra = {}) => {
      const n = outcome.notification;
      this.#deps.metrics?.notification({ state: n.state, outcome: delivery });
      ctx.records.push((store) =>
        store.recordNotification({
          ts: ctx.wallNow,
          agent: n.agentName,
          paneId: n.paneId,
          state: n.state,
          delivery,
          detail,
          extra: { pm: n.pmPaneId, ...extra },
        })
      );
    };
    const sent = recordUnsent(decision.outcomes, record);
    const byPane = new Map(ctx.agents.map((a) => [a.pane.paneId, a]));
    for (const message of decision.messages) {
      this.#queueMessage(message, sent.get(message.pmPaneId) ?? [], byPane, ctx, record);
    }
    for (const resume of decision.resumes) this.#queueResume(resume, byPane, ctx);
  }

  /** Types a message into its PM as pane work, or holds it when the PM is not safe to type into. */
  #queueMessage(
    message: PmMessage,
    outcomes: Outcome[],
    byPane: ReadonlyMap<string, AgentPane>,
    ctx: PlanContext,
    record: RecordOutcome,
  ): void {
    const pm = byPane.get(message.pmPaneId);
    const pmState = ctx.stateOf(message.pmPaneId);
    if (!pm || pm.pane.dead || (pmState !== undefined && UNSAFE_PM_STATES.has(pmState))) {
      // Never type into a PM that could take the text as an answer or a command: hold.
      const why = !pm ? "PM pane is gone" : `PM is ${pm.pane.dead ? "dead" : pmState}`;
      if (!pm) {
        for (const outcome of outcomes) record(outcome, "failed", `not delivered: ${why}`);
        return;
      }
      for (const outcome of outcomes) {
        this.#policy.held.push(this.#reheld(outcome, message.pmPaneId, ctx.wallNow));
        if (outcome.origin === "transition") record(outcome, "held", why);
      }
      return;
    }
    ctx.io.push({
      paneId: message.pmPaneId,
      run: async () => {
        const report = await this.#deliver(pm.pane, message.text, pm.profile);
        this.#afterDelivery(message, report, outcomes, record, ctx.records, ctx.wallNow);
        if (report.status === "delivered") ctx.onDelivered();
        ctx.onTyped(message.pmPaneId);
      },
    });
  }

  /** Types the resume message into an agent whose rate limit reset, unless it is not safe. */
  #queueResume(
    resume: ResumeAction,
    byPane: ReadonlyMap<string, AgentPane>,
    ctx: PlanContext,
  ): void {
    const agent = byPane.get(resume.paneId);
    const agentState = ctx.stateOf(resume.paneId);
    const note = (detail: string, extra: Record<string, unknown>) =>
      ctx.records.push((store) =>
        store.recordEvent({
          ts: ctx.wallNow,
          kind: "action",
          agent: resume.agentName,
          paneId: resume.paneId,
          detail,
          extra: { action: "resume", ...extra },
        })
      );
    if (!agent || agentState === undefined || UNSAFE_PM_STATES.has(agentState)) {
      note(`not resuming after the rate limit: agent is ${agent ? agentState : "gone"}`, {
        skipped: true,
      });
      return;
    }
    ctx.onAction();
    ctx.io.push({
      paneId: resume.paneId,
      run: async () => {
        const report = await this.#deliver(agent.pane, resume.text, agent.profile);
        const ok = report.status === "delivered";
        this.#deps.logger.info("{agent} ({pane}): resume message after the rate limit: {result}", {
          agent: resume.agentName,
          pane: resume.paneId,
          result: ok ? "delivered" : report.reason,
        });
        note(
          ok
            ? "sent the resume message after the rate limit reset"
            : `resume message failed: ${report.reason}`,
          { delivered: ok, text: resume.text, enters: report.enters },
        );
        ctx.onTyped(resume.paneId);
      },
    });
  }

  /** Reliable delivery with this monitor's clock, sleep and timeout. */
  #deliver(pane: PaneRecord, text: string, profile: AgentProfile) {
    return deliver(this.#deps.tmux, pane.paneId, text, {
      profile,
      width: pane.width,
      clock: this.#deps.clock,
      sleep: this.#deps.sleep,
      timeoutMs: this.#options.deliverTimeoutMs,
    });
  }

  #afterDelivery(
    message: PmMessage,
    report: DeliveryReport,
    outcomes: readonly Outcome[],
    record: RecordOutcome,
    records: StoreOp[],
    wallNow: number,
  ): void {
    const delivered = report.status === "delivered";
    if (delivered) {
      const marks = message.items.map((item) => ({
        agentKey: item.agentKey,
        state: item.state,
        atMs: wallNow,
      }));
      for (const mark of marks) this.#marks.set(markKey(mark.agentKey, mark.state), mark.atMs);
      records.push((store) => store.setLastNotifiedMany(marks));
      this.#deps.logger.info("Told PM {pm}: {text}", { pm: message.pmPaneId, text: message.text });
    } else {
      this.#deps.logger.warn("Could not tell PM {pm}: {reason}", {
        pm: message.pmPaneId,
        reason: report.reason,
      });
    }
    for (const outcome of outcomes) {
      record(
        outcome,
        delivered ? "delivered" : "failed",
        delivered ? message.text : report.reason ?? "failed",
        {
          forced: message.forced,
          enters: report.enters,
          verified: report.verified,
        },
      );
    }
  }

  #reheld(outcome: Outcome, pmPaneId: string, nowMs: number): HeldNotification {
    return {
      ...outcome.notification,
      pmPaneId,
      heldSince: outcome.held?.heldSince ?? nowMs,
    };
  }

  /** When the PM was last told that `agentKey` entered `state` (wall ms): escalation's clock. */
  lastNotified(agentKey: string, state: AgentState): number | undefined {
    return this.#lastNotified(agentKey, state);
  }

  #lastNotified(agentKey: string, state: AgentState): number | undefined {
    const memory = this.#marks.get(markKey(agentKey, state));
    if (memory !== undefined) return memory;
    return this.#deps.journal.lastNotified(agentKey, state);
  }
}
