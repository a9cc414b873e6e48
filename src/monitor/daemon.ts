/**
 * The monitor process: hold the monitor lock, run cycles at the interval (never overlapping; a slow
 * cycle delays the next), write the heartbeat every cycle, and exit by itself within a second or
 * two when its supervisor dies (stdin EOF or a new parent pid).
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { type Clock, sleep } from "../util/clock.ts";
import { UserError } from "../state/errors.ts";
import { tryLock } from "../state/lock.ts";
import type { StatePaths } from "../state/paths.ts";
import {
  readLivePid,
  removeOwnPidFile,
  repairOwnPidFile,
  writePidFile,
} from "../state/pid_file.ts";
import { currentParentPid } from "../state/process_info.ts";
import { HeartbeatPipe, writeHeartbeat } from "./heartbeat.ts";
import type { CycleResult, Monitor } from "./monitor.ts";

/** Options for {@linkcode runMonitorDaemon}. */
export interface MonitorDaemonOptions {
  /** State files. */
  paths: StatePaths;
  /** Cycle interval (ms). */
  intervalMs: number;
  /** Run one cycle and return. */
  once: boolean;
  /** Started by a supervisor: heartbeat lines on stdout, exit when the supervisor goes away. */
  supervised: boolean;
  /** Builds the monitor once the lock is held. */
  createMonitor: () => Monitor | Promise<Monitor>;
  /** Clock. */
  clock: Clock;
  /** How the loop waits between cycles; tests pass one that moves their clock. Default: `sleep`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Logger. */
  logger: Logger;
  /** Called with each cycle's result (e.g. to print it for --once). */
  onCycle?: (result: CycleResult) => void;
  /** Aborting this stops the loop (signals are wired by the caller). */
  stop: AbortController;
}

/** How often an idle monitor tells its supervisor it is alive (ms). */
export const IDLE_BEAT_MS = 1000;

/** Takes the monitor lock or throws a clear error naming the running monitor. */
export async function acquireMonitorLock(paths: StatePaths) {
  const lock = await tryLock(paths.monitorLock);
  if (lock) return lock;
  const running = await readLivePid(paths.monitorPid);
  throw new UserError(`Monitor already running: pid ${running?.pid ?? "unknown"}`);
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
  let heartbeatFailing = false;
  try {
    monitor = await options.createMonitor();
    logger.info("Monitor started (pid {pid}, interval {interval_s} s)", {
      pid: Deno.pid,
      interval_s: options.intervalMs / 1000,
    });
    while (!stop.signal.aborted) {
      const began = clock.monotonic();
      const result = await monitor.cycle();
      let writeError: string | null = null;
      try {
        await writeHeartbeat(paths.heartbeat, {
          pid: Deno.pid,
          cycle: result.cycle,
          cycleMs: Math.round(result.durationMs * 100) / 100,
          panes: result.panes,
          agents: result.agents,
          states: result.states,
          tmux: result.tmux,
          intervalS: options.intervalMs / 1000,
          at: clock.wall(),
          time: new Date(clock.wall()).toISOString(),
          startedAt,
          supervised: options.supervised,
        });
        if (heartbeatFailing) logger.info("Heartbeat file writes work again");
        heartbeatFailing = false;
      } catch (error) {
        writeError = error instanceof Error ? error.message : String(error);
        if (!heartbeatFailing) {
          logger.error("Cannot write the heartbeat file: {error}", { error: writeError });
        }
        heartbeatFailing = true;
      }
      if (!writeError && await repairOwnPidFile(paths.monitorPid, startedAt).catch(() => false)) {
        logger.warn("Monitor pid file was missing or damaged; rewrote it");
      }
      pipe?.send({ cycle: result.cycle, ms: result.durationMs, writeError });
      options.onCycle?.(result);
      if (options.once) break;
      const next = began + options.intervalMs;
      while (!stop.signal.aborted) {
        const left = next - clock.monotonic();
        if (left <= 0) break;
        await wait(Math.min(left, IDLE_BEAT_MS), stop.signal);
        pipe?.send({ cycle: result.cycle, idle: true, writeError });
      }
    }
  } finally {
    unwatch();
    await monitor?.close().catch(() => {});
    await removeOwnPidFile(paths.monitorPid);
    lock.release();
    logger.info("Monitor stopped (pid {pid})", { pid: Deno.pid });
  }
  return 0;
}
