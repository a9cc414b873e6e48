/**
 * A captured screen as the lines that profile patterns are matched against. Shared by detection
 * (`detect.ts`) and profile identification (`profiles.ts`), so both read a screen the same way.
 *
 * Pane text is untrusted and a line can be very long (`capture-pane -J` joins wrapped lines), so
 * lines are bounded before any pattern sees them: every run of whitespace is cut to
 * {@linkcode MAX_BLANK_RUN} characters, every run of digits to {@linkcode MAX_DIGIT_RUN}, then
 * the line to {@linkcode MAX_MATCH_LINE}. The run bounds matter most: patterns such as
 * `│\s*(.*?)\s*│` split a run of blanks between two or three quantifiers, and an unanchored
 * `\d+% context left` tries every start in a run of digits, which costs the square or the cube of
 * the run's length when the line does not match; with short runs that cost is a small constant
 * per character. The built-in patterns are then linear in the line's length
 * (`scripts/bench_detect_long_lines.ts` prints the figures). Nothing a pattern looks for needs
 * more than 8 blanks or 32 digits in a row.
 *
 * `capture-pane -J` also joins a row that fills the pane's width with the row below it whenever
 * tmux marked it as wrapped (a full-width rule `────` followed by `> `, which happens after
 * redraws and resizes), so `────…────>` would hide an input box. Given the pane's width,
 * {@linkcode screenLines} splits such a line again after every full row that ends in a box or
 * block character (`─│╮╯█…`) not continued by the same character: text that really wrapped
 * hardly ever ends a row with one, and a rule that runs on is one longer rule.
 *
 * @module
 */

/** Longest line (in UTF-16 code units) that patterns are matched against; the rest is cut. */
export const MAX_MATCH_LINE = 2000;

/** Longest run of whitespace kept in a line; longer runs are cut to this length. */
export const MAX_BLANK_RUN = 8;

/** Longest run of digits kept in a line (`\d+%` at every position of a long run is quadratic). */
export const MAX_DIGIT_RUN = 32;

// deno-lint-ignore no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
const LONG_BLANK_RUN = new RegExp(String.raw`(\s{${MAX_BLANK_RUN}})\s+`, "g");
const LONG_DIGIT_RUN = new RegExp(String.raw`(\d{${MAX_DIGIT_RUN}})\d+`, "g");

/** Box borders and blanks that {@linkcode content} strips from both ends of a line. */
const BORDER_CHAR = /^[\s│┃║▌]$/;

/** One line bounded for matching: blank and digit runs shortened, then cut to the longest line. */
export function boundLine(line: string): string {
  // Both replacements are linear: each run is matched once.
  let bounded = line.replace(LONG_BLANK_RUN, "$1").replace(LONG_DIGIT_RUN, "$1");
  if (bounded.length > MAX_MATCH_LINE) {
    bounded = bounded.slice(0, MAX_MATCH_LINE);
    // Do not leave half of a surrogate pair at the cut.
    const last = bounded.charCodeAt(bounded.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) bounded = bounded.slice(0, -1);
  }
  return bounded;
}

/** Box drawing and block elements: what a full row of a rule or a box ends with. */
const BOX_CHAR = /^[\u2500-\u259f]$/;
/** Vertical borders: two in a row are two box rows joined, not one run. */
const VERTICAL = /^[│┃║▌▐]$/;

/** Cells a code point takes in a terminal: 2 for East Asian wide characters and emoji, else 1. */
function cells(cp: number): number {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)
    ? 2
    : 1;
}

/**
 * Splits a line that `capture-pane -J` joined after a full row of `width` cells ending in a box
 * or block character (see the module documentation). Linear in the line's length.
 */
export function splitFullRows(line: string, width: number): string[] {
  // A code unit takes at most two cells: a line this short cannot fill a row and go on.
  if (!(width > 0) || 2 * line.length <= width) return [line];
  const rows: string[] = [];
  let start = 0;
  while (2 * (line.length - start) > width) {
    let used = 0;
    let end = start;
    let last = "";
    while (end < line.length && used < width) {
      const cp = line.codePointAt(end)!;
      used += cells(cp);
      last = String.fromCodePoint(cp);
      end += last.length;
    }
    if (used !== width || end >= line.length || !BOX_CHAR.test(last)) break;
    // A rule running on past the row is one longer rule (or the width is not the pane's).
    if (line[end] === last && !VERTICAL.test(last)) break;
    rows.push(line.slice(start, end));
    start = end;
  }
  rows.push(line.slice(start));
  return rows;
}

/** How to read a screen. */
export interface ScreenOptions {
  /** The pane's width in cells: lines `-J` joined after a full box row are split again. */
  width?: number;
}

/**
 * Splits a capture into lines for matching: escapes removed, rows joined after a full box row
 * split again (with `width`), each line bounded ({@linkcode boundLine}), trailing blanks
 * trimmed, trailing empty lines dropped.
 */
export function screenLines(screen: string, options: ScreenOptions = {}): string[] {
  let raw = screen.replace(ANSI_RE, "").split(/\r?\n/);
  const width = options.width;
  if (width !== undefined) raw = raw.flatMap((line) => splitFullRows(line, width));
  const lines = raw.map((line) => boundLine(line).trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * A line without box borders (`│┃║▌`) or blanks at either end: what marker and signature patterns
 * are matched against. Linear in the line's length (a trailing-class regex would not be).
 */
export function content(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && BORDER_CHAR.test(line[start])) start++;
  while (end > start && BORDER_CHAR.test(line[end - 1])) end--;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}
