/**
 * What a Codex scenario is and how scenarios drive the CLI: wait for the composer, type, send a
 * message (and wait until the mock has it), wait for Codex's own drawing of a state.
 *
 * @module
 */

import type { MockServer } from "../harness/mock_http.ts";
import type { RealPane } from "../harness/pane.ts";
import type { CliSession, Scenario } from "../harness/scenario.ts";
import type { CodexHomeOptions } from "./home.ts";
import type { CodexMock, CodexMockOptions, CodexReply } from "./mock_api.ts";
import type { EgressTrap } from "./trap.ts";

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
  /** Keep tmux's `TMUX`/`TMUX_PANE` in Codex's environment (for its `notify`). */
  tmuxEnv?: boolean;
  /** Runs after the home is seeded, before Codex starts (e.g. installs hooks). */
  prepare?: (home: string) => Promise<void>;
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

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The composer with its footer: Codex is ready for input. */
export const READY = /^› .*\n(?:.*\n){0,3}\s+\S.* · /m;

/** Codex's busy spinner at the start of the pane title. */
const TITLE_SPINNER = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /;

/**
 * Waits until Codex shows its composer and has finished starting: right after start-up the title
 * still carries the busy spinner for a moment (longer on a loaded machine).
 */
export async function ready(pane: RealPane): Promise<void> {
  await pane.waitForScreen(READY, { timeoutMs: 30_000, what: "the Codex composer" });
  const deadline = performance.now() + 30_000;
  while (TITLE_SPINNER.test((await pane.facts()).title)) {
    if (performance.now() > deadline) throw new Error("Codex kept its busy title after start-up");
    await sleep(100);
  }
}

/** Types `text` into the composer and waits until it shows. */
export async function type(pane: RealPane, text: string): Promise<void> {
  await pane.sendText(text);
  const tail = text.slice(-20);
  await pane.waitForScreen((s) => s.includes(tail), { timeoutMs: 10_000, what: `"${tail}"` });
}

/** Sends a message and waits until the mock has received the turn it starts. */
export async function submit(session: CodexSession, text: string): Promise<void> {
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

/** Waits until the screen matches `re`. */
export function waitFor(
  session: CliSession,
  re: RegExp,
  what: string,
  timeoutMs = 20_000,
): Promise<string> {
  return session.pane.waitForScreen(re, { timeoutMs, what });
}

/** A scenario whose drive sends one message and waits for `shows`. */
export function afterMessage(
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
