/**
 * Keystrokes as `top` reads them from a terminal in raw mode: arrows and paging keys from their
 * CSI/SS3 sequences, Enter, Backspace, Escape, Ctrl-C, Ctrl-U, and printable characters.
 *
 * @module
 */

/** One keystroke. */
export type Key =
  | { kind: "char"; char: string }
  | {
    kind:
      | "up"
      | "down"
      | "pageUp"
      | "pageDown"
      | "home"
      | "end"
      | "enter"
      | "backspace"
      | "escape"
      | "interrupt"
      | "clear";
  };

/** CSI/SS3 sequences (after `ESC [` or `ESC O`) → keys. Others are dropped. */
const SEQUENCES: Readonly<Record<string, Key["kind"]>> = {
  A: "up",
  B: "down",
  H: "home",
  F: "end",
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "5~": "pageUp",
  "6~": "pageDown",
};

/**
 * The keys in one chunk read from the terminal. A lone ESC at the end of a chunk is Escape (a key
 * sequence arrives in one read); ESC before anything but `[`/`O` is Escape too (Alt+key is read
 * as Escape then the key).
 *
 * @example
 * ```ts
 * parseKeys("j\x1b[A\r"); // [{ kind: "char", char: "j" }, { kind: "up" }, { kind: "enter" }]
 * ```
 */
export function parseKeys(text: string): Key[] {
  const keys: Key[] = [];
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (char === "\x1b") {
      const next = chars[i + 1];
      if (next === "[" || next === "O") {
        let j = i + 2;
        // Parameter and intermediate bytes, then one final byte.
        while (j < chars.length && /[0-?  -/]/.test(chars[j])) j++;
        const body = chars.slice(i + 2, j + 1).join("");
        const kind = SEQUENCES[body.replace(/^1;\d+(?=[A-H])/, "")];
        if (kind) keys.push({ kind } as Key);
        i = j;
      } else keys.push({ kind: "escape" });
    } else if (char === "\r" || char === "\n") keys.push({ kind: "enter" });
    else if (char === "\x7f" || char === "\b") keys.push({ kind: "backspace" });
    else if (char === "\x03") keys.push({ kind: "interrupt" });
    else if (char === "\x15") keys.push({ kind: "clear" });
    else if (char === "\x0e") keys.push({ kind: "down" }); // Ctrl-N
    else if (char === "\x10") keys.push({ kind: "up" }); // Ctrl-P
    else if (char >= " " && !/[\x7f-\x9f]/.test(char)) keys.push({ kind: "char", char });
  }
  return keys;
}
