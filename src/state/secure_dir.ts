/**
 * Whether a directory is safe to keep state in, the way OpenSSH's StrictModes and PostgreSQL's
 * data-directory check decide it: the directory is owned by the current user and writable by no
 * one else, and no one else can replace it or anything on the way to it — every directory and
 * symlink on its path (as given, and as resolved) belongs to the user or to root, and none is
 * writable by others unless it is sticky (`/tmp`). With `sudo -E`, root's state dir in a user's
 * home is refused instead of letting that user steer root's writes.
 *
 * @module
 */

import { dirname, isAbsolute, resolve } from "node:path";
import { UserError } from "./errors.ts";

const STICKY = 0o1000;

function uidOf(info: Deno.FileInfo): number | null {
  return info.uid;
}

function describeOwner(uid: number | null): string {
  return `uid ${uid ?? "?"}`;
}

/** The prefixes of an absolute path, from `/` down to the path itself. */
function prefixes(path: string): string[] {
  const out: string[] = [];
  for (let p = path;; p = dirname(p)) {
    out.unshift(p);
    if (dirname(p) === p) break;
  }
  return out;
}

/**
 * Checks every component on the way to `dir` (excluding `dir` itself): each is owned by `uid` or
 * root, and none is world-writable unless sticky. (A group-writable parent is tolerated: with
 * user-private groups, `umask 002` makes homes 0775.) Throws a one-line {@linkcode UserError}
 * naming the first unsafe component.
 */
async function checkAncestors(dir: string, what: string, uid: number): Promise<void> {
  for (const path of prefixes(dir).slice(0, -1)) {
    const info = await Deno.lstat(path);
    const owner = uidOf(info);
    if (owner !== null && owner !== uid && owner !== 0) {
      throw new UserError(
        `Refusing state dir ${what}: ${path} on the way to it is owned by ${
          describeOwner(owner)
        }, not by you (uid ${uid}) or root, so that user could replace it`,
      );
    }
    if (info.isSymlink) continue; // a link's own mode means nothing; its owner was checked
    const mode = info.mode ?? 0;
    if ((mode & 0o002) !== 0 && (mode & STICKY) === 0) {
      throw new UserError(
        `Refusing state dir ${what}: ${path} on the way to it is world-writable and not sticky (mode ${
          (mode & 0o7777).toString(8)
        })`,
      );
    }
  }
}

/** Checks the directory itself: a real directory, owned by `uid`, writable by no one else. */
function checkOwn(path: string, info: Deno.FileInfo, uid: number, label: string): void {
  if (!info.isDirectory) throw new UserError(`${label} is not a directory: ${path}`);
  const owner = uidOf(info);
  if (owner !== null && owner !== uid) {
    throw new UserError(
      `${label} is owned by ${describeOwner(owner)}, not by you (uid ${uid}): ${path}`,
    );
  }
  if (info.mode !== null && (info.mode & 0o022) !== 0) {
    throw new UserError(
      `${label} is group- or world-writable: ${path} (mode ${
        (info.mode & 0o777).toString(8)
      }; run chmod 700 on it)`,
    );
  }
}

/**
 * Refuses an existing state dir that is unsafe (see the module doc). `dir` may be relative; its
 * path as given and its resolved path are both checked.
 */
export async function checkStateDir(dir: string, uid: number): Promise<void> {
  const given = isAbsolute(dir) ? dir : resolve(dir);
  const real = await checkWayTo(given, dir, uid);
  checkOwn(dir, await Deno.stat(real), uid, "State dir");
}

/**
 * Checks the way to `path` (which exists, or whose parent does) as given and as resolved; returns
 * the resolved path.
 */
async function checkWayTo(path: string, what: string, uid: number): Promise<string> {
  await checkAncestors(path, what, uid);
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    real = resolve(await Deno.realPath(dirname(path)), path.slice(dirname(path).length + 1));
  }
  if (real !== path) await checkAncestors(real, what, uid);
  return real;
}

/**
 * Creates the missing directories on the way to `dir`, one at a time with mode 0700, and checks
 * each one it created (owned by `uid`, not group- or world-writable) before going deeper.
 */
export async function createStateDir(dir: string, uid: number): Promise<void> {
  const given = isAbsolute(dir) ? dir : resolve(dir);
  for (const path of prefixes(given)) {
    try {
      await Deno.lstat(path);
      continue;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    // Never create anything where another user could swap what was created.
    await checkWayTo(path, dir, uid);
    try {
      await Deno.mkdir(path, { mode: 0o700 });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const info = await Deno.lstat(path);
    checkOwn(path, info, uid, "A directory tmux-orc created");
  }
}

/** Checks (or creates, mode 0700) a subdirectory such as `logs`: no symlink, ours, private. */
export async function ensureSubdir(path: string, uid: number): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    try {
      await Deno.mkdir(path, { mode: 0o700 });
    } catch (mkdirError) {
      if (!(mkdirError instanceof Deno.errors.AlreadyExists)) throw mkdirError;
    }
    info = await Deno.lstat(path);
  }
  if (info.isSymlink) throw new UserError(`Refusing a symlinked state directory: ${path}`);
  checkOwn(path, info, uid, "State directory");
}
