/**
 * Pid files: for people and `status`, never for mutual exclusion (that is the lock's job).
 *
 * @module
 */

import { readJsonFile, writeJsonAtomic } from "./atomic.ts";
import { isLockHeld } from "./lock.ts";
import {
  checkProcess,
  isSameProcessAlive,
  type ProcessIdentity,
  selfIdentity,
} from "./process_info.ts";

/** What a pid file records. */
export interface PidRecord extends ProcessIdentity {
  /** Wall-clock ms when the process started its work. */
  startedAt: number;
}

/** Writes this process's pid record atomically. */
export async function writePidFile(
  path: string,
  startedAt: number = Date.now(),
): Promise<PidRecord> {
  const record: PidRecord = { ...selfIdentity(), startedAt };
  await writeJsonAtomic(path, record);
  return record;
}

async function readPidRecord(path: string): Promise<PidRecord | undefined> {
  const record = await readJsonFile<PidRecord>(path);
  if (!record || !Number.isSafeInteger(record.pid) || record.pid <= 0) return undefined;
  return {
    ...record,
    start: typeof record.start === "string" ? record.start : null,
    startedAt: typeof record.startedAt === "number" ? record.startedAt : 0,
  };
}

/**
 * Reads a pid file and returns its record only if that process is confirmed alive (same pid and
 * same start time); a missing, garbled, stale or unconfirmable file gives `undefined`.
 */
export async function readLivePid(path: string): Promise<PidRecord | undefined> {
  const record = await readPidRecord(path);
  return record && isSameProcessAlive(record) ? record : undefined;
}

/** What runs under one lock and pid file pair. */
export interface DaemonState {
  /** Whether it runs: its lock is held, or its pid file names a process confirmed alive. */
  running: boolean;
  /** The pid record, when its process is confirmed to be the one that wrote it. */
  record?: PidRecord;
  /**
   * While running without a confirmed record: the record naming a live pid whose identity cannot
   * be confirmed (no start time recorded, or none readable) — never to be signalled.
   */
  unconfirmed?: PidRecord;
}

/**
 * What runs under a lock and pid file: the lock is the truth of "running" (a held flock means a
 * live holder, whatever the clock or time zone); the pid file says which process it is, and only
 * a record whose start time matches the live process is trusted.
 */
export async function readDaemon(pidPath: string, lockPath: string): Promise<DaemonState> {
  const held = await isLockHeld(lockPath);
  const record = await readPidRecord(pidPath);
  const liveness = record ? checkProcess(record) : "gone";
  if (liveness === "alive") return { running: true, record };
  if (!held) return { running: false };
  return liveness === "unconfirmed" ? { running: true, unconfirmed: record } : { running: true };
}

/** Removes a pid file if it still names this process. */
export async function removeOwnPidFile(path: string): Promise<void> {
  const record = await readJsonFile<PidRecord>(path);
  if (record?.pid === Deno.pid) await Deno.remove(path).catch(() => {});
}

/**
 * Rewrites this process's pid file if someone deleted, truncated or garbled it. Returns whether it
 * had to.
 */
export async function repairOwnPidFile(path: string, startedAt: number): Promise<boolean> {
  const record = await readJsonFile<PidRecord>(path);
  if (record?.pid === Deno.pid) return false;
  await writePidFile(path, startedAt);
  return true;
}
