/**
 * The real Claude Code (2.1.332) driven into every state tmux-orc knows, against the mock
 * Anthropic API (`mock_api.ts`) in a private HOME (`setup.ts`). Each scenario's `drive` resolves
 * once Claude Code's own drawing shows the state; `record-screens` captures it then, and the live
 * test asks the real monitor.
 *
 * @module
 */

import {
  type CliSession,
  type CliSuite,
  ensureRealCli,
  makePrivateHome,
  type OpenContext,
  REAL_CLIS,
  type RealPane,
  type Scenario,
} from "../harness/mod.ts";
import { type AnthropicMock, type Reply, startAnthropicMock } from "./mock_api.ts";
import { claudeEnv, type HomeOptions, seedHome, workDir } from "./setup.ts";
import { SCENARIOS } from "./scenarios.ts";

/** What a Claude scenario sets up before the CLI starts. */
export interface ClaudeSetup extends Omit<HomeOptions, "baseUrl"> {
  /** The main loop's scripted replies. */
  replies?: Reply[] | (() => Reply[]);
  /**
   * Run Claude Code from an interactive bash (so that exiting brings the shell back).
   * @default false
   */
  shell?: boolean;
}

/** A scenario of this suite. */
export interface ClaudeScenario extends Scenario {
  /** Its setup. */
  setup: ClaudeSetup;
  /** Drives it (the session is a {@linkcode ClaudeSession}). */
  drive(session: ClaudeSession): Promise<void>;
}

/** A session of this suite: the pane plus its mock. */
export interface ClaudeSession extends CliSession {
  /** The mock API the CLI talks to. */
  mock: AnthropicMock;
  /** The work folder (the CLI's cwd). */
  work: string;
}

/**
 * Requests the mocks received on paths other than the Messages API, across every session of
 * this process ("scenario: METHOD /path"). The live test asserts it stays empty.
 */
export const UNEXPECTED_REQUESTS: string[] = [];

let install: Promise<{ bin: string } | { skip: string }> | undefined;

/** The installed CLI's executable (installed once per process). */
export async function claudeBin(): Promise<string> {
  install ??= ensureRealCli("claude");
  const found = await install;
  if ("skip" in found) throw new Error(`Claude Code is not available: ${found.skip}`);
  return found.bin;
}

async function open(scenario: Scenario, context: OpenContext): Promise<ClaudeSession> {
  const { setup } = scenario as ClaudeScenario;
  const bin = await claudeBin();
  const replies = typeof setup.replies === "function" ? setup.replies() : setup.replies ?? [];
  const mock = await startAnthropicMock(replies);
  const home = await makePrivateHome("tmux-orc-real-claude-");
  let pane: RealPane | undefined;
  try {
    const options = { ...setup, baseUrl: mock.server.url };
    await seedHome(home.dir, options);
    pane = await context.server.openPane({
      argv: [bin],
      env: claudeEnv(home.dir, options),
      cwd: workDir(home.dir),
      shell: setup.shell ?? false,
      window: scenario.name,
    });
  } catch (error) {
    await mock.close();
    await home.cleanup();
    throw error;
  }
  const opened = pane;
  let closed: Promise<void> | undefined;
  return {
    pane: opened,
    mock,
    work: workDir(home.dir),
    close: () => {
      closed ??= (async () => {
        await opened.close().catch(() => {});
        await mock.close();
        for (const r of mock.unexpected()) {
          UNEXPECTED_REQUESTS.push(`${scenario.name}: ${r.method} ${r.path}`);
        }
        await home.cleanup();
      })();
      return closed;
    },
  };
}

/** The Claude Code suite. */
export const SUITE: CliSuite = {
  cli: "claude",
  profile: REAL_CLIS.claude.profile,
  version: REAL_CLIS.claude.version,
  scenarios: SCENARIOS,
  open,
};
