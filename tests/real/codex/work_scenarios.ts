/**
 * Codex scenarios for the states of a working agent: idle, active, waiting, stuck_input.
 *
 * @module
 */

import {
  afterMessage,
  type CodexScenario,
  type CodexSession,
  ready,
  sleep,
  submit,
  type,
  waitFor,
} from "./session.ts";
import { inHours, usageHeaders } from "./trouble_scenarios.ts";

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

/** Idle, active, waiting and stuck_input scenarios. */
export const WORK_SCENARIOS: CodexScenario[] = [
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
];
