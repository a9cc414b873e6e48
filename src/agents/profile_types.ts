/**
 * What a profile is: the data a profile is written in (`ProfileConfig`, also the shape of
 * `profiles.json`) and the compiled form detection reads (`AgentProfile`).
 *
 * @module
 */

/** A regular expression as data: a source string (compiled with flag `i`) or source plus flags. */
export type PatternSpec = string | { source: string; flags?: string };

/**
 * How an input box looks. Detection scans upward from the bottom of the screen for the last line
 * matching `first` (whose group 1 is the typed text) that has `top` directly above it (when
 * given); then it takes `continuation` lines (group 1 each) until `bottom` (when given). The box
 * counts only when at most `maxFooterLines` non-empty lines follow it.
 */
export interface PromptStyleConfig {
  /** A name for messages and tests, e.g. `rule` or `boxed`. */
  name: string;
  /** The line right above the input line (box top or a rule line); none when omitted. */
  top?: PatternSpec;
  /** The input line; group 1 captures the typed text. */
  first: PatternSpec;
  /** Further input lines (multi-line input); group 1 captures their text. */
  continuation?: PatternSpec;
  /** The line closing the box; when omitted the box ends at the first non-continuation line. */
  bottom?: PatternSpec;
  /** How many non-empty lines (footer, menus) may follow the box. */
  maxFooterLines: number;
}

/** One agent CLI, as data. */
export interface ProfileConfig {
  /** What this profile is for. */
  description: string;
  /** Exact `pane_current_command` values that mean this CLI. */
  processNames: string[];
  /** Patterns for `pane_current_command` (e.g. a version number as the process name). */
  processNamePatterns: PatternSpec[];
  /** Generic runtimes (`node`, `python`) that may run this CLI: need a `signature` match. */
  wrapperProcessNames: string[];
  /** Screen patterns that identify this CLI when the process name is a generic runtime. */
  signature: PatternSpec[];
  /** Commands that mean the agent is gone and its shell is back: the pane is `crashed`. */
  shells: string[];
  /** Input box layouts, tried in order. */
  prompts: PromptStyleConfig[];
  /** Hint texts shown in an empty input box (whole-text patterns). */
  placeholders: PatternSpec[];
  /** Lines echoing a user message in the transcript. */
  userEcho: PatternSpec[];
  /** Busy markers: spinner lines, "esc to interrupt". */
  busy: PatternSpec[];
  /**
   * Busy markers in the pane's title (`pane_title`, set by the CLI with an escape sequence), for
   * CLIs that show a spinner there while they work but not on the screen (Codex hides its status
   * line while an answer streams). Optional; none when omitted.
   */
  busyTitle?: PatternSpec[];
  /** Permission / confirmation prompts. */
  waiting: PatternSpec[];
  /** Usage / rate limit reached. */
  rateLimit: PatternSpec[];
  /** Usage limit approaching (not a state of its own; mentioned in the detail). */
  rateLimitWarning: PatternSpec[];
  /** API error banners. */
  apiError: PatternSpec[];
  /** Lines left out of change detection. */
  volatile: PatternSpec[];
  /** How many non-empty lines above the input box are searched for busy markers. */
  busyLookback: number;
  /** How many non-empty lines above the input box count as the latest output (errors, limits). */
  latestOutputLines: number;
  /** How many non-empty lines at the bottom are searched for prompts when no input box shows. */
  waitingLines: number;
}

/** A compiled input box layout. */
export interface PromptStyle {
  /** The layout's name. */
  name: string;
  /** See {@linkcode PromptStyleConfig.top}. */
  top?: RegExp;
  /** See {@linkcode PromptStyleConfig.first}. */
  first: RegExp;
  /** See {@linkcode PromptStyleConfig.continuation}. */
  continuation?: RegExp;
  /** See {@linkcode PromptStyleConfig.bottom}. */
  bottom?: RegExp;
  /** See {@linkcode PromptStyleConfig.maxFooterLines}. */
  maxFooterLines: number;
}

/** A validated, compiled profile, ready for detection. */
export interface AgentProfile {
  /** The profile's name (`claude`, `codex`…). */
  name: string;
  /** See {@linkcode ProfileConfig.description}. */
  description: string;
  /** See {@linkcode ProfileConfig.processNames}. */
  processNames: readonly string[];
  /** See {@linkcode ProfileConfig.processNamePatterns}. */
  processNamePatterns: readonly RegExp[];
  /** See {@linkcode ProfileConfig.wrapperProcessNames}. */
  wrapperProcessNames: readonly string[];
  /** See {@linkcode ProfileConfig.signature}. */
  signature: readonly RegExp[];
  /** See {@linkcode ProfileConfig.shells}. */
  shells: readonly string[];
  /** See {@linkcode ProfileConfig.prompts}. */
  prompts: readonly PromptStyle[];
  /** See {@linkcode ProfileConfig.placeholders}. */
  placeholders: readonly RegExp[];
  /** See {@linkcode ProfileConfig.userEcho}. */
  userEcho: readonly RegExp[];
  /** See {@linkcode ProfileConfig.busy}. */
  busy: readonly RegExp[];
  /** See {@linkcode ProfileConfig.busyTitle}. */
  busyTitle: readonly RegExp[];
  /** See {@linkcode ProfileConfig.waiting}. */
  waiting: readonly RegExp[];
  /** See {@linkcode ProfileConfig.rateLimit}. */
  rateLimit: readonly RegExp[];
  /** See {@linkcode ProfileConfig.rateLimitWarning}. */
  rateLimitWarning: readonly RegExp[];
  /** See {@linkcode ProfileConfig.apiError}. */
  apiError: readonly RegExp[];
  /** See {@linkcode ProfileConfig.volatile}. */
  volatile: readonly RegExp[];
  /** See {@linkcode ProfileConfig.busyLookback}. */
  busyLookback: number;
  /** See {@linkcode ProfileConfig.latestOutputLines}. */
  latestOutputLines: number;
  /** See {@linkcode ProfileConfig.waitingLines}. */
  waitingLines: number;
}

/** Shells: when one of these is the pane's foreground command, the agent has exited. */
export const DEFAULT_SHELLS: readonly string[] = [
  "bash",
  "zsh",
  "sh",
  "fish",
  "dash",
  "ksh",
  "mksh",
  "tcsh",
  "csh",
];
