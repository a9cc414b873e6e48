/**
 * The supervisor process: hold the supervisor lock (one per state dir), refuse to start beside a
 * lone monitor, run the {@linkcode Supervisor} loop with the real spawner, keep `supervisor.json`
 * current, and clean up on SIGTERM/SIGINT. When its state dir is deleted or replaced while it runs
 * (its lock and pid file went with it, so the CLI could no longer find or stop it), it says so,
 * stops its monitor and exits 1, like the monitor does: whatever starts it again (systemd, the
 * user) starts consistently from the dir that is there now.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { readJsonFile, writeJsonAtomic } from "../state/atomic.ts";
import type { StatePaths } from "../state/paths.ts";
import { removeOwnPidFile, repairOwnPidFile, writePidFile } from "../state/pid_file.ts";
import type { Clock } from "../util/clock.ts";
import { safeText } from "../util/safe_text.ts";
import { processSpawner, type Spawner } from "./child.ts";
import type { RestartPolicyOptions } from "./restart_policy.ts";
import { acquireSupervisorLock, refuseBesideLoneMonitor } from "./singleton.ts";
import { StateDirWatch } from "./state_dir_watch.ts";
import { Supervisor, type SupervisorSnapshot } from "./supervisor.ts";
import { SupervisorMetrics } from "../metrics/supervisor_metrics.ts";
import {
  formatAddress,
  type ListenAddress,
  type MetricsServer,
  serveMetrics,
} from "../metrics/server.ts";

/** Options for {@linkcode runSupervisorProcess}. */
export interface SupervisorProcessOptions {
  /** The state dir's files: the supervisor's lock, pid file and `supervisor.json`. */
  paths: StatePaths;
  /** The command that runs the monitor as a supervised child (`monitor --supervised-child`). */
  childArgv: string[];
  /** Backoff, cool-off and stable uptime (see {@linkcode RestartPolicyOptions}). */
  policy: RestartPolicyOptions;
  /** Heartbeat check interval (ms). */
  checkIntervalMs: number;
  /** Heartbeat timeout (ms). */
  heartbeatTimeoutMs: number;
  /** SIGTERM → SIGKILL grace (ms). */
  stopTimeoutMs: number;
  /** Settings `status` shows and reads (`heartbeat_timeout_s`), in seconds. */
  settings: Record<string, number>;
  /** Wall time for the pid file and snapshot; monotonic time for every timeout. */
  clock: Clock;
  /** Where the supervisor logs (category `supervisor`). */
  logger: Logger;
  /** Aborted on SIGTERM/SIGINT/SIGHUP by the caller: stop the monitor, then return 0. */
  stop: AbortSignal;
  /** Forward the child's stderr lines to ours (foreground mode). */
  echoChildStderr?: boolean;
  /** Replaces the real spawner (tests). @default processSpawner(childArgv) */
  spawner?: Spawner;
  /**
   * Serve `/metrics` (the supervisor's and its monitor's) and `/healthz` here; `childArgv` must
   * then give the monitor `--metrics-listen 127.0.0.1:0`.
   */
  metricsListen?: ListenAddress;
}

/** Reads `supervisor.json`. */
export function readSupervisorSnapshot(paths: StatePaths): Promise<SupervisorSnapshot | undefined> {
  return readJsonFile<SupervisorSnapshot>(paths.supervisorState);
}

/**
 * Runs the supervisor until stopped; resolves with the exit code: 0 on a clean stop, 1 when the
 * state dir was deleted or replaced under it.
 */
export async function runSupervisorProcess(options: SupervisorProcessOptions): Promise<number> {
  const { paths, logger } = options;
  const lock = await acquireSupervisorLock(paths);
  try {
    await refuseBesideLoneMonitor(paths);
    const startedAt = options.clock.wall();
    const dirWatch = new StateDirWatch(paths.dir);
    const halt = new AbortController();
    const onStop = () => halt.abort();
    options.stop.addEventListener("abort", onStop, { once: true });
    if (options.stop.aborted) halt.abort();
    let exitCode = 0;
    /** Set once the dir is gone: nothing more is written into whatever has its name now. */
    let dirGone = false;
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
      onSnapshot: async (snapshot) => {
        if (!dirGone) await writeJsonAtomic(paths.supervisorState, snapshot);
      },
    });
    let server: MetricsServer | undefined;
    if (options.metricsListen) {
      server = serveMetrics(
        options.metricsListen,
        new SupervisorMetrics(supervisor, { heartbeatTimeoutMs: options.heartbeatTimeoutMs }),
      );
      const where = formatAddress(server.address);
      logger.info("Metrics on http://{where}/metrics", { where });
      if (!server.address.loopback) {
        logger.warn("Metrics are served on {where}: whoever can reach it can read agent names", {
          where,
        });
      }
    }
    // State files deleted or garbled while running are rewritten within a check interval.
    const repair = setInterval(async () => {
      if (halt.signal.aborted) return;
      const dirProblem = dirWatch.check();
      if (dirProblem !== undefined) {
        // Its log files went with the dir: say it on stderr too.
        logger.error("{problem}; stopping the monitor and exiting", { problem: dirProblem });
        console.error(`tmux-orc: ${dirProblem}; exiting`);
        exitCode = 1;
        dirGone = true;
        halt.abort();
        return;
      }
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
      await supervisor.run(halt.signal);
    } finally {
      clearInterval(repair);
      options.stop.removeEventListener("abort", onStop);
      await server?.close();
    }
    return exitCode;
  } finally {
    await removeOwnPidFile(paths.supervisorPid);
    lock.release();
  }
}
