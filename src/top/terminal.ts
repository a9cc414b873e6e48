/**
 * The real terminal for `top`: raw mode, the alternate screen, its size, resize notices
 * (SIGWINCH) and keystrokes from stdin — and giving all of it back, once, whatever ends the run.
 *
 * @module
 */

import { UserError } from "../state/errors.ts";
import { ENTER_SCREEN, LEAVE_SCREEN } from "./screen.ts";

/** What the app needs of a terminal (the real one, or a test's). */
export interface TopTerminal {
  /** Columns and rows now. */
  size(): { columns: number; rows: number };
  /** Writes text (escape sequences included) at once. */
  write(text: string): void;
  /** Chunks of keyboard input until end of input. */
  keys(): AsyncIterable<string>;
  /** Calls `fn` on each resize; returns the unhook. */
  onResize(fn: () => void): () => void;
  /** Takes the terminal over (raw mode, alternate screen, cursor hidden). */
  enter(): void;
  /** Gives it back. Idempotent; never throws. */
  restore(): void;
}

const encoder = new TextEncoder();

/** The process's own terminal (stdin and stdout must be one). */
export class ConsoleTerminal implements TopTerminal {
  #entered = false;
  #restore = () => this.restore();

  /** Refuses when stdin or stdout is not a terminal. */
  constructor() {
    if (!Deno.stdin.isTerminal() || !Deno.stdout.isTerminal()) {
      throw new UserError(
        "top needs a terminal: stdin and stdout must be a tty (in scripts use 'tmux-orc agents --json')",
      );
    }
  }

  size(): { columns: number; rows: number } {
    try {
      const { columns, rows } = Deno.consoleSize();
      return { columns: columns || 80, rows: rows || 24 };
    } catch {
      return { columns: 80, rows: 24 };
    }
  }

  write(text: string): void {
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
  }

  async *keys(): AsyncIterable<string> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    while (true) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) return;
      yield decoder.decode(buffer.subarray(0, n), { stream: true });
    }
  }

  onResize(fn: () => void): () => void {
    Deno.addSignalListener("SIGWINCH", fn);
    return () => {
      try {
        Deno.removeSignalListener("SIGWINCH", fn);
      } catch { /* already removed */ }
    };
  }

  enter(): void {
    Deno.stdin.setRaw(true);
    this.#entered = true;
    globalThis.addEventListener("unload", this.#restore);
    this.write(ENTER_SCREEN);
  }

  restore(): void {
    if (!this.#entered) return;
    this.#entered = false;
    globalThis.removeEventListener("unload", this.#restore);
    try {
      this.write(LEAVE_SCREEN);
    } catch { /* the terminal is gone */ }
    try {
      Deno.stdin.setRaw(false);
    } catch { /* the terminal is gone */ }
  }
}
