/**
 * The rotating JSON-lines file sink: `<name>.jsonl`, rotated to `.1` … `.N-1` past a size. Every
 * open goes through {@linkcode openNoFollowSync}, so neither the log file nor its replacement after
 * a rotation is ever written through a planted symlink or hard link (LogTape's own file sink
 * opens with a plain `create + append`, which follows them). Rotation renames, which move a link
 * itself, never its target.
 *
 * @module
 */

import type { LogRecord, Sink } from "@logtape/logtape";
import { errorMessage } from "../state/errors.ts";
import { openNoFollowSync } from "../state/safe_open.ts";

/** Options for {@linkcode rotatingFileSink}. */
export interface RotatingFileSinkOptions {
  /** Largest file before it is rotated (bytes). */
  maxBytes: number;
  /** Files kept: the current one plus `maxFiles - 1` rotated ones. */
  maxFiles: number;
  /** Turns a record into one line (with its newline). */
  formatter: (record: LogRecord) => string;
  /** Called once per run of failures (not per record) with why a record was dropped. */
  onError?: (message: string) => void;
}

const encoder = new TextEncoder();

/**
 * A sink that appends each record at once (a daemon killed with SIGKILL loses no line). Creating
 * it opens the file and throws when that is refused; afterwards it never throws: a record that
 * cannot be written is dropped and the failure reported once.
 */
export function rotatingFileSink(
  path: string,
  options: RotatingFileSinkOptions,
): Sink & Disposable {
  let file: Deno.FsFile | undefined;
  let size = 0;
  let failing = false;

  const open = () => {
    file = openNoFollowSync(path, { append: true, create: true, mode: 0o600 });
    size = file.statSync().size;
  };
  const rotate = () => {
    file?.close();
    file = undefined;
    for (let i = options.maxFiles - 1; i > 0; i--) {
      try {
        Deno.renameSync(i === 1 ? path : `${path}.${i - 1}`, `${path}.${i}`);
      } catch { /* that generation does not exist yet */ }
    }
    if (options.maxFiles <= 1) Deno.removeSync(path);
    open();
  };
  const sink = (record: LogRecord) => {
    try {
      const bytes = encoder.encode(options.formatter(record));
      if (!file) open();
      if (size > 0 && size + bytes.length > options.maxBytes) rotate();
      let written = 0;
      while (written < bytes.length) written += file!.writeSync(bytes.subarray(written));
      size += bytes.length;
      failing = false;
    } catch (error) {
      // Start over with a fresh descriptor next time (the file may have been moved or replaced).
      try {
        file?.close();
      } catch { /* already closed */ }
      file = undefined;
      if (!failing) options.onError?.(`Cannot write the log file ${path}: ${errorMessage(error)}`);
      failing = true;
    }
  };
  // Open now: a planted link or a foreign file refuses the start with one clear line, rather than
  // a daemon running without its log.
  open();
  return Object.assign(sink, {
    [Symbol.dispose]() {
      try {
        file?.close();
      } catch { /* already closed */ }
      file = undefined;
    },
  });
}
