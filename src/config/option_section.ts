/**
 * A config section read through a typed option table (`src/cli/options.ts`): the table is the one
 * source of truth for which keys exist, their type and bounds. A key is the option's flag in
 * snake_case (`--idle-after` → `idle_after`); a negating switch is named positively
 * (`--no-notify` → `notify = false`). Durations are seconds, as on the command line. The result
 * is option values keyed by flag, as the command-line parser gives them, so flags can win by a
 * plain merge and the effective options forward to a child process unchanged.
 *
 * @module
 */

import type { OptionEntry, OptionTable } from "../cli/options.ts";
import type { OptionValues } from "../cli/spec.ts";
import { parseCount, parseSeconds } from "../cli/values.ts";
import { errorMessage } from "../state/errors.ts";
import { describeValue, tableAt } from "./keys.ts";
import type { LoadedConfig } from "./load.ts";

/** The config key of a table entry: `idle-after` → `idle_after`, `no-notify` → `notify`. */
export function configKey(entry: OptionEntry): string {
  const flag = entry.kind === "switch" && entry.negates
    ? entry.flag.replace(/^no-/, "")
    : entry.flag;
  return flag.replaceAll("-", "_");
}

/** The entries a config file may set: every entry shown in `--help` (hidden ones are internal). */
export function configEntries(table: OptionTable): Map<string, OptionEntry> {
  const out = new Map<string, OptionEntry>();
  for (const entry of Object.values(table)) if (!entry.hidden) out.set(configKey(entry), entry);
  return out;
}

/** `Invalid value for --x: expected …` → `expected …` (the bounds' wording is the parser's own). */
function problemOf(error: unknown): string {
  return errorMessage(error).replace(/^Invalid value for [^:]*: /, "");
}

function isNumber(value: unknown): value is number | bigint {
  return (typeof value === "number" && Number.isFinite(value)) || typeof value === "bigint";
}

/** The option value (as the parser would give it) for one config value; throws on a bad one. */
function readValue(
  config: LoadedConfig,
  keyPath: (string | number)[],
  entry: OptionEntry,
  value: unknown,
): string | boolean | undefined {
  const bad = (problem: string) => config.errorAt(keyPath, problem);
  switch (entry.kind) {
    case "switch":
      if (typeof value !== "boolean") {
        throw bad(`expected true or false, got ${describeValue(value)}`);
      }
      // The file names a switch positively: `notify = false` is `--no-notify`.
      return (entry.negates ? !value : value) ? true : undefined;
    case "seconds": {
      if (!isNumber(value)) throw bad(`expected seconds (a number), got ${describeValue(value)}`);
      const text = String(value);
      try {
        parseSeconds("", text, entry);
      } catch (error) {
        throw bad(problemOf(error));
      }
      return text;
    }
    case "count": {
      if (!isNumber(value) || !Number.isInteger(Number(value))) {
        throw bad(`expected a whole number, got ${describeValue(value)}`);
      }
      const text = String(value);
      try {
        parseCount("", text, entry);
      } catch (error) {
        throw bad(problemOf(error));
      }
      return text;
    }
    case "text": {
      if (typeof value !== "string") throw bad(`expected a string, got ${describeValue(value)}`);
      if (value.trim() === "") throw bad("expected non-empty text");
      const problem = entry.check?.(value);
      if (problem) throw bad(problem);
      return value;
    }
  }
}

/**
 * The option values section `name` of the config sets, keyed by flag (`{ interval: "2.5",
 * "no-notify": true }`), validated against `table`. An absent section is `{}`. Throws the
 * config's one-line error for an unknown key, a wrong type or a value out of bounds.
 *
 * @example
 * ```ts
 * const fromFile = sectionValues(config, "monitor", MONITOR_TABLE);
 * const values = mergeValues(fromFile, commandLineValues); // flags win
 * ```
 */
export function sectionValues(
  config: LoadedConfig,
  name: string,
  table: OptionTable,
): OptionValues {
  const entries = configEntries(table);
  const section = tableAt(config, [name], [...entries.keys()]);
  const out: OptionValues = {};
  if (!section) return out;
  for (const [key, value] of Object.entries(section)) {
    const entry = entries.get(key)!;
    const read = readValue(config, [name, key], entry, value);
    if (read !== undefined) out[entry.flag] = read;
  }
  return out;
}

/** `base` with every value `over` gives on top (an absent option in `over` keeps `base`'s). */
export function mergeValues(base: OptionValues, over: OptionValues): OptionValues {
  const out: OptionValues = { ...base };
  for (const [flag, value] of Object.entries(over)) if (value !== undefined) out[flag] = value;
  return out;
}
