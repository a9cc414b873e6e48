/**
 * Errors that reach the user as one clear line.
 *
 * @module
 */

import { safeText } from "../util/safe_text.ts";

/** A failure the user can act on: printed as one line, the process exits with `exitCode`. */
export class UserError extends Error {
  /** The process exit code for this error. */
  readonly exitCode: number;

  /** Creates the error; `exitCode` defaults to 1. */
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "UserError";
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad command-line input: exit code 2. */
export class UsageError extends UserError {
  /** Creates the error. */
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = "UsageError";
  }
}

/** Returns an error's message, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * User input made safe for a one-line message: control characters, C1 and bidi controls are shown
 * visibly (`\x1b`, `\n`, `<U+202E>`; see {@linkcode safeText}).
 */
export function shown(input: string): string {
  return safeText(input);
}
