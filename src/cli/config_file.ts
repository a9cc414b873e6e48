/**
 * What the config file may hold and how commands use it: the sections read through option tables
 * (`[monitor]` through the monitor's table, `[supervise]` through the supervisor's), the
 * `[[channels]]` tables (validated by `src/channels/`), the check `config check` and every
 * daemon run on start, and the merge in which the command line wins.
 *
 * @module
 */

import { type LoadedConfig, tableAt } from "../config/mod.ts";
import { parseChannels } from "../channels/parse.ts";
import { mergeValues, sectionValues } from "../config/option_section.ts";
import { METRICS_TABLE, MONITOR_TABLE } from "./commands/monitor_options.ts";
import { SUPERVISOR_TABLE } from "./commands/supervise_options.ts";
import { readOptions } from "./options.ts";
import type { OptionValues } from "./spec.ts";

/** The sections read through an option table: name → table. */
export const OPTION_SECTIONS = {
  /** The monitor's options and `metrics_listen` (served by `supervise` when it runs the monitor). */
  monitor: { ...MONITOR_TABLE, ...METRICS_TABLE },
  supervise: SUPERVISOR_TABLE,
} as const;

/** A section read through an option table. */
export type OptionSectionName = keyof typeof OPTION_SECTIONS;

/**
 * Every top-level key the config file may have. A section added elsewhere (e.g. `metrics_listen`)
 * is added here and checked in {@linkcode checkConfigFile}.
 */
export const TOP_LEVEL_KEYS: readonly string[] = [...Object.keys(OPTION_SECTIONS), "channels"];

/**
 * Checks `[[channels]]`: every channel validated and its secrets resolved (and so registered for
 * redaction) by `parseChannels` (`src/channels/`).
 */
export async function checkChannels(config: LoadedConfig): Promise<void> {
  await parseChannels(config);
}

/** Checks what one option alone cannot (the same rule as `checkSupervisorValues`). */
function checkSupervise(config: LoadedConfig, values: OptionValues): void {
  const options = readOptions(SUPERVISOR_TABLE, values);
  if (options.backoffMaxMs < options.backoffInitialMs) {
    throw config.errorAt(["supervise", "backoff_max"], "must not be less than backoff_initial");
  }
}

/**
 * Validates the whole file: its top-level keys, every option section and the channels. Throws the
 * first problem as one line (`Bad config file PATH:LINE: KEY: problem`).
 */
export async function checkConfigFile(config: LoadedConfig): Promise<void> {
  tableAt(config, [], TOP_LEVEL_KEYS);
  for (const [name, table] of Object.entries(OPTION_SECTIONS)) {
    const values = sectionValues(config, name, table);
    if (name === "supervise") checkSupervise(config, values);
  }
  await checkChannels(config);
}

/**
 * The command line's option values on top of what the config's `sections` set: flags win. The
 * whole file is checked first, so a daemon never starts on a file `config check` would refuse.
 */
export async function valuesWithConfig(
  config: LoadedConfig | undefined,
  values: OptionValues,
  sections: readonly OptionSectionName[],
): Promise<OptionValues> {
  if (!config) return values;
  await checkConfigFile(config);
  let fromFile: OptionValues = {};
  for (const name of sections) {
    fromFile = mergeValues(fromFile, sectionValues(config, name, OPTION_SECTIONS[name]));
  }
  return mergeValues(fromFile, values);
}
