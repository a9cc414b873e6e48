/**
 * Atomic file writes: a temp file in the same directory, fsync, then rename over the target.
 * Readers see the old content or the new, never a torn file.
 *
 * @module
 */

import { UserError } from "./errors.ts";

const encoder = new TextEncoder();

/**
 * Writes `text` to `path` atomically, mode 0600 unless `mode` says otherwise. Refuses to replace a
 * symlink. The temp file is created new (`O_CREAT|O_EXCL`, which never follows a link) and the
 * rename replaces whatever is at `path` without writing through it.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: { mode?: number } = {},
): Promise<void> {
  await refuseSymlink(path);
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    try {
      const bytes = encoder.encode(text);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.syncData();
    } finally {
      file.close();
    }
    if (options.mode !== undefined) await Deno.chmod(tmp, options.mode);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** Writes `value` as JSON (one line plus newline) to `path` atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value) + "\n");
}

/**
 * Reads and parses a JSON file; `undefined` when it is missing, empty, or not valid JSON
 * (a state file that someone truncated or filled with garbage is treated as absent).
 */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === "object" ? value as T : undefined;
  } catch {
    return undefined;
  }
}

/** Throws when `path` exists and is a symbolic link. */
export async function refuseSymlink(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch {
    return;
  }
  if (info.isSymlink) {
    throw new UserError(`Refusing a symlinked state file: ${path}`);
  }
}
