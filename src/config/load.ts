/**
 * Finding, reading and parsing the config file. The file is read without following a symlink
 * (lstat, open, then fstat must show the same inode), must be a regular file owned by you and not
 * writable by group or others (it names programs the monitor runs), and is parsed by smol-toml.
 *
 * @module
 */

import { join } from "node:path";
import { parse, TomlError } from "smol-toml";
import { errorMessage } from "../state/errors.ts";
import { FileRefusal, readFileSafely } from "./read_safe.ts";
import { ConfigError } from "./errors.ts";
import { type KeyLine, keyLines, type KeyPath, lineOf } from "./locate.ts";

/** The largest config file read (bytes): anything bigger is a mistake. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** A parsed config file and how to point at a line in it. */
export class LoadedConfig {
  /** The file it was read from. */
  readonly path: string;
  /** The parsed TOML (tables are null-prototype objects; dates are `TomlDate`). */
  readonly data: Record<string, unknown>;
  /** The file's permission bits (`undefined` for text not read from a file). */
  readonly mode?: number;
  /** Warnings found while reading it (e.g. a literal secret in a group-readable file). */
  readonly warnings: string[] = [];
  readonly #source: string;
  #lines?: KeyLine[];

  /** Wraps parsed `data` read from `path`; `source` is the text, for line numbers. */
  constructor(path: string, data: Record<string, unknown>, source: string, mode?: number) {
    this.path = path;
    this.data = data;
    this.#source = source;
    this.mode = mode;
  }

  /** The line that defines `keyPath` (or its closest defined ancestor). */
  lineOf(keyPath: KeyPath): number | undefined {
    this.#lines ??= keyLines(this.#source);
    return lineOf(this.#lines, keyPath);
  }

  /**
   * The one-line error `Bad config file PATH:LINE: KEY.PATH: problem`, with the line where the key
   * (or its closest defined ancestor) is defined. Throw it.
   *
   * @example
   * ```ts
   * throw config.errorAt(["monitor", "interval"], "expected seconds from 0.05 to 3600, got 0");
   * ```
   */
  errorAt(keyPath: KeyPath, problem: string): ConfigError {
    return new ConfigError({ path: this.path, line: this.lineOf(keyPath), keyPath }, problem);
  }

  /** Records a warning in the same one-line form as {@linkcode errorAt}. */
  warn(keyPath: KeyPath, problem: string): void {
    const line = this.lineOf(keyPath);
    const message = new ConfigError({ path: this.path, line, keyPath }, problem).message
      .replace(/^Bad config file /, "Config file ");
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }
}

/**
 * The config file used when no `--config` is given: `$XDG_CONFIG_HOME/tmux-orc/config.toml`, else
 * `~/.config/tmux-orc/config.toml` (`undefined` when neither variable is set). A relative
 * `XDG_CONFIG_HOME` is ignored, as the XDG spec says.
 */
export function defaultConfigPath(
  env: { get(name: string): string | undefined } = Deno.env,
): string | undefined {
  const xdg = env.get("XDG_CONFIG_HOME");
  if (xdg && xdg.startsWith("/")) return join(xdg, "tmux-orc", "config.toml");
  const home = env.get("HOME");
  return home ? join(home, ".config", "tmux-orc", "config.toml") : undefined;
}

/** Parses config text; a syntax error is a {@linkcode ConfigError} with line and column. */
export function parseConfigText(
  source: string,
  options: { path: string; mode?: number },
): LoadedConfig {
  let data: Record<string, unknown>;
  try {
    data = parse(source) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigError(
        { path: options.path, line: error.line, column: error.column },
        `invalid TOML: ${first}`,
        { cause: error },
      );
    }
    throw new ConfigError({ path: options.path }, `invalid TOML: ${errorMessage(error)}`);
  }
  return new LoadedConfig(options.path, data, source, options.mode);
}

/**
 * Reads the config file at `path` safely (see the module doc). `undefined` when it does not exist
 * and `required` is false.
 */
export async function readConfigFile(
  path: string,
  options: { required: boolean },
): Promise<{ text: string; mode: number } | undefined> {
  try {
    return await readFileSafely(path, {
      maxBytes: MAX_CONFIG_BYTES,
      forbiddenModeBits: 0o022,
      fixMode: "chmod go-w",
      allowRoot: true,
    });
  } catch (error) {
    if (!(error instanceof FileRefusal)) throw error;
    if (error.notFound && !options.required) return undefined;
    throw new ConfigError({ path }, error.message);
  }
}

/** Where to look for the config file. */
export interface LoadConfigOptions {
  /** The file given with `--config` (must exist); without it, {@linkcode defaultConfigPath}. */
  path?: string;
  /** Environment for the default path. @default Deno.env */
  env?: { get(name: string): string | undefined };
}

/**
 * Loads the config file: `path` (from `--config FILE`; missing is an error), else the default
 * path (missing is `undefined`: no config file, the built-in defaults apply). Throws
 * {@linkcode ConfigError} for an unsafe, unreadable or invalid file.
 *
 * @example
 * ```ts
 * const config = await loadConfig({ path: flags.config });
 * const monitor = config?.data.monitor;
 * ```
 */
export async function loadConfig(
  options: LoadConfigOptions = {},
): Promise<LoadedConfig | undefined> {
  const path = options.path ?? defaultConfigPath(options.env);
  if (path === undefined) return undefined;
  const read = await readConfigFile(path, { required: options.path !== undefined });
  if (!read) return undefined;
  return parseConfigText(read.text, { path, mode: read.mode });
}
