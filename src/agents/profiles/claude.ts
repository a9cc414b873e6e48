/**
 * The built-in `claude` profile (data; see `profile_types.ts` for the fields).
 *
 * @module
 */

import { DEFAULT_SHELLS, type ProfileConfig } from "../profile_types.ts";

// Claude Code: both the older boxed prompt and the newer rule-line prompt.
export const CLAUDE: ProfileConfig = {
  description: "Anthropic Claude Code",
  processNames: ["claude", "claude-code", "claude.exe"],
  // The native build sets its process title to its version, e.g. `2.1.37`; until it does, the
  // process has its file's name, `claude.exe` in the npm package.
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
