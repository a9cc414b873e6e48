/**
 * What a fake Claude Code agent shows: the parts of its screen (input box in the current
 * rule-line style or the older boxed one, permission dialog, spinner line, usage-limit and API
 * error banners) and whole screens for the benchmark's panes, modelled on the fixtures in
 * `tests/fixtures/screens/claude/`. The pane program (`main.ts`), the benchmark's farm and the
 * soak's fake PM all draw from here, so every fake agent reads the same to detection.
 *
 * The benchmark's whole screens are terminal output: cursor home, clear to the end of the
 * screen, the lines, and the cursor left in the input box. Idle and working screens have the
 * same number of lines, so an update moves neither the cursor nor the history: only tmux's
 * `window_activity` shows that the pane changed (the hardest case for change gating).
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

/** Claude Code's input box: rule lines (the current style) or a rounded box (older versions). */
export type PromptStyle = "rule" | "boxed";

/**
 * The input box with `input` in it and the shortcuts hint under it, `width` columns wide. The
 * input line is the box's second line.
 *
 * @example
 * ```ts
 * promptBox(6); // ["──────", "> ", "──────", "  ? for shortcuts"]
 * ```
 */
export function promptBox(
  width: number,
  options: { input?: string; style?: PromptStyle } = {},
): string[] {
  const text = `> ${options.input ?? ""}`;
  if (options.style === "boxed") {
    const inner = width - 4;
    return [
      `╭${"─".repeat(width - 2)}╮`,
      `│ ${text.padEnd(inner).slice(0, inner)} │`,
      `╰${"─".repeat(width - 2)}╯`,
      "  ? for shortcuts",
    ];
  }
  const rule = "─".repeat(width);
  return [rule, text, rule, "  ? for shortcuts"];
}

/** What a {@linkcode permissionDialog} asks about. */
export interface PermissionRequest {
  /** The command line shown, e.g. `npm test`. */
  command: string;
  /** The line under it, e.g. `Run the unit tests`. */
  description: string;
  /** Where choice 2 would stop asking, e.g. `this project`. */
  scope: string;
}

/** The permission dialog that replaces the input box ("Do you want to proceed?", three choices). */
export function permissionDialog(width: number, request: PermissionRequest): string[] {
  return [
    "─".repeat(width),
    " Bash command",
    "",
    `   ${request.command}`,
    `   ${request.description}`,
    "",
    " Do you want to proceed?",
    " ❯ 1. Yes",
    `   2. Yes, and don't ask again for npm test commands in ${request.scope}`,
    "   3. No, and tell Claude what to do differently (esc)",
  ];
}

/**
 * The line a busy agent shows: spinner glyph, verb, elapsed seconds, tokens (with their arrow,
 * e.g. `↓ 42`) and "esc to interrupt", which detection reads as busy.
 */
export function busyLine(glyph: string, verb: string, seconds: number, tokens: string): string {
  return `${glyph} ${verb}… (${seconds}s · ${tokens} tokens · esc to interrupt)`;
}

/** The usage-limit message, resetting at `resets` (e.g. `3pm (America/New_York)`). */
export function usageLimitBanner(resets: string): string[] {
  return [
    `  ⎿  You've hit your limit · resets ${resets}`,
    "     /upgrade to increase your usage limit.",
  ];
}

/** An API error banner: 529, overloaded. */
export const OVERLOADED_BANNER: readonly string[] = [
  '  ⎿  API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
];

function finish(lines: string[], width: number, input = ""): FakeScreen {
  const box = promptBox(width, { input });
  const all = [...lines, ...box];
  return { lines: all, cursorY: all.length - box.length + 1, cursorX: 2 + [...input].length };
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
  return scriptedScreen("idle", { name, index }, options.step ?? 0, options);
}

/** An agent at work: output line number `step` and a spinner with "esc to interrupt". */
export function workingScreen(
  name: string,
  index: number,
  step: number,
  options: { width?: number } = {},
): FakeScreen {
  return scriptedScreen("active", { name, index }, step, options);
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

/** The states the soak drives its fake agents through, each with a screen of its own. */
export type ScriptedState = "active" | "waiting" | "error" | "rate_limited" | "idle";

/** Every {@linkcode ScriptedState}. */
export const SCRIPTED_STATES: readonly ScriptedState[] = [
  "active",
  "waiting",
  "error",
  "rate_limited",
  "idle",
];

/**
 * What each state's screen shows under the transcript, above the input box. `waiting` has no
 * input box: the permission prompt replaces it, as in
 * `tests/fixtures/screens/claude/waiting/rule_bash_proceed.txt`.
 */
const STATE_BODIES: Record<ScriptedState, (step: number, width: number) => string[]> = {
  idle: (step) => [
    "● Bash(npm test -- invoices)",
    "  ⎿  PASS  test/invoices.test.ts (4.21 s)",
    "",
    "● The missing-invoice route now returns a 404 with a JSON error body. All 15 tests pass.",
    "",
    `✻ Worked for 1m ${12 + (step % 48)}s`,
    "",
  ],
  active: (step) => [
    `● Bash(npm test -- invoices --shard ${step})`,
    `  ⎿  Running… step ${step}`,
    "",
    `⏺ Working… (esc to interrupt)`,
    "",
    busyLine("✻", "Pondering", step, `↑ ${step % 10}.${step % 7}k`),
    "",
  ],
  waiting: (step, width) => [
    "● I'll run the invoice suite against staging.",
    "",
    ...permissionDialog(width, {
      command: `BASE_URL=https://staging.example.com npm test -- invoices --shard ${step}`,
      description: "Run the invoice suite against staging",
      scope: "/home/dana/src/webapp",
    }),
  ],
  // An API error banner as the latest output, at an empty prompt (nothing busy).
  error: (step) => [
    "● Bash(npm test -- invoices)",
    "  ⎿  PASS  test/invoices.test.ts (4.21 s)",
    "",
    `● API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server ` +
    `error"},"request_id":"req_${String(step).padStart(6, "0")}"}`,
    "",
    "",
    "",
  ],
  // A 429 rate-limit error with no reset time as the latest output, at an empty prompt.
  rate_limited: (step) => [
    `● Bash(npm run bench -- --round ${step})`,
    "  ⎿  ✓ encode 10k rows  41.2 ms",
    "",
    `  ⎿  API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This ` +
    `request would exceed your account's rate limit. Please try again later."}}`,
    "",
    "",
    "",
  ],
};

/**
 * The screen that puts a fake agent in `state`; `step` makes each drawing differ. The cursor is
 * in the input box, or on the selected choice of the permission prompt.
 */
export function scriptedScreen(
  state: ScriptedState,
  pane: { name: string; index: number },
  step: number,
  options: { width?: number } = {},
): FakeScreen {
  const width = options.width ?? SCREEN_WIDTH;
  const lines = [...transcriptHead(pane.name, pane.index), ...STATE_BODIES[state](step, width)];
  if (state !== "waiting") return finish(lines, width);
  return { lines, cursorY: lines.length - 3, cursorX: 1 };
}

/**
 * A fake PM at its prompt: the idle layout with `input` in the input box (its last characters
 * when it is longer than the box, as a scrolled input line shows) and the cursor after it.
 */
export function pmScreen(
  input: string,
  options: { width?: number; step?: number } = {},
): FakeScreen {
  const width = options.width ?? SCREEN_WIDTH;
  const room = width - 4;
  const shown = input.length > room ? input.slice(-room) : input;
  return finish(
    [
      "> pm: keep the team unblocked; report anything that needs a decision",
      "",
      "● Watching the agents. I'll step in when one needs attention.",
      "",
      `✻ Worked for ${(options.step ?? 0) % 60}s`,
      "",
    ],
    width,
    shown,
  );
}
