/**
 * A private Codex home for one scenario: `$HOME/.codex/config.toml` pointing Codex CLI 0.171 at
 * the mock Responses API and switching off everything that would call elsewhere, plus the exact
 * environment and argv of the pane.
 *
 * What is switched off, and where Codex reads it (codex-rs, 0.171):
 * - every model call: `model_provider = "mock"`, a provider with `base_url` at the mock,
 *   `wire_api = "responses"` and `env_key` (an API key, so no ChatGPT sign-in and no token
 *   refresh); `openai_base_url` and `chatgpt_base_url` point at the mock too, so that even the
 *   built-in `openai` provider and the ChatGPT backend (account, usage, plugins) stay local;
 * - the app-server daemon (which would outlive the pane in its own session and copy a 400 MB
 *   binary into CODEX_HOME): `--no-daemon`;
 * - update checks: `check_for_update_on_startup = false`;
 * - analytics, feedback uploads and OpenTelemetry export (logs, traces, metrics, whose default
 *   exporter is not "none"): `[analytics] enabled = false`, `[feedback] enabled = false`,
 *   `[otel] exporter = trace_exporter = metrics_exporter = "none"`;
 * - the curated-plugins sync at start-up (a `git` fetch of github.com/openai/plugins, then
 *   api.github.com, then a chatgpt.com archive; `codex-rs/core-plugins/src/startup_sync.rs`):
 *   `[features] plugins = false`;
 * - start-up offers that need a network answer or a key press: the model-migration notice and the
 *   "Meet …" model nux are marked as seen (scenarios that want them leave them out).
 *
 * One call has no switch in 0.171: the start-up announcement tip from raw.githubusercontent.com
 * (`codex-rs/tui/src/tooltips.rs`, prewarmed unconditionally). The pane's proxy variables send it,
 * and anything else that would leave 127.0.0.1, to a local trap that refuses it (`trap.ts`).
 *
 * Retries are low (`request_max_retries`, `stream_max_retries` = 1) so that "after retries" errors
 * show within a second.
 *
 * @module
 */

/** Which model the scenarios run: an entry of Codex 0.171's built-in catalogue. */
export const CODEX_MODEL = "gpt-5.5";

/** What a scenario needs from the home. */
export interface CodexHomeOptions {
  /** The mock's base URL, e.g. `http://127.0.0.1:40123`. */
  mockUrl: string;
  /** The project folder (the pane's cwd). */
  project: string;
  /**
   * Mark the project trusted (no "Trust this folder?" dialog).
   * @default true
   */
  trusted?: boolean;
  /**
   * `sandbox_mode`: `read-only` makes every file edit ask for approval.
   * @default "workspace-write"
   */
  sandbox?: "read-only" | "workspace-write";
  /**
   * Use the API-key provider at the mock. Without it Codex uses its built-in `openai` provider and,
   * having no credentials, starts with the sign-in screen.
   * @default true
   */
  provider?: boolean;
  /**
   * Mark the start-up model offers as seen.
   * @default true
   */
  noticesSeen?: boolean;
}

/** The `config.toml` for a scenario. */
export function codexConfig(options: CodexHomeOptions): string {
  const lines = [
    `model = "${CODEX_MODEL}"`,
    ...(options.provider === false ? [] : [`model_provider = "mock"`]),
    `approval_policy = "on-request"`,
    `sandbox_mode = "${options.sandbox ?? "workspace-write"}"`,
    `check_for_update_on_startup = false`,
    `openai_base_url = "${options.mockUrl}/v1"`,
    `chatgpt_base_url = "${options.mockUrl}/backend-api/"`,
    ``,
    `[model_providers.mock]`,
    `name = "Mock Responses API"`,
    `base_url = "${options.mockUrl}/v1"`,
    `env_key = "CODEX_MOCK_API_KEY"`,
    `wire_api = "responses"`,
    `request_max_retries = 1`,
    `stream_max_retries = 1`,
    `stream_idle_timeout_ms = 120000`,
    ``,
    `[analytics]`,
    `enabled = false`,
    ``,
    `[otel]`,
    `exporter = "none"`,
    `trace_exporter = "none"`,
    `metrics_exporter = "none"`,
    ``,
    `[feedback]`,
    `enabled = false`,
    ``,
    `[features]`,
    `plugins = false`,
  ];
  if (options.trusted ?? true) {
    lines.push(``, `[projects."${options.project}"]`, `trust_level = "trusted"`);
  }
  if (options.noticesSeen ?? true) {
    lines.push(
      ``,
      `[notice.model_migrations]`,
      `"${CODEX_MODEL}" = "gpt-6-sol"`,
      ``,
      `[tui.model_availability_nux]`,
      `"gpt-6.1-sol" = 1`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Writes `<home>/.codex/config.toml` and creates the project folder (a git repository). */
export async function seedCodexHome(home: string, options: CodexHomeOptions): Promise<void> {
  await Deno.mkdir(`${home}/.codex`, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(`${home}/.codex/config.toml`, codexConfig(options), { mode: 0o600 });
  await Deno.mkdir(options.project, { recursive: true });
  // A git repository: Codex asks about trust only for one (and reads its status).
  const git = await new Deno.Command("git", {
    args: ["init", "-q", options.project],
    stdin: "null",
    stdout: "null",
    stderr: "null",
    env: { HOME: home, GIT_CONFIG_NOSYSTEM: "1" },
  }).output().catch(() => undefined);
  if (!git?.success) await Deno.mkdir(`${options.project}/.git`, { recursive: true });
}

/** The pane's whole environment. */
export function codexEnv(home: string, binDir: string): Record<string, string> {
  return {
    PATH: `${binDir}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    CODEX_HOME: `${home}/.codex`,
    CODEX_MOCK_API_KEY: "sk-mock-codex",
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    TZ: "UTC",
    NO_UPDATE_NOTIFIER: "1",
  };
}
