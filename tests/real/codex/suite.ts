/**
 * The real Codex CLI (0.171.0, npm `@openai/codex`) driven into every state tmux-orc knows, against
 * the mock Responses API (`mock_api.ts`) with a private home (`home.ts`).
 *
 * Every scenario waits for Codex's own drawing of the state (never for tmux-orc's verdict). The
 * screens these scenarios produce are the golden fixtures under
 * `tests/fixtures/screens/codex/0.171.0/`; the live test runs them against the real monitor.
 *
 * @module
 */

import { dirname } from "node:path";
import { ensureRealCli, REAL_CLIS } from "../harness/clis.ts";
import { type MockServer, startMockServer } from "../harness/mock_http.ts";
import { makePrivateHome, type RealPane } from "../harness/pane.ts";
import type { CliSession, CliSuite, OpenContext, Scenario } from "../harness/scenario.ts";
import { codexEnv, type CodexHomeOptions, seedCodexHome } from "./home.ts";
import { CodexMock, type CodexMockOptions, type CodexReply } from "./mock_api.ts";
import { killDescendants } from "./processes.ts";
import { type EgressTrap, proxyEnv, startEgressTrap } from "./trap.ts";

/** A Codex scenario: what the mock answers and how the home is set up. */
export interface CodexScenario extends Scenario {
  /** The mock's script, one reply per model turn. */
  replies?: CodexReply[];
  /** Mock options (headers on every answer, fallback). */
  mock?: CodexMockOptions;
  /** Home options beyond the mock URL and project. */
  home?: Omit<CodexHomeOptions, "mockUrl" | "project">;
  /** Start Codex from an interactive shell (so that when it exits, the shell is back). */
  shell?: boolean;
}

/** A running scenario: the pane plus the mock behind it. */
export interface CodexSession extends CliSession {
  /** The scripted API. */
  mock: CodexMock;
  /** Its server (request log). */
  server: MockServer;
  /** Where every call beyond the mock ends (see `trap.ts`). */
  trap: EgressTrap;
}

const PIN = REAL_CLIS.codex;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The composer with its footer: Codex is ready for input. */
const READY = /^› .*\n(?:.*\n){0,3}\s+\S.* · /m;

/** Waits until Codex shows its composer. */
async function ready(pane: RealPane): Promise<void> {
  await pane.waitForScreen(READY, { timeoutMs: 30_000, what: "the Codex composer" });
}

/** Types `text` into the composer and waits until it shows. */
async function type(pane: RealPane, text: string): Promise<void> {
  await pane.sendText(text);
  const tail = text.slice(-20);
  await pane.waitForScreen((s) => s.includes(tail), { timeoutMs: 10_000, what: `"${tail}"` });
}

/** Sends a message and waits until the mock has received the turn it starts. */
async function submit(session: CodexSession, text: string): Promise<void> {
  const { pane, mock } = session;
  await ready(pane);
  const before = mock.turns;
  await type(pane, text);
  // Keys typed in a burst look like a paste to Codex; Enter right after one adds a newline.
  await sleep(400);
  await pane.sendKeys("Enter");
  const deadline = performance.now() + 15_000;
  while (mock.turns === before) {
    if (performance.now() > deadline) {
      throw new Error(`Codex did not send the message: ${await pane.capture()}`);
    }
    await sleep(50);
  }
}

function waitFor(session: CliSession, re: RegExp, what: string, timeoutMs = 20_000) {
  return session.pane.waitForScreen(re, { timeoutMs, what });
}

/** A scenario whose drive sends one message and waits for `shows`. */
function afterMessage(
  base: Omit<CodexScenario, "drive">,
  message: string,
  shows: RegExp,
): CodexScenario {
  return {
    ...base,
    async drive(session) {
      await submit(session as CodexSession, message);
      await waitFor(session, shows, String(shows));
    },
  };
}

function inHours(hours: number): number {
  return Math.floor(Date.now() / 1000 + hours * 3600);
}

/** 429 bodies Codex turns into "You've hit your usage limit…" (codex-api/src/api_bridge.rs). */
function usageLimit(plan: string | null, resetsAt?: number): Record<string, unknown> {
  const error: Record<string, unknown> = {
    type: "usage_limit_reached",
    message: "The usage limit has been reached",
  };
  if (plan) error.plan_type = plan;
  if (resetsAt !== undefined) error.resets_at = resetsAt;
  return { error };
}

/** Rate-limit snapshot headers (`x-codex-primary-*`, `x-codex-secondary-*`). */
function usageHeaders(primaryPercent: number, resetsAt: number): Record<string, string> {
  return {
    "x-codex-primary-used-percent": String(primaryPercent),
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-at": String(resetsAt),
    "x-codex-secondary-used-percent": "40",
    "x-codex-secondary-window-minutes": "10080",
    "x-codex-secondary-reset-at": String(resetsAt + 86_400),
  };
}

const LONG_STREAM = Array.from(
  { length: 60 },
  (_, i) => `Step ${i + 1}: reading the next module and noting what it exports.`,
).join(" ");

const PATCH = [
  "*** Begin Patch",
  "*** Add File: NOTES.md",
  "+# Notes",
  "+The parser keeps its state in one struct.",
  "*** End Patch",
  "",
].join("\n");

const SCENARIOS: CodexScenario[] = [
  // idle
  {
    name: "fresh_start",
    state: "idle",
    variant: "fresh start, placeholder",
    drive: (session) => ready(session.pane),
  },
  afterMessage(
    {
      name: "after_reply",
      state: "idle",
      variant: "after a reply",
      replies: [{ kind: "text", text: "The README explains how to build and test the project." }],
    },
    "summarise the README in one line",
    /Worked for/,
  ),
  {
    name: "after_interrupt",
    state: "idle",
    variant: "after Esc interrupted a command",
    replies: [{ kind: "exec", cmd: "sleep 120", yieldTimeMs: 30_000 }],
    async drive(session) {
      await submit(session as CodexSession, "run the slow migration check");
      await waitFor(session, /esc to interrupt/, "the running command");
      await session.pane.sendKeys("Escape");
      await waitFor(session, /interrupted/i, "the interruption");
    },
  },
  {
    name: "old_error_scrollback",
    state: "idle",
    variant: "an error, then a newer reply",
    replies: [
      {
        kind: "http_error",
        status: 502,
        body: { error: { message: "upstream connect error", type: "server_error" } },
      },
      { kind: "text", text: "Added --json to `status`; it prints the same fields as JSON." },
    ],
    async drive(session) {
      await submit(session as CodexSession, "add a --json flag to the status command");
      await waitFor(session, /^■ /m, "the error");
      await submit(session as CodexSession, "try again");
      await waitFor(session, /Added --json[\s\S]*Worked for/, "the reply after the error");
    },
  },
  // active
  {
    name: "slow_stream",
    state: "active",
    variant: "slow streaming (no status line while text streams)",
    replies: [{ kind: "text", text: LONG_STREAM, chunks: 120, chunkDelayMs: 250 }],
    detectWithinMs: 8_000,
    async drive(session) {
      await submit(session as CodexSession, "walk me through every module");
      await waitFor(session, /Step 2:/, "streamed text");
    },
  },
  afterMessage(
    {
      name: "long_command",
      state: "active",
      variant: "long shell command",
      replies: [{ kind: "exec", cmd: "sleep 120", yieldTimeMs: 30_000 }],
      detectWithinMs: 8_000,
    },
    "run the full integration suite",
    /Working \(.*esc to interrupt/,
  ),
  afterMessage(
    {
      name: "waiting_for_model",
      state: "active",
      variant: "waiting for the first token",
      replies: [{ kind: "cut", holdMs: 120_000 }],
      detectWithinMs: 8_000,
    },
    "think about the design first",
    /Working \(.*esc to interrupt/,
  ),
  afterMessage(
    {
      name: "reasoning_header",
      state: "active",
      variant: "thinking, reasoning summary in the status line",
      replies: [{
        kind: "reasoning",
        summary: "**Investigating rendering code**\n\nLooking for where the diff view is drawn.",
      }],
      detectWithinMs: 8_000,
    },
    "why is the diff view slow?",
    /diff view is drawn\. \(.*esc to interrupt/,
  ),
  // waiting
  afterMessage(
    {
      name: "command_approval",
      state: "waiting",
      variant: "command approval",
      replies: [{
        kind: "exec",
        cmd: "touch ../outside-the-sandbox.txt",
        escalate: true,
        justification: "Create a marker file outside the workspace?",
      }],
    },
    "create the marker file",
    /Would you like to run the following command\?/,
  ),
  afterMessage(
    {
      name: "patch_approval",
      state: "waiting",
      variant: "patch approval (read-only sandbox)",
      home: { sandbox: "read-only" },
      replies: [{ kind: "patch", patch: PATCH }],
    },
    "write the notes file",
    /Would you like to make the following edits\?/,
  ),
  afterMessage(
    {
      name: "rate_limit_offer",
      state: "waiting",
      variant: "popup: model switch offer near the limit",
      replies: [{ kind: "text", text: "Done.", headers: usageHeaders(96, inHours(2)) }],
    },
    "tidy the imports",
    /Approaching rate limits/,
  ),
  {
    name: "question_menu",
    state: "waiting",
    variant: "question menu (Plan mode)",
    replies: [{
      kind: "call",
      name: "request_user_input",
      arguments: {
        questions: [{
          id: "storage",
          header: "Storage",
          question: "Where should the cache live?",
          options: [
            { label: "In memory (Recommended)", description: "Fast, lost on restart." },
            { label: "On disk", description: "Survives restarts, slower." },
          ],
        }],
      },
    }],
    async drive(session) {
      const { pane } = session;
      await ready(pane);
      await type(pane, "/plan");
      await sleep(400);
      await pane.sendKeys("Enter");
      await sleep(500);
      await submit(session as CodexSession, "plan the cache layer");
      await waitFor(session, /Where should the cache live\?/, "the question");
    },
  },
  {
    name: "trust_folder",
    state: "waiting",
    variant: "start-up: trust this folder",
    home: { trusted: false },
    drive: (session) => waitFor(session, /Trust this folder\?/, "the trust dialog").then(() => {}),
  },
  {
    name: "sign_in",
    state: "waiting",
    variant: "start-up: sign-in choice",
    home: { provider: false },
    drive: (session) =>
      waitFor(session, /Sign in with ChatGPT/, "the sign-in screen").then(() => {}),
  },
  {
    name: "model_offer",
    state: "waiting",
    variant: "start-up: new model offer",
    home: { noticesSeen: false },
    drive: (session) => waitFor(session, /Try new model/, "the model offer").then(() => {}),
  },
  // stuck_input
  {
    name: "typed_unsent",
    state: "stuck_input",
    variant: "typed, not sent",
    async drive(session) {
      await ready(session.pane);
      await type(session.pane, "now update CHANGELOG.md for the retry change");
    },
  },
  {
    name: "pasted_unsent",
    state: "stuck_input",
    variant: "pasted multi-line, not sent",
    async drive(session) {
      await ready(session.pane);
      await session.pane.paste(
        "TASK 7: remove the deprecated --legacy flag\nthen run the tests\nand report back",
      );
      await waitFor(session, /and report back/, "the pasted text");
    },
  },
  // rate_limited
  afterMessage(
    {
      name: "usage_limit_plus",
      state: "rate_limited",
      variant: "usage limit (Plus plan), reset date",
      replies: [{ kind: "http_error", status: 429, body: usageLimit("plus", inHours(30)) }],
    },
    "keep going with the refactor",
    /hit your usage limit/,
  ),
  afterMessage(
    {
      name: "usage_limit_free",
      state: "rate_limited",
      variant: "usage limit (Free plan), reset in days",
      replies: [{ kind: "http_error", status: 429, body: usageLimit("free", inHours(75)) }],
    },
    "keep going with the refactor",
    /Upgrade to Plus/,
  ),
  afterMessage(
    {
      name: "usage_limit_enterprise",
      state: "rate_limited",
      variant: "usage limit (Enterprise plan), reset within the hour",
      replies: [{ kind: "http_error", status: 429, body: usageLimit("enterprise", inHours(0.5)) }],
    },
    "keep going with the refactor",
    /Try again at/,
  ),
  {
    name: "usage_limit_narrow",
    state: "rate_limited",
    variant: "usage limit in an 80×24 pane (the message wraps over three lines)",
    replies: [{ kind: "http_error", status: 429, body: usageLimit("plus", inHours(30)) }],
    async drive(session) {
      const { pane } = session;
      await pane.server.tmux(["resize-window", "-t", pane.paneId, "-x", "80", "-y", "24"]);
      await submit(session as CodexSession, "keep going with the refactor");
      await waitFor(session, /purchase more credits/, "the usage limit");
    },
  },
  afterMessage(
    {
      name: "usage_limit_later",
      state: "rate_limited",
      variant: "usage limit, no reset time",
      replies: [{ kind: "http_error", status: 429, body: usageLimit(null) }],
    },
    "keep going with the refactor",
    /Try again later/,
  ),
  afterMessage(
    {
      name: "usage_limit_model",
      state: "rate_limited",
      variant: "usage limit of one model, reset today",
      replies: [{
        kind: "http_error",
        status: 429,
        body: usageLimit("pro", inHours(2)),
        headers: {
          "x-codex-active-limit": "codex_bengalfox",
          "x-codex-bengalfox-primary-used-percent": "100",
          "x-codex-bengalfox-primary-window-minutes": "300",
          "x-codex-bengalfox-primary-reset-at": String(inHours(2)),
          "x-codex-bengalfox-limit-name": "GPT-5.5",
        },
      }],
    },
    "keep going with the refactor",
    /usage limit for GPT-5\.5/,
  ),
  {
    name: "usage_limit_under_offer",
    state: "rate_limited",
    variant: "usage limit hidden under a model switch popup",
    replies: [{
      kind: "http_error",
      status: 429,
      body: usageLimit("plus", inHours(3)),
      headers: usageHeaders(100, inHours(3)),
    }],
    async drive(session) {
      await submit(session as CodexSession, "keep going with the refactor");
      await waitFor(session, /hit your usage limit[\s\S]*Approaching rate limits/, "limit + popup");
    },
  },
  afterMessage(
    {
      name: "retry_limit_429",
      state: "rate_limited",
      variant: "429 rate limit after retries",
      replies: [{
        kind: "http_error",
        status: 429,
        body: {
          error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
        },
      }],
    },
    "keep going with the refactor",
    /exceeded retry limit/,
  ),
  // error
  afterMessage(
    {
      name: "server_error_500",
      state: "error",
      variant: "500 after retries",
      replies: [{
        kind: "http_error",
        status: 500,
        body: { error: { message: "The server had an error.", type: "server_error" } },
      }],
    },
    "add tracing spans",
    /^■ /m,
  ),
  afterMessage(
    {
      name: "overloaded_503",
      state: "error",
      variant: "503 model at capacity",
      replies: [{
        kind: "http_error",
        status: 503,
        body: { error: { message: "Overloaded", code: "server_is_overloaded" } },
      }],
    },
    "add tracing spans",
    /^■ /m,
  ),
  afterMessage(
    {
      name: "unauthorized_401",
      state: "error",
      variant: "401 bad API key",
      replies: [{
        kind: "http_error",
        status: 401,
        body: {
          error: {
            message: "Incorrect API key provided.",
            type: "invalid_request_error",
            code: "invalid_api_key",
          },
        },
      }],
    },
    "add tracing spans",
    /^■ /m,
  ),
  afterMessage(
    {
      name: "bad_request_400",
      state: "error",
      variant: "400 invalid request",
      replies: [{
        kind: "http_error",
        status: 400,
        body: { error: { message: "Invalid value for 'input'.", type: "invalid_request_error" } },
      }],
    },
    "add tracing spans",
    /^■ /m,
  ),
  afterMessage(
    {
      name: "quota_exceeded",
      state: "error",
      variant: "API quota exceeded (billing)",
      replies: [{
        kind: "failed",
        error: { code: "insufficient_quota", message: "You exceeded your current quota." },
      }],
    },
    "add tracing spans",
    /^■ /m,
  ),
  afterMessage(
    {
      name: "context_window_exceeded",
      state: "error",
      variant: "context window exceeded",
      replies: [{
        kind: "failed",
        error: {
          code: "context_length_exceeded",
          message: "Your input exceeds the context window.",
        },
      }],
    },
    "add tracing spans",
    /^■ /m,
  ),
  afterMessage(
    {
      name: "stream_cut",
      state: "error",
      variant: "stream cut after retries",
      replies: [{ kind: "cut", text: "Looking at the sched" }],
    },
    "add tracing spans",
    /stream disconnected/,
  ),
  // crashed
  {
    name: "quit_to_shell",
    state: "crashed",
    variant: "exit (Ctrl-C), shell back",
    shell: true,
    async drive(session) {
      await ready(session.pane);
      // Ctrl-C on an empty composer quits; one that arrives while Codex is still starting is
      // dropped, so press it again until the shell is back.
      for (let i = 0;; i++) {
        await session.pane.sendKeys("C-c");
        try {
          await session.pane.waitForScreen(/Session ID: [\s\S]*^\$\s*$/m, {
            timeoutMs: 3_000,
            what: "the shell prompt after Codex",
          });
          break;
        } catch (error) {
          if (i >= 4) throw error;
        }
      }
      const deadline = performance.now() + 10_000;
      while ((await session.pane.facts()).currentCommand !== "bash") {
        if (performance.now() > deadline) throw new Error("Codex did not exit");
        await sleep(100);
      }
    },
  },
  {
    name: "killed",
    state: "crashed",
    variant: "killed (SIGKILL), pane dead",
    async drive(session) {
      await ready(session.pane);
      await killDescendants(session.pane.panePid, { self: true, signal: "SIGKILL" });
      const deadline = performance.now() + 10_000;
      while (!(await session.pane.facts()).dead) {
        if (performance.now() > deadline) throw new Error("the pane did not die");
        await sleep(100);
      }
    },
  },
];

async function open(scenario: Scenario, context: OpenContext): Promise<CodexSession> {
  const spec = scenario as CodexScenario;
  const installed = await ensureRealCli("codex");
  if (!("bin" in installed)) throw new Error(`Codex CLI unavailable: ${installed.skip}`);
  const mock = new CodexMock(spec.replies ?? [], spec.mock);
  const server = await startMockServer(mock.handler);
  const trap = startEgressTrap();
  const home = await makePrivateHome("tmux-orc-codex-");
  const project = `${home.dir}/project`;
  const cleanup = async () => {
    trap.close();
    await server.close();
    await home.cleanup();
  };
  try {
    await seedCodexHome(home.dir, { ...spec.home, mockUrl: server.url, project });
    const pane = await context.server.openPane({
      argv: [installed.bin, "--no-daemon"],
      // A plain prompt: the harness waits for one ending in `$` (root's default ends in `#`).
      env: {
        ...codexEnv(home.dir, dirname(installed.bin)),
        ...(spec.shell ? { PS1: "$ " } : {}),
        ...proxyEnv(trap.url),
      },
      cwd: project,
      shell: spec.shell,
      window: scenario.name,
    });
    let closed: Promise<void> | undefined;
    return {
      pane,
      mock,
      server,
      trap,
      close: () =>
        closed ??= (async () => {
          // Commands Codex runs get terminals (and sessions) of their own: end them first.
          await killDescendants(pane.panePid, { self: false, signal: "SIGKILL" });
          await context.server.closePane(pane);
          await cleanup();
        })(),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The Codex CLI suite. */
export const SUITE: CliSuite = {
  cli: "codex",
  profile: PIN.profile,
  version: PIN.version,
  scenarios: SCENARIOS,
  open,
};
