/**
 * Terminal cell widths, for laying out `top`'s columns: a grapheme takes 0, 1 or 2 cells (East
 * Asian wide and fullwidth characters and emoji take two, combining marks none). Text reaching
 * these functions has been made safe first (`src/util/safe_text.ts`): no control characters.
 *
 * @module
 */

/** Code point ranges drawn two cells wide (East Asian Wide/Fullwidth, emoji). */
const WIDE: readonly [number, number][] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f5],
  [0x26fa, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x18aff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

/** Marks that draw on the previous cell. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\u2060-\u2064\ufe00-\ufe0f]/u;

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function isWide(code: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = WIDE[mid];
    if (code < start) hi = mid - 1;
    else if (code > end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The cells one grapheme cluster takes. */
export function graphemeWidth(grapheme: string): number {
  if (grapheme === "") return 0;
  if (ZERO_WIDTH.test(grapheme)) return 0;
  const code = grapheme.codePointAt(0) ?? 0;
  if (code < 0x20) return 0;
  if (isWide(code) || grapheme.includes("\ufe0f")) return 2;
  return 1;
}

/**
 * The cells `text` takes.
 *
 * @example
 * ```ts
 * cellWidth("abc"); // 3
 * cellWidth("日本"); // 4
 * ```
 */
export function cellWidth(text: string): number {
  let width = 0;
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * `text` cut to at most `width` cells (ending in `…` when cut) and padded with spaces to exactly
 * `width` cells. A wide character that would straddle the edge is replaced by a space.
 *
 * @example
 * ```ts
 * fitCells("backend", 5); // "back…"
 * fitCells("ok", 4); //      "ok  "
 * ```
 */
export function fitCells(text: string, width: number): string {
  if (width <= 0) return "";
  const total = cellWidth(text);
  if (total <= width) return text + " ".repeat(width - total);
  let out = "";
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = graphemeWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  out += "…";
  used += 1;
  return out + " ".repeat(Math.max(0, width - used));
}
