/**
 * Command specifications: every command declares its path, options and arguments as data, so
 * parsing, `--help` and shell completions all come from one source.
 *
 * @module
 */

import type { StatePaths } from "../state/paths.ts";
import type { TmuxServer } from "../tmux/types.ts";

/** One command-line option. */
export interface OptionSpec {
  /** `string` takes a value; `boolean` is a switch. */
  type: "string" | "boolean";
  /** One-letter alias. */
  short?: string;
  /** Whether the option may repeat (values collected into an array). */
  multiple?: boolean;
  /** One line for `--help`. */
  description: string;
  /** Placeholder for the value in `--help`, e.g. `S` or `DIR`. */
  valueName?: string;
  /** Not shown in `--help` (internal switches). */
  hidden?: boolean;
}

/** Parsed option values. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Options every command takes. */
export interface GlobalOptions {
  /** `--state-dir` as given (resolution happens in {@linkcode CommandContext.statePaths}). */
  stateDirFlag?: string;
  /** The tmux server every tmux call addresses (`-L` / `-S`). */
  server: TmuxServer;
}

/** What a command's `run` receives. */
export interface CommandContext {
  /** Option values (global and the command's own). */
  values: OptionValues;
  /** Positional arguments after the command path. */
  args: string[];
  /** Global options. */
  global: GlobalOptions;
  /** Resolves and prepares the state directory (creating it 0700 unless `create` is false). */
  statePaths(options?: { create?: boolean }): Promise<StatePaths>;
  /** Writes a line to stdout. */
  out(line: string): void;
}

/** A command. */
export interface CommandSpec {
  /** Words that select it, e.g. `["monitor", "start"]`. */
  path: string[];
  /** One line for the command list. */
  summary: string;
  /** Positional arguments shown in usage, e.g. `TARGET MESSAGE`. */
  argsUsage?: string;
  /** Bounds on positional arguments. */
  args?: { min: number; max: number };
  /** Longer help text shown after usage. */
  description?: string;
  /** The command's own options (globals are added). */
  options: Record<string, OptionSpec>;
  /** Runs the command; resolves with the exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/** The options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  "state-dir": {
    type: "string",
    valueName: "DIR",
    description:
      "State directory (default $TMUX_ORC_STATE_DIR, $XDG_STATE_HOME/tmux-orc, ~/.local/state/tmux-orc)",
  },
  "socket-name": {
    type: "string",
    short: "L",
    valueName: "NAME",
    description: "tmux socket name, as tmux -L",
  },
  "socket-path": {
    type: "string",
    short: "S",
    valueName: "PATH",
    description: "tmux socket path, as tmux -S",
  },
  help: { type: "boolean", short: "h", description: "Show help" },
};
