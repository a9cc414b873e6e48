/**
 * One supervisor and one monitor per state dir. The flock is the truth of "running" (the kernel
 * drops it however its holder dies); the pid file only names the holder, and a holder that has
 * not written it yet gets a short wait. Every "already running" refusal of the program is made
 * here, from the daemon's start and from `monitor start` / `monitor stop`.
 *
 * @module
 */

import { UserError } from "../state/errors.ts";
import { type HeldLock, isLockHeld, tryLock } from "../state/lock.ts";
import type { StatePaths } from "../state/paths.ts";
import { type DaemonState, type PidRecord, readDaemon, readLivePid } from "../state/pid_file.ts";
import { sleep } from "../util/clock.ts";

/** The two daemons. */
export type DaemonKind = "supervisor" | "monitor";

/** A daemon's pid file and lock file. */
export function daemonFiles(paths: StatePaths, kind: DaemonKind): { pid: string; lock: string } {
  return kind === "supervisor"
    ? { pid: paths.supervisorPid, lock: paths.supervisorLock }
    : { pid: paths.monitorPid, lock: paths.monitorLock };
}

const title = (kind: DaemonKind) => kind === "supervisor" ? "Supervisor" : "Monitor";

/**
 * The live record in a pid file, read up to `tries` times `everyMs` apart: the lock's holder may
 * not have written it yet.
 */
export async function waitForLivePid(
  path: string,
  options: { tries: number; everyMs: number },
): Promise<PidRecord | null> {
  for (let i = 0; i < options.tries; i++) {
    const record = await readLivePid(path);
    if (record) return record;
    await sleep(options.everyMs);
  }
  return null;
}

/** The one-line refusal `Monitor already running: pid 123` (`pid unknown` without a pid). */
export function alreadyRunning(kind: DaemonKind, pid: number | null | undefined): UserError {
  return new UserError(`${title(kind)} already running: pid ${pid ?? "unknown"}`);
}

/** Takes the monitor lock or throws a clear error naming the running monitor. */
export async function acquireMonitorLock(paths: StatePaths): Promise<HeldLock> {
  const lock = await tryLock(paths.monitorLock);
  if (lock) return lock;
  const running = await readLivePid(paths.monitorPid);
  throw alreadyRunning("monitor", running?.pid);
}

/** Takes the supervisor lock or throws a clear error naming the running supervisor. */
export async function acquireSupervisorLock(paths: StatePaths): Promise<HeldLock> {
  const lock = await tryLock(paths.supervisorLock);
  if (lock) return lock;
  // The winner may not have written its pid file yet: give it a moment.
  const running = await waitForLivePid(paths.supervisorPid, { tries: 20, everyMs: 50 });
  throw alreadyRunning("supervisor", running?.pid);
}

/**
 * Refuses to supervise beside a lone monitor, after waiting out (3 s) a monitor orphaned by a
 * killed supervisor, which exits by itself within 2 s.
 */
export async function refuseBesideLoneMonitor(paths: StatePaths): Promise<void> {
  for (let i = 0; i < 30 && await isLockHeld(paths.monitorLock); i++) {
    await sleep(100);
  }
  if (!(await isLockHeld(paths.monitorLock))) return;
  const lone = await readLivePid(paths.monitorPid);
  throw new UserError(
    `Monitor already running without a supervisor: pid ${
      lone?.pid ?? "unknown"
    } (stop it first: tmux-orc monitor stop)`,
  );
}

/** Refuses to start when a supervisor or monitor already runs under the state dir. */
export async function refuseIfRunning(paths: StatePaths): Promise<void> {
  for (const kind of ["supervisor", "monitor"] as const) {
    const files = daemonFiles(paths, kind);
    const state = await readDaemon(files.pid, files.lock);
    if (!state.running) continue;
    const running = state.record ??
      (state.unconfirmed ? null : await waitForLivePid(files.pid, { tries: 40, everyMs: 25 }));
    throw alreadyRunning(kind, running?.pid ?? state.unconfirmed?.pid);
  }
}

/** The record of a running daemon, confirmed or not (never to be signalled unconfirmed). */
export async function runningRecord(
  paths: StatePaths,
  kind: DaemonKind,
): Promise<PidRecord | undefined> {
  const files = daemonFiles(paths, kind);
  const state = await readDaemon(files.pid, files.lock);
  return state.record ?? state.unconfirmed;
}

/**
 * What runs under one kind's lock and pid file, waiting a moment for a daemon that holds its lock
 * but has not written its pid file yet. Throws when something runs that cannot be confirmed, so
 * it is never signalled.
 */
export async function confirmedDaemon(
  paths: StatePaths,
  kind: DaemonKind,
): Promise<PidRecord | undefined> {
  const files = daemonFiles(paths, kind);
  let state: DaemonState = await readDaemon(files.pid, files.lock);
  for (let i = 0; i < 40 && state.running && !state.record && !state.unconfirmed; i++) {
    await sleep(25);
    state = await readDaemon(files.pid, files.lock);
  }
  if (!state.running) return undefined;
  if (state.record) return state.record;
  const file = `${kind}.pid`;
  if (state.unconfirmed) {
    throw new UserError(
      `Not signalling pid ${state.unconfirmed.pid}: ${file} records no start time that matches it, so it cannot be confirmed as the ${kind} (if it is, stop it yourself: kill ${state.unconfirmed.pid})`,
    );
  }
  throw new UserError(
    `Cannot stop the ${kind}: its lock is held but ${file} names no live process (find it with: fuser ${files.lock})`,
  );
}
