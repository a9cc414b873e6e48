/**
 * Untrusted text (pane content, agent names, file contents, error messages) made safe for a
 * terminal: every character a terminal would act on instead of showing — C0 controls (ESC starts
 * OSC 52 clipboard writes, title changes, screen clears), DEL, C1 controls (U+009B is a one-byte
 * CSI), bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the invisible
 * marks and separators around them — is shown visibly instead. JSON output escapes the same
 * characters as `\uXXXX`, so it stays valid JSON and stays inert when printed.
 *
 * This is the one place that decides what is unsafe; every command, error line and log line a
 * person reads goes through it.
 *
 * @module
 */

/**
 * What a terminal may act on beyond the C0 controls: DEL, C1, the Arabic letter mark, zero-width
 * and directional marks, line/paragraph separators, bidi embeddings/overrides/isolates, BOM. One
 * source for the patterns below.
 */
const BEYOND_C0 = String
  .raw`\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff`;
const UNSAFE = new RegExp(String.raw`[\x00-\x1f${BEYOND_C0}]`, "g");
const UNSAFE_KEEP_LINES = new RegExp(String.raw`[\x00-\x08\x0b-\x1f${BEYOND_C0}]`, "g");
/** Like {@linkcode UNSAFE} but without the C0 controls `JSON.stringify` already escapes. */
const UNSAFE_IN_JSON = new RegExp(`[${BEYOND_C0}]`, "g");

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(char: string): string {
  const code = char.charCodeAt(0);
  if (NAMED[char]) return NAMED[char];
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
}

function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Returns `text` with every unsafe character shown visibly: `\x1b`, `\n`, `<U+202E>`.
 *
 * @example
 * ```ts
 * safeText("a\x1b]52;c;AAAA\x07b"); // "a\\x1b]52;c;AAAA\\x07b"
 * safeText("evil\u202Etxt.sh"); // "evil<U+202E>txt.sh"
 * ```
 */
export function safeText(text: string, options: { keepLines?: boolean } = {}): string {
  return text.replace(options.keepLines ? UNSAFE_KEEP_LINES : UNSAFE, visible);
}

/**
 * `JSON.stringify` whose output holds no character a terminal acts on: DEL, C1 and the bidi and
 * invisible characters are escaped as `\uXXXX` as well (C0 controls already are). Bigints become
 * strings.
 */
export function safeJson(value: unknown, space?: number): string {
  const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v), space);
  return (text ?? "null").replace(UNSAFE_IN_JSON, unicodeEscape);
}

/**
 * Escapes every unsafe character of a text that is (or should be) one JSON line as `\uXXXX`:
 * valid JSON stays valid and means the same; anything else becomes inert.
 */
export function safeJsonLine(line: string): string {
  return line.replace(UNSAFE, unicodeEscape);
}
