/**
 * Reading a file the user controls without following a planted link: `lstat` (a symlink or
 * anything but a regular file is refused), open, then `fstat` the descriptor and compare device
 * and inode, so a link swapped in between is caught before a byte is read. The config file and
 * `file:` secrets are read this way.
 *
 * @module
 */

import { errorMessage } from "../state/errors.ts";

/** Why a file was refused (the message is a sentence fragment: "refusing a symlink"). */
export class FileRefusal extends Error {
  /** Whether the file does not exist (callers may treat that as "no file"). */
  readonly notFound: boolean;

  /** Creates the refusal. */
  constructor(message: string, options: { notFound?: boolean } = {}) {
    super(message);
    this.name = "FileRefusal";
    this.notFound = options.notFound ?? false;
  }
}

/** What to check beyond "a regular file, not a symlink". */
export interface ReadSafeOptions {
  /** Largest file accepted (bytes). */
  maxBytes: number;
  /** Refuses the file when any of these permission bits are set (e.g. `0o077`). */
  forbiddenModeBits?: number;
  /** What to tell the user to run when the mode is refused, e.g. `chmod 600`. */
  fixMode?: string;
  /** Also accept a file owned by root (a system-managed config). @default false */
  allowRoot?: boolean;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/** Reads `path` as UTF-8 text after the checks; throws {@linkcode FileRefusal}. */
export async function readFileSafely(
  path: string,
  options: ReadSafeOptions,
): Promise<{ text: string; mode: number }> {
  let before: Deno.FileInfo;
  try {
    before = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new FileRefusal("no such file", { notFound: true });
    }
    throw new FileRefusal(`cannot read: ${errorMessage(error)}`);
  }
  if (before.isSymlink) throw new FileRefusal("refusing a symlink (name the file itself)");
  if (!before.isFile) throw new FileRefusal("not a regular file");
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new FileRefusal(`cannot read: ${errorMessage(error)}`);
  }
  try {
    const info = await file.stat();
    if (info.dev !== before.dev || info.ino !== before.ino || !info.isFile) {
      throw new FileRefusal("replaced while it was opened (a symlink race?)");
    }
    const uid = Deno.uid();
    const ownerOk = uid === null || info.uid === null || info.uid === uid ||
      (options.allowRoot === true && info.uid === 0);
    if (!ownerOk) throw new FileRefusal(`owned by uid ${info.uid}, not by you (uid ${uid})`);
    const mode = (info.mode ?? 0) & 0o7777;
    if (options.forbiddenModeBits && (mode & options.forbiddenModeBits)) {
      const fix = options.fixMode ? `: run ${options.fixMode} on it` : "";
      throw new FileRefusal(`mode ${octal(mode)} is too open${fix}`);
    }
    if (info.size > options.maxBytes) {
      throw new FileRefusal(`larger than ${options.maxBytes} bytes`);
    }
    const bytes = new Uint8Array(info.size);
    let read = 0;
    while (read < bytes.length) {
      const n = await file.read(bytes.subarray(read));
      if (n === null) break;
      read += n;
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, read));
    } catch {
      throw new FileRefusal("not valid UTF-8");
    }
    return { text: text.replace(/^\uFEFF/, ""), mode };
  } catch (error) {
    if (error instanceof FileRefusal) throw error;
    throw new FileRefusal(`cannot read: ${errorMessage(error)}`);
  } finally {
    file.close();
  }
}
