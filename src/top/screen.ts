/**
 * Drawing a frame, pure: the escape sequences that turn the previous frame into the next one
 * (only the lines that changed are rewritten), and the sequences that take over a terminal and
 * give it back.
 *
 * @module
 */

/**
 * Takes over the terminal: alternate screen on, cursor hidden, line wrap off (a full-width line
 * must not wrap), screen cleared.
 */
export const ENTER_SCREEN = "\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[H\x1b[2J";

/** Gives it back: attributes reset, line wrap on, cursor shown, alternate screen off. */
export const LEAVE_SCREEN = "\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l";

/**
 * The output that turns `previous` into `next` on screen: each line that differs is rewritten in
 * place (cursor moved to its row, line written); with no `previous`
 * (first frame, resize) the screen is cleared and every line written. Empty when nothing changed.
 * Lines must be exactly as wide as the screen (`renderLine` makes them so).
 *
 * @example
 * ```ts
 * diffFrame(["a", "b"], ["a", "c"]); // "\x1b[2;1Hc"
 * ```
 */
export function diffFrame(
  previous: readonly string[] | undefined,
  next: readonly string[],
): string {
  let out = previous === undefined ? "\x1b[0m\x1b[H\x1b[2J" : "";
  const rows = Math.max(next.length, previous?.length ?? 0);
  for (let i = 0; i < rows; i++) {
    const line = next[i];
    if (previous !== undefined && previous[i] === line) continue;
    if (line === undefined) {
      out += `\x1b[${i + 1};1H\x1b[0m\x1b[K`;
      continue;
    }
    // Lines are full width: an erase here would take the last cell (the cursor stays on it).
    out += `\x1b[${i + 1};1H${line}`;
  }
  return out;
}

/** How many lines {@linkcode diffFrame} rewrites. */
export function changedLines(
  previous: readonly string[] | undefined,
  next: readonly string[],
): number {
  if (previous === undefined) return next.length;
  let n = 0;
  for (let i = 0; i < Math.max(next.length, previous.length); i++) {
    if (previous[i] !== next[i]) n++;
  }
  return n;
}
