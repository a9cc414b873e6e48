/**
 * Hooks and the screen: what an agent CLI's own hook event (`@tmux-orc-hook`, see
 * `src/hooks/event.ts`) says about its state, and how the monitor combines that with what the
 * screen says. Pure: the clock is a parameter.
 *
 * ## What a hook says ({@linkcode hookSignal})
 *
 * | signal    | Claude Code                                             | Gemini CLI                 | Codex `notify`        |
 * | --------- | ------------------------------------------------------- | -------------------------- | --------------------- |
 * | `waiting` | `PermissionRequest`, `Notification` `permission_prompt` / `elicitation_dialog` | `Notification` `ToolPermission` | — |
 * | `active`  | `UserPromptSubmit`, `PreToolUse`, `PostToolUse`, `PostToolUseFailure` | `BeforeAgent`, `BeforeTool`, `AfterTool` | — |
 * | `idle`    | `Stop`, `Notification` `idle_prompt`                    | `AfterAgent`               | `agent-turn-complete` |
 * | `error`   | `StopFailure`                                           | —                          | —                     |
 * | `ended`   | `SessionEnd`                                            | `SessionEnd`               | —                     |
 *
 * ## Precedence ({@linkcode combineHook})
 *
 * 1. The screen alone decides `crashed` (dead pane, shell in the foreground), `rate_limited`
 *    (with its reset time) and `stuck_input`: no hook tells these.
 * 2. A hook decides only while it is fresh. `waiting`, `idle` and `error` are fresh while the
 *    screen has not changed since the event (allowing {@linkcode HOOK_SLACK_MS} for the redraw that
 *    goes with it): a permission prompt stays on a still screen. `active` is fresh for
 *    {@linkcode HOOK_ACTIVE_MS} after the event only: work shows on the screen soon enough, and a
 *    hook that never came (a cancelled turn) must not keep an agent active.
 * 3. A fresh `waiting` wins over any other screen state: the prompt may not be drawn yet, or be
 *    drawn in a way the profile does not know. A fresh `error` wins over `idle`, `active` and
 *    `unknown`. A fresh `idle` wins over `active` and `unknown` (the last frame of the spinner).
 *    A fresh `active` wins over `idle` and `unknown` (the spinner is not drawn yet), not over a
 *    prompt the screen shows.
 * 4. `ended` never sets a state: `SessionEnd` also fires on `/clear`; the screen says `crashed`
 *    once the CLI's process is gone.
 * 5. A fresh hook that disagrees with the screen is a contradiction, reported with both facts
 *    (the monitor logs it once per event).
 *
 * @module
 */

import type { HookEvent } from "../hooks/event.ts";
import type { AgentState, Observation } from "./types.ts";

/** What a hook event says. */
export type HookSignal = "waiting" | "active" | "idle" | "error" | "ended";

/** How long after a screen change a sticky hook event still counts as the same moment (ms). */
export const HOOK_SLACK_MS = 2000;

/** How long an `active` hook event decides (ms). */
export const HOOK_ACTIVE_MS = 3000;

/** The states only the screen tells. */
const SCREEN_ONLY: ReadonlySet<AgentState> = new Set(["crashed", "rate_limited", "stuck_input"]);

/** Which screen states each fresh signal overrides (rule 3). */
const OVERRIDES: Record<Exclude<HookSignal, "ended">, ReadonlySet<AgentState>> = {
  waiting: new Set(["active", "idle", "error", "unknown"]),
  error: new Set(["active", "idle", "unknown"]),
  idle: new Set(["active", "unknown"]),
  active: new Set(["idle", "unknown"]),
};

const CLAUDE: Record<string, HookSignal> = {
  UserPromptSubmit: "active",
  PreToolUse: "active",
  PostToolUse: "active",
  PostToolUseFailure: "active",
  PermissionRequest: "waiting",
  Stop: "idle",
  StopFailure: "error",
  SessionEnd: "ended",
};

const CLAUDE_NOTIFICATIONS: Record<string, HookSignal> = {
  permission_prompt: "waiting",
  elicitation_dialog: "waiting",
  idle_prompt: "idle",
};

const GEMINI: Record<string, HookSignal> = {
  BeforeAgent: "active",
  BeforeTool: "active",
  AfterTool: "active",
  AfterAgent: "idle",
  SessionEnd: "ended",
};

const CODEX: Record<string, HookSignal> = { "agent-turn-complete": "idle" };

/** What `event` says about the agent's state, or `undefined` when nothing (see the table). */
export function hookSignal(event: HookEvent): HookSignal | undefined {
  const cli = event.cli || (event.event in GEMINI ? "gemini" : event.event in CODEX ? "codex" : "");
  if (cli === "codex") return CODEX[event.event];
  if (cli === "gemini") {
    if (event.event === "Notification") {
      return event.type === "ToolPermission" ? "waiting" : undefined;
    }
    return GEMINI[event.event];
  }
  if (event.event === "Notification") {
    return event.type === undefined ? undefined : CLAUDE_NOTIFICATIONS[event.type];
  }
  return CLAUDE[event.event];
}

/** Options for {@linkcode combineHook}. */
export interface CombineOptions {
  /** Wall-clock ms now. */
  wallNow: number;
  /** The previous (combined) observation, for `since`. */
  previous?: Observation;
  /** @default {HOOK_SLACK_MS} */
  slackMs?: number;
  /** @default {HOOK_ACTIVE_MS} */
  activeMs?: number;
}

/** A fresh hook event and the screen disagree. */
export interface Contradiction {
  /** What the hook says. */
  hook: HookSignal;
  /** The event, as `Notification permission_prompt`. */
  event: string;
  /** When the event was recorded (wall ms). */
  at: number;
  /** What the screen says. */
  screen: AgentState;
  /** The screen's reason. */
  screenDetail: string;
  /** Which one decided. */
  winner: "hook" | "screen";
}

/** The outcome of {@linkcode combineHook}. */
export interface Combined {
  /** The observation to keep: the screen's, or the hook's state on top of it. */
  observation: Observation;
  /** Set when a fresh hook and the screen disagree. */
  contradiction?: Contradiction;
  /** Whether the hook decided the state. */
  byHook: boolean;
}

/** `Notification permission_prompt`, `PreToolUse Bash`, `Stop`. */
export function describeHookEvent(event: HookEvent): string {
  const extra = event.type ?? event.tool;
  return extra ? `${event.event} ${extra}` : event.event;
}

/** Whether the hook event is fresh by rule 2. */
export function isFresh(
  signal: HookSignal,
  event: HookEvent,
  screen: Observation,
  options: CombineOptions,
): boolean {
  if (event.at > options.wallNow + (options.slackMs ?? HOOK_SLACK_MS)) return false; // clock skew
  if (signal === "active") {
    return options.wallNow - event.at <= (options.activeMs ?? HOOK_ACTIVE_MS);
  }
  return screen.lastChangeWall <= event.at + (options.slackMs ?? HOOK_SLACK_MS);
}

/**
 * Combines the screen's observation with the pane's latest hook event by the precedence in the
 * module documentation.
 *
 * @example
 * ```ts
 * // The permission prompt's Notification hook fired; the screen still shows the spinner.
 * combineHook(screenSaysActive, notification, { wallNow }).observation.state; // "waiting"
 * ```
 */
export function combineHook(
  screen: Observation,
  event: HookEvent | undefined,
  options: CombineOptions,
): Combined {
  const unchanged: Combined = { observation: screen, byHook: false };
  if (!event) return unchanged;
  const signal = hookSignal(event);
  if (!signal || signal === "ended") return unchanged;
  if (!isFresh(signal, event, screen, options)) return unchanged;
  if (screen.state === signal) return unchanged;
  const facts = {
    hook: signal,
    event: describeHookEvent(event),
    at: event.at,
    screen: screen.state,
    screenDetail: screen.detail,
  };
  if (SCREEN_ONLY.has(screen.state) || !OVERRIDES[signal].has(screen.state)) {
    return { ...unchanged, contradiction: { ...facts, winner: "screen" } };
  }
  const previous = options.previous;
  const since = previous?.state === signal
    ? previous.since
    : Math.min(Math.max(event.at, previous?.since ?? 0), options.wallNow);
  const observation: Observation = {
    ...screen,
    state: signal,
    since,
    detail: `hook: ${describeHookEvent(event)}${event.message ? `: ${event.message}` : ""}`,
  };
  delete observation.resetAt;
  return { observation, byHook: true, contradiction: { ...facts, winner: "hook" } };
}
