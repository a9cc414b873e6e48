/**
 * The value of the pane option `@tmux-orc-hook` (`HOOK_OPTIONS.event`): one agent CLI hook event,
 * as `tmux-orc hook` records it and the monitor reads it back through `list-panes`.
 *
 * The value is compact JSON with short, sanitised fields (no control or bidi characters, each
 * field bounded), at most {@linkcode MAX_HOOK_VALUE} characters:
 *
 * ```json
 * {"at":1764640000000,"v":1,"cli":"claude","event":"Notification","type":"permission_prompt","message":"Claude needs your permission to use Bash"}
 * ```
 *
 * - `at`: wall-clock ms when the hook ran, always first and 13 digits, so that tmux itself can
 *   compare it ({@linkcode HOOK_AT_FORMAT}): an event never replaces a newer one;
 * - `v`: the format version ({@linkcode HOOK_VALUE_VERSION});
 * - `cli`: which CLI's hook fired (`claude`, `codex`, `gemini`, or empty when not said);
 * - `event`: the CLI's own event name (`Notification`, `PreToolUse`, `AfterAgent`,
 *   `agent-turn-complete`…);
 * - `type`: the notification type (`permission_prompt`, `idle_prompt`, `ToolPermission`), the
 *   session-end reason or the failure's error type, when the event has one;
 * - `tool`: the tool name of a tool event;
 * - `message`: the notification's message, cut short.
 *
 * Pure: no I/O.
 *
 * @module
 */

import { HOOK_OPTIONS } from "../registration.ts";

/** The format version written in `v`. */
export const HOOK_VALUE_VERSION = 1;

/**
 * The tmux format that reads `at` out of the option: the first 19 characters `{"at":DDDDDDDDDDDDD`,
 * of which the last 13 (empty for an unset option, which tmux compares as 0).
 */
export const HOOK_AT_FORMAT = `#{=-13:#{=19:${HOOK_OPTIONS.event}}}`;

/** Longest value written (characters). */
export const MAX_HOOK_VALUE = 400;

/** The agent CLIs whose hooks `tmux-orc hook` understands. */
export const HOOK_CLIS = ["claude", "codex", "gemini"] as const;

/** One of {@linkcode HOOK_CLIS}. */
export type HookCli = typeof HOOK_CLIS[number];

/** One recorded hook event. */
export interface HookEvent {
  /** The CLI whose hook fired (`""` when the command line did not say). */
  cli: HookCli | "";
  /** The CLI's own event name. */
  event: string;
  /** Wall-clock ms when the hook ran. */
  at: number;
  /** Notification type, session-end reason or error type. */
  type?: string;
  /** Tool name of a tool event. */
  tool?: string;
  /** Notification message, cut short. */
  message?: string;
}

const LIMITS = { event: 48, type: 48, tool: 64, message: 160 } as const;

// Controls (C0, DEL, C1) and the bidi/invisible marks a terminal could act on: dropped. A single
// quote is replaced too (see `record.ts`: the value travels in a single-quoted tmux command).
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** `text` without control or bidi characters, whitespace runs as one space, at most `max` long. */
export function cleanField(text: string, max: number): string {
  const clean = text.replace(UNSAFE, " ").replaceAll("'", "\u2019").replace(/\s+/g, " ").trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

function field(value: unknown, max: number): string | undefined {
  if (typeof value !== "string") return undefined;
  const clean = cleanField(value, max);
  return clean === "" ? undefined : clean;
}

/** Whether `name` is one of {@linkcode HOOK_CLIS}. */
export function isHookCli(name: string): name is HookCli {
  return (HOOK_CLIS as readonly string[]).includes(name);
}

/**
 * The event from what the CLI handed its hook: `event` from the command line (for Codex `notify`
 * the payload's `type` wins), `payload` the parsed JSON (anything else: ignored). Only the few
 * fields the monitor uses are kept, sanitised.
 *
 * @example
 * ```ts
 * hookEventFrom("claude", "Notification", {
 *   notification_type: "permission_prompt",
 *   message: "Claude needs your permission to use Bash",
 * }, 1764640000000);
 * // { cli: "claude", event: "Notification", at: 1764640000000, type: "permission_prompt", … }
 * ```
 */
export function hookEventFrom(
  cli: HookCli | "",
  event: string,
  payload: unknown,
  at: number,
): HookEvent {
  const data = payload !== null && typeof payload === "object" && !Array.isArray(payload)
    ? payload as Record<string, unknown>
    : {};
  const named = field(cli === "codex" ? data["type"] : undefined, LIMITS.event) ??
    field(event, LIMITS.event) ?? field(data["hook_event_name"], LIMITS.event) ?? "unknown";
  const out: HookEvent = { cli, event: named, at };
  const errorType = data["error"] !== null && typeof data["error"] === "object"
    ? (data["error"] as Record<string, unknown>)["type"]
    : data["error_type"] ?? data["error"];
  const type = field(data["notification_type"], LIMITS.type) ??
    field(data["reason"], LIMITS.type) ?? field(errorType, LIMITS.type);
  if (type) out.type = type;
  const tool = field(data["tool_name"], LIMITS.tool);
  if (tool) out.tool = tool;
  const message = field(data["message"], LIMITS.message);
  if (message) out.message = message;
  return out;
}

/** The option value for `event` (compact JSON, at most {@linkcode MAX_HOOK_VALUE} characters). */
export function formatHookValue(event: HookEvent): string {
  const value: Record<string, unknown> = {
    at: Math.round(event.at),
    v: HOOK_VALUE_VERSION,
    cli: event.cli,
    event: cleanField(event.event, LIMITS.event),
  };
  if (event.type) value.type = cleanField(event.type, LIMITS.type);
  if (event.tool) value.tool = cleanField(event.tool, LIMITS.tool);
  if (event.message) value.message = cleanField(event.message, LIMITS.message);
  let text = JSON.stringify(value);
  if (text.length > MAX_HOOK_VALUE) {
    delete value.message;
    text = JSON.stringify(value);
  }
  return text;
}

/**
 * The event in an option value, or `undefined` for an empty, foreign or malformed value (a pane
 * option is writable by anyone on the tmux server: nothing in it is trusted beyond its shape).
 */
export function parseHookValue(text: string): HookEvent | undefined {
  if (text === "" || text.length > MAX_HOOK_VALUE * 2 || !text.startsWith("{")) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== "object") return undefined;
  const v = data as Record<string, unknown>;
  if (v.v !== HOOK_VALUE_VERSION) return undefined;
  const event = field(v.event, LIMITS.event);
  const at = v.at;
  if (!event || typeof at !== "number" || !Number.isFinite(at) || at <= 0) return undefined;
  const cli = typeof v.cli === "string" && isHookCli(v.cli) ? v.cli : "";
  const out: HookEvent = { cli, event, at };
  const type = field(v.type, LIMITS.type);
  if (type) out.type = type;
  const tool = field(v.tool, LIMITS.tool);
  if (tool) out.tool = tool;
  const message = field(v.message, LIMITS.message);
  if (message) out.message = message;
  return out;
}
