/**
 * Singleton locks: an exclusive `flock` on a file in the state dir, held for the process's life.
 * The kernel drops it when the process dies, however it dies, so a crash never leaves a stale lock.
 *
 * @module
 */

import { openNoFollow } from "./safe_open.ts";

/** A held lock; release it with {@linkcode HeldLock.release} (or let the process exit). */
export class HeldLock {
  #file: Deno.FsFile | undefined;

  /** Wraps an open, locked file. */
  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Releases the lock. Idempotent. */
  release(): void {
    const file = this.#file;
    this.#file = undefined;
    if (!file) return;
    try {
      file.unlockSync();
    } catch { /* closing releases it anyway */ }
    file.close();
  }
}

/**
 * Tries to take the exclusive lock at `path` without waiting. Returns the held lock, or
 * `undefined` when another process holds it.
 */
export async function tryLock(path: string): Promise<HeldLock | undefined> {
  const file = await openNoFollow(path, { read: true, create: true, mode: 0o600 });
  let locked = false;
  try {
    // A status probe holds the lock for a moment: look again before calling it taken.
    for (let attempt = 0; attempt < PROBE_RETRIES && !locked; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 10));
      locked = await file.tryLock(true);
    }
  } finally {
    if (!locked) file.close();
  }
  return locked ? new HeldLock(file) : undefined;
}

/** How often {@linkcode tryLock} tries, 10 ms apart (a probe holds a lock for microseconds). */
const PROBE_RETRIES = 3;

/**
 * Whether some process holds the lock at `path` right now. Probes with a shared lock on a
 * read-only descriptor (never creating the file), so it works on a read-only or full state dir;
 * a missing file is not held.
 */
export async function isLockHeld(path: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    const info = await Deno.lstat(path);
    if (!info.isFile) return false;
    file = await Deno.open(path, { read: true });
  } catch {
    return false;
  }
  try {
    const free = await file.tryLock(false);
    if (free) file.unlockSync();
    return !free;
  } finally {
    file.close();
  }
}
