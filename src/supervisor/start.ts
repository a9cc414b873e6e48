/**
 * `monitor start`: start the supervisor (or a lone monitor) in the background — its own session,
 * detached from the terminal, output to the log — and wait, bounded, for the first heartbeat.
 *
 * @module
 */

import { logFilePath } from "../log/mod.ts";
import { findStartRefusal } from "../log/read.ts";
import { readHeartbeat } from "../monitor/heartbeat.ts";
import { UserError } from "../state/errors.ts";
import type { StatePaths } from "../state/paths.ts";
import { type PidRecord, readDaemon, readLivePid } from "../state/pid_file.ts";
import { sleep } from "../util/clock.ts";

/** What a successful start reports. */
export interface StartReport {
  /** The background process started (supervisor or lone monitor). */
  pid: number;
  /** The monitor's pid. */
  monitorPid: number;
  /** The supervisor's pid, when supervised. */
  supervisorPid: number | null;
  /** Milliseconds from spawn to the first heartbeat. */
  startupMs: number;
}

/** Refuses to start when a supervisor or monitor already runs under the state dir. */
export async function refuseIfRunning(paths: StatePaths): Promise<void> {
  for (
    const [kind, pidPath, lockPath] of [
      ["Supervisor", paths.supervisorPid, paths.supervisorLock],
      ["Monitor", paths.monitorPid, paths.monitorLock],
    ] as const
  ) {
    const state = await readDaemon(pidPath, lockPath);
    if (!state.running) continue;
    const running = state.record ?? (state.unconfirmed ? null : await waitForPid(pidPath));
    throw new UserError(
      `${kind} already running: pid ${running?.pid ?? state.unconfirmed?.pid ?? "unknown"}`,
    );
  }
}

/** The record of a running daemon, confirmed or not (never to be signalled unconfirmed). */
async function runningPid(pidPath: string, lockPath: string): Promise<PidRecord | undefined> {
  const state = await readDaemon(pidPath, lockPath);
  return state.record ?? state.unconfirmed;
}

/** The lock is held but the pid file may not be written yet: wait a moment for it. */
async function waitForPid(path: string): Promise<PidRecord | null> {
  for (let i = 0; i < 40; i++) {
    const record = await readLivePid(path);
    if (record) return record;
    await sleep(25);
  }
  return null;
}

/**
 * Spawns `argv` detached (new session, no stdio) and waits up to `waitMs` for a heartbeat written
 * by a monitor that started after the spawn.
 */
export async function startInBackground(
  paths: StatePaths,
  options: { argv: string[]; supervised: boolean; waitMs: number },
): Promise<StartReport> {
  await refuseIfRunning(paths);
  const began = Date.now();
  const t0 = performance.now();
  const child = new Deno.Command(options.argv[0], {
    args: options.argv.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  child.unref();
  let exitCode: number | undefined;
  child.status.then((s) => exitCode = s.code);
  const deadline = t0 + options.waitMs;
  while (performance.now() < deadline) {
    if (exitCode !== undefined) {
      const otherPath = options.supervised ? paths.supervisorPid : paths.monitorPid;
      const other = await readLivePid(otherPath) ?? await waitForPid(otherPath);
      if (exitCode === 1 && other && other.pid !== child.pid) {
        throw new UserError(
          `${options.supervised ? "Supervisor" : "Monitor"} already running: pid ${other.pid}`,
        );
      }
      const files = ["supervisor", "monitor"].map((name) => logFilePath(paths.logs, name));
      const reason = await findStartRefusal(files, child.pid);
      throw new UserError(
        `Monitor exited during start-up with code ${exitCode}: ${
          reason ?? "see 'tmux-orc monitor logs'"
        }`,
      );
    }
    const beat = await readHeartbeat(paths.heartbeat);
    // A daemon that could not read its own start time still runs (its lock is held): report it
    // here, though stop will refuse to signal it.
    const monitor = await runningPid(paths.monitorPid, paths.monitorLock);
    // Ours only: the supervisor (or lone monitor) we spawned, not one that won a race with us.
    const owner = options.supervised
      ? await runningPid(paths.supervisorPid, paths.supervisorLock)
      : monitor;
    if (
      beat && monitor && beat.pid === monitor.pid && owner?.pid === child.pid &&
      beat.at >= began - 1000
    ) {
      return {
        pid: child.pid,
        monitorPid: monitor.pid,
        supervisorPid: options.supervised ? child.pid : null,
        startupMs: Math.round(performance.now() - t0),
      };
    }
    await sleep(50);
  }
  throw new UserError(
    `No heartbeat within ${
      options.waitMs / 1000
    } s: pid ${child.pid} is still starting (see 'tmux-orc monitor logs')`,
  );
}
