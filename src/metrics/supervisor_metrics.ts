/**
 * The supervisor's metrics endpoint: its own families (restarts, state, the monitor's heartbeat
 * age, whether the monitor is up) followed by its monitor's, fetched from the child's loopback
 * endpoint at scrape time (the child listens on `127.0.0.1:0` and tells its port in each
 * heartbeat). One scrape target per host: the supervisor's families are there even while the
 * monitor is down, restarting or hung, which is what "monitor down" and "restart storm" alert on.
 *
 * @module
 */

import type { SupervisorSnapshot, SupervisorState } from "../lifecycle/supervisor.ts";
import { Counter, Gauge, Registry } from "./exposition.ts";
import { buildInfo, type Health } from "./monitor_metrics.ts";
import { getLoopback, type MetricsSource } from "./server.ts";

/** Every state the supervisor can be in (each one always present in `tmux_orc_supervisor_state`). */
export const SUPERVISOR_STATES: readonly SupervisorState[] = [
  "starting",
  "running",
  "backoff",
  "cooling_off",
  "stopping",
  "stopped",
];

/** What the endpoint reads from the running supervisor. */
export interface SupervisorView {
  /** The current snapshot. */
  readonly snapshot: SupervisorSnapshot;
  /** Ms since the child's last beat. */
  readonly heartbeatAgeMs: number | undefined;
  /** The child's metrics port. */
  readonly childMetricsPort: number | undefined;
}

/** Options for {@linkcode SupervisorMetrics}. */
export interface SupervisorMetricsOptions {
  /** The heartbeat age past which the monitor counts as down (ms). */
  heartbeatTimeoutMs: number;
  /** How long a scrape waits for the monitor's own metrics (ms). @default 2000 */
  childTimeoutMs?: number;
}

/** Renders the supervisor's metrics and its monitor's. */
export class SupervisorMetrics implements MetricsSource {
  readonly #view: SupervisorView;
  readonly #timeoutMs: number;
  readonly #childTimeoutMs: number;

  /** Reads `view` at each scrape. */
  constructor(view: SupervisorView, options: SupervisorMetricsOptions) {
    this.#view = view;
    this.#timeoutMs = options.heartbeatTimeoutMs;
    this.#childTimeoutMs = options.childTimeoutMs ?? 2000;
  }

  /** Whether the monitor runs and beats within the heartbeat timeout. */
  #monitorUp(): boolean {
    const { snapshot, heartbeatAgeMs } = this.#view;
    return snapshot.state === "running" && heartbeatAgeMs !== undefined &&
      heartbeatAgeMs <= this.#timeoutMs;
  }

  /** The supervisor's families, then the monitor's (when it answers). */
  async render(): Promise<string> {
    const child = await this.#childText();
    const { snapshot, heartbeatAgeMs } = this.#view;
    const r = new Registry();
    r.add(buildInfo());
    r.add(new Counter("tmux_orc_supervisor_restarts_total", "Monitor restarts by the supervisor."))
      .setTotal({}, snapshot.restarts);
    r.add(
      new Gauge(
        "tmux_orc_supervisor_failures",
        "Consecutive monitor failures (reset when stable).",
      ),
    ).set({}, snapshot.failures);
    const state = r.add(
      new Gauge("tmux_orc_supervisor_state", "1 for the supervisor's current state.", ["state"]),
    );
    for (const s of SUPERVISOR_STATES) state.set({ state: s }, s === snapshot.state ? 1 : 0);
    r.add(new Gauge("tmux_orc_monitor_up", "1 when the monitor runs and its heartbeat is fresh."))
      .set({}, this.#monitorUp() ? 1 : 0);
    r.add(
      new Gauge("tmux_orc_monitor_scrape_ok", "1 when the monitor's own metrics were read."),
    ).set({}, child === undefined ? 0 : 1);
    const age = r.add(
      new Gauge(
        "tmux_orc_supervisor_heartbeat_age_seconds",
        "Seconds since the monitor's last heartbeat (absent while no monitor runs).",
      ),
    );
    if (heartbeatAgeMs !== undefined) age.set({}, heartbeatAgeMs / 1000);
    r.add(new Gauge("tmux_orc_supervisor_start_time_seconds", "Unix time the supervisor started."))
      .set({}, Math.round(snapshot.startedAt / 1000));
    return r.render() + (child ?? "");
  }

  async #childText(): Promise<string | undefined> {
    const port = this.#view.childMetricsPort;
    if (port === undefined) return undefined;
    try {
      const answer = await getLoopback(port, "/metrics", { timeoutMs: this.#childTimeoutMs });
      return answer.status === 200 ? answer.body : undefined;
    } catch {
      return undefined;
    }
  }

  /** 200 while the monitor runs with a fresh heartbeat; 503 otherwise (with the state). */
  health(): Health {
    const { snapshot, heartbeatAgeMs } = this.#view;
    const ok = this.#monitorUp();
    return {
      ok,
      body: {
        ok,
        supervisor: snapshot.state,
        monitor_pid: snapshot.childPid,
        heartbeat_age_s: heartbeatAgeMs === undefined ? null : heartbeatAgeMs / 1000,
        restarts: snapshot.restarts,
      },
    };
  }
}
