/**
 * One Gemini CLI 0.61.0 session for a scenario: mock API, private HOME, the CLI in a pane, and the
 * typing and waiting the scenarios need.
 *
 * Each session gets a private HOME whose `~/.gemini/settings.json` decides everything the CLI
 * would otherwise ask or fetch (checked in the 0.61 bundle):
 * - `security.auth.selectedType: "gemini-api-key"` (no auth dialog; the key is `GEMINI_API_KEY`,
 *   the endpoint `GOOGLE_GEMINI_BASE_URL`, which `createContentGenerator` passes to `@google/genai`);
 * - `~/.gemini/trustedFolders.json` trusts the workspace (no trust dialog, except in the scenario
 *   that wants it);
 * - `privacy.usageStatisticsEnabled: false` (no Clearcut logging, no privileged-user header),
 *   `telemetry.enabled: false`;
 * - `general.enableAutoUpdateNotification: false` (`checkForUpdates` returns before asking npm),
 *   `general.enableAutoUpdate: false`;
 * - `ide.enabled: false`, `ide.hasSeenNudge: true` (no IDE prompt);
 * - `model.name: "gemini-2.5-pro"` (a fixed model: no routing classifier calls);
 * - `general.maxAttempts: 1` (errors surface without minutes of back-off). With the default
 *   `ui.errorVerbosity: "low"` a failing turn that is not a quota error (5xx, a 429 without quota
 *   details) is retried for ever (the UI's fallback handler answers "retry once"): the screen
 *   stays busy, so `active` is the truth there; the 5xx scenarios set `"full"`, which shows the
 *   high-demand dialog and, after Stop, the error.
 * Under `strace -e connect` a whole session connects to nothing but the mock; each session also
 * checks the mock saw only model endpoints.
 *
 * `GEMINI_CLI_NO_RELAUNCH=true` keeps the CLI from relaunching itself as a child node process
 * (which only adds `--max-old-space-size`): the screen is the same, start-up is seconds faster and
 * the pane's process is the CLI.
 *
 * `COLORTERM=truecolor` is set as in a modern terminal (the input box is then drawn between `▄▄▄`
 * and `▀▀▀` bars); two idle variants draw it the other ways (`NO_COLOR`: `────` rules; 256
 * colours: blank padding lines).
 *
 * @module
 */

import { ensureRealCli } from "../harness/clis.ts";
import type { PaneFacts, RealPane } from "../harness/pane.ts";
import { makePrivateHome } from "../harness/pane.ts";
import type { CliSession, OpenContext } from "../harness/scenario.ts";
import { type GeminiReply, type GeminiServer, startGeminiMock } from "./mock_api.ts";

/** The placeholder of the empty input box. */
export const PLACEHOLDER = /Type your message or @path\/to\/file/;
/** The spinner line while a turn runs: `⠦ Thinking... (esc to cancel, 3s)`. */
export const BUSY = /\(esc to cancel, \d+s\)/;

/** How one scenario's CLI is set up. */
export interface Setup {
  /** The mock's script. */
  script?: GeminiReply[];
  /** Settings merged over the defaults (one level deep). */
  settings?: Record<string, Record<string, unknown>>;
  /** Extra environment (or `null` to drop a default variable). */
  env?: Record<string, string | null>;
  /** Leave the workspace untrusted (the trust dialog shows at start). */
  untrusted?: boolean;
  /** Run the CLI from an interactive shell (exits leave the shell). */
  shell?: boolean;
  /** Wait for the input box before `drive` (default true). */
  ready?: boolean;
  /** A command the CLI runs under, e.g. `strace` with its options. */
  wrap?: string[];
  /** Keep tmux's `TMUX`/`TMUX_PANE` in the CLI's environment (for its hooks). */
  tmuxEnv?: boolean;
  /** Runs after the private HOME is seeded, before the CLI starts (e.g. installs hooks). */
  prepare?: (home: string) => Promise<void>;
}

/** A session with its mock. */
export interface GeminiSession extends CliSession {
  /** The mock API. */
  api: GeminiServer;
  /** The workspace directory. */
  workspace: string;
}

function baseSettings(): Record<string, Record<string, unknown>> {
  return {
    security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: true } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false, maxAttempts: 1 },
    ide: { enabled: false, hasSeenNudge: true },
    model: { name: "gemini-2.5-pro" },
    ui: {},
  };
}

function settingsFor(setup: Setup): Record<string, unknown> {
  const settings = baseSettings();
  for (const [key, value] of Object.entries(setup.settings ?? {})) {
    settings[key] = { ...settings[key], ...value };
  }
  return settings;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The session's mock (drive functions get the plain `CliSession`). */
export function apiOf(session: CliSession): GeminiServer {
  return (session as GeminiSession).api;
}

/** Whether the input box (the lowest ` > ` line) still holds `text`. */
function inputHolds(screen: string, text: string): boolean {
  const inputs = screen.split("\n").filter((line) => /^ ?> /.test(line));
  return inputs.length > 0 && inputs[inputs.length - 1].includes(text);
}

/**
 * Types `text` and sends it. Keys arriving together read as a paste (Enter would be a newline),
 * so Enter waits until the text shows; on a loaded machine the CLI may still take the Enter for
 * part of the paste, so when no turn starts and the text stays in the box, Enter is pressed once
 * more.
 */
export async function submit(session: CliSession, text: string): Promise<void> {
  const { pane } = session;
  const turns = apiOf(session).mock.turns;
  await pane.sendText(text);
  await pane.waitForScreen((s) => inputHolds(s, text), {
    timeoutMs: 10_000,
    what: `"${text}" in the input box`,
  });
  await sleep(400);
  await pane.sendKeys("Enter");
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline) {
    await sleep(250);
    if (apiOf(session).mock.turns > turns || !inputHolds(await pane.capture(), text)) return;
  }
  await pane.sendKeys("Enter");
}

/** Waits until the turn has started (the mock saw it) and then for `match`. */
export async function afterTurn(
  session: CliSession,
  turns: number,
  match: RegExp | ((screen: string) => boolean),
  what: string,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  while (apiOf(session).mock.turns < turns) {
    if (performance.now() > deadline) throw new Error(`The CLI never called the mock: ${what}`);
    await sleep(100);
  }
  return await session.pane.waitForScreen(match, { timeoutMs, what });
}

/** Polls the pane's facts until `test` holds. */
export async function waitForFacts(
  pane: RealPane,
  test: (facts: PaneFacts) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!test(await pane.facts())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The input box is back and empty, and no turn runs. */
export function idleScreen(screen: string): boolean {
  return PLACEHOLDER.test(screen) && !BUSY.test(screen);
}

function resolvePlaceholders(replies: GeminiReply[], workspace: string): GeminiReply[] {
  return JSON.parse(JSON.stringify(replies).replaceAll("@WORKSPACE@", workspace));
}

/** Opens Gemini CLI as `setup` says, in a window named `name` of `context.server`. */
export async function openGemini(
  name: string,
  setup: Setup,
  context: OpenContext,
): Promise<GeminiSession> {
  const installed = await ensureRealCli("gemini");
  if (!("bin" in installed)) throw new Error(`Gemini CLI is not available: ${installed.skip}`);
  const home = await makePrivateHome("tmux-orc-real-gemini-");
  const workspace = `${home.dir}/work`;
  let api: GeminiServer | undefined;
  try {
    await Deno.mkdir(`${home.dir}/.gemini`, { recursive: true });
    await Deno.mkdir(workspace);
    await Deno.writeTextFile(`${workspace}/notes.txt`, "hello world\n");
    await Deno.writeTextFile(
      `${home.dir}/.gemini/settings.json`,
      JSON.stringify(settingsFor(setup), null, 2),
    );
    if (!setup.untrusted) {
      await Deno.writeTextFile(
        `${home.dir}/.gemini/trustedFolders.json`,
        JSON.stringify({ [workspace]: "TRUST_FOLDER" }),
      );
    }
    await setup.prepare?.(home.dir);
    api = await startGeminiMock(resolvePlaceholders(setup.script ?? [], workspace));
    const env: Record<string, string> = {
      HOME: home.dir,
      PATH: `${installed.dir}/node_modules/.bin:/usr/local/bin:/usr/bin:/bin`,
      TERM: "xterm-256color",
      COLORTERM: "truecolor",
      TZ: "UTC",
      LANG: "C.UTF-8",
      GEMINI_API_KEY: "test-key-not-real",
      GOOGLE_GEMINI_BASE_URL: api.url,
      GEMINI_CLI_NO_RELAUNCH: "true",
    };
    for (const [key, value] of Object.entries(setup.env ?? {})) {
      if (value === null) delete env[key];
      else env[key] = value;
    }
    const pane = await context.server.openPane({
      argv: [...setup.wrap ?? [], installed.bin],
      env,
      cwd: workspace,
      shell: setup.shell,
      window: name,
      tmuxEnv: setup.tmuxEnv,
    });
    const server = api;
    const session: GeminiSession = {
      pane,
      api: server,
      workspace,
      async close() {
        await context.server.closePane(pane).catch(() => {});
        await server.close();
        await home.cleanup();
        const stray = server.unexpected();
        if (stray.length > 0) {
          throw new Error(`Gemini CLI called more than the model API: ${stray.join(", ")}`);
        }
      },
    };
    if (setup.ready !== false) {
      try {
        await pane.waitForScreen(idleScreen, { timeoutMs: 30_000, what: "the input box" });
      } catch (error) {
        await session.close().catch(() => {});
        throw error;
      }
      // "Initializing..." ends shortly after the box shows; a prompt sent earlier is queued.
      await sleep(1_500);
    }
    return session;
  } catch (error) {
    await api?.close();
    await home.cleanup();
    throw error;
  }
}
