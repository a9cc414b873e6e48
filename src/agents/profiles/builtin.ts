/**
 * The built-in profiles: one data module per agent CLI.
 *
 * @module
 */

import type { ProfileConfig } from "../profile_types.ts";
import { CLAUDE } from "./claude.ts";
import { CODEX } from "./codex.ts";
import { GEMINI } from "./gemini.ts";
import { AIDER } from "./aider.ts";

/** The built-in profiles, by name. */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileConfig>> = Object.freeze({
  claude: CLAUDE,
  codex: CODEX,
  gemini: GEMINI,
  aider: AIDER,
});
