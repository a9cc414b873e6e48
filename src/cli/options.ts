/**
 * Typed option tables: one entry per option (flag, kind and bounds, default, help) from which come
 * the parse spec ({@linkcode optionSpecs}), the `--help` line (the default is printed from the
 * entry), the typed values ({@linkcode readOptions}: a misspelt key is a type error, not a
 * silent fallback) and the argv that forwards the options to a child process
 * ({@linkcode forwardArgs}).
 *
 * @example
 * ```ts
 * import { count, readOptions, seconds, switchOption } from "./options.ts";
 *
 * const TABLE = {
 *   intervalMs: seconds({ flag: "interval", min: 0.05, max: 3600, default: 10_000, help: "Cycle" }),
 *   lines: count({ flag: "lines", min: 0, max: 100, default: 20, help: "How many lines" }),
 *   json: switchOption({ flag: "json", help: "Print JSON" }),
 * };
 * const options = readOptions(TABLE, { interval: "2.5" });
 * options.intervalMs; // 2500 (ms)
 * options.lines; //      20
 * options.json; //       false
 * ```
 *
 * @module
 */

import { UsageError } from "../state/errors.ts";
import type { OptionSpec, OptionValues } from "./spec.ts";
import { parseCount, parseSeconds } from "./values.ts";

/** What every entry has. */
interface BaseOption {
  /** The long flag, without `--`. */
  flag: string;
  /** One-letter alias. */
  short?: string;
  /** One line for `--help`, without the default (that is appended from the entry). */
  help: string;
  /** Not shown in `--help` (internal switches). */
  hidden?: boolean;
}

/** A duration given in seconds (decimals allowed), read as milliseconds. */
export interface SecondsOption extends BaseOption {
  /** Seconds on the command line, milliseconds in the values. */
  kind: "seconds";
  /** Smallest accepted value (seconds). */
  min: number;
  /** Largest accepted value (seconds). */
  max: number;
  /** Whether 0 is accepted besides `min`..`max`. */
  allowZero?: boolean;
  /** The value when the option is absent, in milliseconds (absent: `undefined`). */
  default?: number;
  /** Placeholder in `--help`. @default "S" */
  valueName?: string;
}

/** A whole number. */
export interface CountOption extends BaseOption {
  /** A whole number. */
  kind: "count";
  /** Smallest accepted value. */
  min: number;
  /** Largest accepted value. */
  max: number;
  /** The value when the option is absent (absent: `undefined`). */
  default?: number;
  /** Placeholder in `--help`. @default "N" */
  valueName?: string;
}

/** A switch: `true` when given (or, with `negates`, `false` when given). */
export interface SwitchOption extends BaseOption {
  /** No value; present or not. */
  kind: "switch";
  /** The flag turns something off (`--no-notify` → `notify: false`). */
  negates?: boolean;
}

/** Free text, checked by `check`. */
export interface TextOption extends BaseOption {
  /** Any non-blank text (the parser refuses blank values). */
  kind: "text";
  /** Why the text is refused (the part after `Invalid value for --flag: `), or `undefined`. */
  check?: (text: string) => string | undefined;
  /** Placeholder in `--help`. @default "VALUE" */
  valueName?: string;
  /** A valid value for the commented config example, for an entry that is off unless set. */
  example?: string;
}

/** One entry of a table. */
export type OptionEntry = SecondsOption | CountOption | SwitchOption | TextOption;

/** A table: typed name → entry. */
export type OptionTable = Record<string, OptionEntry>;

/** The value type an entry reads as. */
export type OptionValue<E extends OptionEntry> = E extends SwitchOption ? boolean
  : E extends TextOption ? string | undefined
  : E extends { default: number } ? number
  : number | undefined;

/** The typed values of a table. */
export type Options<T extends OptionTable> = { -readonly [K in keyof T]: OptionValue<T[K]> };

/** A seconds entry (the default, if any, in milliseconds). */
export function seconds<const E extends Omit<SecondsOption, "kind">>(
  entry: E,
): E & { kind: "seconds" } {
  return { ...entry, kind: "seconds" };
}

/** A whole-number entry. */
export function count<const E extends Omit<CountOption, "kind">>(entry: E): E & { kind: "count" } {
  return { ...entry, kind: "count" };
}

/** A switch entry. */
export function switchOption<const E extends Omit<SwitchOption, "kind">>(
  entry: E,
): E & { kind: "switch" } {
  return { ...entry, kind: "switch" };
}

/** A text entry. */
export function text<const E extends Omit<TextOption, "kind">>(entry: E): E & { kind: "text" } {
  return { ...entry, kind: "text" };
}

/** `1000` ms → `1`; `500` → `0.5`. */
function inSeconds(ms: number): number {
  return ms / 1000;
}

/** The `--help` text of an entry: its help plus ` (default …)` when it has a default. */
export function helpLine(entry: OptionEntry): string {
  if (entry.kind === "seconds" && entry.default !== undefined) {
    return `${entry.help} (default ${inSeconds(entry.default)})`;
  }
  if (entry.kind === "count" && entry.default !== undefined) {
    return `${entry.help} (default ${entry.default})`;
  }
  return entry.help;
}

/** The parse spec of a table, keyed by flag (for the parser, `--help` and completions). */
export function optionSpecs(table: OptionTable): Record<string, OptionSpec> {
  const specs: Record<string, OptionSpec> = {};
  for (const entry of Object.values(table)) {
    const spec: OptionSpec = {
      type: entry.kind === "switch" ? "boolean" : "string",
      description: helpLine(entry),
    };
    if (entry.short) spec.short = entry.short;
    if (entry.hidden) spec.hidden = true;
    if (entry.kind === "seconds") spec.valueName = entry.valueName ?? "S";
    if (entry.kind === "count") spec.valueName = entry.valueName ?? "N";
    if (entry.kind === "text") spec.valueName = entry.valueName ?? "VALUE";
    specs[entry.flag] = spec;
  }
  return specs;
}

function readEntry(entry: OptionEntry, raw: OptionValues[string]): unknown {
  switch (entry.kind) {
    case "switch":
      return entry.negates ? raw !== true : raw === true;
    case "seconds":
      if (raw === undefined) return entry.default;
      return parseSeconds(`--${entry.flag}`, String(raw), entry) * 1000;
    case "count":
      return raw === undefined ? entry.default : parseCount(`--${entry.flag}`, String(raw), entry);
    case "text": {
      if (typeof raw !== "string") return undefined;
      const problem = entry.check?.(raw);
      if (problem) throw new UsageError(`Invalid value for --${entry.flag}: ${problem}`);
      return raw;
    }
  }
}

/**
 * The typed values of a table from parsed option values, validated in table order. Throws
 * {@linkcode UsageError} (one line, exit 2) for a bad value.
 */
export function readOptions<T extends OptionTable>(table: T, values: OptionValues): Options<T> {
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(table)) {
    out[name] = readEntry(entry, values[entry.flag]);
  }
  return out as Options<T>;
}

/** Only the values of `table`'s own entries (a command's values hold those of other tables too). */
export function pickOptions<T extends OptionTable>(table: T, values: Options<T>): Options<T> {
  const out: Partial<Options<T>> = {};
  for (const name of Object.keys(table) as (keyof T)[]) out[name] = values[name];
  return out as Options<T>;
}

/**
 * The options of a table that this command line gave, as arguments for a child process, as
 * given: a switch as `--flag`, a value as `--flag VALUE` (`--flag=VALUE` when it starts with `-`,
 * so it cannot be read as an option).
 */
export function forwardArgs(table: OptionTable, values: OptionValues): string[] {
  const args: string[] = [];
  for (const entry of Object.values(table)) {
    const value = values[entry.flag];
    if (value === undefined) continue;
    if (entry.kind === "switch") {
      if (value === true) args.push(`--${entry.flag}`);
      continue;
    }
    const text = String(value);
    if (text.startsWith("-")) args.push(`--${entry.flag}=${text}`);
    else args.push(`--${entry.flag}`, text);
  }
  return args;
}

/** The flags of a table that this command line gave (`--flag` each), in table order. */
export function givenFlags(table: OptionTable, values: OptionValues): string[] {
  return Object.values(table).filter((entry) => values[entry.flag] !== undefined)
    .map((entry) => `--${entry.flag}`);
}
