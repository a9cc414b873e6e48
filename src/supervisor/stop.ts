/**
 * `monitor stop`: stop the supervisor (which stops its monitor) or the lone monitor — SIGTERM,
 * SIGKILL after the timeout — and return only when the processes are gone. A pid is signalled only
 * when its identity is confirmed (pid and start time match what its pid file records).
 *
 * @module
 */

import { UserError } from "../state/errors.ts";
import type { StatePaths } from "../state/paths.ts";
import { type DaemonState, type PidRecord, readDaemon } from "../state/pid_file.ts";
import { isSameProcessAlive, trySignal } from "../state/process_info.ts";
import { sleep } from "../util/clock.ts";

/** What `stop` did. */
export interface StopReport {
  /** The supervisor pid stopped, if one ran. */
  supervisor: number | null;
  /** The monitor pid stopped, if one ran. */
  monitor: number | null;
  /** Processes that needed SIGKILL. */
  killed: number[];
}

/** Waits until the process is gone or `timeoutMs` passes; returns whether it is gone. */
export async function waitGone(record: PidRecord, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (isSameProcessAlive(record)) {
    if (performance.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

async function terminate(record: PidRecord, timeoutMs: number, killed: number[]): Promise<void> {
  trySignal(record.pid, "SIGTERM");
  trySignal(record.pid, "SIGCONT");
  if (await waitGone(record, timeoutMs)) return;
  // Confirm again right before SIGKILL: the pid may have been recycled meanwhile.
  if (!isSameProcessAlive(record)) return;
  trySignal(record.pid, "SIGKILL");
  killed.push(record.pid);
  await waitGone(record, 5000);
}

/**
 * What runs under one kind's lock and pid file, waiting a moment for a daemon that holds its lock
 * but has not written its pid file yet. Throws when something runs that cannot be confirmed.
 */
async function confirmedDaemon(
  kind: "supervisor" | "monitor",
  pidPath: string,
  lockPath: string,
): Promise<PidRecord | undefined> {
  let state: DaemonState = await readDaemon(pidPath, lockPath);
  for (let i = 0; i < 40 && state.running && !state.record && !state.unconfirmed; i++) {
    await sleep(25);
    state = await readDaemon(pidPath, lockPath);
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
    `Cannot stop the ${kind}: its lock is held but ${file} names no live process (find it with: fuser ${lockPath})`,
  );
}

/** Stops whatever runs under the state dir. */
export async function stopAll(
  paths: StatePaths,
  options: { timeoutMs: number },
): Promise<StopReport> {
  const killed: number[] = [];
  const supervisor = await confirmedDaemon(
    "supervisor",
    paths.supervisorPid,
    paths.supervisorLock,
  );
  const monitorBefore = supervisor
    ? (await readDaemon(paths.monitorPid, paths.monitorLock)).record
    : undefined;
  if (supervisor) {
    // The supervisor stops its monitor within its own stop timeout; allow for both.
    await terminate(supervisor, options.timeoutMs * 2, killed);
  }
  let left: PidRecord | undefined;
  if (monitorBefore && isSameProcessAlive(monitorBefore)) {
    // A supervised monitor whose supervisor was killed exits by itself within 2 s.
    if (!(await waitGone(monitorBefore, 2500))) left = monitorBefore;
  }
  left ??= await confirmedDaemon("monitor", paths.monitorPid, paths.monitorLock);
  if (left) await terminate(left, options.timeoutMs, killed);
  return {
    supervisor: supervisor?.pid ?? null,
    monitor: monitorBefore?.pid ?? left?.pid ?? null,
    killed,
  };
}
