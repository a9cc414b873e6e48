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
 * 6. One store transaction: transitions, the agents table, the saved monitor state.
 * 7. The notification policy decides what to tell which PM (cooldown, one batch per PM, hold while
 *    the PM is busy, rate-limit suppression, resume after a limit); messages are delivered with
 *    `deliver` (typed, Enter, verified, bounded at ~2 s) concurrently across panes, and never typed
 *    into a PM that shows a permission prompt, has crashed or is gone (held instead).
 * 8. One more transaction: notification outcomes, actions, cooldown marks of the messages actually
 *    delivered.
 *
 * A tmux error for one pane never fails the cycle; neither does a store error (logged).
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import pLimit from "p-limit";
import { DEFAULT_UNKNOWN_AFTER_MS, type DetectOptions } from "../agents/detect.ts";
import {
  type AgentProfile,
  isShellCommand,
  loadProfiles,
  type ProcessHint,
} from "../agents/profiles.ts";
import { readProcessFacts } from "../agents/process_facts.ts";
import { AGENT_STATES, type AgentState, type Observation } from "../agents/types.ts";
import { restartCrashedPane, type RestartLimits, RestartThrottle } from "../actions/restart.ts";
import type { EndedProcesses, ProcessTable } from "../actions/pane_processes.ts";
import { deliver, type DeliveryReport } from "../notify/deliver.ts";
import {
  decideNotifications,
  DEFAULT_COOLDOWN_MS,
  DEFAULT_MAX_HOLD_MS,
  emptyPolicyState,
  type HeldNotification,
  type Outcome,
  type PmMessage,
  type PolicyState,
  type Transition,
} from "../notify/policy.ts";
import type { Store } from "../store/store.ts";
import { type StoreOp, WriteQueue } from "./write_queue.ts";
import { type Detector, InlineDetector } from "./detector.ts";
import type { Ownership } from "./ownership.ts";
import { sendKey } from "../tmux/commands.ts";
import { listPanes, type PaneCaptureMark, paneChangeKey, paneNeedsCapture } from "../tmux/panes.ts";
import { type PaneRecord, type TmuxClient, TmuxUnavailableError } from "../tmux/types.ts";
import { type Clock, sleep as realSleep } from "../util/clock.ts";
import {
  MONITOR_STATE_KEY,
  parseSavedState,
  restoreObservation,
  type SavedMonitorState,
  serializeState,
  type StuckEpisode,
} from "./persist.ts";
import { type AgentPane, classifyPanes, type Detection, isWrapperCommand } from "./registry.ts";

/** What one cycle did. */
export interface CycleResult {
  /** Cycle number (1-based). */
  cycle: number;
  /** Wall-clock ms when it started. */
  at: number;
  /** How long it took (ms, monotonic). */
  durationMs: number;
  /** Whether a tmux server answered. */
  tmux: boolean;
  /** Panes listed. */
  panes: number;
  /** Monitored panes (agents and PMs) among them. */
  agents: number;
  /** Monitored panes per state (every state, zero when none). */
  states: Record<string, number>;
  /** `capture-pane` commands run (agent captures and signature checks). */
  captured: number;
  /** State transitions. */
  transitions: number;
  /** PM messages delivered. */
  notifications: number;
  /** Actions taken (Enter pressed, pane restarted, resume message sent). */
  actions: number;
  /** History rows waiting in memory because the store cannot be written. */
  storeQueued?: number;
  /** History rows dropped since the start because that queue was full. */
  storeLost?: number;
  /** Set when another monitor owns the tmux server: who it is (this cycle did nothing). */
  standby?: string;
}

/** Tuning of the monitor. Every field has a default. */
export interface MonitorOptions {
  /** Quiet time before an agent at an empty prompt is idle (default 20 000 ms). */
  idleAfterMs?: number;
  /**
   * How long a screen may show none of the agent's controls (input box, busy marker, prompt)
   * before an agent that looked active is `unknown` (default 60 000 ms).
   */
  unknownAfterMs?: number;
  /** How long an agent is `unknown` before its PM is told (default 60 000 ms). */
  notifyUnknownAfterMs?: number;
  /** Quiet time before unsent input counts as stuck (default: `idleAfterMs`). */
  stuckAfterMs?: number;
  /** Least time between two notifications about one agent entering one state (300 000 ms). */
  notifyCooldownMs?: number;
  /** Longest wait for a busy PM before a message is typed anyway (default 120 000 ms). */
  maxHoldMs?: number;
  /** Auto-detect unregistered agents by their process (default true). */
  autoDetect?: boolean;
  /** Press Enter once for stuck input (default true). */
  submitStuck?: boolean;
  /** Type a message into an agent after its rate limit resets (default false). */
  resumeAfterLimit?: boolean;
  /** That message (default the policy's `DEFAULT_RESUME_MESSAGE`). */
  resumeMessage?: string;
  /** Respawn crashed agents that have a `@tmux-orc-command` (default false). */
  restartCrashed?: boolean;
  /** Tell PMs at all (default true). */
  notify?: boolean;
  /** Most captures in flight at once (default 64; 1 = sequential). */
  captureConcurrency?: number;
  /** Capture only panes whose output may have changed (default true; false for benchmarks). */
  changeGating?: boolean;
  /** Recapture an unchanged agent pane at least this often (default 60 000 ms). */
  maxCaptureAgeMs?: number;
  /** Bound on one delivery (default 2000 ms). */
  deliverTimeoutMs?: number;
  /** Restart throttling. */
  restartLimits?: RestartLimits;
  /** Time zone for reset times that state none (default the machine's). */
  defaultTimeZone?: string;
}

/** The options that have fixed defaults. */
type Defaulted = Required<
  Omit<MonitorOptions, "stuckAfterMs" | "resumeMessage" | "restartLimits" | "defaultTimeZone">
>;

/** The defaults of {@linkcode MonitorOptions}. */
export const DEFAULT_MONITOR_OPTIONS: Readonly<Defaulted> = {
  idleAfterMs: 20_000,
  unknownAfterMs: DEFAULT_UNKNOWN_AFTER_MS,
  notifyUnknownAfterMs: 60_000,
  notifyCooldownMs: DEFAULT_COOLDOWN_MS,
  maxHoldMs: DEFAULT_MAX_HOLD_MS,
  autoDetect: true,
  submitStuck: true,
  resumeAfterLimit: false,
  restartCrashed: false,
  notify: true,
  captureConcurrency: 64,
  changeGating: true,
  maxCaptureAgeMs: 60_000,
  deliverTimeoutMs: 2000,
};

/** What a monitor needs. */
export interface MonitorDeps {
  /** The tmux connection (closed by {@linkcode Monitor.close}). */
  tmux: TmuxClient;
  /** Clock. */
  clock: Clock;
  /** Logger. */
  logger: Logger;
  /** The store (closed by {@linkcode Monitor.close}); without it nothing is persisted. */
  store?: Store;
  /** Agent profiles (default the built-ins). */
  profiles?: ReadonlyMap<string, AgentProfile>;
  /** Options. */
  options?: MonitorOptions;
  /** Sleep used while verifying deliveries (default a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Process table used to end a crashed pane's old processes (default `ps`). */
  processes?: ProcessTable;
  /** Opens the store again after its file was deleted or replaced (default `openStore`). */
  reopenStore?: (path: string) => Store;
  /** The claim on the tmux server (see `ownership.ts`); without it the monitor never stands by. */
  ownership?: Ownership;
  /** Where detection runs (default in this thread, no deadline; see `detector.ts`). */
  detector?: Detector;
  /**
   * Reads the command line of the program in a pane's foreground, given the pane's pid (default
   * {@linkcode readProcessFacts}): a `node` pane whose command line names a CLI is identified
   * without a screen signature.
   */
  processFacts?: (panePid: number) => Promise<ProcessHint | undefined>;
}

/** What the monitor remembers about one monitored pane. */
interface PaneMemory {
  pid: number;
  observation: Observation;
  capture?: PaneCaptureMark;
  capturedAtMono?: number;
  confirm: boolean;
  stuck?: StuckEpisode;
  /** Whether the PM was told about the current `unknown` episode. */
  unknownTold?: boolean;
}

/** An event to record (a history row; queued while the store cannot be written). */
type PendingRecord = StoreOp;

/** Records what became of one notification. */
type RecordOutcome = (
  outcome: Outcome,
  delivery: "delivered" | "failed" | "held" | "suppressed",
  detail: string,
  extra?: Record<string, unknown>,
) => void;

/** States in which typing into a PM is never safe (a keystroke could answer a prompt or a shell). */
const UNSAFE_PM_STATES: ReadonlySet<AgentState> = new Set<AgentState>(["waiting", "crashed"]);
/** States in which a PM is busy: messages are held (up to `maxHoldMs`). */
const BUSY_PM_STATES: ReadonlySet<AgentState> = new Set<AgentState>([
  "active",
  "waiting",
  "stuck_input",
  "unknown",
  "crashed",
]);

/** How often old rows are pruned from the store. */
const PRUNE_EVERY_MS = 3_600_000;
/** How long events are kept. */
const KEEP_EVENTS_MS = 30 * 86_400_000;
/** How long an agent that is gone stays in the agents table. */
const KEEP_GONE_AGENTS_MS = 86_400_000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  readonly #writes: WriteQueue | undefined;
  readonly #profiles: ReadonlyMap<string, AgentProfile>;
  readonly #options: MonitorOptions & Defaulted;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #processFacts: (panePid: number) => Promise<ProcessHint | undefined>;
  /** Command lines of generic-runtime panes, by `pane_pid` and foreground command. */
  #processHints = new Map<string, ProcessHint | undefined>();
  readonly #restarts: RestartThrottle;
  readonly #processes: ProcessTable | undefined;
  readonly #ownership: Ownership | undefined;
  readonly #detector: Detector;
  #cycle = 0;
  #tmuxUp: boolean | undefined;
  #restored = false;
  #panes = new Map<string, PaneMemory>();
  #detections = new Map<string, Detection>();
  #probes = new Map<string, PaneCaptureMark & { pid: number }>();
  #respawned = new Set<string>();
  #policy: PolicyState = emptyPolicyState();
  #marks = new Map<string, number>();
  #savedJson = "";
  #warned = new Set<string>();
  #listError = "";
  #prunedAt = -Infinity;

  /** Creates a monitor. Nothing runs until {@linkcode Monitor.cycle}. */
  constructor(deps: MonitorDeps) {
    this.#tmux = deps.tmux;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#writes = deps.store
      ? new WriteQueue(deps.store, {
        logger: deps.logger,
        wall: () => deps.clock.wall(),
        reopen: deps.reopenStore,
      })
      : undefined;
    this.#profiles = deps.profiles ?? loadProfiles();
    this.#options = { ...DEFAULT_MONITOR_OPTIONS, ...stripUndefined(deps.options ?? {}) };
    this.#sleep = deps.sleep ?? realSleep;
    this.#processFacts = deps.processFacts ?? readProcessFacts;
    this.#restarts = new RestartThrottle(this.#options.restartLimits);
    this.#processes = deps.processes;
    this.#ownership = deps.ownership;
    this.#detector = deps.detector ?? new InlineDetector();
  }

  /** Ends a running cycle's detection now (on SIGTERM; see `detector.ts`). */
  interrupt(): void {
    this.#detector.interrupt();
  }

  /** The current observations, by pane id (for tests and diagnostics). */
  get observations(): ReadonlyMap<string, Observation> {
    return new Map([...this.#panes].map(([id, mem]) => [id, mem.observation]));
  }

  /** Runs one cycle. Never throws for tmux or store trouble: no server means zero panes. */
  async cycle(): Promise<CycleResult> {
    const clock = this.#clock;
    const start = clock.monotonic();
    const at = clock.wall();
    this.#cycle += 1;
    const result: CycleResult = {
      cycle: this.#cycle,
      at,
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
    const finish = () => {
      result.durationMs = clock.monotonic() - start;
      return result;
    };
    if (!this.#restored) this.#restore();
    result.standby = await this.#ownership?.standbyReason(this.#tmux, this.#logger);
    if (result.standby !== undefined) return finish();

    let panes: PaneRecord[];
    try {
      panes = await listPanes(this.#tmux);
    } catch (error) {
      if (error instanceof TmuxUnavailableError) {
        result.tmux = false;
        if (this.#tmuxUp !== false) {
          this.#logger.warn("No tmux server is answering; watching zero panes until one does");
          this.#tmuxUp = false;
          this.#withStore("mark agents gone", (store) => {
            store.upsertAgents([], { nowMs: at, markOthersGone: true });
          });
        }
      } else if (this.#listError !== errorText(error)) {
        this.#listError = errorText(error);
        this.#logger.error("Cannot list tmux panes: {error}", { error: this.#listError });
      }
      return finish();
    }
    this.#listError = "";
    if (this.#tmuxUp !== true) {
      this.#logger.info("Connected to the tmux server: {panes} panes", { panes: panes.length });
      this.#tmuxUp = true;
    }
    result.panes = panes.length;
    this.#forgetVanished(panes);

    // Which panes are agents; capture generic runtimes that changed to look for a signature.
    const { autoDetect } = this.#options;
    const screens = new Map<string, string>();
    const captureMarks = new Map<string, PaneCaptureMark>();
    const processes = await this.#runtimeProcesses(panes);
    let cls = classifyPanes({
      panes,
      profiles: this.#profiles,
      autoDetect,
      detections: this.#detections,
      processes,
    });
    if (cls.needScreen.length > 0) {
      const probe = cls.needScreen.filter((pane) =>
        pane.role !== "" || paneNeedsCapture(pane, this.#probes.get(pane.paneId))
      );
      result.captured += await this.#captureAll(probe, screens, captureMarks);
      for (const pane of probe) {
        const mark = captureMarks.get(pane.paneId);
        if (mark) this.#probes.set(pane.paneId, { ...mark, pid: pane.pid });
      }
      cls = classifyPanes({
        panes,
        profiles: this.#profiles,
        autoDetect,
        detections: this.#detections,
        screens,
        processes,
      });
    }
    this.#detections = cls.detections;
    const agents = cls.agents;
    const agentIds = new Set(agents.map((a) => a.pane.paneId));
    for (const id of this.#panes.keys()) {
      if (!agentIds.has(id)) this.#panes.delete(id); // unregistered, or no longer detected
    }
    this.#warnUnknownProfiles(agents);

    // Capture the agents that may have changed.
    const monoBefore = clock.monotonic();
    const toCapture = agents.filter((agent) =>
      !screens.has(agent.pane.paneId) && this.#needsCapture(agent, monoBefore)
    ).map((agent) => agent.pane);
    result.captured += await this.#captureAll(toCapture, screens, captureMarks);

    // Detect.
    const monoNow = clock.monotonic();
    const wallNow = clock.wall();
    const detectOptions: DetectOptions = {
      idleAfterMs: this.#options.idleAfterMs,
      stuckAfterMs: this.#options.stuckAfterMs ?? this.#options.idleAfterMs,
      defaultTimeZone: this.#options.defaultTimeZone,
      unknownAfterMs: this.#options.unknownAfterMs,
      // An unchanged pane is recaptured every maxCaptureAgeMs: older findings mean failed captures.
      maxCarryMs: this.#options.maxCaptureAgeMs + this.#options.unknownAfterMs,
    };
    const records: PendingRecord[] = [];
    const stateRecords: PendingRecord[] = [];
    const policyTransitions: Transition[] = [];
    const io: { paneId: string; run: () => Promise<void> }[] = [];
    const observed: { agent: AgentPane; observation: Observation }[] = [];

    const detected = await this.#detector.detectAll(
      agents.map((agent) => ({
        pane: agent.pane,
        capture: screens.get(agent.pane.paneId) ?? null,
        previous: this.#panes.get(agent.pane.paneId)?.observation,
        monoNow,
        wallNow,
        profile: agent.profile,
      })),
      detectOptions,
    );
    for (const [index, agent] of agents.entries()) {
      const id = agent.pane.paneId;
      const mem = this.#panes.get(id);
      const prev = mem?.observation;
      const screen = screens.get(id);
      const observation = detected[index];
      const memory: PaneMemory = {
        pid: agent.pane.pid,
        observation,
        capture: captureMarks.get(id) ?? mem?.capture,
        capturedAtMono: screen !== undefined ? monoBefore : mem?.capturedAtMono,
        confirm: false,
        stuck: mem?.stuck,
        unknownTold: mem?.unknownTold,
      };
      // A screen the profile does not recognise may be a redraw caught half-way: look again next
      // cycle (and every cycle while it stays unrecognised) instead of trusting it until the
      // pane's output changes.
      if (observation.recognised === false) memory.confirm = true;
      this.#panes.set(id, memory);
      observed.push({ agent, observation });

      const from: AgentState = prev?.state ?? "unknown";
      const transition: Transition | undefined = from !== observation.state
        ? {
          agentKey: agent.key,
          agentName: agent.name,
          paneId: id,
          pmPaneId: agent.pmPaneId,
          from,
          to: observation.state,
          detail: observation.detail,
          resetAt: observation.resetAt,
          at: observation.since,
        }
        : undefined;
      if (transition) {
        result.transitions++;
        this.#logger.info("{agent} ({pane}): {from} → {to}: {detail}", {
          agent: agent.name,
          pane: id,
          from,
          to: observation.state,
          detail: observation.detail,
        });
        stateRecords.push((store) =>
          store.recordTransition({
            ts: wallNow,
            agent: agent.name,
            paneId: id,
            from,
            to: observation.state,
            detail: observation.detail,
            extra: { target: agent.target, profile: agent.profile.name, role: agent.role },
          })
        );
      }

      let notifyTransition = transition;
      // Stuck input: Enter once; tell the PM when it is still stuck afterwards.
      if (observation.state === "stuck_input" && agent.role === "agent") {
        if (!memory.stuck || memory.stuck.text !== observation.inputText) {
          memory.stuck = { text: observation.inputText, entered: false, told: false };
        }
        const episode = memory.stuck;
        if (this.#options.submitStuck && !episode.entered) {
          episode.entered = true;
          memory.confirm = true;
          notifyTransition = undefined;
          result.actions++;
          io.push({
            paneId: id,
            run: async () => {
              let outcome = "pressed Enter to submit stuck input";
              let failed = false;
              try {
                await sendKey(this.#tmux, id, "Enter");
              } catch (error) {
                failed = true;
                outcome = `cannot press Enter: ${errorText(error)}`;
              }
              this.#logger.info("{agent} ({pane}): {outcome}", {
                agent: agent.name,
                pane: id,
                outcome,
              });
              records.push((store) =>
                store.recordEvent({
                  ts: wallNow,
                  kind: "action",
                  agent: agent.name,
                  paneId: id,
                  toState: "stuck_input",
                  detail: outcome,
                  extra: { action: "submit_stuck", text: episode.text, failed },
                })
              );
            },
          });
        } else if (this.#options.submitStuck && !episode.told) {
          episode.told = true;
          notifyTransition = {
            agentKey: agent.key,
            agentName: agent.name,
            paneId: id,
            pmPaneId: agent.pmPaneId,
            from: "stuck_input",
            to: "stuck_input",
            detail: "still stuck after pressing Enter",
            at: observation.since,
          };
        }
      } else if (observation.state !== "stuck_input") {
        memory.stuck = undefined;
      }

      // Crashed: respawn with its registered command (opt-in, throttled).
      if (
        observation.state === "crashed" && this.#options.restartCrashed &&
        agent.source === "registered" && agent.pane.command.trim() !== ""
      ) {
        const check = this.#restarts.check(id, monoNow);
        if (check.ok) {
          this.#restarts.record(id, monoNow);
          this.#respawned.add(id);
          memory.confirm = true;
          result.actions++;
          io.push({ paneId: id, run: () => this.#restart(agent, wallNow, records) });
        } else if (transition) {
          this.#logger.warn("{agent} ({pane}): not restarting: {reason}", {
            agent: agent.name,
            pane: id,
            reason: check.reason,
          });
          records.push((store) =>
            store.recordEvent({
              ts: wallNow,
              kind: "action",
              agent: agent.name,
              paneId: id,
              toState: "crashed",
              detail: `not restarting: ${check.reason}`,
              extra: { action: "restart", skipped: true },
            })
          );
        }
      } else if (observation.state !== "crashed") {
        this.#respawned.delete(id);
      }

      if (notifyTransition && agent.role === "agent") policyTransitions.push(notifyTransition);
      const unknownNotice = this.#unknownNotice(agent, memory, wallNow);
      if (unknownNotice) policyTransitions.push(unknownNotice);
    }

    result.agents = agents.length;
    result.states = countStates(observed.map((o) => o.observation));

    // The cycle's state, in one transaction.
    const saved = this.#snapshot();
    const savedJson = serializeState(saved);
    const cycleSaved = this.#writes?.commit(stateRecords, (store) => {
      store.upsertAgents(
        observed.map(({ agent, observation }) => ({
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
        { nowMs: wallNow, markOthersGone: true },
      );
      if (savedJson !== this.#savedJson) store.setMeta(MONITOR_STATE_KEY, savedJson);
    });
    if (cycleSaved) this.#savedJson = savedJson;

    // Notifications.
    if (this.#options.notify) {
      this.#notify({
        agents,
        transitions: policyTransitions,
        wallNow,
        io,
        records,
        onDelivered: () => result.notifications++,
        onAction: () => result.actions++,
      });
    }

    // Run the I/O: concurrent across panes, in order within a pane.
    const chains = new Map<string, Promise<void>>();
    for (const job of io) {
      const previous = chains.get(job.paneId) ?? Promise.resolve();
      chains.set(
        job.paneId,
        previous.then(job.run).catch((error) => {
          this.#logger.error("Action on {pane} failed: {error}", {
            pane: job.paneId,
            error: errorText(error),
          });
        }),
      );
    }
    await Promise.all(chains.values());

    const after = serializeState(this.#snapshot());
    const saveAfter = after !== this.#savedJson
      ? (store: Store) => store.setMeta(MONITOR_STATE_KEY, after)
      : undefined;
    if (records.length > 0 || saveAfter) {
      if (this.#writes?.commit(records, saveAfter) && saveAfter) this.#savedJson = after;
    }
    this.#prune(monoNow, wallNow);
    result.storeQueued = this.#writes?.queued ?? 0;
    result.storeLost = this.#writes?.lost ?? 0;
    return finish();
  }

  /**
   * The notice for an agent that has stayed `unknown` for `notifyUnknownAfterMs` (once per
   * episode): its screen shows nothing its profile recognises, so the PM should look.
   */
  #unknownNotice(agent: AgentPane, memory: PaneMemory, wallNow: number): Transition | undefined {
    const observation = memory.observation;
    if (observation.state !== "unknown") {
      memory.unknownTold = undefined;
      return undefined;
    }
    if (memory.unknownTold || agent.role !== "agent") return undefined;
    if (wallNow - observation.since < this.#options.notifyUnknownAfterMs) return undefined;
    memory.unknownTold = true;
    return {
      agentKey: agent.key,
      agentName: agent.name,
      paneId: agent.pane.paneId,
      pmPaneId: agent.pmPaneId,
      from: "unknown",
      to: "unknown",
      detail: observation.detail,
      at: observation.since,
      notify: true,
    };
  }

  /**
   * The command lines of the generic-runtime panes (`node`…) not identified yet, read once per
   * pane process and foreground command (a few at a time); failures count as unknown.
   */
  async #runtimeProcesses(panes: readonly PaneRecord[]): Promise<Map<string, ProcessHint>> {
    const wanted = panes.filter((pane) =>
      !pane.dead && isWrapperCommand(pane.currentCommand, this.#profiles) &&
      this.#detections.get(pane.paneId)?.pid !== pane.pid &&
      !(pane.profile !== "" && this.#profiles.has(pane.profile))
    );
    const key = (pane: PaneRecord) => `${pane.pid}\0${pane.currentCommand}`;
    const limit = pLimit(4);
    await Promise.all(
      wanted.filter((pane) => !this.#processHints.has(key(pane))).map((pane) =>
        limit(async () => {
          const facts = await this.#processFacts(pane.pid).catch(() => undefined);
          this.#processHints.set(key(pane), facts);
        })
      ),
    );
    const live = new Set(panes.map(key));
    for (const k of this.#processHints.keys()) if (!live.has(k)) this.#processHints.delete(k);
    const found = new Map<string, ProcessHint>();
    for (const pane of wanted) {
      const facts = this.#processHints.get(key(pane));
      if (facts) found.set(pane.paneId, facts);
    }
    return found;
  }

  /** Releases resources: the claim on the tmux server, the tmux connection and the store. */
  async close(): Promise<void> {
    this.#detector.close();
    try {
      await this.#ownership?.release(this.#tmux);
    } catch { /* best effort: a dead owner is taken over anyway */ }
    try {
      await this.#tmux.close();
    } finally {
      try {
        this.#writes?.close();
      } catch { /* already closed */ }
    }
  }

  /** Once an hour: drop events older than 30 days and agents gone for a day. */
  #prune(monoNow: number, wallNow: number): void {
    if (!this.#writes || monoNow - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = monoNow;
    this.#withStore("prune old events", (store) => {
      const events = store.pruneEvents(wallNow - KEEP_EVENTS_MS);
      const agents = store.pruneAgents(wallNow - KEEP_GONE_AGENTS_MS);
      if (events + agents > 0) {
        this.#logger.info("Pruned {events} old events and {agents} departed agents", {
          events,
          agents,
        });
      }
    });
  }

  #needsCapture(agent: AgentPane, monoNow: number): boolean {
    const pane = agent.pane;
    if (pane.dead || isShellCommand(pane.currentCommand, agent.profile)) return false;
    const mem = this.#panes.get(pane.paneId);
    if (!mem || mem.confirm || mem.observation.screenHash === "" || !mem.capture) return true;
    if (!this.#options.changeGating) return true;
    if (paneNeedsCapture(pane, mem.capture)) return true;
    return mem.capturedAtMono === undefined ||
      monoNow - mem.capturedAtMono >= this.#options.maxCaptureAgeMs;
  }

  /** Captures panes concurrently; failures leave a pane uncaptured. Returns how many were sent. */
  async #captureAll(
    panes: readonly PaneRecord[],
    screens: Map<string, string>,
    marks: Map<string, PaneCaptureMark>,
  ): Promise<number> {
    if (panes.length === 0) return 0;
    const limit = pLimit(Math.max(1, this.#options.captureConcurrency));
    await Promise.all(panes.map((pane) =>
      limit(async () => {
        const key = paneChangeKey(pane);
        const capturedAtMs = this.#clock.wall();
        try {
          const lines = await this.#tmux.run(["capture-pane", "-p", "-J", "-t", pane.paneId]);
          screens.set(pane.paneId, lines.join("\n"));
          marks.set(pane.paneId, { key, capturedAtMs });
        } catch (error) {
          this.#logger.debug("Cannot capture {pane}: {error}", {
            pane: pane.paneId,
            error: errorText(error),
          });
        }
      })
    ));
    return panes.length;
  }

  #forgetVanished(panes: readonly PaneRecord[]): void {
    const byId = new Map(panes.map((p) => [p.paneId, p]));
    for (const [id, mem] of this.#panes) {
      const pane = byId.get(id);
      if (!pane) {
        this.#panes.delete(id);
        this.#respawned.delete(id);
        this.#restarts.forget(id);
      } else if (pane.pid !== mem.pid && !this.#respawned.has(id)) {
        // A different process tree under a reused pane id (e.g. a new tmux server): start over.
        this.#panes.delete(id);
        this.#restarts.forget(id);
      }
    }
    for (const [id, probe] of this.#probes) {
      const pane = byId.get(id);
      if (!pane || pane.pid !== probe.pid) this.#probes.delete(id);
    }
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

  #notify(ctx: {
    agents: readonly AgentPane[];
    transitions: Transition[];
    wallNow: number;
    io: { paneId: string; run: () => Promise<void> }[];
    records: PendingRecord[];
    onDelivered: () => void;
    onAction: () => void;
  }): void {
    const { agents, wallNow, io, records } = ctx;
    const byPane = new Map(agents.map((a) => [a.pane.paneId, a]));
    const stateOf = (paneId: string) => this.#panes.get(paneId)?.observation.state;
    const busyPms = new Set<string>();
    for (const agent of agents) {
      const state = stateOf(agent.pane.paneId);
      if (state !== undefined && BUSY_PM_STATES.has(state)) busyPms.add(agent.pane.paneId);
    }
    const decision = decideNotifications({
      nowMs: wallNow,
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
    const state: PolicyState = { held: [...decision.state.held], limits: decision.state.limits };
    this.#policy = state;

    const record: RecordOutcome = (outcome, delivery, detail, extra = {}) => {
      const n = outcome.notification;
      records.push((store) =>
        store.recordNotification({
          ts: wallNow,
          agent: n.agentName,
          paneId: n.paneId,
          state: n.state,
          delivery,
          detail,
          extra: { pm: n.pmPaneId, ...extra },
        })
      );
    };
    const sentOutcomes = new Map<string, Outcome[]>();
    for (const outcome of decision.outcomes) {
      const first = outcome.origin === "transition";
      if (outcome.result === "sent") {
        const pm = outcome.notification.pmPaneId!;
        sentOutcomes.set(pm, [...(sentOutcomes.get(pm) ?? []), outcome]);
      } else if (outcome.result === "held" && first) {
        record(outcome, "held", "PM is busy");
      } else if (outcome.result === "failed") {
        record(outcome, "failed", `not delivered: ${outcome.reason ?? "failed"}`);
      } else if (outcome.result === "suppressed" && first && outcome.reason !== "superseded") {
        record(outcome, "suppressed", outcome.reason ?? "suppressed");
      }
    }

    for (const message of decision.messages) {
      const pm = byPane.get(message.pmPaneId);
      const outcomes = sentOutcomes.get(message.pmPaneId) ?? [];
      const pmState = stateOf(message.pmPaneId);
      if (!pm || pm.pane.dead || (pmState !== undefined && UNSAFE_PM_STATES.has(pmState))) {
        // Never type into a PM that could take the text as an answer or a command: hold.
        const why = !pm ? "PM pane is gone" : `PM is ${pm.pane.dead ? "dead" : pmState}`;
        if (!pm) {
          for (const outcome of outcomes) record(outcome, "failed", `not delivered: ${why}`);
          continue;
        }
        for (const outcome of outcomes) {
          state.held.push(this.#reheld(outcome, message.pmPaneId, wallNow));
          if (outcome.origin === "transition") record(outcome, "held", why);
        }
        continue;
      }
      io.push({
        paneId: message.pmPaneId,
        run: async () => {
          const report = await this.#deliver(pm.pane, message.text, pm.profile);
          this.#afterDelivery(message, report, outcomes, record, records, wallNow);
          if (report.status === "delivered") ctx.onDelivered();
          const mem = this.#panes.get(message.pmPaneId);
          if (mem) mem.confirm = true;
        },
      });
    }

    for (const resume of decision.resumes) {
      const agent = byPane.get(resume.paneId);
      const agentState = stateOf(resume.paneId);
      const note = (detail: string, extra: Record<string, unknown>) =>
        records.push((store) =>
          store.recordEvent({
            ts: wallNow,
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
        continue;
      }
      ctx.onAction();
      io.push({
        paneId: resume.paneId,
        run: async () => {
          const report = await this.#deliver(agent.pane, resume.text, agent.profile);
          const ok = report.status === "delivered";
          this.#logger.info("{agent} ({pane}): resume message after the rate limit: {result}", {
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
          const mem = this.#panes.get(resume.paneId);
          if (mem) mem.confirm = true;
        },
      });
    }
  }

  /** Reliable delivery with this monitor's clock, sleep and timeout. */
  #deliver(pane: PaneRecord, text: string, profile: AgentProfile) {
    return deliver(this.#tmux, pane.paneId, text, {
      profile,
      width: pane.width,
      clock: this.#clock,
      sleep: this.#sleep,
      timeoutMs: this.#options.deliverTimeoutMs,
    });
  }

  #afterDelivery(
    message: PmMessage,
    report: DeliveryReport,
    outcomes: readonly Outcome[],
    record: RecordOutcome,
    records: PendingRecord[],
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
      this.#logger.info("Told PM {pm}: {text}", { pm: message.pmPaneId, text: message.text });
    } else {
      this.#logger.warn("Could not tell PM {pm}: {reason}", {
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

  async #restart(agent: AgentPane, wallNow: number, records: PendingRecord[]): Promise<void> {
    const id = agent.pane.paneId;
    let detail: string;
    let failed = false;
    let ended: EndedProcesses | undefined;
    try {
      const report = await restartCrashedPane(this.#tmux, agent.pane, agent.pane.command, {
        processes: this.#processes,
      });
      const argv = report.argv;
      ended = report.ended;
      detail = `restarted the crashed agent: ${argv.join(" ")}${endedText(ended)}`;
      this.#logger.warn("{agent} ({pane}): {detail}", { agent: agent.name, pane: id, detail });
    } catch (error) {
      failed = true;
      this.#respawned.delete(id);
      detail = `cannot restart the crashed agent: ${errorText(error)}`;
      this.#logger.error("{agent} ({pane}): {detail}", { agent: agent.name, pane: id, detail });
    }
    records.push((store) =>
      store.recordEvent({
        ts: wallNow,
        kind: "restart",
        agent: agent.name,
        paneId: id,
        toState: "crashed",
        detail,
        extra: {
          action: "restart",
          command: agent.pane.command,
          failed,
          dead: agent.pane.dead,
          ...(ended
            ? { ended: { found: ended.found, killed: ended.killed, left: ended.left } }
            : {}),
        },
      })
    );
  }

  #lastNotified(agentKey: string, state: AgentState): number | undefined {
    const memory = this.#marks.get(markKey(agentKey, state));
    if (memory !== undefined) return memory;
    try {
      return this.#writes?.use((store) => store.lastNotified(agentKey, state));
    } catch (error) {
      this.#storeError("read cooldown marks", error);
      return undefined;
    }
  }

  #snapshot(): SavedMonitorState {
    return {
      version: 1,
      panes: [...this.#panes].map(([paneId, mem]) => {
        const pane: SavedMonitorState["panes"][number] = {
          paneId,
          pid: mem.pid,
          observation: mem.observation,
        };
        const detection = this.#detections.get(paneId);
        if (detection) pane.detection = detection;
        if (mem.stuck) pane.stuck = mem.stuck;
        if (mem.unknownTold) pane.unknownTold = true;
        return pane;
      }),
      policy: this.#policy,
    };
  }

  #restore(): void {
    this.#restored = true;
    if (!this.#writes) return;
    let saved: SavedMonitorState | undefined;
    try {
      saved = parseSavedState(this.#writes.use((store) => store.getMeta(MONITOR_STATE_KEY)));
    } catch (error) {
      this.#storeError("read the saved monitor state", error);
      return;
    }
    if (!saved) return;
    const now = { monoNow: this.#clock.monotonic(), wallNow: this.#clock.wall() };
    for (const pane of saved.panes) {
      this.#panes.set(pane.paneId, {
        pid: pane.pid,
        observation: restoreObservation(pane.observation, now),
        confirm: true,
        stuck: pane.stuck,
        unknownTold: pane.unknownTold,
      });
      if (pane.detection) this.#detections.set(pane.paneId, pane.detection);
    }
    this.#policy = saved.policy;
    this.#logger.info("Restored the state of {count} agents from the last run", {
      count: saved.panes.length,
    });
  }

  #withStore(what: string, fn: (store: Store) => void): void {
    if (!this.#writes) return;
    try {
      this.#writes.use(fn);
    } catch (error) {
      this.#storeError(what, error);
    }
  }

  #storeError(what: string, error: unknown): void {
    const key = `store:${what}:${errorText(error)}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#logger.error("Cannot {what} in the store: {error}", { what, error: errorText(error) });
  }
}

function endedText(ended: EndedProcesses | undefined): string {
  if (!ended || ended.found === 0) return "";
  const killed = ended.killed > 0 ? `, ${ended.killed} needed SIGKILL` : "";
  const left = ended.left.length > 0 ? `, ${ended.left.length} still alive` : "";
  return ` (ended ${ended.found} old processes${killed}${left})`;
}

function markKey(agentKey: string, state: AgentState): string {
  return `${agentKey}\u0000${state}`;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<
    T
  >;
}
