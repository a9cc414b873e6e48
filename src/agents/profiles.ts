/**
 * Agent profiles: per agent CLI, how to recognise it and how to read its screen. Profiles are DATA
 * (regular-expression sources as strings), so that a user's `<state-dir>/profiles.json` can adjust
 * them without code; {@linkcode loadProfiles} validates and compiles them.
 *
 * Recognising the CLI behind a pane ({@linkcode identifyProfile}), first match wins:
 * 1. registration: the pane option `@tmux-orc-profile` names the profile;
 * 2. `pane_current_command` is one of the profile's `processNames` (or matches
 *    `processNamePatterns`, e.g. Claude Code's native build names its process after its version,
 *    `2.1.37`);
 * 3. `pane_current_command` is a generic runtime in `wrapperProcessNames` (`node`, `python`…)
 *    AND its command line names one of the profile's `processNames` (the script `…/codex.js`, the
 *    package `@anthropic-ai/claude-code`), when the caller knows the command line;
 * 4. `pane_current_command` is such a runtime AND the screen matches one of the profile's
 *    `signature` patterns, anywhere on the screen, on lines as captured or with box borders
 *    stripped.
 *
 * `node` alone says nothing: Claude Code (npm install), Codex CLI (npm wrapper) and Gemini CLI all
 * run as `node`. So `node` needs its command line, a screen signature, or registration.
 *
 * Pattern lists in a profile (all searched line by line, on lines with box borders `│┃║▌` stripped
 * from both ends, and only in the part of the screen detection assigns to them, see `detect.ts`):
 * `busy` (the agent is working), `waiting` (a permission/confirmation prompt), `rateLimit` (a usage
 * or rate limit has been hit), `rateLimitWarning` (a limit is near; reported, not a state),
 * `apiError` (an API error banner), `userEcho` (a line that echoes a user message: output above it
 * is older than the user's last turn), `placeholders` (dim hint text shown in an empty input box:
 * `capture-pane` drops colours, so it would look typed), `signature` (identifies the CLI) and
 * `volatile` (lines ignored when deciding whether the screen changed, e.g. a clock in a custom
 * status line). One list is matched on the pane's title instead, and may be left out:
 * `busyTitle` (the CLI shows a busy spinner in its title, as Codex CLI does).
 *
 * A pattern is a regex source string, compiled case-insensitive (flag `i`), or an object
 * `{ "source": "...", "flags": "" }` for other flags (`g` and `y` are refused: they make regexes
 * stateful).
 *
 * @module
 */

import { unsafePatternReason } from "./pattern_safety.ts";
import type { PaneRecord } from "../tmux/types.ts";
import { content, screenLines } from "./lines.ts";

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

// Claude Code: both the older boxed prompt and the newer rule-line prompt.
const CLAUDE: ProfileConfig = {
  description: "Anthropic Claude Code",
  processNames: ["claude", "claude-code"],
  // The native build sets its process title to its version, e.g. `2.1.37`.
  processNamePatterns: [{ source: String.raw`^\d+\.\d+\.\d+$`, flags: "" }],
  wrapperProcessNames: ["node", "bun"],
  signature: [
    String.raw`Claude Code`,
    String.raw`tell Claude what to do`,
    String.raw`^\s*⎿`,
    String.raw`/upgrade to increase your usage limit`,
    String.raw`^\s*[·✢✳✶✻✽]\s+\S.*…\s*\(.*esc to interrupt`,
  ],
  shells: [...DEFAULT_SHELLS],
  prompts: [
    {
      // ────────────
      // > text
      //   more text
      // ────────────
      //   ? for shortcuts
      name: "rule",
      top: String.raw`^\s*─{8,}\s*$`,
      first: String.raw`^\s*[>❯](?:\s(?!\d+\.\s)(.*))?$`,
      continuation: String.raw`^\s{2,}(.*)$`,
      bottom: String.raw`^\s*─{8,}\s*$`,
      maxFooterLines: 12,
    },
    {
      // ╭──────────╮
      // │ > text   │
      // │   more   │
      // ╰──────────╯
      name: "boxed",
      top: String.raw`^\s*╭─+╮\s*$`,
      first: String.raw`^\s*│\s*>(?:\s(.*?))?\s*│\s*$`,
      continuation: String.raw`^\s*│\s?(.*?)\s*│\s*$`,
      bottom: String.raw`^\s*╰─+╯\s*$`,
      maxFooterLines: 12,
    },
  ],
  placeholders: [
    String.raw`^Try "[^"]*"$`,
    String.raw`^Press up to edit queued messages$`,
    // Shown in the empty input box after an error banner.
    String.raw`^Resend your message to try again$`,
    String.raw`^Once fixed, resend your message$`,
    String.raw`^Run /rewind to go back$`,
  ],
  userEcho: [String.raw`^\s*[>❯]\s+\S`],
  busy: [
    String.raw`esc to interrupt`,
    String.raw`Compacting conversation`,
    // Spinner line: "✻ Thinking… (12s · ↑ 1.2k tokens)" (finished ones read "✻ Worked for 12s").
    String.raw`^\s*[·✢✳✶✻✽*]\s+\S[^()]*…\s*\(`,
  ],
  waiting: [
    String.raw`^Do you want to (?:proceed|make this edit|create|overwrite|allow|run|delete)\b.*\?`,
    String.raw`^Would you like to (?:proceed|run|allow)\b.*\?`,
    String.raw`^Do you trust the files in this folder\?`,
    // The selected choice of a numbered menu (permission prompts, AskUserQuestion).
    String.raw`^❯\s*\d+\.\s+\S`,
    // The selected choice of an unnumbered menu ("Quick safety check" trust dialog, the auto-mode
    // offer), whatever it says: dialogs indent their choices; the input box and the echo of a
    // user message start at column 0 (so they never match).
    String.raw`^\s+❯ (?!\d+\.\s)\S`,
    String.raw`^\d+\.\s+Yes, and don[’']t ask again\b`,
    String.raw`^\d+\.\s+No, and tell Claude what to do differently\b`,
  ],
  // Limit and error banners are recognised by their shape and place: their own line in the
  // latest output, under a `⎿` (limits) or a `⎿`/`●` bullet (API errors; `●` also starts a
  // reply, so limit lines, always drawn under `⎿`, do not take it). The same words quoted inside
  // a reply (indented, no bullet) or in a code block are not banners.
  rateLimit: [
    // "You've hit your 5-hour limit · resets 12:34am (UTC)", "…your weekly limit · resets Dec 4,
    // 10:12pm (Asia/Seoul)", "…your org's monthly spend limit · ask your admin…", "…your limit ·
    // resets …", "…your team's pooled group budget · …": one to five words before the noun, or
    // the line ends before it (Claude Code wraps a long banner itself in a narrow pane).
    String
      .raw`^⎿\s*You[’']ve hit your\b(?:(?:\s[\w'’.-]+){0,5}?\s(?:limit|budget)\b|(?:\s[\w'’.-]+){0,4}$)`,
    String.raw`^⎿\s*You[’']re out of usage credits\b`,
    String.raw`^⎿\s*Usage is paused for your organization\b`,
    // Older builds: "Claude usage limit reached. Your limit will reset at 3pm (…)",
    // "5-hour limit reached ∙ resets 7pm", "Weekly limit reached · resets 10am (Asia/Seoul)".
    String.raw`^⎿\s*(?:Claude )?usage limit reached\b`,
    String.raw`^⎿\s*(?:[\w-]+ ){0,3}limit reached\b.*\bresets?\b`,
    // An API-key session's 429: "API Error: Request rejected (429) · This request would exceed…",
    // older "API Error: 429 {…rate_limit_error…}".
    String.raw`^[⎿●⏺]\s*API Error:? (?:429\b|Request rejected \(429\))`,
    String.raw`^[⎿●⏺]\s*API Error\b.*\brate_limit_error\b`,
  ],
  rateLimitWarning: [String.raw`Approaching (?:\w+[ -])*limit`],
  apiError: [
    String.raw`^[⎿●⏺]\s*API Error\b(?!.*\bRetrying\b)`,
    String
      .raw`^[⎿●⏺]\s*(?:Credit balance is too low|Invalid API key|OAuth token (?:has )?expired)`,
  ],
  volatile: [],
  busyLookback: 12,
  latestOutputLines: 4,
  waitingLines: 14,
};

// Codex CLI (codex-rs TUI), checked on the real 0.171.0: a `›` composer with its status line
// below (`GPT-5.5 default · ~/project`) and the key hints (`← for agents · ? for shortcuts`);
// older builds: a `▌` composer over `⏎ send … 96% context left`. Busy: "Working (3s • esc to
// interrupt)" (hidden while the answer streams). Dialogs and popups replace the composer and mark
// the current choice with `›` (the sign-in screen with `>`). Banners (errors, limits, interrupts)
// start with `■`.
const CODEX: ProfileConfig = {
  description: "OpenAI Codex CLI",
  processNames: ["codex", "codex-x86_64-unknown-linux-musl", "codex-aarch64-unknown-linux-musl"],
  processNamePatterns: [],
  wrapperProcessNames: ["node"],
  signature: [
    String.raw`OpenAI Codex`,
    String.raw`tell Codex what to do`,
    String.raw`^\s*Welcome to Codex, OpenAI[’']s command-line coding agent`,
    // The status line under the composer: model and effort · folder (· thread title).
    String.raw`^\s{2}\S.*? · (?:~|/)\S*(?: · .*)?\s*$`,
    // ("? for shortcuts" alone is Claude Code's too.)
    String.raw`← for agents · \? for shortcuts\b`,
    String.raw`⚠ \d+ warnings? · f2 to view\s*$`,
    String.raw`^\s*(?:enter (?:select|continue) · esc back|enter/esc confirm · \^c quit)\s*$`,
    String.raw`^\s*Press enter to (?:confirm or esc to cancel|continue)\s*$`,
    String.raw`^\s*(?:tab to add notes \| )?enter to submit answer\b`,
    // Older builds.
    // (Gemini CLI writes "(99% context left)".)
    String.raw`(?<!\()\b\d+% context left\b(?!\))`,
    String.raw`^\s*⏎ send\b`,
    String.raw`\(\d+[smh][^)]*•\s*esc to interrupt\)`,
    String.raw`^\s*•\s+(?:Explored|Ran|Edited|Worked for)\b`,
    String.raw`^\s*└ `,
  ],
  shells: [...DEFAULT_SHELLS],
  prompts: [
    {
      // › Explain this codebase
      //
      //   GPT-5.5 default · ~/project
      //   ← for agents · ? for shortcuts                     ⚠ 1 warning · f2 to view
      // (A choice "› 1. Yes, proceed" is not a composer.)
      name: "chevron",
      first: String.raw`^›(?:\s(?!\d+\.\s)(.*))?$`,
      continuation: String.raw`^\s{2}(\S.*)$`,
      maxFooterLines: 3,
    },
    {
      // ▌ text
      // ▌
      //  ⏎ send   ⌃J newline   ⌃T transcript   ⌃C quit
      name: "bar",
      first: String.raw`^▌(?:\s(.*))?$`,
      continuation: String.raw`^▌(?:\s(.*))?$`,
      maxFooterLines: 3,
    },
  ],
  placeholders: [
    String.raw`^Ask Codex to do anything$`,
    String.raw`^Describe a task like .*$`,
    String
      .raw`^(?:Explain this codebase|Summarize recent commits|Implement \{feature\}|Find and fix a bug in @filename|Write tests for @filename|Improve documentation in @filename|Run /review on my current changes|Use /skills to list available skills)$`,
  ],
  userEcho: [String.raw`^›\s+\S`],
  busy: [
    String.raw`esc to interrupt`,
    String.raw`^\s*[•◦]?\s*Working\s*\(\d+[smh]`,
    String.raw`^\s*[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\s`,
  ],
  // While working, the title starts with a spinner: "⠋ fix the parser | project".
  busyTitle: [String.raw`^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\s`],
  waiting: [
    String.raw`^Would you like to (?:run|make|grant|apply|allow|proceed)\b.*\?`,
    String.raw`^Allow (?:command|Codex)\b.*\?`,
    String.raw`^Trust this folder\?`,
    // A question menu (Plan mode's request_user_input).
    String.raw`^Question \d+/\d+ \(\d+ unanswered\)$`,
    // The current choice of any dialog or popup, whatever it says.
    String.raw`^[›>]\s*\d+\.\s+\S`,
    String.raw`^\d+\.\s+No, and tell Codex what to do differently\b`,
    String.raw`^Press enter to (?:confirm or esc to cancel|continue)$`,
    String.raw`^(?:enter (?:select|continue) · esc back|enter/esc confirm · \^c quit)$`,
  ],
  rateLimit: [
    String.raw`You[’']ve hit your usage limit`,
    String.raw`^(?:■\s*)?You hit your spend cap\b`,
    String.raw`^(?:■\s*)?Your workspace is out of credits\b`,
    String.raw`\busage_limit_reached\b`,
    String.raw`\b429 Too Many Requests\b`,
  ],
  rateLimitWarning: [
    String.raw`Heads up, you have less than \d+% of your .*limit left`,
    String.raw`you[’']ve used over \d+% of your`,
  ],
  apiError: [
    String.raw`^■\s+(?!Conversation interrupted)(?!You[’']ve hit your usage limit).+`,
    String.raw`^(?:stream error|unexpected status \d{3})\b`,
  ],
  volatile: [],
  busyLookback: 10,
  latestOutputLines: 4,
  waitingLines: 14,
};

// Gemini CLI 0.61 (Ink TUI). The input line ` > text` (`!` in shell mode, `*` in YOLO mode,
// `(r:)` in reverse search) sits between `▄▄▄` and `▀▀▀` bars (true colour), blank padding lines
// (256 colours) or `────` rules (`NO_COLOR`, or `ui.useBackgroundColor: false`), with a footer
// (workspace, sandbox, model) below; user messages in the transcript are drawn the same way, so
// the box is the lowest one with at most a short footer. Dialogs replace the input box. Before
// 0.61 the input was a rounded box (`╭─╮ │ > text │ ╰─╯`). No `busyTitle`: the title says
// "✦  Working…" also while the quota dialog waits for an answer (the request is still open).
const GEMINI_INPUT = String.raw`^ ?(?:[>!*]|\(r:\))\s(.*)$`;
const GEMINI_CONTINUATION = String.raw`^(?: {3}(.*))?$`;
const GEMINI: ProfileConfig = {
  description: "Google Gemini CLI",
  processNames: ["gemini"],
  processNamePatterns: [],
  wrapperProcessNames: ["node"],
  // Matched on lines with box borders stripped, so dialogs drawn in `│ … │` boxes count.
  signature: [
    String.raw`Type your message or @path/to/file`,
    String.raw`\bGemini CLI v\d+\.\d+`,
    String.raw`^workspace \(/directory\)\s+(?:branch\s+)?sandbox\b`,
    String.raw`\bgemini-\d[\w.-]*-(?:pro|flash|lite)\b`,
    String.raw`^✦\s`,
    String
      .raw`^[✓✕⊶?]\s+(?:Shell|Edit|WriteFile|ReadFile|ReadManyFiles|FindFiles|SearchText|WebFetch)\s`,
    String.raw`^Allow execution of\b`,
    String.raw`^(?:\?\s+)?A potential loop was detected\b`,
    String.raw`^Usage limit reached for\b`,
    String.raw`^/stats model for usage details$`,
    String.raw`\(esc to cancel, \d+[smh]`,
    String.raw`^Shift\+Tab to accept edits$`,
    String.raw`Press F12 for diagnostics`,
    String.raw`^Trusting a folder allows Gemini CLI\b`,
    String.raw`^Terms of Services and Privacy Notice for Gemini CLI$`,
    String.raw`\bhttps://geminicli\.com/`,
  ],
  shells: [...DEFAULT_SHELLS],
  prompts: [
    {
      // ▄▄▄▄▄▄▄▄ / > text / ▀▀▀▀▀▀▀▀ (true colour)
      name: "bars",
      top: String.raw`^▄{8,}$`,
      first: GEMINI_INPUT,
      continuation: GEMINI_CONTINUATION,
      bottom: String.raw`^▀{8,}$`,
      maxFooterLines: 6,
    },
    {
      // ──────── / > text / ──────── (NO_COLOR)
      name: "rules",
      top: String.raw`^─{8,}$`,
      first: GEMINI_INPUT,
      continuation: GEMINI_CONTINUATION,
      bottom: String.raw`^─{8,}$`,
      maxFooterLines: 6,
    },
    {
      // (blank) / > text / (blank) (256 colours: the padding is only a background colour)
      name: "padded",
      top: String.raw`^\s*$`,
      first: GEMINI_INPUT,
      continuation: String.raw`^ {3}(.*\S.*)$`,
      bottom: String.raw`^\s*$`,
      maxFooterLines: 6,
    },
    {
      // ╭────╮ / │ > text │ / ╰────╯ (Gemini CLI before 0.61)
      name: "boxed",
      top: String.raw`^\s*╭─+╮\s*$`,
      first: String.raw`^\s*│\s*>(?:\s+(.*?))?\s*│\s*$`,
      continuation: String.raw`^\s*│\s*(.*?)\s*│\s*$`,
      bottom: String.raw`^\s*╰─+╯\s*$`,
      maxFooterLines: 4,
    },
  ],
  placeholders: [
    String.raw`^Type your message or @path/to/file$`,
    String.raw`^Type your shell command$`,
    String.raw`^Press 'i' for INSERT mode\.$`,
    String.raw`^Press 'Esc' for NORMAL mode\.$`,
  ],
  userEcho: [String.raw`^>\s+\S`],
  busy: [String.raw`\(esc to cancel\b`, String.raw`^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\s`],
  waiting: [
    String.raw`^Allow execution of\b.*\?`,
    String.raw`^Apply this change\?`,
    String.raw`^Do you want to proceed\?`,
    String.raw`^Do you trust the files in this folder\?`,
    String.raw`^(?:\?\s+)?A potential loop was detected\b`,
    String.raw`^We are currently experiencing high demand\b`,
    String.raw`^How would you like to proceed\?`,
    String.raw`^Further action is required to use this service\.`,
    // The selected choice of any dialog, whatever it says ("● 1. Keep trying", "● 1. Keep loop
    // detection enabled (esc)"…). The quota dialog ("Usage limit reached for all Pro models." over
    // "● 1. Keep trying" / "● 1. Switch to <model>") is the limit's own offer: detection makes it
    // rate_limited until its "Access resets at" time.
    String.raw`^●\s*\d+\.\s+\S`,
  ],
  rateLimit: [
    // The quota dialog and the overage / empty-wallet dialogs.
    String.raw`^Usage limit reached for\b`,
    String.raw`^Access resets at\b`,
    // The banner after the turn failed ("✕ [API Error: …]" plus the API-key hint).
    String
      .raw`^(?:✕\s*)?\[API Error: .*(?:\bquota\b|Resource has been exhausted|RESOURCE_EXHAUSTED)`,
    String.raw`\bexhausted your daily quota\b`,
    String.raw`^Please wait and try again later\. To increase your limits\b`,
  ],
  rateLimitWarning: [String.raw`Possible quota limitations`],
  apiError: [String.raw`^✕\s*\[API Error\b`, String.raw`^✕\s+(?:Error|Request failed)\b`],
  volatile: [],
  busyLookback: 6,
  latestOutputLines: 10,
  waitingLines: 16,
};

// Aider: a bare "> " prompt (or "architect> "), yes/no questions at the bottom.
const AIDER: ProfileConfig = {
  description: "Aider",
  processNames: ["aider"],
  processNamePatterns: [],
  wrapperProcessNames: ["python", "python3"],
  signature: [String.raw`^Aider v\d`, String.raw`^Main model: `, String.raw`\(Y\)es/\(N\)o`],
  shells: [...DEFAULT_SHELLS],
  prompts: [{
    name: "bare",
    first: String
      .raw`^(?:(?:architect|ask|code|help|context|diff|whole|udiff|diff-fenced|editor-diff|editor-whole)\s?)?(?:multi)?>(?:\s(.*))?$`,
    maxFooterLines: 0,
  }],
  placeholders: [],
  userEcho: [String.raw`^(?:architect|ask|code|help|context)?>\s+\S`],
  busy: [String.raw`^\s*[░▒▓█]+\s*Waiting for\b`, String.raw`^Waiting for .*\.\.\.`],
  waiting: [String.raw`\(Y\)es/\(N\)o\b.*:\s*$`, String.raw`\? \(Y\)es/\(N\)o`],
  rateLimit: [String.raw`\bRateLimitError\b`, String.raw`\brate limit(?:ed)?\b`],
  rateLimitWarning: [],
  apiError: [
    String.raw`\blitellm\.\w*Error\b`,
    String.raw`\b(?:APIConnectionError|InternalServerError|ServiceUnavailableError)\b`,
  ],
  volatile: [],
  busyLookback: 6,
  latestOutputLines: 4,
  waitingLines: 4,
};

/** The built-in profiles, by name. */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileConfig>> = Object.freeze({
  claude: CLAUDE,
  codex: CODEX,
  gemini: GEMINI,
  aider: AIDER,
});

const PATTERN_FIELDS = [
  "processNamePatterns",
  "signature",
  "placeholders",
  "userEcho",
  "busy",
  "waiting",
  "rateLimit",
  "rateLimitWarning",
  "apiError",
  "volatile",
] as const;

const NUMBER_FIELDS = ["busyLookback", "latestOutputLines", "waitingLines"] as const;

/** Every field of a {@linkcode ProfileConfig}, in declaration order. */
const PROFILE_FIELDS: readonly (keyof ProfileConfig)[] = [
  "description",
  "processNames",
  "processNamePatterns",
  "wrapperProcessNames",
  "signature",
  "shells",
  "prompts",
  "placeholders",
  "userEcho",
  "busy",
  "waiting",
  "rateLimit",
  "rateLimitWarning",
  "apiError",
  "volatile",
  "busyLookback",
  "latestOutputLines",
  "waitingLines",
];

/** Fields a profile may leave out (pattern lists that default to none). */
const OPTIONAL_PATTERN_FIELDS = ["busyTitle"] as const;

const KNOWN_FIELDS = new Set<string>([...PROFILE_FIELDS, ...OPTIONAL_PATTERN_FIELDS, "extends"]);

/** The marker that, as the first element of a list in an override, keeps the inherited items. */
export const SPREAD = "...";

class ProfileError extends Error {
  constructor(profile: string, message: string) {
    super(`Invalid profile "${profile}": ${message}`);
    this.name = "ProfileError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

let builtinSources: Set<string> | undefined;
/** Set only while {@linkcode loadProfiles} runs with `allowUnsafePatterns` (tests). */
let skipSafetyCheck = false;

/** Every pattern source of the built-in profiles (reviewed code, exempt from the safety check). */
function isBuiltinSource(source: string): boolean {
  if (!builtinSources) {
    const found = new Set<string>();
    const walk = (value: unknown): void => {
      if (typeof value === "string") found.add(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (isRecord(value)) Object.values(value).forEach(walk);
    };
    walk(BUILTIN_PROFILES);
    builtinSources = found;
  }
  return builtinSources.has(source);
}

function compilePattern(profile: string, path: string, spec: unknown): RegExp {
  let source: unknown;
  let flags: unknown = "i";
  if (typeof spec === "string") {
    source = spec;
  } else if (isRecord(spec)) {
    source = spec.source;
    if (spec.flags !== undefined) flags = spec.flags;
    for (const key of Object.keys(spec)) {
      if (key !== "source" && key !== "flags") {
        throw new ProfileError(profile, `${path} has an unknown field "${key}"`);
      }
    }
  } else {
    throw new ProfileError(profile, `${path} must be a string or { "source", "flags" }`);
  }
  if (typeof source !== "string" || source === "") {
    throw new ProfileError(profile, `${path} must have a non-empty regular expression source`);
  }
  if (typeof flags !== "string" || !/^[imsuv]*$/.test(flags)) {
    throw new ProfileError(
      profile,
      `${path} has unsupported flags: ${JSON.stringify(flags)} (allowed: i, m, s, u, v)`,
    );
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(source, flags);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ProfileError(profile, `${path} is not a valid regular expression: ${detail}`);
  }
  const unsafe = skipSafetyCheck || isBuiltinSource(source)
    ? undefined
    : unsafePatternReason(source, flags);
  if (unsafe !== undefined) {
    throw new ProfileError(
      profile,
      `${path} could take exponential time on a line of pane output (${unsafe}): ` +
        JSON.stringify(source),
    );
  }
  return compiled;
}

function compilePatterns(profile: string, field: string, value: unknown): RegExp[] {
  if (!Array.isArray(value)) throw new ProfileError(profile, `${field} must be an array`);
  return value.map((spec, i) => compilePattern(profile, `${field}[${i}]`, spec));
}

function checkNames(profile: string, field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new ProfileError(profile, `${field} must be an array`);
  value.forEach((name, i) => {
    if (typeof name !== "string" || name === "") {
      throw new ProfileError(profile, `${field}[${i}] must be a non-empty string`);
    }
  });
  return value as string[];
}

function compilePrompt(profile: string, path: string, value: unknown): PromptStyle {
  if (!isRecord(value)) throw new ProfileError(profile, `${path} must be an object`);
  for (const key of Object.keys(value)) {
    if (!["name", "top", "first", "continuation", "bottom", "maxFooterLines"].includes(key)) {
      throw new ProfileError(profile, `${path} has an unknown field "${key}"`);
    }
  }
  if (typeof value.name !== "string" || value.name === "") {
    throw new ProfileError(profile, `${path}.name must be a non-empty string`);
  }
  if (value.first === undefined) throw new ProfileError(profile, `${path}.first is required`);
  const footer = value.maxFooterLines;
  if (typeof footer !== "number" || !Number.isInteger(footer) || footer < 0) {
    throw new ProfileError(profile, `${path}.maxFooterLines must be a non-negative integer`);
  }
  const optional = (key: "top" | "continuation" | "bottom") =>
    value[key] === undefined ? undefined : compilePattern(profile, `${path}.${key}`, value[key]);
  return {
    name: value.name,
    top: optional("top"),
    first: compilePattern(profile, `${path}.first`, value.first),
    continuation: optional("continuation"),
    bottom: optional("bottom"),
    maxFooterLines: footer,
  };
}

/**
 * Validates one profile given as data and compiles its patterns. Throws an `Error` with a one-line
 * message naming the profile and the field, e.g.
 * `Invalid profile "x": busy[2] is not a valid regular expression: ...`.
 */
export function compileProfile(name: string, config: unknown): AgentProfile {
  if (!isRecord(config)) throw new ProfileError(name, "must be a JSON object");
  for (const key of Object.keys(config)) {
    if (!KNOWN_FIELDS.has(key) || key === "extends") {
      throw new ProfileError(name, `unknown field "${key}"`);
    }
  }
  for (const key of PROFILE_FIELDS) {
    if (config[key] === undefined) {
      throw new ProfileError(name, `${key} is required`);
    }
  }
  if (typeof config.description !== "string") {
    throw new ProfileError(name, "description must be a string");
  }
  for (const field of NUMBER_FIELDS) {
    const n = config[field];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 1000) {
      throw new ProfileError(name, `${field} must be an integer from 1 to 1000`);
    }
  }
  if (!Array.isArray(config.prompts)) throw new ProfileError(name, "prompts must be an array");
  const patterns = Object.fromEntries(
    PATTERN_FIELDS.map((field) => [field, compilePatterns(name, field, config[field])]),
  ) as Record<typeof PATTERN_FIELDS[number], RegExp[]>;
  return {
    name,
    description: config.description,
    processNames: checkNames(name, "processNames", config.processNames),
    wrapperProcessNames: checkNames(name, "wrapperProcessNames", config.wrapperProcessNames),
    shells: checkNames(name, "shells", config.shells),
    prompts: config.prompts.map((p, i) => compilePrompt(name, `prompts[${i}]`, p)),
    ...patterns,
    busyTitle: config.busyTitle === undefined
      ? []
      : compilePatterns(name, "busyTitle", config.busyTitle),
    busyLookback: config.busyLookback as number,
    latestOutputLines: config.latestOutputLines as number,
    waitingLines: config.waitingLines as number,
  };
}

function mergeConfig(
  name: string,
  base: Record<string, unknown> | undefined,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(override)) {
    if (key === "extends") continue;
    if (!KNOWN_FIELDS.has(key)) throw new ProfileError(name, `unknown field "${key}"`);
    if (Array.isArray(value) && value[0] === SPREAD) {
      const inherited = merged[key];
      if (!Array.isArray(inherited)) {
        throw new ProfileError(
          name,
          `${key} starts with "${SPREAD}" but there is nothing to extend`,
        );
      }
      merged[key] = [...inherited, ...value.slice(1)];
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

/**
 * Returns the profiles to use: the built-ins, with a user config merged over them. `overrides` is
 * the parsed JSON of `<state-dir>/profiles.json`: an object mapping profile names to (partial)
 * profiles.
 *
 * - A name that is a built-in changes that profile; each field given replaces the built-in one,
 *   except that a list whose first element is `"..."` keeps the built-in items and adds its own:
 *   `{ "claude": { "busy": ["...", "Brewing"] } }`.
 * - A new name is a new profile; `"extends": "claude"` starts it from a built-in (or an earlier
 *   profile), otherwise every field is required.
 *
 * Every pattern that is not a built-in one must pass `unsafePatternReason` (no catastrophic
 * backtracking on pane output); `allowUnsafePatterns` skips that check (for tests of the monitor's
 * detection deadline only).
 *
 * Throws a one-line `Error` such as
 * `Invalid profile "x": busy[2] is not a valid regular expression: ...` for bad input.
 */
export function loadProfiles(
  overrides?: unknown,
  options: { allowUnsafePatterns?: boolean } = {},
): Map<string, AgentProfile> {
  skipSafetyCheck = options.allowUnsafePatterns === true;
  try {
    return loadChecked(overrides);
  } finally {
    skipSafetyCheck = false;
  }
}

function loadChecked(overrides: unknown): Map<string, AgentProfile> {
  const configs = new Map<string, Record<string, unknown>>();
  for (const [name, config] of Object.entries(BUILTIN_PROFILES)) {
    configs.set(name, structuredClone(config) as unknown as Record<string, unknown>);
  }
  if (overrides !== undefined && overrides !== null) {
    if (!isRecord(overrides)) {
      throw new Error(
        "Invalid profiles config: expected a JSON object mapping profile names to profiles",
      );
    }
    for (const [name, override] of Object.entries(overrides)) {
      if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) {
        throw new ProfileError(name, "the name must be letters, digits, '.', '_' or '-'");
      }
      if (!isRecord(override)) throw new ProfileError(name, "must be a JSON object");
      let base = configs.get(name);
      if (override.extends !== undefined) {
        if (typeof override.extends !== "string" || !configs.has(override.extends)) {
          throw new ProfileError(
            name,
            `extends names an unknown profile: ${JSON.stringify(override.extends)}`,
          );
        }
        base = configs.get(override.extends);
      }
      configs.set(name, mergeConfig(name, base, override));
    }
  }
  const profiles = new Map<string, AgentProfile>();
  for (const [name, config] of configs) profiles.set(name, compileProfile(name, config));
  return profiles;
}

/** The bare command name: no directory, no login-shell dash, lower case. */
export function commandName(command: string): string {
  const base = command.trim().split("/").pop() ?? "";
  return base.replace(/^-/, "").toLowerCase();
}

/** Whether a `pane_current_command` is one of the profile's shells (the agent has exited). */
export function isShellCommand(command: string, profile: AgentProfile): boolean {
  const name = commandName(command);
  return name !== "" && profile.shells.includes(name);
}

/** What is known of the program a generic runtime runs (see `process_facts.ts`). */
export interface ProcessHint {
  /** The foreground process's argv (`node /usr/lib/node_modules/@openai/codex/bin/codex.js`). */
  argv: readonly string[];
  /** The npm package its script or executable belongs to. */
  package?: { name: string };
}

/** Options for {@linkcode identifyProfile}. */
export interface IdentifyOptions {
  /** The profiles to choose from (from {@linkcode loadProfiles}). */
  profiles: ReadonlyMap<string, AgentProfile>;
  /** The pane's screen, when captured: needed for generic runtimes such as `node`. */
  screen?: string;
  /** The foreground program's command line, when known: names the CLI a runtime runs. */
  process?: ProcessHint;
  /** The pane's width in cells: the screen is read as detection reads it (`lines.ts`). */
  width?: number;
}

/**
 * The names a runtime's command line gives its program: the script's file name without its
 * extension (`…/bin/codex.js` → `codex`) and the package name's last part (`@openai/codex` →
 * `codex`), lower case.
 */
export function programNames(hint: ProcessHint): string[] {
  const names: string[] = [];
  for (const arg of hint.argv.slice(1, 3)) {
    if (arg.startsWith("-")) continue;
    const base = commandName(arg).replace(/\.(?:[cm]?js|ts|exe|py)$/, "");
    if (base !== "") names.push(base);
  }
  const pkg = hint.package?.name.split("/").pop()?.toLowerCase();
  if (pkg) names.push(pkg);
  return names;
}

/**
 * Decides which profile describes the CLI in a pane: the registered `@tmux-orc-profile`, else a
 * profile whose process names match `pane_current_command`, else (for generic runtimes such as
 * `node`) the profile its command line names, else the profile with the most `signature`
 * patterns found on the screen. Returns `undefined` when nothing fits.
 */
export function identifyProfile(
  pane: Pick<PaneRecord, "profile" | "currentCommand">,
  options: IdentifyOptions,
): AgentProfile | undefined {
  const { profiles } = options;
  if (pane.profile) {
    const registered = profiles.get(pane.profile);
    if (registered) return registered;
  }
  const command = commandName(pane.currentCommand);
  if (command === "") return undefined;
  for (const profile of profiles.values()) {
    if (profile.processNames.includes(command)) return profile;
  }
  for (const profile of profiles.values()) {
    if (profile.processNamePatterns.some((re) => re.test(command))) return profile;
  }
  if (options.process) {
    const names = programNames(options.process);
    for (const profile of profiles.values()) {
      if (!profile.wrapperProcessNames.includes(command)) continue;
      if (profile.processNames.some((name) => names.includes(name))) return profile;
    }
  }
  if (options.screen === undefined) return undefined;
  return bestSignatureMatch(
    command,
    screenLines(options.screen, { width: options.width }),
    profiles,
  );
}

/**
 * The profile, among those that name `command` as a wrapper (the process fact), with the most
 * `signature` patterns found on the screen. A pattern counts when it matches a line as captured
 * (bounded, see `lines.ts`) or the same line with box borders stripped (`│ Allow execution…`
 * inside a dialog box), anywhere on the screen. Ties go to the first profile.
 */
function bestSignatureMatch(
  command: string,
  lines: readonly string[],
  profiles: ReadonlyMap<string, AgentProfile>,
): AgentProfile | undefined {
  const stripped = lines.map(content);
  const found = (re: RegExp) => lines.some((line, i) => re.test(stripped[i]) || re.test(line));
  let best: AgentProfile | undefined;
  let bestScore = 0;
  for (const profile of profiles.values()) {
    if (!profile.wrapperProcessNames.includes(command)) continue;
    const score = profile.signature.filter(found).length;
    if (score > bestScore) {
      best = profile;
      bestScore = score;
    }
  }
  return best;
}
