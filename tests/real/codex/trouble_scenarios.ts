/**
 * Codex scenarios for an agent in trouble: rate_limited, error, crashed; and the 429 bodies and
 * rate-limit headers they use.
 *
 * @module
 */

import { killDescendants } from "./processes.ts";
import {
  afterMessage,
  type CodexScenario,
  type CodexSession,
  ready,
  sleep,
  submit,
  waitFor,
} from "./session.ts";

/** Seconds since the epoch, `hours` from now. */
export function inHours(hours: number): number {
  return Math.floor(Date.now() / 1000 + hours * 3600);
}

/** 429 bodies Codex turns into "You've hit your usage limit…" (codex-api/src/api_bridge.rs). */
export function usageLimit(plan: string | null, resetsAt?: number): Record<string, unknown> {
  const error: Record<string, unknown> = {
    type: "usage_limit_reached",
    message: "The usage limit has been reached",
  };
  if (plan) error.plan_type = plan;
  if (resetsAt !== undefined) error.resets_at = resetsAt;
  return { error };
}

/** Rate-limit snapshot headers (`x-codex-primary-*`, `x-codex-secondary-*`). */
export function usageHeaders(primaryPercent: number, resetsAt: number): Record<string, string> {
  return {
    "x-codex-primary-used-percent": String(primaryPercent),
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-at": String(resetsAt),
    "x-codex-secondary-used-percent": "40",
    "x-codex-secondary-window-minutes": "10080",
    "x-codex-secondary-reset-at": String(resetsAt + 86_400),
  };
}

/** Rate_limited, error and crashed scenarios. */
export const TROUBLE_SCENARIOS: CodexScenario[] = [
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
