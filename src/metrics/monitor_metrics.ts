/**
 * The monitor's metrics: what each cycle found, kept in memory and rendered as Prometheus text
 * when `/metrics` is scraped. The monitor calls {@linkcode MonitorMetrics.cycle} once per cycle,
 * {@linkcode MonitorMetrics.transition} per state change and
 * {@linkcode MonitorMetrics.notification} per notification outcome; nothing here does I/O, so a
 * scrape costs one string build and never touches tmux or the store.
 *
 * Other parts of the monitor (notification channels, the outbox) add their own counters with
 * {@linkcode MonitorMetrics.counter}.
 *
 * @module
 */

import { AGENT_STATES, type AgentState } from "../agents/types.ts";
import { COMMIT, VERSION } from "../version.ts";
import type { Clock } from "../util/clock.ts";
import { Counter, Gauge, Histogram, Registry } from "./exposition.ts";

/** Notification outcomes, as the store records them. */
export const NOTIFICATION_OUTCOMES = ["delivered", "failed", "held", "suppressed"] as const;

/** Buckets of `tmux_orc_cycle_duration_seconds` (seconds). */
export const CYCLE_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
];

/** One watched pane in one cycle, as the per-agent gauges label it. */
export interface AgentSample {
  /** Display name. */
  name: string;
  /** tmux session name. */
  session: string;
  /** `%N`. */
  paneId: string;
  /** Profile name (`claude`, `codex`…). */
  profile: string;
  /** `agent` or `pm`. */
  role: string;
  /** Current state. */
  state: AgentState;
  /** Wall-clock ms when it entered `state`. */
  since: number;
}

/** What one cycle reports to the metrics (a subset of the monitor's `CycleResult`). */
export interface CycleSample {
  /** How long it took (ms). */
  durationMs: number;
  /** Whether a tmux server answered. */
  tmux: boolean;
  /** Panes listed. */
  panes: number;
  /** `capture-pane` commands run. */
  captured: number;
  /** Actions taken. */
  actions: number;
  /** History rows waiting because the store cannot be written. */
  storeQueued?: number;
  /** History rows dropped since the start. */
  storeLost?: number;
  /** Set while another monitor owns the tmux server. */
  standby?: string;
}

/** Options for {@linkcode MonitorMetrics}. */
export interface MonitorMetricsOptions {
  /** Wall time for ages and timestamps. */
  clock: Clock;
  /** The cycle interval (ms): `/healthz` fails after `max(3 × interval, 30 s)` without a cycle. */
  intervalMs: number;
  /**
   * Render `tmux_orc_build_info`. Off for a supervised monitor, whose supervisor renders it (its
   * endpoint serves both). The process gauges are always the monitor's.
   * @default true
   */
  buildInfo?: boolean;
}

/** What `/healthz` answers. */
export interface Health {
  /** 200 when true, 503 otherwise. */
  ok: boolean;
  /** Why, as JSON for the probe's log. */
  body: Record<string, unknown>;
}

/** The monitor's metric families and the last cycle's facts. */
export class MonitorMetrics {
  readonly #clock: Clock;
  readonly #staleAfterMs: number;
  readonly #startedAt: number;
  readonly #registry = new Registry();
  readonly #extra = new Map<string, Counter>();
  readonly #agents: Gauge;
  readonly #agent: Gauge;
  readonly #agentFor: Gauge;
  readonly #transitions: Counter;
  readonly #notifications: Counter;
  readonly #cycles: Counter;
  readonly #captures: Counter;
  readonly #actions: Counter;
  readonly #duration: Histogram;
  readonly #gauges: Gauge;
  readonly #storeLost: Counter;
  readonly #lastCycle: Gauge;
  readonly #age: Gauge;
  #lastCycleAt: number | undefined;
  #standby: string | undefined;
  #samples: readonly AgentSample[] = [];

  /** Creates the families; every state and outcome series starts at 0. */
  constructor(options: MonitorMetricsOptions) {
    this.#clock = options.clock;
    this.#staleAfterMs = Math.max(3 * options.intervalMs, 30_000);
    this.#startedAt = options.clock.wall();
    const r = this.#registry;
    if (options.buildInfo ?? true) r.add(buildInfo());
    this.#agents = r.add(new Gauge("tmux_orc_agents", "Watched panes by state.", ["state"]));
    this.#agent = r.add(
      new Gauge(
        "tmux_orc_agent_state",
        "1 for each watched pane, labelled with its current state.",
        ["name", "session", "pane_id", "profile", "role", "state"],
      ),
    );
    this.#agentFor = r.add(
      new Gauge(
        "tmux_orc_agent_state_duration_seconds",
        "Seconds each watched pane has been in its current state.",
        ["name", "session", "pane_id", "profile", "role", "state"],
      ),
    );
    this.#transitions = r.add(
      new Counter("tmux_orc_transitions_total", "State transitions, by the state entered.", [
        "state",
      ]),
    );
    this.#notifications = r.add(
      new Counter(
        "tmux_orc_notifications_total",
        "Notifications by the state they tell of, their outcome and channel.",
        ["state", "outcome", "channel"],
      ),
    );
    this.#cycles = r.add(new Counter("tmux_orc_cycles_total", "Monitor cycles run."));
    this.#duration = r.add(
      new Histogram("tmux_orc_cycle_duration_seconds", "Duration of one monitor cycle.", {
        buckets: CYCLE_BUCKETS,
      }),
    );
    this.#captures = r.add(new Counter("tmux_orc_captures_total", "capture-pane commands run."));
    this.#actions = r.add(
      new Counter("tmux_orc_actions_total", "Actions taken (Enter, restart, resume)."),
    );
    this.#gauges = r.add(
      new Gauge("tmux_orc_monitor", "Last cycle facts: panes, tmux_up, standby, store_queued.", [
        "fact",
      ]),
    );
    this.#storeLost = r.add(
      new Counter("tmux_orc_store_lost_total", "History rows dropped: the store was unwritable."),
    );
    this.#lastCycle = r.add(
      new Gauge("tmux_orc_last_cycle_timestamp_seconds", "Unix time the last cycle ended."),
    );
    this.#age = r.add(
      new Gauge("tmux_orc_heartbeat_age_seconds", "Seconds since the last cycle ended."),
    );
    for (const state of AGENT_STATES) {
      this.#agents.set({ state }, 0);
      this.#transitions.inc({ state }, 0);
      for (const outcome of NOTIFICATION_OUTCOMES) {
        this.#notifications.inc({ state, outcome, channel: "pm" }, 0);
      }
    }
    this.#captures.inc({}, 0);
    this.#actions.inc({}, 0);
    this.#storeLost.inc({}, 0);
    this.#cycles.inc({}, 0);
  }

  /** A state transition into `to`. */
  transition(to: AgentState): void {
    this.#transitions.inc({ state: to });
  }

  /** One notification outcome (`channel` defaults to `pm`: typed into the PM's pane). */
  notification(labels: { state: string; outcome: string; channel?: string }): void {
    this.#notifications.inc({ channel: "pm", ...labels });
  }

  /**
   * A counter of another part of the monitor, created on first use (same name: same counter).
   *
   * @example
   * ```ts
   * import { MonitorMetrics } from "./monitor_metrics.ts";
   * import { systemClock } from "../util/clock.ts";
   * const metrics = new MonitorMetrics({ clock: systemClock, intervalMs: 10_000 });
   * metrics.counter("tmux_orc_outbox_retries_total", "Outbox retries.", ["channel"])
   *   .inc({ channel: "slack" });
   * ```
   */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    let counter = this.#extra.get(name);
    if (!counter) {
      counter = this.#registry.add(new Counter(name, help, labelNames));
      this.#extra.set(name, counter);
    }
    return counter;
  }

  /** The end of a cycle: its facts and the watched panes it saw. */
  cycle(result: CycleSample, agents: readonly AgentSample[]): void {
    this.#cycles.inc();
    this.#duration.observe(result.durationMs / 1000);
    this.#captures.inc({}, result.captured);
    this.#actions.inc({}, result.actions);
    this.#storeLost.setTotal({}, result.storeLost ?? 0);
    this.#gauges.set({ fact: "panes" }, result.panes);
    this.#gauges.set({ fact: "tmux_up" }, result.tmux ? 1 : 0);
    this.#gauges.set({ fact: "standby" }, result.standby !== undefined ? 1 : 0);
    this.#gauges.set({ fact: "store_queued" }, result.storeQueued ?? 0);
    this.#standby = result.standby;
    this.#lastCycleAt = this.#clock.wall();
    this.#samples = agents;
    const counts = new Map<string, number>(AGENT_STATES.map((s) => [s, 0]));
    for (const agent of agents) counts.set(agent.state, (counts.get(agent.state) ?? 0) + 1);
    for (const [state, n] of counts) this.#agents.set({ state }, n);
  }

  /** Everything as Prometheus text; ages are computed now. */
  render(): string {
    const now = this.#clock.wall();
    this.#agent.clear();
    this.#agentFor.clear();
    for (const a of this.#samples) {
      const labels = {
        name: a.name,
        session: a.session,
        pane_id: a.paneId,
        profile: a.profile,
        role: a.role,
        state: a.state,
      };
      this.#agent.set(labels, 1);
      this.#agentFor.set(labels, Math.max(0, Math.round(now - a.since) / 1000));
    }
    this.#lastCycle.clear();
    this.#age.clear();
    if (this.#lastCycleAt !== undefined) {
      this.#lastCycle.set({}, this.#lastCycleAt / 1000);
      this.#age.set({}, Math.max(0, now - this.#lastCycleAt) / 1000);
    }
    return this.#registry.render() + processText(this.#startedAt);
  }

  /** Healthy when a cycle ended within `max(3 × interval, 30 s)`. */
  health(): Health {
    const now = this.#clock.wall();
    if (this.#lastCycleAt === undefined) {
      return { ok: false, body: { ok: false, reason: "no cycle has run yet" } };
    }
    const ageS = Math.max(0, now - this.#lastCycleAt) / 1000;
    const ok = ageS * 1000 <= this.#staleAfterMs;
    return {
      ok,
      body: {
        ok,
        last_cycle_age_s: ageS,
        stale_after_s: this.#staleAfterMs / 1000,
        ...(this.#standby !== undefined ? { standby: this.#standby } : {}),
        ...(ok ? {} : { reason: "no recent cycle" }),
      },
    };
  }
}

/** `tmux_orc_build_info`: version, commit and Deno version as labels, value 1. */
export function buildInfo(): Gauge {
  const gauge = new Gauge("tmux_orc_build_info", "The running build: version, commit, Deno.", [
    "version",
    "commit",
    "deno",
  ]);
  gauge.set({ version: VERSION, commit: COMMIT, deno: Deno.version.deno }, 1);
  return gauge;
}

/** The standard process gauges (resident memory, start time) of this process. */
function processText(startedAt: number): string {
  let rss = 0;
  try {
    rss = Deno.memoryUsage().rss;
  } catch { /* not available: 0 */ }
  const memory = new Gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  memory.set({}, rss);
  const start = new Gauge("process_start_time_seconds", "Unix time the process started.");
  start.set({}, Math.round(startedAt / 1000));
  return memory.render() + start.render();
}
