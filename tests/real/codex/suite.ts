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
import { startMockServer } from "../harness/mock_http.ts";
import { makePrivateHome } from "../harness/pane.ts";
import type { CliSuite, OpenContext, Scenario } from "../harness/scenario.ts";
import { codexEnv, seedCodexHome } from "./home.ts";
import { CodexMock } from "./mock_api.ts";
import { killDescendants } from "./processes.ts";
import type { CodexScenario, CodexSession } from "./session.ts";
import { proxyEnv, startEgressTrap } from "./trap.ts";
import { TROUBLE_SCENARIOS } from "./trouble_scenarios.ts";
import { WORK_SCENARIOS } from "./work_scenarios.ts";

export type { CodexScenario, CodexSession } from "./session.ts";

const PIN = REAL_CLIS.codex;

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
    await spec.prepare?.(home.dir);
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
      tmuxEnv: spec.tmuxEnv,
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
  scenarios: [...WORK_SCENARIOS, ...TROUBLE_SCENARIOS],
  open,
};
