/**
 * Command-line parsing over `node:util` parseArgs: find the command by its words, then parse that
 * command's options strictly, so an unknown option or a missing value is one clear error.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { shown, UsageError } from "../state/errors.ts";
import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec, type OptionValues } from "./spec.ts";

/** The outcome of parsing: a command with its values, or a request for general help. */
export interface ParsedCommand {
  /** The selected command, or `undefined` when only global words were given. */
  command?: CommandSpec;
  /** The longest run of leading words that names a command group (for `tmux-orc monitor --help`). */
  words: string[];
  /** Option values. */
  values: OptionValues;
  /** Positional arguments after the command path. */
  args: string[];
}

function valueTakingFlags(commands: readonly CommandSpec[]): Set<string> {
  const names = new Set<string>();
  const add = (options: Record<string, OptionSpec>) => {
    for (const [name, spec] of Object.entries(options)) {
      if (spec.type !== "string") continue;
      names.add(`--${name}`);
      if (spec.short) names.add(`-${spec.short}`);
    }
  };
  add(GLOBAL_OPTIONS);
  for (const command of commands) add(command.options);
  return names;
}

function leadingWords(argv: readonly string[], takesValue: Set<string>): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") break;
    if (arg.startsWith("-") && arg !== "-") {
      if (!arg.includes("=") && takesValue.has(arg)) i++;
      continue;
    }
    words.push(arg);
  }
  return words;
}

/** `--interval -1` → `--interval=-1`, so a negative number gets the value's own error message. */
function joinNegativeValues(
  argv: readonly string[],
  takesValue: Set<string>,
  longNames: Map<string, string>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    if (
      takesValue.has(arg) && next !== undefined && /^-[0-9.]/.test(next)
    ) {
      out.push(`${longNames.get(arg) ?? arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function toParseArgsOptions(options: Record<string, OptionSpec>) {
  const out: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> =
    {};
  for (const [name, spec] of Object.entries(options)) {
    out[name] = { type: spec.type };
    if (spec.short) out[name].short = spec.short;
    if (spec.multiple) out[name].multiple = true;
  }
  return out;
}

/** Parses `argv` against the command list. Throws {@linkcode UsageError} on bad input. */
export function parseCommandLine(
  argv: readonly string[],
  commands: readonly CommandSpec[],
): ParsedCommand {
  const words = leadingWords(argv, valueTakingFlags(commands));
  let command: CommandSpec | undefined;
  for (const candidate of commands) {
    const path = candidate.path;
    if (path.length > words.length) continue;
    if (!path.every((w, i) => words[i] === w)) continue;
    if (!command || path.length > command.path.length) command = candidate;
  }
  const options = { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) };
  const longNames = new Map(
    Object.entries(options).filter(([, o]) => o.short).map((
      [name, o],
    ) => [`-${o.short}`, `--${name}`]),
  );
  argv = joinNegativeValues(argv, valueTakingFlags(commands), longNames);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: toParseArgsOptions(options),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error, command));
  }
  const values = parsed.values as OptionValues;
  refuseEmptyValues(values);
  const positionals = parsed.positionals;
  if (!command) {
    if (positionals.length > 0 && !values.help) {
      throw new UsageError(
        `Unknown command: ${shown(positionals.join(" "))} (see 'tmux-orc --help')`,
      );
    }
    return { words: positionals, values, args: [] };
  }
  const args = positionals.slice(command.path.length);
  if (values.help) return { command, words: command.path, values, args };
  const bounds = command.args ?? { min: 0, max: 0 };
  if (args.length > bounds.max) {
    const extra = shown(args.slice(bounds.max).join(" "));
    const isGroup = commands.some((c) =>
      c.path.length > command!.path.length && c.path[0] === command!.path[0]
    );
    throw new UsageError(
      isGroup && bounds.max === 0
        ? `Unknown command: ${shown([...command.path, args[0]].join(" "))} (see 'tmux-orc ${
          command.path.join(" ")
        } --help')`
        : `Unexpected argument: ${extra} (see 'tmux-orc ${command.path.join(" ")} --help')`,
    );
  }
  if (args.length < bounds.min) {
    throw new UsageError(
      `Missing argument: ${command.argsUsage ?? "argument"} (see 'tmux-orc ${
        command.path.join(" ")
      } --help')`,
    );
  }
  return { command, words: command.path, values, args };
}

/**
 * Refuses an option given an empty (or blank) value: `--state-dir ""` from an unset variable in a
 * script must not fall back to the default and act on the user's real daemon.
 */
function refuseEmptyValues(values: OptionValues): void {
  for (const [name, value] of Object.entries(values)) {
    const all = Array.isArray(value) ? value : [value];
    const blank = all.find((v) => typeof v === "string" && v.trim() === "");
    if (typeof blank === "string") {
      throw new UsageError(
        `Invalid value for --${name}: expected non-empty text, got '${shown(blank)}'`,
      );
    }
  }
}

function describeParseError(error: unknown, command: CommandSpec | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const where = command ? `tmux-orc ${command.path.join(" ")} --help` : "tmux-orc --help";
  const unknown = message.match(/Unknown option '([^']+)'/);
  if (unknown) return `Unknown option: ${shown(unknown[1])} (see '${where}')`;
  const ambiguous = message.match(/Option '(--[\w-]+)[^']*' argument is ambiguous/);
  if (ambiguous) return `Missing value for option: ${ambiguous[1]}`;
  const missing = message.match(/Option '([^']+)' argument missing/);
  if (missing) {
    return `Missing value for option: ${
      missing[1].split(",").pop()!.trim().replace(/ <value>$/, "")
    }`;
  }
  const firstLine = shown(message.split("\n")[0]).replace(/^./, (c) => c.toUpperCase());
  return `${firstLine} (see '${where}')`;
}

function optionLine(name: string, spec: OptionSpec): [string, string] {
  const value = spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : "";
  const short = spec.short ? `-${spec.short}, ` : "    ";
  return [`  ${short}--${name}${value}`, spec.description];
}

function table(rows: [string, string][]): string[] {
  const width = Math.min(34, Math.max(...rows.map(([a]) => a.length)) + 2);
  return rows.map((
    [a, b],
  ) => (a.length >= width ? `${a}\n${" ".repeat(width)}${b}` : a.padEnd(width) + b));
}

/** Renders `--help` for a command, or the general help when `command` is undefined. */
export function renderHelp(
  commands: readonly CommandSpec[],
  options: { command?: CommandSpec; words?: string[]; version: string },
): string {
  const lines: string[] = [];
  const { command } = options;
  const prefix = command?.path ?? options.words ?? [];
  if (command) {
    lines.push(
      `Usage: tmux-orc ${[...command.path, command.argsUsage ?? ""].join(" ").trim()} [options]`,
      "",
    );
    lines.push(command.summary);
    if (command.description) lines.push("", command.description);
  } else {
    lines.push(
      `tmux-orc ${options.version}: keep AI coding agents in tmux working around the clock`,
      "",
    );
    lines.push("Usage: tmux-orc COMMAND [options]");
  }
  const subcommands = commands.filter((c) =>
    c.path.length > prefix.length && prefix.every((w, i) => c.path[i] === w) && c !== command
  );
  if (subcommands.length > 0) {
    lines.push("", "Commands:");
    lines.push(...table(subcommands.map((c) => [
      `  ${[...c.path, c.argsUsage ?? ""].join(" ").trim()}`,
      c.summary,
    ])));
  }
  const own = Object.entries(command?.options ?? {}).filter(([, s]) => !s.hidden);
  if (own.length > 0) {
    lines.push("", "Options:");
    lines.push(...table(own.map(([n, s]) => optionLine(n, s))));
  }
  lines.push("", "Global options:");
  lines.push(...table(Object.entries(GLOBAL_OPTIONS).map(([n, s]) => optionLine(n, s))));
  if (!command) lines.push(...table([["      --version", "Show version and commit"]]));
  return lines.join("\n");
}
