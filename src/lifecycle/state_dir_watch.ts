/**
 * Noticing that the state dir was deleted or replaced while a daemon runs. The dir holds the
 * daemon's lock, pid file and database: once it is gone (or another dir has its name), the CLI can
 * no longer find or stop the daemon, and the next start would run a second one. So each cycle the
 * daemon compares the dir's device and inode with those it started with (one `lstat`); on a
 * mismatch it says so and exits, and whatever starts it again (its supervisor, or the user) starts
 * consistently from the dir that is there now.
 *
 * @module
 */

import { type FileIdentity, identityOf, sameFile } from "../store/file_guard.ts";

/** Watches one directory's identity. */
export class StateDirWatch {
  readonly #dir: string;
  readonly #identity: FileIdentity | undefined;

  /** Records the identity of `dir` now. */
  constructor(dir: string) {
    this.#dir = dir;
    this.#identity = identityOf(dir);
  }

  /** A sentence saying what happened to the dir, or `undefined` while it is the same one. */
  check(): string | undefined {
    let now: FileIdentity | undefined;
    try {
      now = identityOf(this.#dir);
    } catch (error) {
      return `Cannot look at the state dir: ${(error as Error).message}: ${this.#dir}`;
    }
    if (now === undefined) return `State dir was deleted while running: ${this.#dir}`;
    if (this.#identity !== undefined && !sameFile(now, this.#identity)) {
      return `State dir was replaced by another directory while running: ${this.#dir}`;
    }
    return undefined;
  }
}
