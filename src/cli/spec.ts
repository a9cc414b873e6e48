/**
 * Command specifications: every command declares its path, options and arguments as data, so
 * parsing, `--help` and shell completions all come from one source.
 *
 * @module
 */

import type { StatePaths } from "../state/paths.ts";
import type { TmuxServer } from "../tmux/types.ts";
import {
  type Options,
  optionSpecs,
  type OptionTable,
  readOptions,
  switchOption,
  text,
} from "./options.ts";

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
  /** The global options, read: state dir flag and tmux server. */
  global: GlobalOptions;
  /** Resolves and prepares the state directory (creating it 0700 unless `create` is false). */
  statePaths(options?: { create?: boolean }): Promise<StatePaths>;
  /** Writes a line to stdout. */
  out(line: string): void;
}

/** A command as the parser, `--help` and completions see it (see {@linkcode defineCommand}). */
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

/** The options every command accepts, as a typed table. */
export const GLOBAL_TABLE = {
  stateDir: text({
    flag: "state-dir",
    valueName: "DIR",
    help:
      "State directory (default $TMUX_ORC_STATE_DIR, $XDG_STATE_HOME/tmux-orc, ~/.local/state/tmux-orc)",
  }),
  socketName: text({
    flag: "socket-name",
    short: "L",
    valueName: "NAME",
    help: "tmux socket name, as tmux -L",
  }),
  socketPath: text({
    flag: "socket-path",
    short: "S",
    valueName: "PATH",
    help: "tmux socket path, as tmux -S",
  }),
  help: switchOption({ flag: "help", short: "h", help: "Show help" }),
};

/** The parse spec of {@linkcode GLOBAL_TABLE}. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = optionSpecs(GLOBAL_TABLE);

/** A command whose options are a typed table, and whose action gets their typed values. */
export interface TypedCommand<T extends OptionTable> extends Omit<CommandSpec, "options" | "run"> {
  /** The command's own options (globals are added). */
  options: T;
  /** Runs the command with its validated, typed option values; resolves with the exit code. */
  run(ctx: CommandContext, options: Options<T>): Promise<number>;
}

/**
 * A {@linkcode CommandSpec} from a typed table: the parse spec comes from the table, and `run`
 * gets the values read by {@linkcode readOptions} (a bad value is one line, exit 2, before the
 * action starts).
 */
export function defineCommand<T extends OptionTable>(command: TypedCommand<T>): CommandSpec {
  const { options, run, ...rest } = command;
  return {
    ...rest,
    options: optionSpecs(options),
    run: async (ctx) => await run(ctx, readOptions(options, ctx.values)),
  };
}
