/**
 * The database's files on disk: never through a symlink, and noticed when they are deleted or
 * replaced while open. `node:sqlite` opens by path (and creates `-wal`/`-shm` by path), so every
 * path is checked with `lstat` before the open, the main file is created with `O_EXCL` (which
 * never follows a link) or opened `O_NOFOLLOW` to tighten its mode through the descriptor, and the
 * identities (device + inode) are compared again after the open and on every
 * {@linkcode checkDbFiles}.
 *
 * @module
 */

import * as fs from "node:fs";

/** The suffixes of SQLite's side files. */
export const SIDE_FILES = ["-wal", "-shm", "-journal"] as const;

/** Device and inode of a file: what stays the same while it is the same file. */
export interface FileIdentity {
  /** Device. */
  dev: number;
  /** Inode. */
  ino: number;
}

/** Why a database path is refused. */
export class UnsafeDbFileError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UnsafeDbFileError";
  }
}

/** `lstat`, or `undefined` when nothing is there. */
export function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** The identity of what is at `path` now (without following a link), or `undefined`. */
export function identityOf(path: string): FileIdentity | undefined {
  const info = lstatOrUndefined(path);
  return info ? { dev: info.dev, ino: info.ino ?? 0 } : undefined;
}

/** Whether two identities name the same file. */
export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** Throws {@linkcode UnsafeDbFileError} when `path` exists and is not a regular file. */
function refuseNonRegular(path: string): void {
  const info = lstatOrUndefined(path);
  if (!info) return;
  if (info.isSymlink) throw new UnsafeDbFileError(`Refusing a symlinked database file: ${path}`);
  if (!info.isFile) {
    throw new UnsafeDbFileError(`Refusing a database path that is not a file: ${path}`);
  }
}

/** Refuses the database and its side files when any of them is a symlink or not a file. */
export function refuseUnsafeDbPaths(path: string): void {
  refuseNonRegular(path);
  for (const suffix of SIDE_FILES) refuseNonRegular(path + suffix);
}

/**
 * Creates the database file (mode 0600) when missing, or tightens an existing one to 0600 through
 * an `O_NOFOLLOW` descriptor, so no link's target is ever created or chmod'ed. Returns the
 * identity of the file.
 */
export function ensureDbFile(path: string): FileIdentity {
  refuseUnsafeDbPaths(path);
  const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as { code?: string }).code !== "EEXIST") throw error;
    try {
      fd = fs.openSync(path, O_RDWR | O_NOFOLLOW);
    } catch (inner) {
      if ((inner as { code?: string }).code === "ELOOP") {
        throw new UnsafeDbFileError(`Refusing a symlinked database file: ${path}`);
      }
      throw inner;
    }
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      throw new UnsafeDbFileError(`Refusing a database path that is not a file: ${path}`);
    }
    fs.fchmodSync(fd, 0o600);
    return { dev: Number(stat.dev), ino: Number(stat.ino) };
  } finally {
    fs.closeSync(fd);
  }
}

/** What is known about the open database's files. */
export interface DbFiles {
  /** The main file. */
  main: FileIdentity;
  /** The `-wal` file, once it exists. */
  wal?: FileIdentity;
  /** The `-shm` file, once it exists. */
  shm?: FileIdentity;
}

/** What {@linkcode checkDbFiles} found. */
export type DbFilesCheck =
  | { ok: true }
  | { ok: false; problem: "deleted" | "replaced" | "symlinked"; message: string };

/**
 * Compares what is at `path` (and its `-wal`/`-shm`) with `files`; records side files that have
 * appeared since. Costs two or three `lstat` calls.
 */
export function checkDbFiles(path: string, files: DbFiles): DbFilesCheck {
  const info = lstatOrUndefined(path);
  if (!info) {
    return { ok: false, problem: "deleted", message: `Database file was deleted: ${path}` };
  }
  if (info.isSymlink) {
    return {
      ok: false,
      problem: "symlinked",
      message: `Database file was replaced by a symlink: ${path}`,
    };
  }
  if (!sameFile({ dev: info.dev, ino: info.ino ?? 0 }, files.main)) {
    return {
      ok: false,
      problem: "replaced",
      message: `Database file was replaced by another file: ${path}`,
    };
  }
  for (const side of ["wal", "shm"] as const) {
    const sideInfo = lstatOrUndefined(`${path}-${side}`);
    if (!sideInfo) continue;
    if (sideInfo.isSymlink) {
      return {
        ok: false,
        problem: "symlinked",
        message: `Database ${side} file was replaced by a symlink: ${path}-${side}`,
      };
    }
    files[side] ??= { dev: sideInfo.dev, ino: sideInfo.ino ?? 0 };
  }
  return { ok: true };
}
