/**
 * State detection: a pure function from what the monitor saw of one agent pane in one cycle (its
 * `list-panes` record, its screen if captured, the previous observation and the clocks) to the next
 * {@linkcode Observation}. Everything CLI-specific comes from the pane's profile (`profiles.ts`).
 *
 * ## Reading the screen
 *
 * Lines are taken as `capture-pane -p -J` gives them, bounded (`lines.ts`), trailing blanks
 * trimmed. The **input box** is the lowest box matching one of the profile's prompt layouts
 * (Claude Code: the rule-line style `────` / `> text` / `────` with a footer such as
 * `? for shortcuts` below, or the older boxed style `╭───╮ │ > text │ ╰───╯`) with at most a few
 * footer lines under it. Its text is the **input** (placeholder hints count as empty). Regions
 * searched for markers:
 *
 * - **busy zone**: the `busyLookback` non-empty lines above the input box, plus the footer (the
 *   whole bottom of the screen when no input box shows);
 * - **latest output**: the last `latestOutputLines` non-empty lines above the input box, cut at the
 *   last line echoing a user message: what the agent said last, not scrollback;
 * - **bottom part** (for prompts): the lines below the input box, or the last `waitingLines`
 *   non-empty lines when no input box shows (a permission dialog replaces the input box).
 *
 * ## States, in precedence order (the first that applies wins)
 *
 * `docs/agents.md` gives the reason for each rule.
 *
 * 1. `crashed`: the pane is dead, or its foreground command is a shell (`bash`, `zsh`, `sh`,
 *    `fish`, `dash`, `ksh`, `tcsh`…): the agent has exited, whatever text it left on the screen.
 * 2. `unknown` ("not captured yet", "screen not captured for …"): no capture at all, or the last
 *    one is older than `maxCarryMs` (captures are failing: its findings no longer vouch for the
 *    screen).
 * 3. `waiting`: a permission / confirmation prompt ("Do you want to proceed?", `❯ 1. Yes`…) in the
 *    bottom part of the screen. Except a menu of choices (no permission question) right under a
 *    usage-limit message (no input box, the limit line in the latest output above the menu): it is
 *    the limit's own offer (Codex's "Approaching rate limits" model switch, Gemini CLI's
 *    "Usage limit reached for all Pro models" dialog), so the pane is `rate_limited` until the
 *    limit's reset time, then `waiting`. A profile's `busyTitle` pattern on the pane title counts
 *    as a busy marker (Codex shows its spinner only there while an answer streams).
 * 4. `rate_limited`: a usage-limit message in the latest output (or footer), with no busy marker
 *    visible (a busy agent has moved on). Its reset time is parsed in the stated time zone
 *    (`rate_limit.ts`), as the next occurrence after the message was first seen (the earlier of
 *    now and the window's last activity); the parsed `resetAt` is kept while the same message
 *    stays. Once `resetAt` has passed the message no longer counts (the agent can work again).
 *    "Approaching usage limit" is a warning, not a state: it is added to the detail.
 * 5. `error`: an API error banner in the latest output, with no busy marker visible. One higher in
 *    scrollback, or followed by a newer user message, does not count.
 * 6. `active`: a busy marker ("esc to interrupt" in any capitalisation, "Compacting
 *    conversation", a spinner line) in the busy zone, or the screen changed since the previous
 *    observation (a changing screen with none of the agent's controls on it counts only until
 *    `unknownAfterMs`).
 * 7. `stuck_input`: the input box holds text, the same text as in the previous observation, and
 *    the screen is otherwise unchanged since then (at least one cycle, and at least
 *    `stuckAfterMs`), with no busy marker: a message typed or pasted but never sent.
 * 8. `idle`: the input box is shown and empty, nothing busy, and the screen has not changed for
 *    `idleAfterMs` (monotonic time).
 * 9. `unknown`: none of the above; e.g. the first look at a quiet prompt ("not enough evidence
 *    yet"), or no input box recognised ("no input prompt recognised", "… for 60 s" once
 *    `unknownAfterMs` has passed). A pane that was `active` stays `active` while its input box
 *    shows, or until none of its controls (input box, busy marker, prompt) has shown for
 *    `unknownAfterMs`: no screen freezes a state.
 *
 * When the pane was not captured this cycle (`capture` is `null`: its screen has not changed), the
 * previous observation's findings are carried forward with the screen unchanged, for at most
 * `maxCarryMs`, so time-based transitions still happen (`active` → `idle` after `idleAfterMs`,
 * `rate_limited` ends at `resetAt`). `since` changes only when the state changes. `detail` is a
 * short reason (the matched marker, truncated), never the screen; a carried busy detail is made
 * from the carried marker, so it is never prefixed twice. `recognised` says whether the last
 * capture showed anything the profile knows (input box, busy marker, prompt, limit or error).
 *
 * Lines are bounded before matching (`lines.ts`), so patterns run in linear time on any screen.
 *
 * @module
 */

import type { PaneRecord } from "../tmux/types.ts";
import type { AgentState, Observation } from "./types.ts";
import { type AgentProfile, commandName, isShellCommand } from "./profiles.ts";
import { parseResetTime } from "./rate_limit.ts";
import { analyzeScreen, truncate } from "./screen.ts";

export {
  analyzeScreen,
  extractInput,
  findInputBox,
  type InputBox,
  MAX_DETAIL_LENGTH,
  type ScreenAnalysis,
  screenHash,
} from "./screen.ts";

/** The states in the order detection tries them: the first that applies wins. */
export const STATE_PRECEDENCE: readonly AgentState[] = [
  // "unknown" also comes second, for a pane without a recent capture (see the module docs).
  "crashed",
  "waiting",
  "rate_limited",
  "error",
  "active",
  "stuck_input",
  "idle",
  "unknown",
];

/** Default for {@linkcode DetectOptions.idleAfterMs}. */
export const DEFAULT_IDLE_AFTER_MS = 20_000;

/** Default for {@linkcode DetectOptions.unknownAfterMs}. */
export const DEFAULT_UNKNOWN_AFTER_MS = 60_000;

/** Default for {@linkcode DetectOptions.maxCarryMs} (at least `unknownAfterMs`). */
export const DEFAULT_MAX_CARRY_MS = 120_000;

/** What the monitor saw of one pane in one cycle. */
export interface DetectInput {
  /** The pane, from this cycle's `list-panes -a`. */
  pane: PaneRecord;
  /** `capture-pane -p -J` output, or `null` when the pane was not captured this cycle. */
  capture: string | null;
  /** The previous observation of this pane, if any. */
  previous?: Observation;
  /** Monotonic clock now (ms). */
  monoNow: number;
  /** Wall clock now (ms since the epoch). */
  wallNow: number;
  /** The profile of the CLI in the pane. */
  profile: AgentProfile;
}

/** Tuning for {@linkcode detectState}. */
export interface DetectOptions {
  /** How long the screen must be unchanged before an agent at an empty prompt is idle (20 s). */
  idleAfterMs?: number;
  /** How long unsent input must sit unchanged before it is stuck (default 0: one cycle). */
  stuckAfterMs?: number;
  /** Time zone for reset times that state none (default: the machine's). */
  defaultTimeZone?: string;
  /**
   * How long a screen may show none of the agent's controls (input box, busy marker, prompt)
   * before an agent that looked active is `unknown`.
   *
   * @default {60_000}
   */
  unknownAfterMs?: number;
  /**
   * How long the findings of the last capture are carried to cycles without one. Beyond it the
   * screen is not vouched for and the agent is `unknown` (the monitor recaptures an unchanged
   * pane at least every minute, so this is reached only when captures fail).
   *
   * @default {120_000} (at least `unknownAfterMs`)
   */
  maxCarryMs?: number;
}

/** What detection knows this cycle: from a fresh capture or carried from the previous one. */
interface Facts {
  hash: string;
  changed: boolean;
  lastChangeMono: number;
  lastChangeWall: number;
  /** Monotonic ms of the capture these facts come from. */
  capturedMono: number;
  /** Whether that capture showed anything the profile recognises. */
  recognised: boolean;
  /** Monotonic ms when a capture last showed the agent's controls (box, busy marker, prompt). */
  controlsMono: number;
  promptVisible: boolean;
  inputText: string;
  busy?: string;
  waiting?: string;
  limitAboveDialog?: boolean;
  rateLimit?: string;
  rateLimitText?: string;
  carriedResetAt?: number;
  rateLimitWarning?: string;
  error?: string;
}

function freshFacts(input: DetectInput, capture: string): Facts {
  const { previous: prev, monoNow, wallNow } = input;
  const a = analyzeScreen(capture, input.profile, { width: input.pane.width });
  const firstCapture = !prev || prev.screenHash === "";
  const changed = !firstCapture && prev.screenHash !== a.hash;
  const moved = firstCapture || changed;
  const controls = a.inputBox !== undefined || a.busy !== undefined || a.waiting !== undefined;
  return {
    hash: a.hash,
    changed,
    lastChangeMono: moved ? monoNow : prev.lastChangeMono,
    lastChangeWall: moved ? wallNow : prev.lastChangeWall,
    capturedMono: monoNow,
    recognised: controls || a.rateLimit !== undefined || a.error !== undefined,
    // A pane never seen before starts its clock at the first look.
    controlsMono: controls || firstCapture ? monoNow : prev.controlsMono ?? prev.lastChangeMono,
    promptVisible: a.inputBox !== undefined,
    inputText: a.inputBox?.text ?? "",
    busy: a.busy,
    waiting: a.waiting,
    limitAboveDialog: a.limitAboveDialog,
    rateLimit: a.rateLimit,
    rateLimitText: a.rateLimitText,
    rateLimitWarning: a.rateLimitWarning,
    error: a.error,
  };
}

/** The previous observation's findings, for a cycle without a capture (the screen is unchanged). */
function carriedFacts(prev: Observation, monoNow: number): Facts {
  // The screen is unchanged: controls it showed are still showing.
  const controls = prev.busyMarker !== undefined || prev.promptVisible === true ||
    prev.state === "waiting";
  return {
    hash: prev.screenHash,
    changed: false,
    lastChangeMono: prev.lastChangeMono,
    lastChangeWall: prev.lastChangeWall,
    capturedMono: prev.capturedMono ?? prev.lastChangeMono,
    recognised: prev.recognised ?? true,
    controlsMono: controls ? monoNow : prev.controlsMono ?? prev.lastChangeMono,
    promptVisible: prev.promptVisible ?? false,
    inputText: prev.inputText,
    // The marker itself, never the detail made from it (that would be prefixed again).
    busy: prev.busyMarker,
    waiting: prev.state === "waiting" ? prev.detail : undefined,
    rateLimit: prev.state === "rate_limited" ? prev.detail : undefined,
    carriedResetAt: prev.state === "rate_limited" ? prev.resetAt : undefined,
    error: prev.state === "error" ? prev.detail : undefined,
  };
}

/** The pane title, when it carries one of the profile's busy markers (`busyTitle`). */
function titleBusy(pane: PaneRecord, profile: AgentProfile): string | undefined {
  const title = pane.title ?? "";
  if (title === "" || !profile.busyTitle.some((re) => re.test(title))) return undefined;
  return `title: ${truncate(title, 60)}`;
}

/** `45 s`, `2 min`, `1.5 h`: a bound for a detail (fixed text, so the detail is stable). */
export function formatBound(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 360) / 10} h`;
}

/** One detection: its inputs, tuning with defaults filled in, and what it knows. */
interface Step {
  input: DetectInput;
  idleAfterMs: number;
  stuckAfterMs: number;
  unknownAfterMs: number;
  maxCarryMs: number;
  defaultTimeZone?: string;
  /** Undefined only when there is neither a capture nor a previous observation. */
  facts?: Facts;
  /** Appended to an idle detail when a usage limit on the screen has reset. */
  limitNote: string;
}

function observe(
  step: Step,
  state: AgentState,
  detail: string,
  extra: { resetAt?: number } = {},
): Observation {
  const { pane, previous: prev, monoNow, wallNow } = step.input;
  const facts = step.facts;
  const observation: Observation = {
    paneId: pane.paneId,
    state,
    since: prev && prev.state === state ? prev.since : wallNow,
    lastChangeMono: facts?.lastChangeMono ?? monoNow,
    lastChangeWall: facts?.lastChangeWall ?? wallNow,
    screenHash: facts?.hash ?? "",
    inputText: facts?.inputText ?? "",
    detail: truncate(detail),
    promptVisible: facts?.promptVisible ?? false,
    busy: facts?.busy !== undefined,
    recognised: facts?.recognised ?? false,
  };
  if (facts?.busy !== undefined) observation.busyMarker = facts.busy;
  if (facts) {
    observation.capturedMono = facts.capturedMono;
    observation.controlsMono = facts.controlsMono;
  }
  if (extra.resetAt !== undefined) observation.resetAt = extra.resetAt;
  return observation;
}

/** 1. `crashed`: the pane is dead or a shell is in its foreground (the pane record is fresh). */
function crashedStep(step: Step): Observation | undefined {
  const { pane, profile } = step.input;
  if (pane.dead) {
    const status = pane.deadStatus === undefined ? "" : ` (exit status ${pane.deadStatus})`;
    return observe(step, "crashed", `pane is dead${status}`);
  }
  if (isShellCommand(pane.currentCommand, profile)) {
    return observe(step, "crashed", `shell in foreground: ${commandName(pane.currentCommand)}`);
  }
  return undefined;
}

/** No screen to go by: never captured, or the last capture is too old to vouch for the screen. */
function uncapturedStep(step: Step): Observation | undefined {
  const facts = step.facts;
  if (!facts) return observe(step, "unknown", "not captured yet");
  const age = step.input.monoNow - facts.capturedMono;
  if (step.input.capture === null && age > step.maxCarryMs) {
    return observe(step, "unknown", `screen not captured for ${formatBound(step.maxCarryMs)}`);
  }
  return undefined;
}

/** 3. `rate_limited`: a usage limit on the screen whose reset time has not passed. */
function rateLimitStep(step: Step, facts: Facts): Observation | undefined {
  if (!facts.rateLimit || facts.busy) return undefined;
  const { pane, previous: prev, wallNow } = step.input;
  let resetAt: number | undefined;
  if (
    prev?.state === "rate_limited" && prev.detail === truncate(facts.rateLimit) &&
    prev.resetAt !== undefined
  ) {
    resetAt = prev.resetAt;
  } else if (facts.carriedResetAt !== undefined) {
    resetAt = facts.carriedResetAt;
  } else if (facts.rateLimitText) {
    // The message was printed no later than the window's last output.
    const activity = pane.windowActivity > 0 ? pane.windowActivity * 1000 : wallNow;
    const firstSeen = Math.min(wallNow, activity);
    resetAt = parseResetTime(facts.rateLimitText, firstSeen, {
      defaultTimeZone: step.defaultTimeZone,
    })?.resetAt;
  }
  if (resetAt === undefined || wallNow < resetAt) {
    return observe(step, "rate_limited", facts.rateLimit, { resetAt });
  }
  step.limitNote = " (usage limit has reset)";
  return undefined;
}

/** Whether nothing of the agent's own controls has shown for `unknownAfterMs`. */
function unrecognisedTooLong(step: Step, facts: Facts): boolean {
  return step.input.monoNow - facts.controlsMono >= step.unknownAfterMs;
}

/** 5.–7. `active`, `stuck_input`, `idle`: from the input box, busy markers and screen changes. */
function promptStep(step: Step, facts: Facts): Observation | undefined {
  const { previous: prev, monoNow } = step.input;
  const warning = facts.rateLimitWarning ? ` (${facts.rateLimitWarning})` : "";
  if (facts.busy) return observe(step, "active", `busy: ${facts.busy}`);
  // A changing screen is activity, but only for a bounded time when nothing on it is recognised.
  if (facts.changed && (facts.promptVisible || !unrecognisedTooLong(step, facts))) {
    return observe(step, "active", `screen changed${warning}`);
  }
  const quietMs = monoNow - facts.lastChangeMono;
  if (
    facts.promptVisible && facts.inputText !== "" && prev && prev.screenHash !== "" &&
    prev.inputText === facts.inputText && quietMs >= step.stuckAfterMs
  ) {
    return observe(step, "stuck_input", `unsent input: ${JSON.stringify(facts.inputText)}`);
  }
  if (facts.promptVisible && facts.inputText === "" && quietMs >= step.idleAfterMs) {
    return observe(step, "idle", `input prompt empty${step.limitNote || warning}`);
  }
  return undefined;
}

/**
 * 8. `unknown`, or `active` carried over: an agent seen active stays active while its input box
 * shows (idle or stuck input follow within their own times) or, without one, until nothing of
 * its controls has shown for `unknownAfterMs`. So no screen freezes a state.
 */
function unknownStep(step: Step, facts: Facts): Observation {
  const prev = step.input.previous;
  const tooLong = unrecognisedTooLong(step, facts);
  if (prev?.state === "active" && (facts.promptVisible || !tooLong)) {
    return observe(step, "active", prev.detail);
  }
  if (facts.promptVisible) return observe(step, "unknown", "not enough evidence yet");
  const bound = tooLong ? ` for ${formatBound(step.unknownAfterMs)}` : "";
  return observe(step, "unknown", `no input prompt recognised${bound}`);
}

/**
 * Classifies one agent pane for one monitor cycle and returns the next observation. Pure: the
 * result depends only on the arguments. See the module documentation for the rules and their
 * precedence.
 */
export function detectState(input: DetectInput, options: DetectOptions = {}): Observation {
  const unknownAfterMs = options.unknownAfterMs ?? DEFAULT_UNKNOWN_AFTER_MS;
  const step: Step = {
    input,
    idleAfterMs: options.idleAfterMs ?? DEFAULT_IDLE_AFTER_MS,
    stuckAfterMs: options.stuckAfterMs ?? 0,
    unknownAfterMs,
    maxCarryMs: options.maxCarryMs ?? Math.max(DEFAULT_MAX_CARRY_MS, unknownAfterMs),
    defaultTimeZone: options.defaultTimeZone,
    facts: input.capture !== null
      ? freshFacts(input, input.capture)
      : input.previous
      ? carriedFacts(input.previous, input.monoNow)
      : undefined,
    limitNote: "",
  };
  const early = crashedStep(step) ?? uncapturedStep(step);
  if (early) return early;
  const facts = step.facts!;
  facts.busy ??= titleBusy(input.pane, input.profile);
  // A dialog right under a usage-limit message is the limit's own offer: rate_limited first.
  const limitOffer = facts.waiting !== undefined && facts.limitAboveDialog === true &&
    !facts.busy;
  if (facts.waiting && !limitOffer) return observe(step, "waiting", facts.waiting);
  const limited = rateLimitStep(step, facts);
  if (limited) return limited;
  if (limitOffer) return observe(step, "waiting", facts.waiting!);
  if (facts.error && !facts.busy) return observe(step, "error", facts.error);
  return promptStep(step, facts) ?? unknownStep(step, facts);
}
