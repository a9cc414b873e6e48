/**
 * The monitor's human channels: each cycle, the escalation policy (`channels/escalation.ts`,
 * pure) decides which notices are due; they are written to the outbox in the cycle's store
 * transaction (before any delivery), and the {@linkcode OutboxWorker} delivers them apart from
 * the cycle.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import type { AgentState, Observation } from "../agents/types.ts";
import {
  type AgentView,
  emptyEscalationState,
  type EscalationState,
  planEscalations,
} from "../channels/escalation.ts";
import type { Channel } from "../channels/types.ts";
import type { AgentPane } from "../monitor/registry.ts";
import type { StoreOp } from "../monitor/write_queue.ts";
import { enqueueNotice, pruneOutbox } from "../store/outbox.ts";
import { errorMessage } from "../state/errors.ts";
import { OutboxWorker, type OutboxWorkerDeps, type StoreAccess } from "./worker.ts";

/** How long delivered and dead notices stay in the outbox. */
export const KEEP_OUTBOX_MS = 30 * 86_400_000;

/** What {@linkcode HumanChannels} needs. */
export interface HumanChannelsDeps {
  /** Every configured channel (the `pm` one is ignored here). */
  channels: readonly Channel[];
  /** The monitor's store. */
  access: StoreAccess;
  /** Logger. */
  logger: Logger;
  /** The name notices give for this machine. @default Deno.hostname() */
  host?: string;
  /** Worker tuning (tests). */
  worker?: Partial<Omit<OutboxWorkerDeps, "access" | "channels" | "logger">>;
}

/** One cycle's input to {@linkcode HumanChannels.plan}. */
export interface HumanPlanContext {
  /** The cycle's monitored panes (agents and PMs). */
  agents: readonly AgentPane[];
  /** A pane's observation this cycle. */
  observationOf: (paneId: string) => Observation | undefined;
  /** Wall ms of the cycle. */
  nowMs: number;
  /** When the PM was last told that `agentKey` entered `state` (the cooldown marks). */
  pmToldAt: (agentKey: string, state: AgentState) => number | undefined;
  /** The outbox rows are written with these (the cycle's transaction). */
  records: StoreOp[];
  /** `unknown` counts only after this long (the monitor's `notifyUnknownAfterMs`). */
  unknownGraceMs?: number;
}

/** Plans and delivers the human channels' notices. */
export class HumanChannels {
  readonly #deps: HumanChannelsDeps;
  readonly #channels: readonly Channel[];
  readonly #host: string;
  readonly #worker: OutboxWorker;
  #state: EscalationState = emptyEscalationState();
  #prunedAt = -Infinity;

  /** Starts the worker (it delivers what an earlier run left pending). */
  constructor(deps: HumanChannelsDeps) {
    this.#deps = deps;
    this.#channels = deps.channels.filter((c) => c.type !== "pm" && c.enabled);
    this.#host = deps.host ?? hostname();
    this.#worker = new OutboxWorker({
      ...deps.worker,
      access: deps.access,
      channels: deps.channels,
      logger: deps.logger,
    });
    this.#worker.settleOrphans();
    this.#worker.start();
  }

  /**
   * The human channels of a monitor: `undefined` when none is enabled — then only the notices an
   * earlier run left for channels no longer configured are dead-lettered, and nothing runs.
   */
  static forMonitor(deps: HumanChannelsDeps): HumanChannels | undefined {
    if (deps.channels.some((c) => c.type !== "pm" && c.enabled)) return new HumanChannels(deps);
    new OutboxWorker({ ...deps.worker, access: deps.access, channels: [], logger: deps.logger })
      .settleOrphans();
    return undefined;
  }

  /** The worker (tests, diagnostics). */
  get worker(): OutboxWorker {
    return this.#worker;
  }

  /** Decides this cycle's notices and queues their outbox rows into `ctx.records`. */
  plan(ctx: HumanPlanContext): number {
    if (this.#channels.length === 0) return 0;
    const byPane = new Map(ctx.agents.map((a) => [a.pane.paneId, a]));
    const views: AgentView[] = [];
    for (const agent of ctx.agents) {
      const observation = ctx.observationOf(agent.pane.paneId);
      if (!observation) continue;
      const view: AgentView = {
        key: agent.key,
        name: agent.name,
        paneId: agent.pane.paneId,
        session: agent.pane.sessionName,
        state: observation.state,
        since: observation.since,
        detail: observation.detail,
      };
      if (agent.pmPaneId) {
        view.pmPaneId = agent.pmPaneId;
        const pm = byPane.get(agent.pmPaneId);
        const pmObservation = pm ? ctx.observationOf(pm.pane.paneId) : undefined;
        view.pmState = pm ? pmObservation?.state ?? "unknown" : "gone";
        if (pmObservation) view.pmSince = pmObservation.since;
      }
      views.push(view);
    }
    const decision = planEscalations({
      nowMs: ctx.nowMs,
      host: this.#host,
      agents: views,
      pmToldAt: ctx.pmToldAt,
      channels: this.#channels,
      state: this.#state,
      unknownGraceMs: ctx.unknownGraceMs,
    });
    this.#state = decision.state;
    const logger = this.#deps.logger;
    if (decision.notices.length > 0) {
      const planned = decision.notices;
      ctx.records.push((store) => {
        for (const { channel, notice } of planned) {
          const id = notice.id;
          const fresh = enqueueNotice(store, {
            id,
            channel,
            createdAt: ctx.nowMs,
            notice: { ...notice },
          });
          if (fresh) logger.info("Outbox: notice {id} for channel {channel}", { id, channel });
        }
      });
    }
    this.#prune(ctx.nowMs);
    return decision.notices.length;
  }

  /** After the cycle's commit: deliver what it wrote now. */
  kick(): void {
    if (this.#channels.length > 0) this.#worker.kick();
  }

  /** Stops the worker (tries in flight get `timeoutMs`). */
  async close(timeoutMs?: number): Promise<void> {
    await this.#worker.close(timeoutMs);
  }

  #prune(nowMs: number): void {
    if (nowMs - this.#prunedAt < 3_600_000) return;
    this.#prunedAt = nowMs;
    try {
      this.#deps.access((store) => pruneOutbox(store, nowMs - KEEP_OUTBOX_MS));
    } catch (error) {
      this.#deps.logger.warn("Cannot prune the outbox: {error}", { error: errorMessage(error) });
    }
  }
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}
