/**
 * The built-in `aider` profile (data; see `profile_types.ts` for the fields).
 *
 * @module
 */

import { DEFAULT_SHELLS, type ProfileConfig } from "../profile_types.ts";

// Aider: a bare "> " prompt (or "architect> "), yes/no questions at the bottom.
export const AIDER: ProfileConfig = {
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
