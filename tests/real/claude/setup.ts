/**
 * How the real Claude Code is started for a scenario: a private HOME with onboarding done, the
 * API key pre-approved (or a gateway sign-in), the work folder trusted (unless the scenario wants
 * the trust dialog), and an environment that points it at the mock and switches off every call
 * that is not the conversation itself.
 *
 * What switches what off (checked in the 2.1.332 binary's embedded JS and with
 * `strace -f -e trace=connect,sendmmsg,execve`: with this environment the only sockets opened
 * are to the mock on 127.0.0.1, and no DNS query is made):
 *
 * - `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC`: telemetry, error reporting, auto-update checks,
 *   release notes, feature-flag fetches ("essential-traffic" mode); `DISABLE_TELEMETRY`,
 *   `DISABLE_ERROR_REPORTING`, `DISABLE_AUTOUPDATER`, `DISABLE_BUG_COMMAND` on top;
 * - `CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL`: without it Claude Code runs
 *   `ssh -T git@github.com` and `git clone` of the official plugin marketplace at start;
 * - `CLAUDE_CODE_MODEL_CATALOG_URL` on a loopback host: without it the signed model catalog is
 *   fetched from the vendor's download host ("a loopback host: published path off");
 * - `CLAUDE_CODE_IDE_SKIP_AUTO_INSTALL`: no IDE extension install attempt;
 * - `CLAUDE_CODE_MAX_RETRIES=0`: an API error shows at once, not after minutes of retries.
 *
 * Usage-limit lines ("You've hit your 5-hour limit · resets …") are drawn only for subscription
 * or gateway sign-ins (`fEr(It())` in the binary: a claude.ai OAuth login, a `gateway` provider,
 * or `ANTHROPIC_BASE_URL` on a custom host with an `ANTHROPIC_AUTH_TOKEN` JWT whose `aud` is
 * `claude-gateway`). An API-key session shows a 429 as a plain API error. So the limit scenarios
 * sign in to the mock as a gateway: an unsigned JWT with that audience (the CLI only decodes it).
 *
 * @module
 */

/** How a scenario signs in. */
export type ClaudeAuth = "api_key" | "gateway";

/** What a scenario needs from its private HOME and environment. */
export interface HomeOptions {
  /** The mock's base URL. */
  baseUrl: string;
  /** @default "api_key" */
  auth?: ClaudeAuth;
  /**
   * Whether the work folder is already trusted (else the "Quick safety check" dialog shows).
   * @default true
   */
  trusted?: boolean;
  /**
   * Leave auto mode available, so that a session in manual mode is offered "Make auto mode your
   * default permission mode?" at start.
   * @default false
   */
  autoModeOffer?: boolean;
  /** Permission rules allowed without asking, e.g. `Bash(sleep:*)`. */
  allow?: string[];
  /** Files to create in the work folder (relative path → content). */
  files?: Record<string, string>;
  /**
   * The time zone Claude Code shows reset times in.
   * @default "UTC"
   */
  timeZone?: string;
  /** More environment (e.g. `CLAUDE_CODE_MAX_RETRIES` for a retrying scenario). */
  env?: Record<string, string>;
}

/** The API key the mock accepts (pre-approved in `~/.claude.json`). */
export const MOCK_API_KEY = "sk-ant-api03-tmux-orc-mock-key-0123456789abcdefghijklmnop";

function base64url(text: string): string {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** An unsigned JWT with audience `claude-gateway`: a gateway sign-in for the mock. */
export function gatewayToken(): string {
  const header = base64url(JSON.stringify({ alg: "none", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({ aud: "claude-gateway", sub: "tmux-orc-mock", exp: 4_102_444_800 }),
  );
  return `${header}.${payload}.${base64url("unsigned")}`;
}

/** The work folder inside a private HOME. */
export function workDir(home: string): string {
  return `${home}/work`;
}

/** Writes `~/.claude.json`, `~/.claude/settings.json` and the work folder's files. */
export async function seedHome(home: string, options: HomeOptions): Promise<void> {
  const work = workDir(home);
  await Deno.mkdir(work, { recursive: true });
  const projects = options.trusted === false
    ? {}
    : { [work]: { hasTrustDialogAccepted: true, allowedTools: [] } };
  const config = {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: "2.1.332",
    theme: "dark",
    autoUpdates: false,
    customApiKeyResponses: { approved: [MOCK_API_KEY.slice(-20)], rejected: [] },
    projects,
  };
  await Deno.writeTextFile(`${home}/.claude.json`, JSON.stringify(config, null, 2));
  await Deno.mkdir(`${home}/.claude`, { mode: 0o700 });
  const permissions: Record<string, unknown> = {
    defaultMode: "default",
    allow: options.allow ?? [],
  };
  if (!options.autoModeOffer) permissions.disableAutoMode = "disable";
  await Deno.writeTextFile(
    `${home}/.claude/settings.json`,
    JSON.stringify({ permissions, autoUpdates: false }, null, 2),
  );
  for (const [path, text] of Object.entries(options.files ?? {})) {
    await Deno.writeTextFile(`${work}/${path}`, text);
  }
}

/** The pane's whole environment for a scenario. */
export function claudeEnv(home: string, options: HomeOptions): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    TZ: options.timeZone ?? "UTC",
    ANTHROPIC_BASE_URL: options.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_BUG_COMMAND: "1",
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
    CLAUDE_CODE_MODEL_CATALOG_URL: "http://127.0.0.1:9/model-catalog.json",
    CLAUDE_CODE_IDE_SKIP_AUTO_INSTALL: "1",
    CLAUDE_CODE_MAX_RETRIES: "0",
  };
  if ((options.auth ?? "api_key") === "gateway") env.ANTHROPIC_AUTH_TOKEN = gatewayToken();
  else env.ANTHROPIC_API_KEY = MOCK_API_KEY;
  return { ...env, ...options.env };
}
