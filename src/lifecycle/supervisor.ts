/**
 * The supervisor loop: start the monitor, learn of its death at once (it awaits the child's exit),
 * detect hangs by heartbeat age on a monotonic clock, restart with backoff, cool off after too
 * many failures, and stop the child gracefully. I/O is injected (spawner, clock, sleep), so the
 * loop runs in tests without real processes or real time.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { errorMessage } from "../state/errors.ts";
import { type Clock, sleep as realSleep } from "../util/clock.ts";
import type { ChildExit, ChildProcess, Spawner } from "./child.ts";
import { beatWriteError } from "./heartbeat.ts";
import {
  type RestartDecision,
  RestartPolicy,
  type RestartPolicyOptions,
} from "./restart_policy.ts";

/** The supervisor's states. */
export type SupervisorState =
  | "starting"
  | "running"
  | "backoff"
  | "cooling_off"
  | "stopping"
  | "stopped";

/** Why the child last ended. */
export interface LastExit {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** Signal name, when killed by one. */
  signal: string | null;
  /** `exited`, `heartbeat stale`, `spawn failed: …`. */
  reason: string;
  /** Wall-clock ms. */
  at: number;
  /** How long the child ran (ms). */
  uptimeMs: number;
}

/** Everything `status` needs, written to `supervisor.json` on every change. */
export interface SupervisorSnapshot {
  /** Supervisor pid. */
  pid: number;
  /** Current state. */
  state: SupervisorState;
  /** Wall-clock ms when the supervisor started. */
  startedAt: number;
  /** The monitor's pid while one runs. */
  childPid: number | null;
  /** Wall-clock ms when the current child started. */
  childStartedAt: number | null;
  /** Restarts so far (every start after the first). */
  restarts: number;
  /** Consecutive failures since the last stable run. */
  failures: number;
  /** Wall-clock ms of the next start while in backoff or cooling off. */
  nextAttemptAt: number | null;
  /** How the last child ended. */
  lastExit: LastExit | null;
  /** The last lines the child wrote to stderr. */
  lastStderr: string[];
  /** Wall-clock ms of the last heartbeat received. */
  lastHeartbeatAt: number | null;
  /** The monitor reports that it cannot write its heartbeat file (it is alive, so no restart). */
  heartbeatWriteError: string | null;
  /** The supervisor's settings, in seconds, for `status`. */
  settings: Record<string, number>;
}

/** The supervisor's timing when none is given: check every 10 s, a hang at 30 s, 3 s grace. */
export const DEFAULT_SUPERVISOR_TIMING: Readonly<
  Pick<SupervisorOptions, "checkIntervalMs" | "heartbeatTimeoutMs" | "stopTimeoutMs">
> = {
  checkIntervalMs: 10_000,
  heartbeatTimeoutMs: 30_000,
  stopTimeoutMs: 3_000,
};

/** Options for {@linkcode Supervisor}. */
export interface SupervisorOptions {
  /** Starts the monitor. */
  spawner: Spawner;
  /** Restart policy numbers. */
  policy: RestartPolicyOptions;
  /** How often the heartbeat age is checked (ms). */
  checkIntervalMs: number;
  /** Heartbeat age that counts as a hang (ms). */
  heartbeatTimeoutMs: number;
  /** Grace between SIGTERM and SIGKILL (ms). */
  stopTimeoutMs: number;
  /** Where restarts, hangs and cool-offs are logged (with the child's last stderr lines). */
  logger: Logger;
  /** Monotonic time for every timeout and backoff; wall time only in the snapshot. */
  clock: Clock;
  /** Sleep that resolves early on abort. @default sleep (from `src/util/clock.ts`) */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called with a fresh snapshot on every change (e.g. to write supervisor.json). */
  onSnapshot?: (snapshot: SupervisorSnapshot) => void | Promise<void>;
  /** Extra settings shown in status (seconds). @default {} */
  settings?: Record<string, number>;
  /** How many stderr lines of the child to keep. @default 20 */
  stderrLines?: number;
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** Runs and heals one child process. */
export class Supervisor {
  readonly #o: SupervisorOptions;
  readonly #policy: RestartPolicy;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #snapshot: SupervisorSnapshot;
  #lastBeatMono = 0;
  #gotBeat = false;
  #childMetricsPort: number | undefined;

  /** Creates a supervisor; call {@linkcode Supervisor.run} to start it. */
  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#policy = new RestartPolicy(options.policy);
    this.#sleep = options.sleep ?? realSleep;
    this.#snapshot = {
      pid: Deno.pid,
      state: "starting",
      startedAt: options.clock.wall(),
      childPid: null,
      childStartedAt: null,
      restarts: 0,
      failures: 0,
      nextAttemptAt: null,
      lastExit: null,
      lastStderr: [],
      lastHeartbeatAt: null,
      heartbeatWriteError: null,
      settings: options.settings ?? {},
    };
  }

  /** Ms since the running child's last heartbeat (`undefined`: no child, or none yet). */
  get heartbeatAgeMs(): number | undefined {
    if (!this.#gotBeat || this.#snapshot.childPid === null) return undefined;
    return Math.max(0, this.#o.clock.monotonic() - this.#lastBeatMono);
  }

  /** The loopback port of the running child's metrics endpoint, as its beats tell it. */
  get childMetricsPort(): number | undefined {
    return this.#snapshot.childPid === null ? undefined : this.#childMetricsPort;
  }

  /** The current snapshot (a copy). */
  get snapshot(): SupervisorSnapshot {
    return structuredClone(this.#snapshot);
  }

  async #publish(changes: Partial<SupervisorSnapshot>): Promise<void> {
    Object.assign(this.#snapshot, changes, { failures: this.#policy.failures });
    try {
      await this.#o.onSnapshot?.(this.snapshot);
    } catch (error) {
      this.#o.logger.warn("Cannot write supervisor state: {error}", { error: String(error) });
    }
  }

  /** Supervises until `stop` aborts; then stops the child and resolves. */
  async run(stop: AbortSignal): Promise<void> {
    const { logger, clock } = this.#o;
    let delayMs = 0;
    let first = true;
    while (!stop.aborted) {
      if (delayMs > 0) {
        await this.#sleep(delayMs, stop);
        if (stop.aborted) break;
      }
      if (!first) this.#snapshot.restarts += 1;
      first = false;
      const outcome = await this.#runChild(stop);
      if (stop.aborted) break;
      const decision = this.#policy.childExited(clock.monotonic());
      delayMs = decision.delayMs;
      await this.#afterExit(outcome, decision);
    }
    await this.#publish({ state: "stopped", childPid: null, nextAttemptAt: null });
    logger.info("Supervisor stopped");
  }

  async #afterExit(exit: LastExit, decision: RestartDecision): Promise<void> {
    const { logger, clock } = this.#o;
    const nextAttemptAt = clock.wall() + decision.delayMs;
    const props = {
      reason: exit.reason,
      code: exit.code,
      signal: exit.signal,
      uptime_s: Math.round(exit.uptimeMs) / 1000,
      delay_s: decision.delayMs / 1000,
      failures: decision.failures,
      stderr: this.#snapshot.lastStderr.slice(-5),
    };
    if (decision.kind === "cool_off") {
      await this.#publish({ state: "cooling_off", childPid: null, nextAttemptAt, lastExit: exit });
      logger.error(
        "Monitor failed {failures} times in a row ({reason}, {exit}); cooling off for {delay_s} s until {next}",
        { ...props, exit: describeExit(exit), next: new Date(nextAttemptAt).toISOString() },
      );
    } else {
      await this.#publish({ state: "backoff", childPid: null, nextAttemptAt, lastExit: exit });
      logger.warn(
        "Monitor {reason} ({exit}) after {uptime_s} s; restarting in {delay_s} s (failure {failures})",
        {
          ...props,
          exit: describeExit(exit),
        },
      );
    }
  }

  /** Starts one child, watches it until it ends, and says how it ended. */
  async #runChild(stop: AbortSignal): Promise<LastExit> {
    const { logger, clock } = this.#o;
    const startMono = clock.monotonic();
    this.#gotBeat = false;
    this.#childMetricsPort = undefined;
    this.#lastBeatMono = startMono;
    let child: ChildProcess;
    try {
      child = this.#o.spawner({
        onHeartbeat: (beat) => this.#onHeartbeat(beat),
        onStderrLine: (line) => this.#onStderrLine(line),
      });
    } catch (error) {
      const reason = `spawn failed: ${errorMessage(error)}`;
      logger.error("Cannot start the monitor: {reason}", { reason });
      return { code: null, signal: null, reason, at: clock.wall(), uptimeMs: 0 };
    }
    this.#policy.childStarted(startMono);
    await this.#publish({
      state: "starting",
      childPid: child.pid,
      childStartedAt: clock.wall(),
      nextAttemptAt: null,
      lastStderr: [],
    });
    logger.info("Started monitor (pid {pid})", { pid: child.pid });
    const { exit, reason } = await this.#watch(child, stop);
    return { ...exit, reason, at: clock.wall(), uptimeMs: clock.monotonic() - startMono };
  }

  /** A heartbeat line arrived: the child is alive (and says whether it can write its file). */
  #onHeartbeat(beat: Record<string, unknown>): void {
    const { logger, clock } = this.#o;
    this.#lastBeatMono = clock.monotonic();
    const metrics = typeof beat.metrics === "string"
      ? /^127\.0\.0\.1:(\d{1,5})$/.exec(beat.metrics)
      : null;
    if (metrics) this.#childMetricsPort = Number(metrics[1]);
    const writeError = beatWriteError(beat);
    if (writeError !== this.#snapshot.heartbeatWriteError) {
      if (writeError) {
        logger.error("Monitor is alive but cannot write its heartbeat file: {error}", {
          error: writeError,
        });
      } else logger.info("Monitor writes its heartbeat file again");
      void this.#publish({ heartbeatWriteError: writeError });
    }
    const wasFirst = !this.#gotBeat;
    this.#gotBeat = true;
    this.#snapshot.lastHeartbeatAt = clock.wall();
    if (wasFirst) {
      logger.info("Monitor is up (pid {pid})", { pid: this.#snapshot.childPid });
      void this.#publish({ state: "running" });
    }
  }

  /** The child wrote a line to stderr: keep the last few for `status` and the logs. */
  #onStderrLine(line: string): void {
    const keep = this.#o.stderrLines ?? 20;
    const lines = this.#snapshot.lastStderr;
    lines.push(line.length > 500 ? line.slice(0, 500) + "…" : line);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
    this.#o.logger.debug("Monitor stderr: {line}", { line });
  }

  /**
   * Every check interval until the child exits: stop it when asked, kill it when its heartbeat is
   * stale, reset the failure count once it is stable, and forgive a pause of the supervisor
   * itself.
   */
  async #watch(
    child: ChildProcess,
    stop: AbortSignal,
  ): Promise<{ exit: ChildExit; reason: string }> {
    const { logger, clock } = this.#o;
    let reason = "exited";
    let exit: ChildExit | undefined;
    let lastTick = clock.monotonic();
    child.exited.then((e) => exit = e);
    while (exit === undefined) {
      const tick = new AbortController();
      const onStop = () => tick.abort();
      stop.addEventListener("abort", onStop, { once: true });
      await Promise.race([child.exited, this.#sleep(this.#o.checkIntervalMs, tick.signal)]);
      tick.abort();
      stop.removeEventListener("abort", onStop);
      if (exit !== undefined) break;
      if (stop.aborted) {
        reason = "stopped";
        await this.#publish({ state: "stopping" });
        logger.info("Stopping monitor (pid {pid})", { pid: child.pid });
        exit = await this.#terminate(child);
        break;
      }
      const now = clock.monotonic();
      const sinceTick = now - lastTick;
      lastTick = now;
      if (sinceTick > this.#o.checkIntervalMs * 2 + 1000) {
        // The supervisor itself was frozen (SIGSTOP, suspend): the monitor's beats are still in the
        // pipe. Give it a fresh window instead of killing a healthy child.
        logger.warn("Supervisor was paused for {paused_s} s; restarting the heartbeat window", {
          paused_s: Math.round(sinceTick) / 1000,
        });
        this.#lastBeatMono = now;
      }
      if (this.#policy.checkStable(now) && this.#snapshot.failures !== 0) {
        await this.#publish({});
        logger.info("Monitor stable for the minimum uptime; failure count reset");
      }
      const age = now - this.#lastBeatMono;
      if (age > this.#o.heartbeatTimeoutMs) {
        reason = "heartbeat stale";
        logger.error("Monitor heartbeat is stale ({age_s} s > {timeout_s} s); killing pid {pid}", {
          age_s: Math.round(age) / 1000,
          timeout_s: this.#o.heartbeatTimeoutMs / 1000,
          pid: child.pid,
        });
        exit = await this.#terminate(child);
        break;
      }
    }
    return { exit: exit ?? await child.exited, reason };
  }

  /** SIGTERM (and SIGCONT, so a stopped child can act on it), then SIGKILL after the stop timeout. */
  async #terminate(child: ChildProcess): Promise<ChildExit> {
    child.kill("SIGTERM");
    child.kill("SIGCONT");
    const grace = new AbortController();
    const result = await Promise.race([
      child.exited,
      this.#sleep(this.#o.stopTimeoutMs, grace.signal).then(() => undefined),
    ]);
    grace.abort();
    if (result) return result;
    this.#o.logger.warn("Monitor did not stop within {timeout_s} s; sending SIGKILL", {
      timeout_s: this.#o.stopTimeoutMs / 1000,
    });
    child.kill("SIGKILL");
    return await child.exited;
  }
}
