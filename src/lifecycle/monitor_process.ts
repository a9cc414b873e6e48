/**
 * The monitor process: hold the monitor lock, run cycles at the interval (never overlapping; a slow
 * cycle delays the next), write the heartbeat every cycle, and exit by itself within a second or
 * two when its supervisor dies (stdin EOF or a new parent pid).
 *
 * With a change source (tmux's pane watch, `monitor/change_feed.ts`), a change wakes the loop
 * between periodic cycles for an early, change-only cycle of the panes concerned, debounced and
 * rate-bounded (`monitor/early_cycles.ts`); the periodic full cycle stays as the safety net.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { type Clock, sleep } from "../util/clock.ts";
import type { StatePaths } from "../state/paths.ts";
import { removeOwnPidFile, repairOwnPidFile, writePidFile } from "../state/pid_file.ts";
import { currentParentPid } from "../state/process_info.ts";
import { HeartbeatFile, heartbeatOf, HeartbeatPipe, IDLE_BEAT_MS } from "./heartbeat.ts";
import { acquireMonitorLock } from "./singleton.ts";
import { StateDirWatch } from "./state_dir_watch.ts";
import type { CycleOptions, CycleResult, Monitor } from "../monitor/monitor.ts";
import type { ChangeSource, PaneChanges } from "../monitor/change_feed.ts";
import { type EarlyCycleOptions, EarlyCycles } from "../monitor/early_cycles.ts";

/** The monitor's cycle interval when none is given (ms). */
export const DEFAULT_INTERVAL_MS = 10_000;

/** Options for {@linkcode runMonitorDaemon}. */
export interface MonitorDaemonOptions {
  /** The state dir's files: the monitor's lock, pid file and heartbeat file. */
  paths: StatePaths;
  /** Cycle interval (ms). */
  intervalMs: number;
  /** Run one cycle and return. */
  once: boolean;
  /** Started by a supervisor: heartbeat lines on stdout, exit when the supervisor goes away. */
  supervised: boolean;
  /** Builds the monitor once the lock is held. */
  createMonitor: () => Monitor | Promise<Monitor>;
  /** Monotonic time paces the cycles; wall time stamps the heartbeat file. */
  clock: Clock;
  /**
   * How the loop waits between cycles; tests pass one that moves their clock.
   * @default sleep (from `src/util/clock.ts`)
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Where the loop logs start, stop and heartbeat-file trouble. */
  logger: Logger;
  /** Called with each cycle's result (e.g. to print it for --once). */
  onCycle?: (result: CycleResult) => void;
  /** Aborting this stops the loop (signals are wired by the caller). */
  stop: AbortController;
  /** The `HOST:PORT` of this monitor's metrics endpoint, told to the supervisor in each beat. */
  metricsAddress?: () => string | undefined;
  /** Tmux's change notifications: early change-only cycles between the periodic ones. */
  changes?: ChangeSource;
  /** Debounce and rate bound of the early cycles (see `monitor/early_cycles.ts`). */
  early?: EarlyCycleOptions;
}

/** The pane id that stands for "every pane" in {@linkcode EarlyCycles}. */
const ALL_PANES = "*";

/**
 * Wakes a waiting loop when a change arrives. One controller per wait (no `AbortSignal.any`,
 * which would tie a new signal to the long-lived stop signal every second).
 */
class Wakeup {
  #stop: AbortSignal;
  #current = new AbortController();

  constructor(stop: AbortSignal) {
    this.#stop = stop;
    stop.addEventListener("abort", () => this.#current.abort(), { once: true });
  }

  /** A signal that aborts on the next {@linkcode wake} (or when the loop is stopped). */
  signal(): AbortSignal {
    if (this.#current.signal.aborted && !this.#stop.aborted) {
      this.#current = new AbortController();
    }
    return this.#current.signal;
  }

  /** Ends the current wait. */
  wake(): void {
    this.#current.abort();
  }
}

function watchSupervisor(stop: AbortController, logger: Logger): () => void {
  const parent = currentParentPid();
  const timer = setInterval(() => {
    if (currentParentPid() !== parent) {
      logger.warn("Supervisor is gone (parent pid changed); exiting");
      stop.abort();
    }
  }, 500);
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) { /* nothing is ever sent; wait for EOF */ }
    } catch { /* a broken pipe is EOF too */ }
    if (!stop.signal.aborted) {
      logger.warn("Supervisor is gone (its pipe closed); exiting");
      stop.abort();
    }
  })();
  return () => clearInterval(timer);
}

/** The panes whose state may change with time alone (no output needed): active and unknown. */
function unsettledPanes(monitor: Monitor): string[] {
  const observations = (monitor as Partial<Monitor>).observations ?? new Map();
  return [...observations].filter(([, o]) => o.state === "active" || o.state === "unknown")
    .map(([id]) => id);
}

/** Runs the monitor until stopped. Resolves with the exit code. */
export async function runMonitorDaemon(options: MonitorDaemonOptions): Promise<number> {
  const { paths, clock, logger, stop } = options;
  const wait = options.sleep ?? sleep;
  const lock = await acquireMonitorLock(paths);
  const startedAt = clock.wall();
  await writePidFile(paths.monitorPid, startedAt);
  const testExit = Deno.env.get("TMUX_ORC_TEST_EXIT_AT_START");
  if (testExit) {
    console.error(`Test switch TMUX_ORC_TEST_EXIT_AT_START: exiting with code ${testExit}`);
    await removeOwnPidFile(paths.monitorPid);
    lock.release();
    return Number(testExit) || 1;
  }
  const unwatch = options.supervised ? watchSupervisor(stop, logger) : () => {};
  const pipe = options.supervised ? new HeartbeatPipe() : undefined;
  let monitor: Monitor | undefined;
  const heartbeat = new HeartbeatFile(paths.heartbeat, logger);
  let exitCode = 0;
  const dirWatch = new StateDirWatch(paths.dir);
  try {
    monitor = await options.createMonitor();
    const running = monitor;
    // A stand-in monitor (tests, benchmarks) may have no interrupt.
    stop.signal.addEventListener("abort", () => running.interrupt?.(), { once: true });
    logger.info("Monitor started (pid {pid}, interval {interval_s} s)", {
      pid: Deno.pid,
      interval_s: options.intervalMs / 1000,
    });
    const early = new EarlyCycles(options.early);
    const wakeup = new Wakeup(stop.signal);
    const changes = options.once ? undefined : options.changes;
    changes?.listen((panes: PaneChanges) => {
      early.changed(panes === "all" ? [ALL_PANES] : panes, clock.monotonic());
      wakeup.wake();
    });
    await changes?.start();
    let nextFull = -Infinity;
    let fileWrittenAt = -Infinity;
    let writeError: string | null = null;
    while (!stop.signal.aborted) {
      const began = clock.monotonic();
      const full = began >= nextFull;
      const panes = full ? undefined : early.take(began);
      const cycleOptions: CycleOptions = { watched: changes?.live ?? false };
      if (panes && !panes.has(ALL_PANES)) cycleOptions.panes = panes;
      const result = await monitor.cycle(cycleOptions);
      early.ran({ startedAt: began, endedAt: clock.monotonic(), full });
      if (full) {
        nextFull = began + options.intervalMs;
        // Time alone may still turn these agents idle or stuck: look again when it would.
        if (changes) early.followUp(unsettledPanes(monitor), clock.monotonic());
      }
      // Early cycles can come every 250 ms: the state dir's files are looked at and written on
      // full cycles, and the heartbeat file at most once a second in between (the pipe line, which
      // the supervisor times, goes out every cycle).
      const dirProblem = full ? dirWatch.check() : undefined;
      if (dirProblem !== undefined) {
        // Its log files went with the dir: say it on stderr too (the supervisor keeps the lines).
        logger.error("{problem}; exiting", { problem: dirProblem });
        console.error(`tmux-orc: ${dirProblem}; exiting`);
        exitCode = 1;
        break;
      }
      if (full || clock.monotonic() - fileWrittenAt >= 1000) {
        fileWrittenAt = clock.monotonic();
        writeError = await heartbeat.write(heartbeatOf(result, {
          intervalMs: options.intervalMs,
          wallNow: clock.wall(),
          startedAt,
          supervised: options.supervised,
        }));
      }
      if (
        full && !writeError &&
        await repairOwnPidFile(paths.monitorPid, startedAt).catch(() => false)
      ) {
        logger.warn("Monitor pid file was missing or damaged; rewrote it");
      }
      const metrics = options.metricsAddress?.();
      pipe?.send({ cycle: result.cycle, ms: result.durationMs, writeError, metrics });
      options.onCycle?.(result);
      if (options.once) break;
      while (!stop.signal.aborted) {
        const now = clock.monotonic();
        const due = Math.min(nextFull, early.dueAt() ?? Infinity);
        const left = due - now;
        if (left <= 0) break;
        const signal = wakeup.signal();
        await wait(Math.min(left, IDLE_BEAT_MS), signal);
        if (!signal.aborted) pipe?.send({ cycle: result.cycle, idle: true, writeError });
      }
    }
  } finally {
    unwatch();
    await monitor?.close().catch(() => {});
    await removeOwnPidFile(paths.monitorPid);
    lock.release();
    logger.info("Monitor stopped (pid {pid})", { pid: Deno.pid });
  }
  return exitCode;
}
