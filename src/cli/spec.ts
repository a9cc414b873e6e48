/**
 * Command specifications: every command declares its path, options and arguments as data, so
 * parsing, `--help` and shell completions all come from one source.
 *
 * @module
 */

import type { LoadedConfig } from "../config/mod.ts";
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
  /** `--config` as given (the default file is found by `loadConfig`). */
  configFlag?: string;
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
  /**
   * The config file (`--config FILE`, else the default path), loaded once; `undefined` when there
   * is none. Throws `ConfigError` for a bad or unsafe file.
   */
  config(): Promise<LoadedConfig | undefined>;
  /**
   * `values` on top of what the config file's `sections` set (flags win), after checking the
   * whole file (see `config_file.ts`).
   */
  withConfig(values: OptionValues, sections: readonly ConfigSectionName[]): Promise<OptionValues>;
}

/** A config section read through an option table (see `config_file.ts`). */
export type ConfigSectionName = "monitor" | "supervise";

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
  config: text({
    flag: "config",
    valueName: "FILE",
    help:
      "Config file (default $XDG_CONFIG_HOME/tmux-orc/config.toml, ~/.config/tmux-orc/config.toml)",
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
  /**
   * The config file's sections whose options this command takes (flags win), chosen from the
   * command line's values: `ctx.values` and the typed options then hold the effective values.
   */
  configSections?: (values: OptionValues) => readonly ConfigSectionName[];
}

/**
 * A {@linkcode CommandSpec} from a typed table: the parse spec comes from the table, and `run`
 * gets the values read by {@linkcode readOptions} (a bad value is one line, exit 2, before the
 * action starts).
 */
export function defineCommand<T extends OptionTable>(command: TypedCommand<T>): CommandSpec {
  const { options, run, configSections, ...rest } = command;
  return {
    ...rest,
    options: optionSpecs(options),
    run: async (ctx) => {
      // Check the command line first: a bad flag is a usage error whatever the file says.
      readOptions(options, ctx.values);
      const sections = configSections?.(ctx.values) ?? [];
      if (sections.length > 0) ctx = { ...ctx, values: await ctx.withConfig(ctx.values, sections) };
      return await run(ctx, readOptions(options, ctx.values));
    },
  };
}
