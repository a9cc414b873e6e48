/**
 * A captured screen as the lines that profile patterns are matched against. Shared by detection
 * (`detect.ts`) and profile identification (`profiles.ts`), so both read a screen the same way.
 *
 * Pane text is untrusted and a line can be very long (`capture-pane -J` joins wrapped lines), so
 * lines are bounded before any pattern sees them: every run of whitespace is cut to
 * {@linkcode MAX_BLANK_RUN} characters, every run of digits to {@linkcode MAX_DIGIT_RUN}, then
 * the line to {@linkcode MAX_MATCH_LINE}. The run bounds matter most: patterns such as `│\s*(.*?)\s*│` split
 * a run of blanks between two or three quantifiers, and an unanchored `\d+% context left` tries
 * every start in a run of digits, which costs the square or the cube of the run's length when
 * the line does not match; with short runs that cost is a small constant per character. The
 * built-in patterns are then linear in the line's length (`scripts/bench_detect_long_lines.ts`
 * prints the figures). Nothing a pattern looks for needs more than 8 blanks or 32 digits in a
 * row.
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

/**
 * Splits a capture into lines for matching: escapes removed, each line bounded
 * ({@linkcode boundLine}), trailing blanks trimmed, trailing empty lines dropped.
 */
export function screenLines(screen: string): string[] {
  const lines = screen.replace(ANSI_RE, "").split(/\r?\n/).map((line) => boundLine(line).trimEnd());
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
