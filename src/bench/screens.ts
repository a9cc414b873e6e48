/**
 * Claude-Code-like screens for the benchmark's fake agent panes, modelled on the fixtures in
 * `tests/fixtures/screens/claude/` (rule-line prompt style), as terminal output: cursor home,
 * clear to the end of the screen, the lines, and the cursor left in the input box. Both screens
 * have the same number of lines, so an update moves neither the cursor nor the history: only
 * tmux's `window_activity` shows that the pane changed (the hardest case for change gating).
 *
 * @module
 */

/** Default fake pane size: columns. */
export const SCREEN_WIDTH = 100;
/** Default fake pane size: rows. */
export const SCREEN_HEIGHT = 30;

/** A rendered screen: its lines and where the cursor ends. */
export interface FakeScreen {
  /** The visible lines, top to bottom. */
  lines: string[];
  /** Cursor row (0-based) after drawing: the input line. */
  cursorY: number;
  /** Cursor column (0-based) after drawing: after the `> `. */
  cursorX: number;
}

function transcriptHead(name: string, index: number): string[] {
  const file = `src/routes/module_${index % 97}.ts`;
  return [
    `> ${name}: fix the failing invoice tests in ${file}`,
    "",
    `● Read(${file})`,
    "  ⎿  Read 142 lines (ctrl+o to expand)",
    "",
    `● Update(${file})`,
    `  ⎿  Updated ${file} with 6 additions and 2 removals`,
    "       88        const invoice = await db.invoices.find(id);",
    "       89 -      if (!invoice) return res.status(500).end();",
    "       89 +      if (!invoice) {",
    `       90 +        return res.status(404).json({ error: "Invoice not found" });`,
    "       91 +      }",
    "",
  ];
}

function promptBox(width: number): string[] {
  const rule = "─".repeat(width);
  return [rule, "> ", rule, "  ? for shortcuts"];
}

function finish(lines: string[], width: number): FakeScreen {
  const box = promptBox(width);
  const all = [...lines, ...box];
  return { lines: all, cursorY: all.length - box.length + 1, cursorX: 2 };
}

/**
 * An agent that finished its turn and waits at an empty rule-line prompt; `step` varies the
 * "Worked for" line, so a return to idle is new output too.
 */
export function idleScreen(
  name: string,
  index: number,
  options: { width?: number; step?: number } = {},
): FakeScreen {
  const width = options.width ?? SCREEN_WIDTH;
  const step = options.step ?? 0;
  return finish([
    ...transcriptHead(name, index),
    "● Bash(npm test -- invoices)",
    "  ⎿  PASS  test/invoices.test.ts (4.21 s)",
    "",
    "● The missing-invoice route now returns a 404 with a JSON error body. All 15 tests pass.",
    "",
    `✻ Worked for 1m ${12 + (step % 48)}s`,
    "",
  ], width);
}

/** An agent at work: output line number `step` and a spinner with "esc to interrupt". */
export function workingScreen(
  name: string,
  index: number,
  step: number,
  options: { width?: number } = {},
): FakeScreen {
  const width = options.width ?? SCREEN_WIDTH;
  return finish([
    ...transcriptHead(name, index),
    `● Bash(npm test -- invoices --shard ${step})`,
    `  ⎿  Running… step ${step}`,
    "",
    `⏺ Working… (esc to interrupt)`,
    "",
    `✻ Pondering… (${step}s · ↑ ${step % 10}.${step % 7}k tokens · esc to interrupt)`,
    "",
  ], width);
}

/**
 * The screen a fake agent shows after its `step`-th burst of output: odd steps are at work, even
 * steps back at the idle prompt (with a different "Worked for" line each time).
 */
export function screenForStep(
  name: string,
  index: number,
  step: number,
  options: { width?: number } = {},
): FakeScreen {
  return step % 2 === 1
    ? workingScreen(name, index, step, options)
    : idleScreen(name, index, { ...options, step });
}

/**
 * The bytes that draw `screen` on a terminal: cursor home, clear to the end of the screen (tmux
 * then needs `scroll-on-clear off` to keep the history from growing), the lines separated by
 * CR LF, and the cursor moved to the input line.
 */
export function screenBytes(screen: FakeScreen): Uint8Array {
  const text = "\x1b[H\x1b[J" + screen.lines.join("\r\n") +
    `\x1b[${screen.cursorY + 1};${screen.cursorX + 1}H`;
  return new TextEncoder().encode(text);
}
