/**
 * Singleton locks: an exclusive `flock` on a file in the state dir, held for the process's life.
 * The kernel drops it when the process dies, however it dies, so a crash never leaves a stale lock.
 *
 * @module
 */

import { refuseSymlink } from "./atomic.ts";

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
  await refuseSymlink(path);
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  let locked = false;
  try {
    locked = await file.tryLock(true);
  } finally {
    if (!locked) file.close();
  }
  return locked ? new HeldLock(file) : undefined;
}

/** Whether some process holds the lock at `path` right now (probes by taking and releasing it). */
export async function isLockHeld(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
  } catch {
    return false;
  }
  const lock = await tryLock(path);
  if (!lock) return true;
  lock.release();
  return false;
}
