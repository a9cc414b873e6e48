/**
 * A progress line on stderr: rewritten in place on a terminal, printed at most every five
 * seconds (and on every new phase) otherwise, so logs stay short.
 *
 * @module
 */

/** Where progress goes. */
export interface Progress {
  /** Reports what is happening now, e.g. `creating panes 300/1000`. */
  update(text: string): void;
  /** Ends the current line (before printing anything else). */
  done(): void;
}

/** A progress reporter that prints nothing. */
export const silentProgress: Progress = { update() {}, done() {} };

/** Returns a progress reporter writing to stderr. */
export function stderrProgress(options: { prefix?: string } = {}): Progress {
  const prefix = options.prefix ?? "bench";
  const encoder = new TextEncoder();
  const tty = Deno.stderr.isTerminal();
  let lastPrint = 0;
  let lastPhase = "";
  let open = false;
  const write = (text: string) => {
    try {
      Deno.stderr.writeSync(encoder.encode(text));
    } catch { /* stderr is gone */ }
  };
  return {
    update(text) {
      if (tty) {
        write(`\r\x1b[K[${prefix}] ${text}`);
        open = true;
        return;
      }
      const phase = text.replace(/[\d./]+/g, "#");
      const now = performance.now();
      if (phase === lastPhase && now - lastPrint < 5000) return;
      lastPhase = phase;
      lastPrint = now;
      write(`[${prefix}] ${text}\n`);
    },
    done() {
      if (open) write("\r\x1b[K");
      open = false;
    },
  };
}
