/**
 * The built-in `codex` profile (data; see `profile_types.ts` for the fields).
 *
 * @module
 */

import { DEFAULT_SHELLS, type ProfileConfig } from "../profile_types.ts";

// Codex CLI (codex-rs TUI), checked on the real 0.171.0: a `›` composer with its status line
// below (`GPT-5.5 default · ~/project`) and the key hints (`← for agents · ? for shortcuts`);
// older builds: a `▌` composer over `⏎ send … 96% context left`. Busy: "Working (3s • esc to
// interrupt)" (hidden while the answer streams). Dialogs and popups replace the composer and mark
// the current choice with `›` (the sign-in screen with `>`). Banners (errors, limits, interrupts)
// start with `■`.
export const CODEX: ProfileConfig = {
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
