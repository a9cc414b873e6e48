/**
 * The built-in `gemini` profile (data; see `profile_types.ts` for the fields).
 *
 * @module
 */

import { DEFAULT_SHELLS, type ProfileConfig } from "../profile_types.ts";

// Gemini CLI 0.61 (Ink TUI). The input line ` > text` (`!` in shell mode, `*` in YOLO mode,
// `(r:)` in reverse search) sits between `▄▄▄` and `▀▀▀` bars (true colour), blank padding lines
// (256 colours) or `────` rules (`NO_COLOR`, or `ui.useBackgroundColor: false`), with a footer
// (workspace, sandbox, model) below; user messages in the transcript are drawn the same way, so
// the box is the lowest one with at most a short footer. Dialogs replace the input box. Before
// 0.61 the input was a rounded box (`╭─╮ │ > text │ ╰─╯`). No `busyTitle`: the title says
// "✦  Working…" also while the quota dialog waits for an answer (the request is still open).
const GEMINI_INPUT = String.raw`^ ?(?:[>!*]|\(r:\))\s(.*)$`;
const GEMINI_CONTINUATION = String.raw`^(?: {3}(.*))?$`;
export const GEMINI: ProfileConfig = {
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
