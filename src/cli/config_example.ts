/**
 * The commented example config file `tmux-orc config example` prints, generated from the option
 * tables (so every key, default and help line is the table's own) — uncommented, it is a valid
 * file that sets every option to its default.
 *
 * @module
 */

import type { OptionEntry, OptionTable } from "./options.ts";
import { configEntries } from "../config/option_section.ts";
import { OPTION_SECTIONS } from "./config_file.ts";
import { DEFAULT_RESUME_MESSAGE } from "../notify/policy.ts";

/** The commented `[[channels]]` part of the example (keys: `src/channels/parse.ts`, README Channels). */
export const CHANNELS_EXAMPLE: readonly string[] = [
  "# [[channels]] tables: where notices go besides the PM (see README, Notification channels).",
  '# Secrets (URLs, tokens) may be "env:NAME", "file:/path" (a 0600 file) or the value.',
  '# Durations: seconds, or strings such as "90s", "10m", "1h". Test: tmux-orc notify test',
  "#",
  "#   [[channels]]",
  '#   type = "slack"                 # webhook, slack, discord, teams, ntfy, exec or pm',
  '#   name = "oncall"',
  '#   url = "env:TMUX_ORC_SLACK_URL"',
  '#   states = ["waiting", "rate_limited", "crashed", "error", "unknown"]',
  '#   agents = ["*"]                 # globs on agent names',
  '#   sessions = ["*"]               # globs on tmux session names',
  '#   min_duration = "10m"           # only once an agent has stayed in the state this long',
  '#   escalate_after = "15m"         # only when the PM was told and nothing changed (or cannot receive)',
  "#   resolved = true                # also say when it is over",
  '#   timeout = "10s"',
  "#   max_tries = 10",
  '#   backoff = "5s"',
  '#   backoff_max = "15m"',
  "#   digest_over = 5                # more notices in one cycle: one digest",
  "#",
  "#   [[channels]]",
  '#   type = "pm"                    # the PM messages: on by default',
  "#   enabled = true",
];

function exampleValue(entry: OptionEntry): string {
  switch (entry.kind) {
    case "seconds":
      return String((entry.default ?? entry.min * 1000) / 1000);
    case "count":
      return String(entry.default ?? entry.min);
    case "switch":
      return entry.negates ? "true" : "false";
    case "text":
      return JSON.stringify(
        entry.flag === "resume-message" ? DEFAULT_RESUME_MESSAGE : entry.example ?? "…",
      );
  }
}

function exampleHelp(entry: OptionEntry): string {
  if (entry.kind !== "switch") return entry.help;
  return entry.negates ? `false: ${entry.help}` : `true: ${entry.help}`;
}

function sectionLines(name: string, table: OptionTable): string[] {
  const lines = [`[${name}]`];
  for (const [key, entry] of configEntries(table)) {
    lines.push(`# ${exampleHelp(entry)} (--${entry.flag})`, `# ${key} = ${exampleValue(entry)}`);
  }
  return lines;
}

/** The example file's lines. */
export function configExample(): string[] {
  const lines = [
    "# tmux-orc config: $XDG_CONFIG_HOME/tmux-orc/config.toml, ~/.config/tmux-orc/config.toml,",
    "# or the file given with --config. Every key is optional; a command-line flag wins over it.",
    "# Durations are in seconds. Check it with: tmux-orc config check",
    "",
  ];
  for (const [name, table] of Object.entries(OPTION_SECTIONS)) {
    lines.push(...sectionLines(name, table), "");
  }
  lines.push(...CHANNELS_EXAMPLE);
  return lines;
}
