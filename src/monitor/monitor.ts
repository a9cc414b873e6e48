/**
 * One monitor cycle: the seam between the daemon loop and the work. It takes its tmux client,
 * clock, store and profiles as parameters, so tests drive it with fakes and no sleeps, and the
 * benchmark times it with either tmux client.
 *
 * A cycle:
 *
 * 1. ONE `list-panes -a` (no server: zero panes, logged once; the store marks every agent gone).
 * 2. Which panes are agents or PMs (`registry.ts`): registered, named as a PM, or auto-detected.
 *    Panes that are none of these are never touched.
 * 3. Capture, concurrently over the one connection (`captureConcurrency`), only the agent panes
 *    whose output may have changed since their last capture (`paneNeedsCapture`), or whose state
 *    needs confirming (first look, after an action, a screen the profile did not recognise,
 *    `maxCaptureAgeMs` without a capture). Dead
 *    panes and panes with a shell in the foreground need no capture: they are `crashed`.
 * 4. `detectState` for each agent from its previous observation (kept in memory and in the store).
 * 5. Actions: stuck input → Enter once (`submitStuck`), and the PM is told when it is still stuck
 *    the cycle after; crashed with `@tmux-orc-command` → respawn (`restartCrashed`, throttled).
 * 6. One store transaction (`journal.ts`): transitions, the agents table, the saved monitor state.
 * 7. The notification policy decides what to tell which PM (cooldown, one batch per PM, hold while
 *    the PM is busy, rate-limit suppression, resume after a limit); messages are delivered with
 *    `deliver` (typed, Enter, verified, bounded at ~2 s) concurrently across panes, and never typed
 *    into a PM that shows a permission prompt, has crashed or is gone (held instead).
 * 8. One more transaction: notification outcomes, actions, cooldown marks of the messages actually
 *    delivered.
 *
 * A tmux error for one pane never fails the cycle; neither does a store error (logged).
 *
 * Each step is its own module: `capture.ts` (which panes are agents, capture and change gating),
 * the detector (`detector.ts`), `actions.ts` (what to do, as data from a pure function),
 * `dispatch.ts` (notifications), `pane_jobs.ts` (the pane I/O), `journal.ts` (the store).
 * This class keeps what carries from one cycle to the next and runs the steps in order.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import type { DetectOptions } from "../agents/detect.ts";
import { type AgentProfile, loadProfiles, type ProcessHint } from "../agents/profiles.ts";
import { readProcessFacts } from "../agents/process_facts.ts";
import { AGENT_STATES, type AgentState, type Observation } from "../agents/types.ts";
import { RestartThrottle } from "../actions/restart.ts";
import type { ProcessTable } from "../actions/pane_processes.ts";
import type { Transition } from "../notify/policy.ts";
import { errorMessage } from "../state/errors.ts";
import { listPanes } from "../tmux/panes.ts";
import { type PaneRecord, type TmuxClient, TmuxUnavailableError } from "../tmux/types.ts";
import { type Clock, sleep as realSleep } from "../util/clock.ts";
import { type Action, decideActions, refusalRecord, runAction, transitionOf } from "./actions.ts";
import {
  captureAll,
  type CaptureDeps,
  type Captures,
  findAgents,
  needsCapture,
} from "./capture.ts";
import { type Detector, InlineDetector } from "./detector.ts";
import { NotificationDispatch } from "./dispatch.ts";
import { applyHook, hookChanged } from "./hook_signal.ts";
import { Journal } from "./journal.ts";
import { type ResolvedOptions, resolveMonitorOptions } from "./options.ts";
import type { Ownership } from "./ownership.ts";
import { type PaneJob, runPaneJobs } from "./pane_jobs.ts";
import { parseSavedState, serializeState } from "./persist.ts";
import { PaneMemories } from "./memory.ts";
import { ProcessHints } from "./process_hints.ts";
import type { AgentPane } from "./registry.ts";
import { type StoreOp, WriteQueue } from "./write_queue.ts";
import { StatusLine } from "./status_line.ts";
import { carriedIdle, detectionKey } from "./steady.ts";
import type { AgentSample, MonitorMetrics } from "../metrics/monitor_metrics.ts";
import { HumanChannels } from "../outbox/human.ts";
import { pmFilter } from "../channels/pm_filter.ts";

export { DEFAULT_MONITOR_OPTIONS, type MonitorOptions } from "./options.ts";
export type { CycleOptions, CycleResult, MonitorDeps } from "./types.ts";
import type { CycleOptions, CycleResult, MonitorDeps } from "./types.ts";

/** One cycle's work in progress: what it found, and what it still has to write and do. */
interface CycleWork {
  result: CycleResult;
  monoNow: number;
  wallNow: number;
  /** History rows written with the cycle's state (transitions). */
  stateRecords: StoreOp[];
  /** History rows written after the pane work (actions, notification outcomes). */
  records: StoreOp[];
  /** What the notification policy hears about. */
  notices: Transition[];
  /** Pane work, run after the decisions. */
  jobs: PaneJob[];
  /** Each agent with this cycle's observation and the state it had before. */
  observed: { agent: AgentPane; observation: Observation; previous?: AgentState }[];
}

function countStates(agents: readonly { state: AgentState }[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(AGENT_STATES.map((s) => [s, 0]));
  for (const a of agents) counts[a.state] = (counts[a.state] ?? 0) + 1;
  return counts;
}

/** Runs cycles and keeps what must carry from one cycle to the next. */
export class Monitor {
  readonly #tmux: TmuxClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #journal: Journal;
  readonly #profiles: ReadonlyMap<string, AgentProfile>;
  readonly #options: ResolvedOptions;
  readonly #restarts: RestartThrottle;
  readonly #processes: ProcessTable | undefined;
  readonly #detector: Detector;
  readonly #hints: ProcessHints;
  readonly #dispatch: NotificationDispatch;
  readonly #capture: CaptureDeps;
  readonly #ownership: Ownership | undefined;
  readonly #status: StatusLine | undefined;
  readonly #metrics: MonitorMetrics | undefined;
  readonly #humans: HumanChannels | undefined;
  readonly #pmFilter: ReturnType<typeof pmFilter>;
  #cycle = 0;
  #tmuxUp: boolean | undefined;
  #restored = false;
  readonly #memory = new PaneMemories();
  #warned = new Set<string>();
  #listError = "";

  /** Creates a monitor. Nothing runs until {@linkcode Monitor.cycle}. */
  constructor(deps: MonitorDeps) {
    this.#tmux = deps.tmux;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    const writes = deps.store
      ? new WriteQueue(deps.store, {
        logger: deps.logger,
        wall: () => deps.clock.wall(),
        reopen: deps.reopenStore,
      })
      : undefined;
    this.#journal = new Journal(writes, deps.logger);
    this.#profiles = deps.profiles ?? loadProfiles();
    this.#options = resolveMonitorOptions(deps.options);
    this.#restarts = new RestartThrottle(this.#options.restartLimits);
    this.#processes = deps.processes;
    this.#ownership = deps.ownership;
    this.#detector = deps.detector ?? new InlineDetector();
    this.#metrics = deps.metrics;
    this.#status = this.#options.statusLine ? new StatusLine(deps.tmux, deps.logger) : undefined;
    this.#hints = new ProcessHints(deps.processFacts ?? readProcessFacts);
    this.#dispatch = new NotificationDispatch({
      tmux: deps.tmux,
      clock: deps.clock,
      sleep: deps.sleep ?? realSleep,
      logger: deps.logger,
      journal: this.#journal,
      options: this.#options,
      metrics: deps.metrics,
    });
    this.#pmFilter = pmFilter(deps.channels ?? []);
    this.#humans = writes
      ? HumanChannels.forMonitor({
        channels: deps.channels ?? [],
        access: (fn) => writes.use(fn),
        logger: deps.logger,
        worker: {
          wall: () => deps.clock.wall(),
          onOutcome: (o) => deps.metrics?.notification(o),
          ...deps.outbox,
        },
      })
      : undefined;
    this.#capture = {
      tmux: deps.tmux,
      clock: deps.clock,
      logger: deps.logger,
      concurrency: this.#options.captureConcurrency,
    };
  }

  /** Ends a running cycle's detection now (on SIGTERM; see `detector.ts`). */
  interrupt(): void {
    this.#detector.interrupt();
  }

  /** The current observations, by pane id (for tests and diagnostics). */
  get observations(): ReadonlyMap<string, Observation> {
    return new Map([...this.#memory.panes].map(([id, mem]) => [id, mem.observation]));
  }

  /**
   * Runs one cycle (an early, change-only one with `options.panes`). Never throws for tmux or
   * store trouble: no server means zero panes.
   */
  async cycle(options: CycleOptions = {}): Promise<CycleResult> {
    const start = this.#clock.monotonic();
    const result = this.#newResult();
    let samples: AgentSample[] = [];
    const finish = () => {
      result.durationMs = this.#clock.monotonic() - start;
      this.#metrics?.cycle(result, samples);
      return result;
    };
    if (!this.#restored) this.#restore();
    result.standby = await this.#ownership?.standbyReason(this.#tmux, this.#logger);
    if (result.standby !== undefined) return finish();
    const panes = await this.#listPanes(result);
    if (!panes) return finish();
    result.panes = panes.length;
    this.#memory.forgetVanished(panes, (id) => this.#restarts.forget(id));

    const captures: Captures = { screens: new Map(), marks: new Map() };
    const agents = await this.#findAgents(panes, captures, result);
    const monoBefore = this.#clock.monotonic();
    // While tmux reports changes (`change_feed.ts`), an unchanged pane is recaptured less often.
    const captureAgeMs = options.watched
      ? Math.max(this.#options.maxCaptureAgeMs, this.#options.watchedCaptureAgeMs)
      : this.#options.maxCaptureAgeMs;
    const toCapture = agents.filter((agent) =>
      !captures.screens.has(agent.pane.paneId) &&
      (options.panes === undefined || options.panes.has(agent.pane.paneId)) &&
      (needsCapture(agent, this.#memory.captureMemory(agent.pane.paneId), {
        changeGating: this.#options.changeGating,
        maxCaptureAgeMs: captureAgeMs,
        monoNow: monoBefore,
      }) || hookChanged(agent, this.#memory.panes.get(agent.pane.paneId)))
    ).map((agent) => agent.pane);
    result.captured += await captureAll(toCapture, this.#capture, captures);

    const work = await this.#detect(agents, captures, { monoBefore, captureAgeMs }, result);
    for (const entry of work.observed) this.#react(entry, work);
    result.agents = agents.length;
    result.states = countStates(work.observed.map((o) => o.observation));

    this.#journal.commitCycle(work.stateRecords, {
      agents: work.observed.map(({ agent, observation }) => ({
        paneId: agent.pane.paneId,
        name: agent.name,
        target: agent.target,
        profile: agent.profile.name,
        role: agent.source === "detected" ? "" : agent.role,
        pmPane: agent.pmPaneId,
        state: observation.state,
        since: observation.since,
        detail: observation.detail,
        resetAt: observation.resetAt,
      })),
      nowMs: work.wallNow,
      savedJson: serializeState(this.#memory.snapshot(this.#dispatch.policy)),
    });
    samples = work.observed.map(({ agent, observation }) => ({
      name: agent.name,
      session: agent.pane.sessionName,
      paneId: agent.pane.paneId,
      profile: agent.profile.name,
      role: agent.role,
      state: observation.state,
      since: observation.since,
    }));
    await this.#status?.update(samples);
    if (this.#options.notify && this.#pmFilter.enabled) this.#notify(agents, work);
    this.#humans?.plan({
      agents,
      observationOf: (paneId) => this.#memory.panes.get(paneId)?.observation,
      nowMs: work.wallNow,
      pmToldAt: (key, state) => this.#dispatch.lastNotified(key, state),
      records: work.records,
      unknownGraceMs: this.#options.notifyUnknownAfterMs,
    });
    await runPaneJobs(work.jobs, this.#logger);
    this.#journal.commitOutcomes(
      work.records,
      serializeState(this.#memory.snapshot(this.#dispatch.policy)),
    );
    this.#humans?.kick();
    this.#journal.prune(work.monoNow, work.wallNow);
    result.storeQueued = this.#journal.queued;
    result.storeLost = this.#journal.lost;
    return finish();
  }

  /**
   * Releases resources: the status line options (unset), the claim on the tmux server, the tmux
   * connection and the store.
   */
  async close(): Promise<void> {
    this.#detector.close();
    await this.#status?.clear();
    await this.#humans?.close();
    try {
      await this.#ownership?.release(this.#tmux);
    } catch { /* best effort: a dead owner is taken over anyway */ }
    try {
      await this.#tmux.close();
    } finally {
      try {
        this.#journal.close();
      } catch { /* already closed */ }
    }
  }

  #newResult(): CycleResult {
    this.#cycle += 1;
    return {
      cycle: this.#cycle,
      at: this.#clock.wall(),
      durationMs: 0,
      tmux: true,
      panes: 0,
      agents: 0,
      states: countStates([]),
      captured: 0,
      transitions: 0,
      notifications: 0,
      actions: 0,
    };
  }

  /** ONE `list-panes -a`; `undefined` when it failed (no server: every agent is gone). */
  async #listPanes(result: CycleResult): Promise<PaneRecord[] | undefined> {
    let panes: PaneRecord[];
    try {
      panes = await listPanes(this.#tmux);
    } catch (error) {
      if (error instanceof TmuxUnavailableError) {
        result.tmux = false;
        if (this.#tmuxUp !== false) {
          this.#logger.warn("No tmux server is answering; watching zero panes until one does");
          this.#tmuxUp = false;
          this.#journal.markAllGone(result.at);
        }
      } else if (this.#listError !== errorMessage(error)) {
        this.#listError = errorMessage(error);
        this.#logger.error("Cannot list tmux panes: {error}", { error: this.#listError });
      }
      return undefined;
    }
    this.#listError = "";
    if (this.#tmuxUp !== true) {
      this.#logger.info("Connected to the tmux server: {panes} panes", { panes: panes.length });
      this.#tmuxUp = true;
      // A server that came back is a new one: it has none of the status options written before.
      this.#status?.forget();
    }
    return panes;
  }

  /** Which panes are agents (forgetting the panes that no longer are). */
  async #findAgents(
    panes: readonly PaneRecord[],
    captures: Captures,
    result: CycleResult,
  ): Promise<AgentPane[]> {
    const processes: Map<string, ProcessHint> = await this.#hints.forPanes(
      panes,
      this.#profiles,
      this.#memory.detections,
    );
    const found = await findAgents(
      {
        panes,
        profiles: this.#profiles,
        autoDetect: this.#options.autoDetect,
        detections: this.#memory.detections,
        processes,
        probes: this.#memory.probes,
      },
      this.#capture,
      captures,
    );
    result.captured += found.captured;
    this.#memory.detections = found.classification.detections;
    const agents = found.classification.agents;
    this.#memory.keepOnly(new Set(agents.map((a) => a.pane.paneId)));
    this.#warnUnknownProfiles(agents);
    return agents;
  }

  /** Detects every agent's state, remembers it, and logs and records the transitions. */
  async #detect(
    agents: readonly AgentPane[],
    captures: Captures,
    { monoBefore, captureAgeMs }: { monoBefore: number; captureAgeMs: number },
    result: CycleResult,
  ): Promise<CycleWork> {
    const monoNow = this.#clock.monotonic();
    const wallNow = this.#clock.wall();
    const options = this.#options;
    const detectOptions: DetectOptions = {
      idleAfterMs: options.idleAfterMs,
      stuckAfterMs: options.stuckAfterMs ?? options.idleAfterMs,
      defaultTimeZone: options.defaultTimeZone,
      unknownAfterMs: options.unknownAfterMs,
      // An unchanged pane is recaptured every captureAgeMs: older findings mean failed captures.
      maxCarryMs: captureAgeMs + options.unknownAfterMs,
    };
    const inputs = agents.map((agent) => ({
      pane: agent.pane,
      capture: captures.screens.get(agent.pane.paneId) ?? null,
      previous: this.#memory.panes.get(agent.pane.paneId)?.observation,
      monoNow,
      wallNow,
      profile: agent.profile,
    }));
    // Agents at rest need no detector round trip (`steady.ts`): the same result, told here.
    const detected: (Observation | undefined)[] = inputs.map((input) =>
      carriedIdle(input, detectOptions, this.#memory.panes.get(input.pane.paneId)?.detectedKey)
    );
    const rest = inputs.filter((_, i) => detected[i] === undefined);
    const fresh = rest.length > 0 ? await this.#detector.detectAll(rest, detectOptions) : [];
    for (let i = 0, next = 0; i < detected.length; i++) detected[i] ??= fresh[next++];
    const work: CycleWork = {
      result,
      monoNow,
      wallNow,
      stateRecords: [],
      records: [],
      notices: [],
      jobs: [],
      observed: [],
    };
    for (const [index, agent] of agents.entries()) {
      const id = agent.pane.paneId;
      const mem = this.#memory.panes.get(id);
      const screen = detected[index]!;
      const { observation, noted } = applyHook(agent, screen, {
        memory: mem,
        wallNow,
        logger: this.#logger,
      });
      this.#memory.panes.set(id, {
        pid: agent.pane.pid,
        observation,
        capture: captures.marks.get(id) ?? mem?.capture,
        capturedAtMono: captures.screens.has(id) ? monoBefore : mem?.capturedAtMono,
        stuck: mem?.stuck,
        unknownTold: mem?.unknownTold,
        hook: agent.pane.hook ?? "",
        hookNoted: noted,
        // The screen's own verdict (not a hook's): the next cycle may carry it (`steady.ts`).
        detectedKey: observation === screen
          ? detectionKey(agent.pane, agent.profile.name)
          : undefined,
        // A screen the profile does not recognise may be a redraw caught half-way: look again
        // next cycle (and every cycle while it stays unrecognised) instead of trusting it until
        // the pane's output changes.
        confirm: observation.recognised === false,
      });
      work.observed.push({ agent, observation, previous: mem?.observation.state });
    }
    return work;
  }

  /** Logs and records a transition, decides the agent's actions and queues them. */
  #react(entry: CycleWork["observed"][number], work: CycleWork): void {
    const { agent, observation } = entry;
    const id = agent.pane.paneId;
    const memory = this.#memory.panes.get(id)!;
    const transition = transitionOf(agent, entry.previous, observation);
    if (transition) {
      work.result.transitions++;
      this.#metrics?.transition(observation.state);
      this.#logger.info("{agent} ({pane}): {from} → {to}: {detail}", {
        agent: agent.name,
        pane: id,
        from: transition.from,
        to: observation.state,
        detail: observation.detail,
      });
      work.stateRecords.push((store) =>
        store.recordTransition({
          ts: work.wallNow,
          agent: agent.name,
          paneId: id,
          from: transition.from,
          to: observation.state,
          detail: observation.detail,
          extra: { target: agent.target, profile: agent.profile.name, role: agent.role },
        })
      );
    }
    const decision = decideActions({
      agent,
      observation,
      transition,
      memory,
      restartCheck: () => this.#restarts.check(id, work.monoNow),
      wallNow: work.wallNow,
    }, this.#options);
    memory.stuck = decision.memory.stuck;
    memory.unknownTold = decision.memory.unknownTold;
    if (decision.confirm) memory.confirm = true;
    if (observation.state !== "crashed") this.#memory.respawned.delete(id);
    for (const action of decision.actions) this.#schedule(action, work);
    work.notices.push(...decision.notices);
  }

  /** Queues an action as pane work (a refused restart is only recorded). */
  #schedule(action: Action, work: CycleWork): void {
    const id = action.agent.pane.paneId;
    if (action.kind === "restart_refused") {
      work.records.push(refusalRecord(action, this.#logger, work.wallNow));
      return;
    }
    if (action.kind === "restart") {
      this.#restarts.record(id, work.monoNow);
      this.#memory.respawned.add(id);
    }
    work.result.actions++;
    const deps = {
      tmux: this.#tmux,
      logger: this.#logger,
      processes: this.#processes,
      onRestartFailed: (paneId: string) => this.#memory.respawned.delete(paneId),
    };
    work.jobs.push({
      paneId: id,
      run: async () => {
        work.records.push(await runAction(action, deps, work.wallNow));
      },
    });
  }

  /** The notification policy's decisions, queued as pane work (see `dispatch.ts`). */
  #notify(agents: readonly AgentPane[], work: CycleWork): void {
    this.#dispatch.plan({
      agents,
      transitions: this.#pmFilter.accepts
        ? work.notices.filter((t) => this.#pmFilter.accepts!(t, agents))
        : work.notices,
      wallNow: work.wallNow,
      stateOf: (paneId) => this.#memory.panes.get(paneId)?.observation.state,
      io: work.jobs,
      records: work.records,
      onDelivered: () => work.result.notifications++,
      onAction: () => work.result.actions++,
      onTyped: (paneId) => {
        const mem = this.#memory.panes.get(paneId);
        if (mem) mem.confirm = true;
      },
    });
  }

  #warnUnknownProfiles(agents: readonly AgentPane[]): void {
    for (const { pane } of agents) {
      if (pane.profile === "" || this.#profiles.has(pane.profile)) continue;
      const key = `${pane.paneId}\0${pane.profile}`;
      if (this.#warned.has(key)) continue;
      this.#warned.add(key);
      this.#logger.warn("Pane {pane} names an unknown profile {profile}; using {used}", {
        pane: pane.paneId,
        profile: pane.profile,
        used: agents.find((a) => a.pane === pane)?.profile.name,
      });
    }
  }

  #restore(): void {
    this.#restored = true;
    if (!this.#journal.enabled) return;
    const saved = parseSavedState(this.#journal.savedState());
    if (!saved) return;
    this.#memory.restore(saved, { monoNow: this.#clock.monotonic(), wallNow: this.#clock.wall() });
    this.#dispatch.restore(saved.policy);
    this.#logger.info("Restored the state of {count} agents from the last run", {
      count: saved.panes.length,
    });
  }
}
