/**
 * Gemini CLI 0.61.0 driven into every state against the mock API (`mock_api.ts`); how a session
 * is set up (settings that switch off every non-essential call, environment) is in `session.ts`.
 *
 * @module
 */

import { REAL_CLIS } from "../harness/clis.ts";
import type { CliSession, CliSuite, OpenContext, Scenario } from "../harness/scenario.ts";
import { type GeminiReply, googleError, quotaFailure, retryInfo } from "./mock_api.ts";
import {
  afterTurn,
  BUSY,
  type GeminiSession,
  idleScreen,
  openGemini,
  type Setup,
  sleep,
  submit,
  waitForFacts,
} from "./session.ts";

const PIN = REAL_CLIS.gemini;

const SETUPS = new Map<string, Setup>();

function scenario(
  definition: Scenario & { setup?: Setup },
): Scenario {
  const { setup, ...rest } = definition;
  SETUPS.set(rest.name, setup ?? {});
  return rest;
}

const SHELL_CALL: GeminiReply = {
  calls: [{
    name: "run_shell_command",
    args: { command: "npm test", description: "Run the unit tests" },
  }],
};

const DAILY_QUOTA: GeminiReply = {
  status: 429,
  body: googleError(
    429,
    "RESOURCE_EXHAUSTED",
    "You exceeded your current quota, please check your plan and billing details.",
    [quotaFailure("GenerateRequestsPerDayPerProjectPerModel-FreeTier")],
  ),
  times: 20,
};

const HOURLY_QUOTA: GeminiReply = {
  status: 429,
  body: googleError(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", [
    retryInfo("3600s"),
  ]),
  times: 20,
};

const SERVER_ERROR: GeminiReply = {
  status: 500,
  body: googleError(500, "INTERNAL", "Internal error encountered."),
  times: 20,
};

/** The quota / high-demand dialog shows. */
const QUOTA_DIALOG = /● 1\. Keep trying/;

/** Answers the quota dialog with "2. Stop" and waits for the error banner above the input. */
async function stopDialog(session: CliSession, banner: RegExp): Promise<void> {
  await session.pane.sendKeys("2");
  await session.pane.waitForScreen((s) => banner.test(s) && idleScreen(s), {
    timeoutMs: 10_000,
    what: `${banner} above the input box`,
  });
}

const SCENARIOS: Scenario[] = [
  // idle
  scenario({
    name: "fresh_start",
    state: "idle",
    variant: "just started, input between ▄▄▄/▀▀▀ bars (true colour)",
    detectWithinMs: 15_000,
    drive: async (s) => {
      await s.pane.waitForScreen(idleScreen, { what: "the empty input box" });
    },
  }),
  scenario({
    name: "after_reply",
    state: "idle",
    variant: "after a reply",
    detectWithinMs: 15_000,
    setup: { script: [{ text: "The port now comes from the PORT environment variable." }] },
    drive: async (s) => {
      await submit(s, "make the port configurable");
      await afterTurn(s, 1, (x) => x.includes("PORT environment") && idleScreen(x), "the reply");
    },
  }),
  scenario({
    name: "rule_input",
    state: "idle",
    variant: "NO_COLOR: input between ──── rules",
    detectWithinMs: 15_000,
    setup: { env: { NO_COLOR: "1" }, script: [{ text: "Hello from the mock." }] },
    drive: async (s) => {
      await submit(s, "hello");
      await afterTurn(s, 1, (x) => x.includes("Hello from the mock") && idleScreen(x), "reply");
    },
  }),
  scenario({
    name: "padded_input",
    state: "idle",
    variant: "256 colours: input between blank padding lines",
    detectWithinMs: 15_000,
    setup: { env: { COLORTERM: null }, script: [{ text: "Hello from the mock." }] },
    drive: async (s) => {
      await submit(s, "hello");
      await afterTurn(s, 1, (x) => x.includes("Hello from the mock") && idleScreen(x), "reply");
    },
  }),
  // active
  scenario({
    name: "slow_stream",
    state: "active",
    variant: "slow streaming reply",
    setup: {
      script: [{
        text: "Let me walk through the request handler step by step. ".repeat(12),
        chunks: 60,
        delayMs: 700,
      }],
    },
    drive: async (s) => {
      await submit(s, "explain the request handler");
      await afterTurn(s, 1, (x) => x.includes("Let me walk") && BUSY.test(x), "streaming text");
    },
  }),
  scenario({
    name: "thinking",
    state: "active",
    variant: "waiting for the model (no text yet)",
    setup: { script: [{ hangMs: 60_000 }] },
    drive: async (s) => {
      await submit(s, "plan the migration");
      await afterTurn(s, 1, BUSY, "the spinner");
    },
  }),
  scenario({
    name: "long_shell",
    state: "active",
    variant: "long shell tool run",
    setup: {
      script: [{
        calls: [{
          name: "run_shell_command",
          args: {
            // No `$(…)`: the CLI blocks command substitution.
            command: `for i in ${Array.from({ length: 60 }, (_, i) => i + 1).join(" ")}; ` +
              "do echo step $i; sleep 1; done",
            description: "Count slowly",
          },
        }],
      }, { text: "All steps ran." }],
    },
    drive: async (s) => {
      await submit(s, "count slowly");
      await afterTurn(s, 1, /Allow execution of/, "the shell permission prompt");
      await s.pane.sendKeys("Enter");
      await s.pane.waitForScreen((x) => x.includes("step 2") && BUSY.test(x), {
        timeoutMs: 15_000,
        what: "the command's output",
      });
    },
  }),
  // waiting
  scenario({
    name: "shell_permission",
    state: "waiting",
    variant: "shell: Allow execution of [Shell]?",
    setup: { script: [SHELL_CALL] },
    drive: async (s) => {
      await submit(s, "run the unit tests");
      await afterTurn(s, 1, /Allow execution of[\s\S]*● 1\. Allow once/, "the shell prompt");
    },
  }),
  scenario({
    name: "shell_permission_scrolled",
    state: "waiting",
    variant: "shell prompt after a long reply (header and input scrolled away)",
    setup: {
      script: [{
        text: Array.from({ length: 50 }, (_, i) => `Step ${i + 1}: check module ${i + 1}.`)
          .join("\n"),
        calls: [{
          name: "run_shell_command",
          args: { command: "npm test", description: "Run the unit tests" },
        }],
      }],
    },
    drive: async (s) => {
      await submit(s, "check every module, then run the tests");
      await afterTurn(
        s,
        1,
        (x) => /Allow execution of[\s\S]*● 1\. Allow once/.test(x) && !/Gemini CLI v/.test(x),
        "the shell prompt under a long reply",
      );
    },
  }),
  scenario({
    name: "edit_approval",
    state: "waiting",
    variant: "edit: Apply this change?",
    setup: {
      script: [{
        calls: [{
          name: "replace",
          args: {
            file_path: "@WORKSPACE@/notes.txt",
            instruction: "Greet the moon",
            old_string: "hello world",
            new_string: "hello moon",
          },
        }],
      }],
    },
    drive: async (s) => {
      await submit(s, "greet the moon in notes.txt");
      await afterTurn(s, 1, /Apply this change\?[\s\S]*● 1\. Allow once/, "the edit prompt");
    },
  }),
  scenario({
    name: "write_approval",
    state: "waiting",
    variant: "write file: Apply this change?",
    setup: {
      script: [{
        calls: [{
          name: "write_file",
          args: { file_path: "@WORKSPACE@/CHANGELOG.md", content: "# Changelog\n\n- Port.\n" },
        }],
      }],
    },
    drive: async (s) => {
      await submit(s, "start a changelog");
      await afterTurn(s, 1, /WriteFile[\s\S]*Apply this change\?/, "the write prompt");
    },
  }),
  scenario({
    name: "keep_trying",
    state: "waiting",
    variant: "high demand: ● 1. Keep trying (5xx, error verbosity full)",
    setup: { script: [SERVER_ERROR], settings: { ui: { errorVerbosity: "full" } } },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, /high demand[\s\S]*● 1\. Keep trying/, "the high-demand dialog");
    },
  }),
  scenario({
    name: "loop_detected",
    state: "waiting",
    variant: "loop detection: ● 1. Keep loop detection enabled",
    setup: {
      script: Array.from({ length: 8 }, () => ({
        calls: [{ name: "read_file", args: { file_path: "@WORKSPACE@/notes.txt" } }],
      })),
    },
    drive: async (s) => {
      await submit(s, "read the notes");
      await afterTurn(s, 1, /A potential loop was detected[\s\S]*● 1\./, "the loop dialog");
    },
  }),
  scenario({
    name: "trust_folder",
    state: "waiting",
    variant: "start-up: Do you trust the files in this folder?",
    setup: { untrusted: true, ready: false },
    drive: async (s) => {
      await s.pane.waitForScreen(/Do you trust the files in this folder\?[\s\S]*● 1\./, {
        what: "the trust dialog",
      });
    },
  }),
  scenario({
    name: "auth_dialog",
    state: "waiting",
    variant: "start-up: How would you like to authenticate? (no auth chosen)",
    setup: {
      ready: false,
      settings: { security: { auth: {} } },
      env: { GEMINI_API_KEY: null, GOOGLE_GEMINI_BASE_URL: null },
    },
    drive: async (s) => {
      await s.pane.waitForScreen(/How would you like to authenticate[\s\S]*● 1\./, {
        what: "the auth dialog",
      });
    },
  }),
  // stuck_input
  scenario({
    name: "typed",
    state: "stuck_input",
    variant: "typed, never sent",
    detectWithinMs: 15_000,
    drive: async (s) => {
      await s.pane.sendText("also add a Dockerfile HEALTHCHECK");
      await s.pane.waitForScreen(/> also add a Dockerfile HEALTHCHECK/, { what: "typed text" });
    },
  }),
  scenario({
    name: "typed_multiline",
    state: "stuck_input",
    variant: "typed on two lines (Ctrl+J), never sent",
    detectWithinMs: 15_000,
    drive: async (s) => {
      await s.pane.sendText("rename the handler");
      await s.pane.waitForScreen(/> rename the handler/, { what: "the first line" });
      await s.pane.sendKeys("C-j");
      await s.pane.sendText("and update its tests");
      await s.pane.waitForScreen(/> rename the handler\s*\n {3}and update its tests/, {
        what: "both lines in the input box",
      });
    },
  }),
  scenario({
    name: "pasted_multiline",
    state: "stuck_input",
    variant: "pasted multi-line, never sent",
    detectWithinMs: 15_000,
    drive: async (s) => {
      await s.pane.paste("first pasted line\nsecond pasted line\nthird pasted line");
      await s.pane.waitForScreen(/third pasted line/, { what: "pasted text" });
    },
  }),
  // rate_limited
  scenario({
    name: "pro_daily_dialog",
    state: "rate_limited",
    variant: "dialog: Usage limit reached for all Pro models (daily quota)",
    setup: { script: [DAILY_QUOTA] },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, /Usage limit reached for all Pro models[\s\S]*● 1\./, "the dialog");
    },
  }),
  scenario({
    name: "access_resets_dialog",
    state: "rate_limited",
    variant: "dialog: Access resets at <time> UTC (retry delay 1 h)",
    setup: { script: [HOURLY_QUOTA] },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, /Access resets at \d+:\d\d [AP]M[\s\S]*● 1\./, "the dialog");
    },
  }),
  scenario({
    name: "auto_model_dialog",
    state: "rate_limited",
    variant: "dialog with a fallback (auto model): ● 1. Switch to gemini-2.5-flash",
    setup: { script: [DAILY_QUOTA], settings: { model: { name: "auto-gemini-2.5" } } },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, /Usage limit reached[\s\S]*● 1\. Switch to/, "the dialog");
    },
  }),
  scenario({
    name: "daily_quota",
    state: "rate_limited",
    variant: "after Stop: You have exhausted your daily quota on this model",
    setup: { script: [DAILY_QUOTA] },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, QUOTA_DIALOG, "the quota dialog");
      await stopDialog(s, /exhausted your daily quota/);
    },
  }),
  scenario({
    name: "retry_after",
    state: "rate_limited",
    variant: "after Stop: Resource has been exhausted, Suggested retry after 3600s",
    setup: { script: [HOURLY_QUOTA] },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, QUOTA_DIALOG, "the quota dialog");
      await stopDialog(s, /Suggested retry after 3600s/);
    },
  }),
  // error
  scenario({
    name: "client_4xx",
    state: "error",
    variant: "400 API key not valid",
    setup: {
      script: [{
        status: 400,
        body: googleError(
          400,
          "INVALID_ARGUMENT",
          "API key not valid. Please pass a valid API key.",
        ),
      }],
    },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, (x) => /✕ \[API Error/.test(x) && idleScreen(x), "the error");
    },
  }),
  scenario({
    name: "permission_403",
    state: "error",
    variant: "403 PERMISSION_DENIED",
    setup: {
      script: [{
        status: 403,
        body: googleError(
          403,
          "PERMISSION_DENIED",
          "Generative Language API has not been used in project 1234 before or it is disabled.",
        ),
      }],
    },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, (x) => /✕ \[API Error/.test(x) && idleScreen(x), "the error");
    },
  }),
  scenario({
    name: "server_5xx",
    state: "error",
    variant: "500 after retries, then Stop",
    setup: { script: [SERVER_ERROR], settings: { ui: { errorVerbosity: "full" } } },
    drive: async (s) => {
      await submit(s, "hi");
      await afterTurn(s, 1, QUOTA_DIALOG, "the high-demand dialog");
      await stopDialog(s, /✕ \[API Error: \{"error":\{"code":500/);
    },
  }),
  // crashed
  scenario({
    name: "quit",
    state: "crashed",
    variant: "/quit: the shell is back",
    setup: { shell: true },
    drive: async (s) => {
      await submit(s, "/quit");
      await waitForFacts(s.pane, (f) => f.currentCommand === "bash", "the shell in the foreground");
    },
  }),
  scenario({
    name: "killed",
    state: "crashed",
    variant: "killed (SIGKILL): the pane is dead",
    drive: async (s) => {
      // An agent that has been up a while (a monitor has had time to see it), then killed. With
      // GEMINI_CLI_NO_RELAUNCH the pane's process is the CLI itself (as the OOM killer would
      // pick it).
      await sleep(3_000);
      Deno.kill(s.pane.panePid, "SIGKILL");
      await waitForFacts(s.pane, (f) => f.dead, "the pane to die");
    },
  }),
];

function open(scenario: Scenario, context: OpenContext): Promise<GeminiSession> {
  return openGemini(scenario.name, SETUPS.get(scenario.name) ?? {}, context);
}

/** Every Gemini CLI scenario. */
export const SUITE: CliSuite = {
  cli: "gemini",
  profile: PIN.profile,
  version: PIN.version,
  scenarios: SCENARIOS,
  open,
};
