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

export * from "./profile_types.ts";
export { BUILTIN_PROFILES } from "./profiles/builtin.ts";
export * from "./profile_compile.ts";
export * from "./identify.ts";
