/**
 * `status`: what runs under a state dir and whether it is healthy, from the pid files (checked for
 * liveness and pid reuse), `supervisor.json` and the heartbeat file.
 *
 * @module
 */

import { readHeartbeat } from "./heartbeat.ts";
import { DEFAULT_INTERVAL_MS } from "./monitor_process.ts";
import type { StatePaths } from "../state/paths.ts";
import { join } from "node:path";
import { errorMessage } from "../state/errors.ts";
import { type DaemonState, readDaemon } from "../state/pid_file.ts";
import { openNoFollow } from "../state/safe_open.ts";
import { readSupervisorSnapshot } from "./supervisor_process.ts";
import type { LastExit, SupervisorSnapshot, SupervisorState } from "./supervisor.ts";
import { outboxProblems, type OutboxStatus, outboxStatus } from "../outbox/status.ts";

/** The status report (`monitor status --json`). */
export interface StatusReport {
  /** The supervisor. */
  supervisor: {
    running: boolean;
    pid: number | null;
    state: SupervisorState | "not_running";
    restarts: number;
    failures: number;
    uptime_s: number | null;
    next_attempt_at: string | null;
    last_exit: LastExit | null;
    last_stderr: string[];
  };
  /** The monitor. */
  monitor: {
    running: boolean;
    pid: number | null;
    heartbeat_age_s: number | null;
    cycles: number | null;
    last_cycle_ms: number | null;
    interval_s: number | null;
    panes: number | null;
    agents: number | null;
    states: Record<string, number>;
    tmux_server: boolean | null;
    /** History rows waiting in memory because the store cannot be written right now. */
    store_queued: number;
    /** History rows dropped since the monitor started because that queue was full. */
    store_lost: number;
    /** Who owns the tmux server while this monitor stands by (watching nothing), else `null`. */
    standby: string | null;
  };
  /** Notices for human channels (`null`: no store yet, or channels never used). */
  outbox: OutboxStatus | null;
  /** Whether a supervisor heals the monitor. */
  self_healing: boolean;
  /** `healthy`, `unhealthy` or `not_running`. */
  health: "healthy" | "unhealthy" | "not_running";
  /** Why it is unhealthy. */
  problems: string[];
  /** The state dir. */
  state_dir: string;
}

/** The exit code for a status: 0 healthy, 1 unhealthy, 3 not running. */
export function statusExitCode(report: StatusReport): number {
  return report.health === "healthy" ? 0 : report.health === "unhealthy" ? 1 : 3;
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Whether a file the size of a heartbeat can be written in `dir` right now: `null` if so, else
 * why not (`No space left on device`, `Read-only file system`, …). The probe file is created new
 * (never through a link) and removed.
 */
export async function probeWritable(dir: string): Promise<string | null> {
  const path = join(dir, `.status-probe-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
  let file: Deno.FsFile | undefined;
  try {
    file = await openNoFollow(path, { create: true, mode: 0o600 });
    const block = new Uint8Array(4096);
    let written = 0;
    while (written < block.length) written += await file.write(block.subarray(written));
    await file.syncData();
    return null;
  } catch (error) {
    return osReason(error);
  } finally {
    file?.close();
    if (file) await Deno.remove(path).catch(() => {});
  }
}

/** `No space left on device (os error 28): open '/x'` → `No space left on device`. */
function osReason(error: unknown): string {
  const message = errorMessage(error);
  const os = message.match(/^(.*?) \(os error \d+\)/);
  return os ? os[1] : message;
}

/** A daemon that runs (its lock is held) but cannot be identified. */
function identityProblems(sup: DaemonState, mon: DaemonState): string[] {
  const problems: string[] = [];
  for (const [kind, state] of [["supervisor", sup], ["monitor", mon]] as const) {
    if (!state.running || state.record) continue;
    problems.push(
      state.unconfirmed
        ? `${kind} runs (its lock is held) but ${kind}.pid names pid ${state.unconfirmed.pid} with no start time that matches it: its identity cannot be confirmed`
        : `${kind} runs (its lock is held) but ${kind}.pid names no live process`,
    );
  }
  return problems;
}

/** The supervisor's own state as a problem, when it is not simply running. */
function supervisorProblems(snap: SupervisorSnapshot): string[] {
  if (snap.state === "cooling_off") {
    return [
      `supervisor is cooling off after ${
        snap.lastExit ? "repeated failures" : "failures"
      }; next attempt ${snap.nextAttemptAt ? new Date(snap.nextAttemptAt).toISOString() : "soon"}`,
    ];
  }
  if (snap.state === "backoff") return ["supervisor is waiting to restart the monitor (backoff)"];
  if (snap.state === "starting" || snap.state === "stopping") {
    return [`supervisor is ${snap.state} the monitor`];
  }
  return [];
}

/**
 * What is wrong with a live monitor's heartbeat file, if anything. Once two cycles are missed the
 * state dir is probed: on a full or read-only dir `supervisor.json` cannot carry the news either,
 * and "stale" would blame a monitor that is alive.
 */
async function heartbeatProblem(
  dir: string,
  ageS: number | null,
  intervalS: number | undefined,
  snap: SupervisorSnapshot | undefined,
): Promise<string | undefined> {
  // Reported from the supervisor's snapshot: the monitor beats on its pipe, so not "stale".
  if (snap?.heartbeatWriteError) return undefined;
  const interval = intervalS ?? DEFAULT_INTERVAL_MS / 1000;
  const staleAfter = Math.max(interval * 2 + 5, snap?.settings?.heartbeat_timeout_s ?? 0);
  if (ageS !== null && ageS <= interval * 2 + 1) return undefined;
  const unwritable = await probeWritable(dir);
  if (unwritable) {
    return `monitor is alive but its heartbeat file cannot be written: ${unwritable} (state dir ${dir})`;
  }
  if (ageS === null) return "monitor has not written a heartbeat yet";
  return ageS > staleAfter ? `monitor heartbeat is stale (${ageS} s old)` : undefined;
}

/** Gathers the status of the processes under a state dir. */
export async function collectStatus(
  paths: StatePaths,
  now: number = Date.now(),
): Promise<StatusReport> {
  const [sup, mon, snapshot, beat] = await Promise.all([
    readDaemon(paths.supervisorPid, paths.supervisorLock),
    readDaemon(paths.monitorPid, paths.monitorLock),
    readSupervisorSnapshot(paths),
    readHeartbeat(paths.heartbeat),
  ]);
  const supPid = sup.record;
  const monPid = mon.record;
  const snap = supPid && snapshot?.pid === supPid.pid ? snapshot : undefined;
  const beatLive = monPid && beat?.pid === monPid.pid ? beat : undefined;
  const problems: string[] = [];
  problems.push(...identityProblems(sup, mon));
  const heartbeatAge = beatLive ? round((now - beatLive.at) / 1000) : null;
  if (snap) problems.push(...supervisorProblems(snap));
  if (snap?.heartbeatWriteError) {
    problems.push(`monitor cannot write its heartbeat file: ${snap.heartbeatWriteError}`);
  }
  if (monPid) {
    const problem = await heartbeatProblem(paths.dir, heartbeatAge, beatLive?.intervalS, snap);
    if (problem) problems.push(problem);
    if (beatLive?.supervised && !supPid) {
      problems.push("monitor is supervised but the supervisor's pid file is missing");
    }
    if (beatLive?.storeLost) {
      problems.push(
        `monitor lost ${beatLive.storeLost} history rows: the store could not be written and ` +
          "the queue in memory was full",
      );
    }
    if (beatLive?.standby) {
      problems.push(`monitor stands by, watching nothing: ${beatLive.standby}`);
    }
  } else if (supPid && !mon.running) {
    if (problems.length === 0) problems.push("supervisor runs but no monitor is running");
  }
  const running = sup.running || mon.running;
  const outbox = outboxStatus(paths.database, now);
  if (outbox) problems.push(...outboxProblems(outbox));
  return {
    supervisor: {
      running: sup.running,
      pid: supPid?.pid ?? null,
      state: supPid ? (snap?.state ?? "starting") : sup.running ? "starting" : "not_running",
      restarts: snap?.restarts ?? 0,
      failures: snap?.failures ?? 0,
      uptime_s: supPid ? round((now - supPid.startedAt) / 1000) : null,
      next_attempt_at: snap?.nextAttemptAt ? new Date(snap.nextAttemptAt).toISOString() : null,
      last_exit: snap?.lastExit ?? null,
      last_stderr: snap?.lastStderr ?? [],
    },
    monitor: {
      running: mon.running,
      pid: monPid?.pid ?? null,
      heartbeat_age_s: heartbeatAge,
      cycles: beatLive?.cycle ?? null,
      last_cycle_ms: beatLive?.cycleMs ?? null,
      interval_s: beatLive?.intervalS ?? null,
      panes: beatLive?.panes ?? null,
      agents: beatLive?.agents ?? null,
      states: beatLive?.states ?? {},
      tmux_server: beatLive?.tmux ?? null,
      store_queued: beatLive?.storeQueued ?? 0,
      store_lost: beatLive?.storeLost ?? 0,
      standby: beatLive?.standby ?? null,
    },
    outbox,
    self_healing: Boolean(supPid),
    health: !running ? "not_running" : problems.length > 0 ? "unhealthy" : "healthy",
    problems,
    state_dir: paths.dir,
  };
}
