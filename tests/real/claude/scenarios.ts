/**
 * The Claude Code scenarios: one per state and variant. Each scripts the mock, then drives the
 * real CLI until its screen shows the state (never waiting for tmux-orc's verdict).
 *
 * @module
 */

import type { RealPane } from "../harness/mod.ts";
import type { Reply } from "./mock_api.ts";
import type { ClaudeScenario, ClaudeSession, ClaudeSetup } from "./suite.ts";

const RULE = String.raw`─{20,}`;
/** The input box, empty or not: rule, `❯` line, rule. */
const PROMPT = new RegExp(String.raw`${RULE}\s*\n❯[^\n]*\n${RULE}`);
/** The input box, empty. */
const EMPTY_PROMPT = new RegExp(String.raw`${RULE}\s*\n❯\s*\n${RULE}`);
const BUSY = /esc to interrupt/i;

const START_MS = 45_000;
const STEP_MS = 30_000;

async function ready(s: ClaudeSession): Promise<string> {
  return await s.pane.waitForScreen(PROMPT, { timeoutMs: START_MS, what: "Claude's input box" });
}

/** Types `text` into the input box and waits until it shows there (Ink may drop early keys). */
async function type(pane: RealPane, text: string): Promise<void> {
  const firstLine = text.split("\n")[0].slice(0, 30);
  await pane.sendText(text);
  await pane.waitForScreen(
    (screen) => screen.replaceAll("\u00a0", " ").includes(`❯ ${firstLine}`),
    {
      timeoutMs: 10_000,
      what: `the typed text ${JSON.stringify(firstLine)}`,
    },
  );
}

async function say(s: ClaudeSession, text: string): Promise<void> {
  await ready(s);
  await type(s.pane, text);
  await s.pane.sendKeys("Enter");
}

/** Waits for `match` with Claude at rest (nothing busy). */
async function settled(s: ClaudeSession, match: RegExp, what: string): Promise<void> {
  await s.pane.waitForScreen((screen) => match.test(screen) && !BUSY.test(screen), {
    timeoutMs: STEP_MS,
    what,
  });
}

async function waitFor(s: ClaudeSession, match: RegExp, what: string): Promise<void> {
  await s.pane.waitForScreen(match, { timeoutMs: STEP_MS, what });
}

async function toShell(s: ClaudeSession, timeoutMs = STEP_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const facts = await s.pane.facts();
    const screen = await s.pane.capture();
    if (facts.currentCommand === "bash" && /[$#]\s*$/.test(screen.trimEnd())) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Claude Code did not give the shell back:\n${await s.pane.capture()}`);
}

function scenario(
  name: string,
  state: ClaudeScenario["state"],
  variant: string,
  setup: ClaudeSetup,
  drive: (s: ClaudeSession) => Promise<void>,
  detectWithinMs?: number,
): ClaudeScenario {
  return { name, state, variant, setup, drive, detectWithinMs };
}

// --- scripted replies ---

const LONG_TEXT = Array.from({ length: 400 }, (_, i) => `Streaming sentence ${i + 1}.`).join(" ");

/** Quotes error and limit text inside a reply, ending with the quote (the latest output). */
const QUOTED_CODE_BLOCK = [
  "Here is the tail of the log you asked about:",
  "",
  "```",
  'API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
  "You've hit your 5-hour limit · resets 12:34am (UTC)",
  '{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}',
  "```",
].join("\n");

const QUOTED_PROSE = [
  "The nightly job stopped. Its last lines were:",
  "",
  "You've hit your usage credit limit · resets Dec 4, 10:12pm (UTC)",
  "",
  "API Error: 529 Overloaded. rate_limit_error",
].join("\n");

function epochIn(seconds: number): string {
  return String(Math.floor(Date.now() / 1000) + seconds);
}

/** A usage-limit 429 as the vendor's rate limiter sends it. */
function limit429(headers: Record<string, string>, resetInS = 7_200): Reply {
  return {
    kind: "error",
    status: 429,
    type: "rate_limit_error",
    message: "Rate limited",
    times: 50,
    headers: {
      "anthropic-ratelimit-unified-status": "rejected",
      "anthropic-ratelimit-unified-reset": epochIn(resetInS),
      "retry-after": String(resetInS),
      ...headers,
    },
  };
}

function apiError(status: number, type: string, message: string): Reply {
  return { kind: "error", status, type, message, times: 50 };
}

const GATEWAY = { auth: "gateway" } as const;

// --- scenarios ---

/** Every Claude Code scenario, in run order. */
export const SCENARIOS: ClaudeScenario[] = [
  scenario("fresh_start", "idle", "empty prompt after start", {}, async (s) => {
    await s.pane.waitForScreen(EMPTY_PROMPT, { timeoutMs: START_MS, what: "the empty prompt" });
  }),
  scenario("after_reply", "idle", "empty prompt after a reply", {
    replies: [{ kind: "text", text: "Hello! The build is green and all tests pass." }],
  }, async (s) => {
    await say(s, "How is the build?");
    await settled(s, /all tests pass\.[\s\S]*❯\s*\n/, "the reply and an empty prompt");
  }),
  scenario("quoted_errors_code_block", "idle", "error/limit text quoted in a code block", {
    replies: [{ kind: "text", text: QUOTED_CODE_BLOCK }],
  }, async (s) => {
    await say(s, "Show me the log tail");
    await settled(s, /rate_limit_error[\s\S]*❯\s*\n/, "the quoting reply");
  }),
  scenario("quoted_errors_prose", "idle", "indented API Error quoted last in a reply", {
    replies: [{ kind: "text", text: QUOTED_PROSE }],
  }, async (s) => {
    await say(s, "Why did the job stop?");
    await settled(s, /529 Overloaded\. rate_limit_error[\s\S]*❯\s*\n/, "the quoting reply");
  }),
  scenario("slow_streaming", "active", "slow streaming reply", {
    replies: [{ kind: "text", text: LONG_TEXT, chunk: 10, delayMs: 150 }],
  }, async (s) => {
    await say(s, "Write a long answer");
    await waitFor(s, /Streaming sentence 3\.[\s\S]*esc to interrupt/i, "the reply streaming");
  }),
  scenario("long_tool_run", "active", "Bash tool running a 2-minute script", {
    // Claude Code refuses a bare `sleep N`; a script that takes long is what agents really run.
    files: { "slow_build.sh": "echo building\nsleep 120\necho built\n" },
    allow: ["Bash(bash slow_build.sh)"],
    replies: [{
      kind: "tool_use",
      name: "Bash",
      input: { command: "bash slow_build.sh", description: "Run the slow build" },
    }],
  }, async (s) => {
    await say(s, "Run the build");
    await waitFor(s, /slow_build\.sh[\s\S]*esc to interrupt/i, "the running build script");
  }),
  scenario("compacting", "active", "/compact summarising the conversation", {
    replies: [
      { kind: "text", text: "Hi." },
      { kind: "text", text: `<summary>${LONG_TEXT}</summary>`, chunk: 10, delayMs: 300 },
    ],
  }, async (s) => {
    await say(s, "hello");
    await settled(s, /● Hi\.[\s\S]*❯\s*\n/, "the first reply");
    await type(s.pane, "/compact");
    await s.pane.sendKeys("Enter");
    await waitFor(s, /Compacting conversation…[\s\S]*esc to interrupt/, "the compaction");
  }),
  scenario("bash_permission", "waiting", "Bash command permission", {
    replies: [{
      kind: "tool_use",
      name: "Bash",
      text: "I will clean the build folder.",
      input: { command: "rm -rf build", description: "Remove the build folder" },
    }],
  }, async (s) => {
    await say(s, "Clean the build");
    await waitFor(s, /Do you want to proceed\?[\s\S]*1\. Yes/, "the Bash permission prompt");
  }),
  scenario("write_permission", "waiting", "Write (create file) permission", {
    replies: [{
      kind: "tool_use",
      name: "Write",
      input: { file_path: "notes.txt", content: "first line\nsecond line\n" },
    }],
  }, async (s) => {
    await say(s, "Write the notes");
    await waitFor(s, /Do you want to create notes\.txt\?/, "the Write permission prompt");
  }),
  scenario("edit_permission", "waiting", "Edit permission", {
    files: { "app.txt": "colour = blue\n" },
    replies: () => [
      { kind: "tool_use", name: "Read", input: { file_path: "app.txt" } },
      {
        kind: "tool_use",
        name: "Edit",
        input: { file_path: "app.txt", old_string: "blue", new_string: "red" },
      },
    ],
  }, async (s) => {
    await say(s, "Make it red");
    await waitFor(s, /Do you want to make this edit to app\.txt\?/, "the Edit permission prompt");
  }),
  scenario("question_menu", "waiting", "AskUserQuestion menu", {
    replies: [{
      kind: "tool_use",
      name: "AskUserQuestion",
      input: {
        questions: [{
          question: "Which colour should the button be?",
          header: "Colour",
          multiSelect: false,
          options: [
            { label: "Blue", description: "Calm" },
            { label: "Red", description: "Loud" },
          ],
        }],
      },
    }],
  }, async (s) => {
    await say(s, "Style the button");
    await waitFor(s, /Which colour should the button be\?[\s\S]*1\. Blue/, "the question menu");
  }),
  scenario("trust_folder", "waiting", "start-up trust dialog (unnumbered ❯ choices)", {
    trusted: false,
  }, async (s) => {
    await s.pane.waitForScreen(/Quick safety check[\s\S]*Yes, I trust this folder/, {
      timeoutMs: START_MS,
      what: "the trust dialog",
    });
  }),
  scenario("auto_mode_offer", "waiting", "start-up auto-mode offer (unnumbered ❯ choices)", {
    autoModeOffer: true,
  }, async (s) => {
    await s.pane.waitForScreen(/Make auto mode your default permission mode\?[\s\S]*No, keep/, {
      timeoutMs: START_MS,
      what: "the auto-mode offer",
    });
  }),
  scenario("resume_picker", "waiting", "/resume session picker (indented ❯ choice)", {
    replies: [{ kind: "text", text: "Noted." }],
  }, async (s) => {
    await say(s, "Remember the invoice task");
    await settled(s, /Noted\.[\s\S]*❯\s*\n/, "the reply");
    // A new conversation, so that the first one is listed (the current one is not).
    await type(s.pane, "/clear");
    await s.pane.sendKeys("Enter");
    await s.pane.waitForScreen(
      (screen) => !screen.includes("Noted.") && EMPTY_PROMPT.test(screen),
      {
        timeoutMs: STEP_MS,
        what: "the cleared conversation",
      },
    );
    await type(s.pane, "/resume");
    await s.pane.sendKeys("Enter");
    await waitFor(s, /Resume session[\s\S]*Enter to resume/, "the session picker");
  }),
  scenario("transcript_view", "unknown", "ctrl+o transcript view (no input box)", {
    replies: [{ kind: "text", text: "All five services are up." }],
  }, async (s) => {
    await say(s, "Are the services up?");
    await settled(s, /services are up\.[\s\S]*❯\s*\n/, "the reply");
    await s.pane.sendKeys("C-o");
    await waitFor(s, /Showing detailed transcript/, "the transcript view");
  }, 20_000),
  scenario("help_panel", "unknown", "/help panel (no input box)", {}, async (s) => {
    await ready(s);
    await type(s.pane, "/help");
    await s.pane.sendKeys("Enter");
    await waitFor(s, /For more help:[\s\S]*Esc to close/, "the help panel");
  }, 20_000),
  scenario("typed_unsent", "stuck_input", "typed text left unsent", {}, async (s) => {
    await ready(s);
    await type(s.pane, "please run the full test suite and report back");
  }),
  scenario(
    "pasted_multiline",
    "stuck_input",
    "pasted multi-line text left unsent",
    {},
    async (s) => {
      await ready(s);
      await s.pane.paste("first pasted line\nsecond pasted line\nthird pasted line");
      await s.pane.waitForScreen(/❯\s(?:first pasted line|\[Pasted text)/, {
        timeoutMs: 10_000,
        what: "the pasted text in the input box",
      });
    },
  ),
  scenario("five_hour_limit", "rate_limited", "5-hour limit", {
    ...GATEWAY,
    replies: () => [limit429({ "anthropic-ratelimit-unified-representative-claim": "five_hour" })],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /You've hit your 5-hour limit · resets/, "the 5-hour limit line");
  }),
  scenario("weekly_limit_seoul", "rate_limited", "weekly limit, reset in Asia/Seoul", {
    ...GATEWAY,
    timeZone: "Asia/Seoul",
    replies: () => [
      limit429({ "anthropic-ratelimit-unified-representative-claim": "seven_day" }, 3 * 86_400),
    ],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /You've hit your weekly limit · resets/, "the weekly limit line");
  }),
  scenario("opus_limit", "rate_limited", "Opus limit", {
    ...GATEWAY,
    replies: () => [
      limit429({ "anthropic-ratelimit-unified-representative-claim": "seven_day_opus" }, 86_400),
    ],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /You've hit your Opus limit · resets/, "the Opus limit line");
  }),
  scenario("monthly_spend_limit", "rate_limited", "org's monthly spend limit (no reset time)", {
    ...GATEWAY,
    replies: () => [limit429({
      "anthropic-ratelimit-unified-representative-claim": "overage",
      "anthropic-ratelimit-unified-overage-status": "rejected",
      "anthropic-ratelimit-unified-overage-disabled-reason": "org_level_disabled_until",
    })],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /You've hit your [\w' ]*spend limit/, "the spend limit line");
  }),
  scenario("plain_limit", "rate_limited", "limit with no window name", {
    ...GATEWAY,
    replies: () => [limit429({ "anthropic-ratelimit-unified-overage-status": "rejected" }, 5_400)],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /You've hit your limit · resets/, "the limit line");
  }),
  scenario("api_key_429", "rate_limited", "API-key session's 429 (Request rejected)", {
    replies: [{
      kind: "error",
      status: 429,
      type: "rate_limit_error",
      message:
        "This request would exceed your organization's rate limit of 50 requests per minute.",
      headers: { "retry-after": "30" },
      times: 50,
    }],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /API Error: Request rejected \(429\)/, "the 429 banner");
  }),
  scenario("api_retrying", "active", "API error, retrying (attempt n/8)", {
    env: { CLAUDE_CODE_MAX_RETRIES: "8" },
    replies: [apiError(500, "api_error", "Internal server error")],
  }, async (s) => {
    await say(s, "Keep going");
    await waitFor(s, /retrying in \d+s · attempt \d+\/8/, "the retry line");
  }),
  scenario("server_500", "error", "API Error: 500 (Resend your message placeholder)", {
    replies: [apiError(500, "api_error", "Internal server error")],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /API Error: 500[\s\S]*Resend your message/, "the 500 banner");
  }),
  scenario("overloaded_529", "error", "API Error: 529 overloaded", {
    replies: [apiError(529, "overloaded_error", "Overloaded")],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /API Error: 529/, "the 529 banner");
  }),
  scenario("overloaded_after_retries", "error", "Repeated 529 Overloaded errors (after retries)", {
    env: { CLAUDE_CODE_MAX_RETRIES: "8" },
    replies: [apiError(529, "overloaded_error", "Overloaded")],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /API Error: Repeated 529/, "the repeated-529 banner");
  }),
  scenario("invalid_key_401", "error", "invalid API key (Once fixed placeholder)", {
    replies: [apiError(401, "authentication_error", "invalid x-api-key")],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /Invalid API key[\s\S]*Once fixed, resend/, "the invalid key banner");
  }),
  scenario("bad_request_400", "error", "API Error: 400", {
    replies: [apiError(400, "invalid_request_error", "messages.0.content: Input is invalid")],
  }, async (s) => {
    await say(s, "Keep going");
    await settled(s, /API Error: 400/, "the 400 banner");
  }),
  scenario("exit_command", "crashed", "/exit, shell back", { shell: true }, async (s) => {
    await ready(s);
    await type(s.pane, "/exit");
    await s.pane.sendKeys("Enter");
    await toShell(s);
  }),
  scenario("ctrl_c_twice", "crashed", "Ctrl-C twice, shell back", { shell: true }, async (s) => {
    await ready(s);
    // The second Ctrl-C must come while "Press Ctrl-C again to exit" shows; on a loaded machine
    // the hint can expire first, so try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      await s.pane.sendKeys("C-c");
      await waitFor(s, /again to exit/i, "the second-Ctrl-C hint");
      await s.pane.sendKeys("C-c");
      try {
        await toShell(s, 5_000);
        return;
      } catch (error) {
        if (attempt === 2) throw error;
      }
    }
  }),
  scenario("killed", "crashed", "process killed, pane dead", {}, async (s) => {
    await ready(s);
    Deno.kill(s.pane.panePid, "SIGKILL");
    const deadline = performance.now() + STEP_MS;
    while (!(await s.pane.facts()).dead) {
      if (performance.now() > deadline) throw new Error("The killed pane did not die");
      await new Promise((r) => setTimeout(r, 100));
    }
  }),
];
