/**
 * Keystrokes as a fake agent reads them from its terminal in raw mode, and the input line they
 * edit: the pane program (`main.ts`) and the soak's fake PM (`fake_pm.ts`) both take their keys
 * from here.
 *
 * @module
 */

/** One keystroke. Escape sequences (arrow keys, bracketed-paste markers) are dropped. */
export type Key =
  | { kind: "char"; char: string }
  | { kind: "enter" }
  | { kind: "backspace" }
  | { kind: "clear" }
  | { kind: "interrupt" }
  | { kind: "escape" };

/**
 * The keys in `text`: CR or LF is Enter, DEL or BS Backspace, Ctrl-U clears the line, Ctrl-C
 * interrupts, a lone ESC is Escape; CSI and SS3 sequences are skipped; other control characters
 * are ignored.
 *
 * @example
 * ```ts
 * parseKeys("a\x1b[A\r"); // [{ kind: "char", char: "a" }, { kind: "enter" }]
 * ```
 */
export function parseKeys(text: string): Key[] {
  const keys: Key[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "\x1b") {
      if (text[i + 1] === "[" || text[i + 1] === "O") {
        // A CSI/SS3 sequence: skip to its final byte.
        i += 2;
        while (i < text.length && !/[@-~]/.test(text[i])) i++;
      } else keys.push({ kind: "escape" });
    } else if (char === "\r" || char === "\n") keys.push({ kind: "enter" });
    else if (char === "\x7f" || char === "\b") keys.push({ kind: "backspace" });
    else if (char === "\x15") keys.push({ kind: "clear" });
    else if (char === "\x03") keys.push({ kind: "interrupt" });
    else if (char >= " ") keys.push({ kind: "char", char });
  }
  return keys;
}

/** The input line after `key`: a character is appended, Backspace drops the last, Ctrl-U clears. */
export function editInput(input: string, key: Key): string {
  switch (key.kind) {
    case "char":
      return input + key.char;
    case "backspace":
      return Array.from(input).slice(0, -1).join("");
    case "clear":
      return "";
    default:
      return input;
  }
}
