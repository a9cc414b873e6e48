/**
 * Opening state files for writing without ever writing through a planted link. Deno has no
 * `O_NOFOLLOW`, so: `lstat` first (a symlink or anything but a regular file is refused), open,
 * then `fstat` the open descriptor and compare device and inode with what `lstat` saw — a link
 * swapped in between is caught before a byte is written. A new file is created with
 * `O_CREAT|O_EXCL` (`createNew`), which never follows a symlink. A file with a second hard link,
 * or owned by someone else, is refused too.
 *
 * @module
 */

import { UserError } from "./errors.ts";

/** How to open. */
export interface SafeOpenOptions {
  /** Append to the end (logs). */
  append?: boolean;
  /** Also open for reading. */
  read?: boolean;
  /** Create the file when it is missing. */
  create?: boolean;
  /** Mode of a created file. @default 0o600 */
  mode?: number;
}

function refusal(path: string, why: string): UserError {
  return new UserError(`Refusing ${why}: ${path}`);
}

function checkBefore(path: string, info: Deno.FileInfo): void {
  if (info.isSymlink) throw refusal(path, "a symlinked state file");
  if (!info.isFile) throw refusal(path, "a state file that is not a regular file");
}

function checkOpened(path: string, before: Deno.FileInfo | undefined, after: Deno.FileInfo) {
  if (before && (after.dev !== before.dev || after.ino !== before.ino)) {
    throw refusal(path, "a state file replaced while it was opened (a symlink race?)");
  }
  if (!after.isFile) throw refusal(path, "a state file that is not a regular file");
  if (after.nlink !== null && after.nlink > 1) throw refusal(path, "a hard-linked state file");
  const uid = Deno.uid();
  if (uid !== null && after.uid !== null && after.uid !== uid) {
    throw refusal(path, `a state file owned by uid ${after.uid}, not by you (uid ${uid})`);
  }
}

function openFlags(options: SafeOpenOptions): Deno.OpenOptions {
  return options.append
    ? { append: true, read: options.read }
    : { write: true, read: options.read ?? true };
}

function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Opens `path` for writing (see the module doc); throws {@linkcode UserError} on a refusal. */
export function openNoFollowSync(path: string, options: SafeOpenOptions = {}): Deno.FsFile {
  for (let attempt = 0;; attempt++) {
    const before = lstatOrUndefined(path);
    let file: Deno.FsFile;
    if (before) {
      checkBefore(path, before);
      file = Deno.openSync(path, openFlags(options));
    } else {
      if (!options.create) throw new Deno.errors.NotFound(`No such file: ${path}`);
      try {
        file = Deno.openSync(path, {
          ...openFlags(options),
          write: true,
          createNew: true,
          mode: options.mode ?? 0o600,
        });
      } catch (error) {
        // Created by someone else in between: look again (a few times, then give up).
        if (error instanceof Deno.errors.AlreadyExists && attempt < 3) continue;
        throw error;
      }
    }
    try {
      checkOpened(path, before, file.statSync());
    } catch (error) {
      file.close();
      throw error;
    }
    return file;
  }
}

/** The async form of {@linkcode openNoFollowSync} (the checks are the same, synchronous). */
export function openNoFollow(path: string, options: SafeOpenOptions = {}): Promise<Deno.FsFile> {
  try {
    return Promise.resolve(openNoFollowSync(path, options));
  } catch (error) {
    return Promise.reject(error);
  }
}
