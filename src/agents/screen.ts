/**
 * Reading one screen with a profile: the input box (and its text), the marker lines in the zones
 * detection assigns them (busy, waiting, usage limit, API error), and the hash that tells whether
 * the screen changed. Pure; `detect.ts` turns this into a state.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { AgentProfile, PromptStyle } from "./profiles.ts";
import { content, screenLines, type ScreenOptions } from "./lines.ts";

/** Longest `Observation.detail` (`types.ts`). */
export const MAX_DETAIL_LENGTH = 120;

/** One line of at most `max` characters, for a detail. */
export function truncate(text: string, max = MAX_DETAIL_LENGTH): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** The input box found on a screen. */
export interface InputBox {
  /** Name of the matching prompt layout. */
  style: string;
  /** Index of the box's first line (its top border or rule, when it has one). */
  start: number;
  /** Index of the box's last line. */
  end: number;
  /** The text in the box (lines trimmed, joined with `\n`); placeholders count as empty. */
  text: string;
}

/** What one screen shows, before comparing with the previous observation. */
export interface ScreenAnalysis {
  /** The input box, when one shows. */
  inputBox?: InputBox;
  /** The matched busy marker line. */
  busy?: string;
  /** The matched permission / confirmation prompt line. */
  waiting?: string;
  /**
   * A usage-limit line in the output right above the dialog (no input box): the dialog is the
   * limit's own offer (Codex's "Approaching rate limits" model switch), not a new question.
   */
  limitAboveDialog?: boolean;
  /** The matched usage-limit line. */
  rateLimit?: string;
  /** The usage-limit text to parse the reset time from (the line and the next two). */
  rateLimitText?: string;
  /** The matched "approaching limit" line. */
  rateLimitWarning?: string;
  /** The matched API error line. */
  error?: string;
  /** {@linkcode screenHash} of the screen. */
  hash: string;
}

/** A marker line for a detail: transcript bullets (`⎿ ● ⏺ ■`) dropped. */
function markerText(line: string): string {
  return content(line).replace(/^[⎿●⏺■]\s*/, "");
}

/** Parses a box whose input line is `i`: returns its last line and its text lines. */
function boxAt(
  lines: readonly string[],
  i: number,
  style: PromptStyle,
): { end: number; texts: string[] } | undefined {
  const first = style.first.exec(lines[i]);
  if (!first) return undefined;
  if (style.top && (i === 0 || !style.top.test(lines[i - 1]))) return undefined;
  const texts = [first[1] ?? ""];
  let j = i + 1;
  for (; j < lines.length && j <= i + 60; j++) {
    if (style.bottom?.test(lines[j])) return { end: j, texts };
    const more = style.continuation?.exec(lines[j]);
    if (!more) break;
    texts.push(more[1] ?? "");
  }
  return style.bottom ? undefined : { end: j - 1, texts };
}

function findBox(lines: readonly string[], profile: AgentProfile): InputBox | undefined {
  let best: InputBox | undefined;
  for (const style of profile.prompts) {
    for (let i = lines.length - 1; i >= 0; i--) {
      if (best && i <= best.end) break;
      if (!style.first.test(lines[i])) continue;
      // Without a top border, the box starts at the topmost of consecutive input lines (`▌`).
      let start = i;
      while (!style.top && start > 0 && style.first.test(lines[start - 1])) start--;
      let box = boxAt(lines, start, style);
      if (start !== i && (!box || box.end < i)) {
        start = i;
        box = boxAt(lines, i, style);
      }
      if (!box) continue;
      const footer = lines.slice(box.end + 1).filter((line) => line.trim() !== "").length;
      // Boxes further up have even more lines below them.
      if (footer > style.maxFooterLines) break;
      const text = box.texts.map((t) => t.trim()).join("\n").trim();
      const placeholder = profile.placeholders.some((re) => re.test(text));
      best = {
        style: style.name,
        start: style.top ? start - 1 : start,
        end: box.end,
        text: placeholder ? "" : text,
      };
      break;
    }
  }
  return best;
}

/** The last `count` non-empty lines before index `end`, top to bottom. */
function lastNonEmpty(lines: readonly string[], end: number, count: number): string[] {
  const found: string[] = [];
  for (let i = end - 1; i >= 0 && found.length < count; i--) {
    if (lines[i].trim() !== "") found.unshift(lines[i]);
  }
  return found;
}

/** The agent's latest output above `end`: stops at a user-message echo. */
function latestOutput(lines: readonly string[], end: number, profile: AgentProfile): string[] {
  const found: string[] = [];
  for (let i = end - 1; i >= 0 && found.length < profile.latestOutputLines; i--) {
    const line = content(lines[i]);
    if (line === "") continue;
    if (profile.userEcho.some((re) => re.test(line))) break;
    found.unshift(lines[i]);
  }
  return found;
}

function firstMatch(zone: readonly string[], patterns: readonly RegExp[]): number {
  return zone.findIndex((line) => {
    const text = content(line);
    return patterns.some((re) => re.test(text));
  });
}

function hashLines(lines: readonly string[]): string {
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
}

/**
 * Returns the text in the input box of a screen (`""` when the box is empty or shows only a
 * placeholder hint), or `undefined` when no input box is visible.
 */
export function extractInput(
  screen: string,
  profile: AgentProfile,
  options: ScreenOptions = {},
): string | undefined {
  return findBox(screenLines(screen, options), profile)?.text;
}

/** Returns the input box of a screen, if one is visible. */
export function findInputBox(
  screen: string,
  profile: AgentProfile,
  options: ScreenOptions = {},
): InputBox | undefined {
  return findBox(screenLines(screen, options), profile);
}

/**
 * Returns a short hash of a screen, for change detection. Trailing blanks and escapes are ignored.
 * With a profile, lines matching its `volatile` patterns and the footer below the input box (mode
 * hints, status lines) are left out too.
 */
export function screenHash(
  screen: string,
  profile?: AgentProfile,
  options: ScreenOptions = {},
): string {
  let lines = screenLines(screen, options);
  if (profile) {
    const box = findBox(lines, profile);
    if (box) lines = lines.slice(0, box.end + 1);
    if (profile.volatile.length > 0) {
      lines = lines.filter((line) => !profile.volatile.some((re) => re.test(content(line))));
    }
  }
  return hashLines(lines);
}

/** Index in `lines` of the topmost prompt line among the last `waitingLines` non-empty lines. */
function dialogStart(lines: readonly string[], profile: AgentProfile): number {
  const zone: number[] = [];
  for (let i = lines.length - 1; i >= 0 && zone.length < profile.waitingLines; i--) {
    if (lines[i].trim() !== "") zone.unshift(i);
  }
  const first = zone.find((i) => isWaitingLine(lines[i], profile));
  return first ?? lines.length;
}

const BORDER = /[│┃║▌]/;

/**
 * A line without box borders but with its indentation kept, for `waiting` patterns that tell a
 * dialog's indented choice from a prompt or echo at column 0 (e.g. Claude Code's `  ❯ Yes`).
 * Linear: a loop, not a trailing character-class regex.
 */
function indentedContent(line: string): string {
  let start = 0;
  while (start < line.length && /\s/.test(line[start])) start++;
  if (start < line.length && BORDER.test(line[start])) {
    start++;
    if (line[start] === " ") start++;
  } else {
    start = 0;
  }
  let end = line.length;
  while (end > start && (BORDER.test(line[end - 1]) || /\s/.test(line[end - 1]))) end--;
  return line.slice(start, end);
}

/** Whether a line is a permission prompt or a dialog's choice (borders stripped, or indented). */
function isWaitingLine(line: string, profile: AgentProfile): boolean {
  const text = content(line);
  const indented = indentedContent(line);
  return profile.waiting.some((re) => re.test(text) || re.test(indented));
}

/**
 * Reads one screen with a profile: input box, markers in their zones, hash. With the pane's
 * `width`, lines that `capture-pane -J` joined after a full-width rule or box row are split
 * again (`lines.ts`).
 */
export function analyzeScreen(
  screen: string,
  profile: AgentProfile,
  options: ScreenOptions = {},
): ScreenAnalysis {
  const lines = screenLines(screen, options);
  const box = findBox(lines, profile);
  const contentEnd = box ? box.start : lines.length;
  const footer = box ? lines.slice(box.end + 1).filter((line) => line.trim() !== "") : [];

  const busyZone = box
    ? [...lastNonEmpty(lines, contentEnd, profile.busyLookback), ...footer]
    : lastNonEmpty(lines, lines.length, profile.busyLookback);
  const waitingZone = box ? footer : lastNonEmpty(lines, lines.length, profile.waitingLines);
  const latest = latestOutput(lines, contentEnd, profile);
  const limitZone = [...latest, ...footer];

  const analysis: ScreenAnalysis = { inputBox: box, hash: "" };
  const busy = firstMatch(busyZone, profile.busy);
  if (busy >= 0) analysis.busy = truncate(content(busyZone[busy]));

  const waitingLines = waitingZone.filter((line) => isWaitingLine(line, profile));
  if (waitingLines.length > 0) {
    const question = waitingLines.find((line) => content(line).endsWith("?"));
    analysis.waiting = truncate(content(question ?? waitingLines[0]));
  }

  let limit = firstMatch(limitZone, profile.rateLimit);
  let limitLines = limitZone;
  const menuOnly = waitingLines.length > 0 &&
    !waitingLines.some((line) => content(line).endsWith("?"));
  if (!box && menuOnly) {
    // A menu (choices, no permission question) replaced the input box: the output above it is
    // the latest output (also when the limit line is near enough to the bottom to be in the
    // latest lines anyway, as in Gemini CLI's quota dialog). A permission question is never a
    // limit's offer, whatever text its command shows above it.
    const above = latestOutput(lines, dialogStart(lines, profile), profile);
    const aboveLimit = firstMatch(above, profile.rateLimit);
    if (aboveLimit >= 0) {
      limit = aboveLimit;
      limitLines = above;
      analysis.limitAboveDialog = true;
    }
  }
  if (limit >= 0) {
    analysis.rateLimit = truncate(markerText(limitLines[limit]));
    analysis.rateLimitText = limitLines.slice(limit, limit + 3).map(content).join(" ");
  }
  for (const line of limitZone) {
    const text = content(line);
    const match = profile.rateLimitWarning.map((re) => re.exec(text)).find((m) => m !== null);
    if (match) {
      analysis.rateLimitWarning = truncate(text.slice(match.index), 60);
      break;
    }
  }

  const error = firstMatch(latest, profile.apiError);
  if (error >= 0) analysis.error = truncate(markerText(latest[error]));

  let hashed = box ? lines.slice(0, box.end + 1) : lines;
  if (profile.volatile.length > 0) {
    hashed = hashed.filter((line) => !profile.volatile.some((re) => re.test(content(line))));
  }
  analysis.hash = hashLines(hashed);
  return analysis;
}
