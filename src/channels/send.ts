/**
 * One try to hand a notice to a channel: an HTTP POST (`fetch`, bounded by the channel's
 * timeout) or a program (argv only, no shell; the notice as JSON on stdin; killed by its pid when
 * it overruns). The result says whether to try again and when the receiver asked us to
 * (`Retry-After`). Every error text is redacted (URLs and tokens are secrets).
 *
 * @module
 */

import { redact } from "../config/mod.ts";
import { buildRequest } from "./payload.ts";
import type { Channel, Notice } from "./types.ts";
import { errorMessage } from "../state/errors.ts";

/** What one try did. */
export interface SendResult {
  /** Delivered (2xx, or the program exited 0). */
  ok: boolean;
  /** A failure no retry can fix (4xx other than 408/425/429, a missing program). */
  permanent?: boolean;
  /** The receiver's `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** The HTTP status or the program's exit code. */
  status?: number;
  /** Why it failed: one redacted line. */
  error?: string;
  /** How long the try took (ms). */
  durationMs: number;
}

/** Statuses worth retrying besides 5xx. */
const RETRYABLE = new Set([408, 425, 429]);

/**
 * Tries once to deliver `notice` through `channel`. Never throws.
 *
 * @param signal Aborts the try (the monitor is stopping).
 */
export async function sendNotice(
  channel: Channel,
  notice: Notice,
  options: { signal?: AbortSignal } = {},
): Promise<SendResult> {
  const start = performance.now();
  const result = channel.type === "exec"
    ? await runProgram(channel, notice, options.signal)
    : await post(channel, notice, options.signal);
  const durationMs = Math.round(performance.now() - start);
  if (result.error !== undefined) result.error = redact(result.error);
  return { ...result, durationMs };
}

/** `Retry-After` as ms: delay seconds or an HTTP date; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

async function post(
  channel: Channel,
  notice: Notice,
  signal: AbortSignal | undefined,
): Promise<Omit<SendResult, "durationMs">> {
  const request = buildRequest(channel, notice);
  const timeout = AbortSignal.timeout(channel.timeoutMs);
  const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      signal: both,
    });
  } catch (error) {
    if (timeout.aborted) {
      return { ok: false, error: `No answer within ${channel.timeoutMs / 1000} s` };
    }
    return {
      ok: false,
      error: `Cannot reach the ${channel.type} endpoint: ${errorMessage(error)}`,
    };
  }
  const status = response.status;
  let text = "";
  try {
    text = (await response.text()).slice(0, 200);
  } catch { /* the body does not matter */ }
  if (status >= 200 && status < 300) return { ok: true, status };
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
  const error = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}${
    text.trim() ? `: ${oneLine(text)}` : ""
  }`;
  const permanent = status >= 400 && status < 500 && !RETRYABLE.has(status);
  return { ok: false, status, error, permanent, retryAfterMs };
}

async function runProgram(
  channel: Channel,
  notice: Notice,
  signal: AbortSignal | undefined,
): Promise<Omit<SendResult, "durationMs">> {
  const [program, ...args] = channel.command ?? [];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
      env: { TMUX_ORC_NOTICE_ID: notice.id, TMUX_ORC_CHANNEL: channel.name },
    }).spawn();
  } catch (error) {
    return {
      ok: false,
      permanent: error instanceof Deno.errors.NotFound,
      error: `Cannot run ${program}: ${errorMessage(error)}`,
    };
  }
  let timedOut = false;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, channel.timeoutMs);
  signal?.addEventListener("abort", kill, { once: true });
  const stderr = readSome(child.stderr, 2000);
  try {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${JSON.stringify(notice)}\n`)).catch(() => {});
    await writer.close().catch(() => {});
    const status = await child.status;
    const said = oneLine(await stderr.within(200));
    if (timedOut) {
      return { ok: false, error: `${program} did not finish within ${channel.timeoutMs / 1000} s` };
    }
    if (status.success) return { ok: true, status: 0 };
    const how = status.signal ? `was killed by ${status.signal}` : `exited with ${status.code}`;
    return {
      ok: false,
      status: status.code,
      error: `${program} ${how}${said ? `: ${said}` : ""}`,
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", kill);
  }
}

/**
 * Reads up to `max` characters of a stream; `within(ms)` gives what came so far once the stream
 * ends or `ms` pass (a grandchild may hold the pipe open), and stops reading.
 */
function readSome(
  stream: ReadableStream<Uint8Array>,
  max: number,
): { within(ms: number): Promise<string> } {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const done = (async () => {
    try {
      while (text.length < max) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
    } catch { /* cancelled or closed */ }
  })();
  return {
    async within(ms: number): Promise<string> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([done, new Promise((r) => timer = setTimeout(r, ms))]);
      clearTimeout(timer);
      await reader.cancel().catch(() => {});
      return text.slice(0, max);
    },
  };
}

function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").replace(/\s+/g, " ").trim().slice(
    0,
    200,
  );
}
