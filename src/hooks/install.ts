/**
 * What `tmux-orc hooks install` writes into each agent CLI's own configuration, as pure
 * functions over the parsed file: the fragment, the merge (ours replaced, everything else kept in
 * place) and the removal (only ours). The file I/O is in `install_files.ts`.
 *
 * - Claude Code (`settings.json` `hooks`): one matcher group per event, each with one command hook
 *   in exec form (`command` + `args`, no shell) and `async: true`, so the agent never waits for
 *   it. `PreToolUse` is left out on purpose: it fires a moment before `PermissionRequest`, and two
 *   background hooks that close together may record their times out of order (an `active` hiding
 *   the prompt).
 * - Gemini CLI (`settings.json` `hooks`): the same shape, but the command is a shell string (the
 *   CLI runs it with `bash -c`), so every word is single-quoted. Gemini waits for its hooks: only
 *   the events that carry a state are installed, not `BeforeTool`/`BeforeModel`/`AfterModel`.
 * - Codex (`config.toml` `notify`): one program for the whole CLI, which Codex runs with the
 *   event's JSON appended as the last argument. A `notify` that is not ours is never replaced.
 *
 * An entry is "ours" when its argv ends with `hook --cli NAME EVENT` (Codex: `hook --cli codex
 * notify`): the program path may differ between installs (a new binary, `deno run`), the tail
 * never does.
 *
 * @module
 */

import { shellWord } from "../tmux/commands.ts";
import type { HookCli } from "./event.ts";

/** The Claude Code events installed, with their matcher (`undefined`: every occurrence). */
export const CLAUDE_EVENTS: readonly { event: string; matcher?: string }[] = [
  { event: "UserPromptSubmit" },
  { event: "PostToolUse" },
  { event: "PostToolUseFailure" },
  { event: "PermissionRequest" },
  { event: "Notification", matcher: "permission_prompt" },
  { event: "Notification", matcher: "idle_prompt" },
  { event: "Notification", matcher: "elicitation_dialog" },
  { event: "Stop" },
  { event: "StopFailure" },
  { event: "SessionEnd" },
];

/** The Gemini CLI events installed. */
export const GEMINI_EVENTS: readonly { event: string; matcher?: string }[] = [
  { event: "BeforeAgent" },
  { event: "AfterTool" },
  { event: "AfterAgent" },
  { event: "Notification" },
  { event: "SessionEnd" },
];

/** The event word of the Codex `notify` command (Codex appends its JSON after it). */
export const CODEX_NOTIFY_EVENT = "notify";

/** The `name` of our Gemini hooks. */
export const GEMINI_HOOK_NAME = "tmux-orc";

/** Seconds Claude Code lets our hook run (it takes ~0.1 s). */
const CLAUDE_TIMEOUT_S = 10;
/** Milliseconds Gemini CLI lets our hook run. */
const GEMINI_TIMEOUT_MS = 5000;

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** The argv of our hook for `cli` and `event`, after the program's own argv prefix. */
export function hookArgv(self: readonly string[], cli: HookCli, event: string): string[] {
  return [...self, "hook", "--cli", cli, event];
}

/** Whether `argv` is one of ours for `cli` (see the module documentation). */
export function isOurArgv(argv: readonly unknown[], cli: HookCli): boolean {
  const n = argv.length;
  return n >= 5 && argv[n - 4] === "hook" && argv[n - 3] === "--cli" && argv[n - 2] === cli &&
    typeof argv[n - 1] === "string";
}

/** Splits a command line made by {@linkcode shellWord} back into words (`undefined`: not one). */
export function shellWords(line: string): string[] | undefined {
  const words: string[] = [];
  const re = /\s*(?:'((?:[^']|'\\'')*)'|([A-Za-z0-9_@%+=:,./-]+))(?=\s|$)/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = re.exec(line)) !== null) {
    words.push(match[1] !== undefined ? match[1].replaceAll(`'\\''`, "'") : match[2]);
    end = re.lastIndex;
    if (end >= line.length) break;
  }
  return line.slice(end).trim() === "" ? words : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function claudeHook(self: readonly string[], event: string): JsonObject {
  const [command, ...args] = hookArgv(self, "claude", event);
  return { type: "command", command, args, async: true, timeout: CLAUDE_TIMEOUT_S };
}

function geminiHook(self: readonly string[], event: string): JsonObject {
  return {
    name: GEMINI_HOOK_NAME,
    type: "command",
    command: hookArgv(self, "gemini", event).map(shellWord).join(" "),
    timeout: GEMINI_TIMEOUT_MS,
  };
}

/** Whether one hook entry of a `settings.json` is ours for `cli`. */
export function isOurHook(hook: unknown, cli: "claude" | "gemini"): boolean {
  if (!isObject(hook) || hook.type !== "command" || typeof hook.command !== "string") {
    return false;
  }
  if (Array.isArray(hook.args)) return isOurArgv([hook.command, ...hook.args], cli);
  const words = shellWords(hook.command);
  return words !== undefined && isOurArgv(words, cli);
}

/** The `hooks` object we install for Claude Code or Gemini CLI (`--print` shows it). */
export function settingsFragment(cli: "claude" | "gemini", self: readonly string[]): JsonObject {
  const hooks: Record<string, JsonObject[]> = {};
  for (const { event, matcher } of cli === "claude" ? CLAUDE_EVENTS : GEMINI_EVENTS) {
    const hook = cli === "claude" ? claudeHook(self, event) : geminiHook(self, event);
    (hooks[event] ??= []).push(
      matcher === undefined ? { hooks: [hook] } : { matcher, hooks: [hook] },
    );
  }
  return { hooks };
}

/**
 * `settings` without our hooks: our entries are taken out of every matcher group, a group left
 * empty is dropped, an event left empty too, and `hooks` itself when nothing is left of it. Everything
 * else keeps its place and value. Throws when `hooks` is not an object (nothing is guessed).
 */
export function removeFromSettings(settings: JsonObject, cli: "claude" | "gemini"): JsonObject {
  if (settings.hooks === undefined) return settings;
  if (!isObject(settings.hooks)) throw new Error("its hooks entry is not an object");
  const hooks: JsonObject = {};
  for (const [event, groups] of Object.entries(settings.hooks)) {
    if (!Array.isArray(groups)) {
      hooks[event] = groups;
      continue;
    }
    const kept = groups.flatMap((group) => {
      if (!isObject(group) || !Array.isArray(group.hooks)) return [group];
      const inner = group.hooks.filter((hook) => !isOurHook(hook, cli));
      if (inner.length === group.hooks.length) return [group];
      return inner.length === 0 ? [] : [{ ...group, hooks: inner }];
    });
    if (kept.length > 0 || groups.length === 0) hooks[event] = kept;
  }
  const out: JsonObject = { ...settings, hooks };
  const hadAny = Object.keys(settings.hooks).length > 0;
  if (hadAny && Object.keys(hooks).length === 0) delete out.hooks;
  return out;
}

/** `settings` with our hooks (any older ones of ours replaced; nothing else touched). */
export function mergeIntoSettings(
  settings: JsonObject,
  cli: "claude" | "gemini",
  self: readonly string[],
): JsonObject {
  const base = removeFromSettings(settings, cli);
  const hooks: JsonObject = isObject(base.hooks) ? { ...base.hooks } : {};
  for (const [event, groups] of Object.entries(settingsFragment(cli, self).hooks as JsonObject)) {
    const existing = Array.isArray(hooks[event]) ? hooks[event] as unknown[] : [];
    if (hooks[event] !== undefined && !Array.isArray(hooks[event])) {
      throw new Error(`its hooks.${event} entry is not a list`);
    }
    hooks[event] = [...existing, ...(groups as unknown[])];
  }
  return { ...base, hooks };
}

/** The Codex `notify` argv we install. */
export function codexNotify(self: readonly string[]): string[] {
  return hookArgv(self, "codex", CODEX_NOTIFY_EVENT);
}

/** The TOML line for {@linkcode codexNotify} (`--print` shows it). */
export function codexNotifyLine(self: readonly string[]): string {
  return `notify = [${codexNotify(self).map((word) => JSON.stringify(word)).join(", ")}]`;
}
