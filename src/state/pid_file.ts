/**
 * Pid files: for people and `status`, never for mutual exclusion (that is the lock's job).
 *
 * @module
 */

import { readJsonFile, writeJsonAtomic } from "./atomic.ts";
import { isSameProcessAlive, type ProcessIdentity, selfIdentity } from "./process_info.ts";

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

/**
 * Reads a pid file and returns its record only if that process is still alive (same pid and same
 * start time); a missing, garbled or stale file gives `undefined`.
 */
export async function readLivePid(path: string): Promise<PidRecord | undefined> {
  const record = await readJsonFile<PidRecord>(path);
  if (!record || typeof record.pid !== "number") return undefined;
  const identity = {
    pid: record.pid,
    start: typeof record.start === "string" ? record.start : null,
  };
  return isSameProcessAlive(identity) ? { ...record, ...identity } : undefined;
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
