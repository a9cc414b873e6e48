/**
 * Styled text for `top`'s screen: lines built from segments, cut and padded to the terminal's
 * width in cells, and serialised with SGR codes — colours only when colour is on (`NO_COLOR`
 * turns it off; bold, dim and reverse video stay, they are not colour).
 *
 * @module
 */

import { cellWidth, fitCells } from "./width.ts";

/** How a segment looks. */
export interface Style {
  /** ANSI foreground colour (30–37, 90–97). */
  fg?: number;
  /** Bold. */
  bold?: boolean;
  /** Dim. */
  dim?: boolean;
  /** Reverse video (the selected row). */
  reverse?: boolean;
}

/** A run of text with one style. The text must be safe for a terminal already. */
export interface Segment {
  /** The text. */
  text: string;
  /** Its style. */
  style?: Style;
}

/** Colour names used by `top`. */
export const COLORS = {
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  red: 31,
  gray: 90,
} as const;

/** Whether colour is wanted: not when `NO_COLOR` is set to anything non-empty (no-color.org). */
export function colorWanted(env: (name: string) => string | undefined = Deno.env.get): boolean {
  const value = env("NO_COLOR");
  return value === undefined || value === "";
}

function sgr(style: Style | undefined, color: boolean): string {
  const codes: number[] = [];
  if (style?.bold) codes.push(1);
  if (style?.dim) codes.push(2);
  if (style?.reverse) codes.push(7);
  if (color && style?.fg !== undefined) codes.push(style.fg);
  return codes.length === 0 ? "" : `\x1b[${codes.join(";")}m`;
}

/**
 * One screen line of exactly `width` cells: the segments in order, the last one that does not
 * fit cut (ending in `…`), the rest padded with spaces in `fill`'s style.
 *
 * @example
 * ```ts
 * renderLine([{ text: "ok", style: { fg: 32 } }], 4, { color: true }); // "\x1b[0m\x1b[32mok\x1b[0m  \x1b[0m"
 * ```
 */
export function renderLine(
  segments: readonly Segment[],
  width: number,
  options: { color: boolean; fill?: Style },
): string {
  const base = options.fill ?? {};
  let out = "\x1b[0m";
  let used = 0;
  for (const segment of segments) {
    if (used >= width) break;
    const w = cellWidth(segment.text);
    const text = used + w <= width ? segment.text : fitCells(segment.text, width - used);
    const style = { ...base, ...segment.style };
    out += sgr(style, options.color) + text + "\x1b[0m";
    used += used + w <= width ? w : width - used;
  }
  out += sgr(base, options.color) + " ".repeat(Math.max(0, width - used)) + "\x1b[0m";
  return out;
}

/** A line without its SGR codes (what the terminal shows), for tests and captures. */
export function plain(line: string): string {
  // deno-lint-ignore no-control-regex
  return line.replace(/\x1b\[[0-9;]*m/g, "");
}
