/**
 * The config file's error: one line that names the file, the line and the key.
 *
 * @module
 */

import { UserError } from "../state/errors.ts";
import { formatKeyPath, type KeyPath } from "./locate.ts";

/** Where a config error is. */
export interface ConfigErrorLocation {
  /** The config file. */
  path: string;
  /** 1-based line, when known. */
  line?: number;
  /** 1-based column (syntax errors). */
  column?: number;
  /** The key the problem is about, when there is one. */
  keyPath?: KeyPath;
}

/**
 * A bad config file: `Bad config file PATH:LINE: KEY.PATH: problem`, exit 1. The parts are kept
 * as fields for callers that want them (`config check --json`, tests).
 */
export class ConfigError extends UserError {
  /** The config file. */
  readonly path: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** The key, when the problem is about one. */
  readonly keyPath?: KeyPath;
  /** The problem alone, without the location. */
  readonly problem: string;

  /** Creates the error from a location and the problem (sentence fragment, no final period). */
  constructor(location: ConfigErrorLocation, problem: string, options: { cause?: unknown } = {}) {
    const where = location.line === undefined
      ? location.path
      : `${location.path}:${location.line}${
        location.column === undefined ? "" : `:${location.column}`
      }`;
    const key = location.keyPath && location.keyPath.length > 0
      ? `${formatKeyPath(location.keyPath)}: `
      : "";
    super(`Bad config file ${where}: ${key}${problem}`, { exitCode: 1, cause: options.cause });
    this.name = "ConfigError";
    this.path = location.path;
    this.line = location.line;
    this.keyPath = location.keyPath;
    this.problem = problem;
  }
}
