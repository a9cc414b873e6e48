/**
 * The supervisor process: hold the supervisor lock (one per state dir), refuse to start beside a
 * lone monitor, run the {@linkcode Supervisor} loop with the real spawner, keep `supervisor.json`
 * current, and clean up on SIGTERM/SIGINT.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { readJsonFile, writeJsonAtomic } from "../state/atomic.ts";
import { UserError } from "../state/errors.ts";
import { isLockHeld, tryLock } from "../state/lock.ts";
import type { StatePaths } from "../state/paths.ts";
import {
  readLivePid,
  removeOwnPidFile,
  repairOwnPidFile,
  writePidFile,
} from "../state/pid_file.ts";
import type { Clock } from "../util/clock.ts";
import { safeText } from "../util/safe_text.ts";
import { processSpawner, type Spawner } from "./child.ts";
import type { RestartPolicyOptions } from "./policy.ts";
import { Supervisor, type SupervisorSnapshot } from "./supervisor.ts";

/** Options for {@linkcode runSupervisorProcess}. */
export interface SupervisorProcessOptions {
  /** State files. */
  paths: StatePaths;
  /** The command that runs the monitor as a supervised child. */
  childArgv: string[];
  /** Restart policy. */
  policy: RestartPolicyOptions;
  /** Heartbeat check interval (ms). */
  checkIntervalMs: number;
  /** Heartbeat timeout (ms). */
  heartbeatTimeoutMs: number;
  /** SIGTERM → SIGKILL grace (ms). */
  stopTimeoutMs: number;
  /** Settings shown by status (seconds). */
  settings: Record<string, number>;
  /** Clock. */
  clock: Clock;
  /** Logger. */
  logger: Logger;
  /** Aborted on SIGTERM/SIGINT by the caller. */
  stop: AbortSignal;
  /** Forward the child's stderr lines to ours (foreground mode). */
  echoChildStderr?: boolean;
  /** Replaces the real spawner (tests). */
  spawner?: Spawner;
}

/** Takes the supervisor lock or throws a clear error naming the running supervisor. */
export async function acquireSupervisorLock(paths: StatePaths) {
  const lock = await tryLock(paths.supervisorLock);
  if (lock) return lock;
  // The winner may not have written its pid file yet: give it a moment.
  for (let i = 0; i < 20; i++) {
    const running = await readLivePid(paths.supervisorPid);
    if (running) throw new UserError(`Supervisor already running: pid ${running.pid}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new UserError("Supervisor already running: pid unknown");
}

/** Reads `supervisor.json`. */
export function readSupervisorSnapshot(paths: StatePaths): Promise<SupervisorSnapshot | undefined> {
  return readJsonFile<SupervisorSnapshot>(paths.supervisorState);
}

/** Runs the supervisor until stopped; resolves with the exit code (0 on a clean stop). */
export async function runSupervisorProcess(options: SupervisorProcessOptions): Promise<number> {
  const { paths, logger } = options;
  const lock = await acquireSupervisorLock(paths);
  try {
    // A monitor orphaned by a killed supervisor exits by itself within 2 s: wait that out.
    for (let i = 0; i < 30 && await isLockHeld(paths.monitorLock); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (await isLockHeld(paths.monitorLock)) {
      const lone = await readLivePid(paths.monitorPid);
      throw new UserError(
        `Monitor already running without a supervisor: pid ${
          lone?.pid ?? "unknown"
        } (stop it first: tmux-orc monitor stop)`,
      );
    }
    const startedAt = options.clock.wall();
    await writePidFile(paths.supervisorPid, startedAt);
    logger.info("Supervisor started (pid {pid})", { pid: Deno.pid, ...options.settings });
    const baseSpawner = options.spawner ?? processSpawner(options.childArgv);
    const spawner: Spawner = options.echoChildStderr
      ? (events) =>
        baseSpawner({
          onHeartbeat: events.onHeartbeat,
          onStderrLine: (line) => {
            events.onStderrLine(line);
            try {
              Deno.stderr.writeSync(new TextEncoder().encode(safeText(line) + "\n"));
            } catch { /* terminal gone */ }
          },
        })
      : baseSpawner;
    const supervisor = new Supervisor({
      spawner,
      policy: options.policy,
      checkIntervalMs: options.checkIntervalMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs,
      logger,
      clock: options.clock,
      settings: options.settings,
      onSnapshot: (snapshot) => writeJsonAtomic(paths.supervisorState, snapshot),
    });
    // State files deleted or garbled while running are rewritten within a check interval.
    const repair = setInterval(async () => {
      try {
        if (await repairOwnPidFile(paths.supervisorPid, startedAt)) {
          logger.warn("Supervisor pid file was missing or damaged; rewrote it");
        }
        const snap = await readSupervisorSnapshot(paths);
        if (snap?.pid !== Deno.pid && !options.stop.aborted) {
          await writeJsonAtomic(paths.supervisorState, supervisor.snapshot);
          logger.warn("Supervisor state file was missing or damaged; rewrote it");
        }
      } catch { /* the next tick tries again */ }
    }, Math.max(options.checkIntervalMs, 200));
    try {
      await supervisor.run(options.stop);
    } finally {
      clearInterval(repair);
    }
    return 0;
  } finally {
    await removeOwnPidFile(paths.supervisorPid);
    lock.release();
  }
}
