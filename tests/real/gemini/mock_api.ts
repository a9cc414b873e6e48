/**
 * A mock of the Gemini API (Generative Language `v1beta`) as Gemini CLI 0.61 calls it with
 * `GOOGLE_GEMINI_BASE_URL` set: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` for
 * chat turns, `:generateContent` for utility calls, `:countTokens`. Scriptable per scenario: a
 * queue of {@linkcode GeminiReply} values, one taken per streamed turn.
 *
 * The CLI's wire format (from `@google/genai` 1.30, bundled in the CLI): each SSE frame is
 * `data: <GenerateContentResponse JSON>` followed by a blank line; a non-2xx status makes the SDK
 * throw an `ApiError` whose message is the JSON error body, which the CLI then classifies
 * (`classifyGoogleError`: `QuotaFailure` violations with a `PerDay` quota id are "daily quota",
 * `RetryInfo.retryDelay` over 300 s is a terminal quota error with a reset time, 5xx retried up
 * to `general.maxAttempts`).
 *
 * @module
 */

import {
  jsonResponse,
  type MockContext,
  type MockServer,
  type SseEvent,
  sseResponse,
  startMockServer,
} from "../harness/mod.ts";

/** A function call part, e.g. `{ name: "run_shell_command", args: { command: "ls" } }`. */
export interface FunctionCall {
  /** Tool name (`run_shell_command`, `replace`, `write_file`, `read_file`…). */
  name: string;
  /** The tool's arguments. */
  args: Record<string, unknown>;
}

/** One scripted reply to a `streamGenerateContent` request. */
export type GeminiReply =
  | {
    /** Text streamed back, split into `chunks` frames. */
    text: string;
    /** Number of SSE frames the text is split into. @default 1 */
    chunks?: number;
    /** Delay before each frame (slow streaming). @default 0 */
    delayMs?: number;
  }
  | {
    /** Function calls the model asks for (the CLI runs the tools, asking first when needed). */
    calls: FunctionCall[];
    /** Text streamed before the calls. */
    text?: string;
  }
  | {
    /** HTTP status of the error. */
    status: number;
    /** The JSON error body (Google API error format, see {@linkcode googleError}). */
    body: unknown;
    /** Extra response headers (e.g. `retry-after`). */
    headers?: Record<string, string>;
    /** How many requests in a row get this error (retries included). @default 1 */
    times?: number;
  }
  | {
    /** Keep the stream open without a reply for this long (a model that thinks for long). */
    hangMs: number;
  };

/** Options for {@linkcode GeminiMock}. */
export interface GeminiMockOptions {
  /** The reply when the queue is empty. @default a short text */
  fallback?: GeminiReply;
}

const DEFAULT_REPLY: GeminiReply = { text: "Done." };

/**
 * A Google API error body: `{ error: { code, message, status, details } }`.
 *
 * @example A daily quota exhausted (the CLI shows "Usage limit reached for all Pro models.")
 * ```ts
 * googleError(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", [
 *   quotaFailure("GenerateRequestsPerDayPerProjectPerModel-FreeTier"),
 * ]);
 * ```
 */
export function googleError(
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
): unknown {
  return { error: { code, message, status, details } };
}

/** A `google.rpc.QuotaFailure` detail for one quota id. */
export function quotaFailure(quotaId: string, model = "gemini-2.5-pro"): unknown {
  return {
    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
    violations: [{
      quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
      quotaId,
      quotaDimensions: { location: "global", model },
      quotaValue: "50",
    }],
  };
}

/** A `google.rpc.RetryInfo` detail, e.g. `retryInfo("3600s")`. */
export function retryInfo(retryDelay: string): unknown {
  return { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay };
}

/** A `google.rpc.ErrorInfo` detail. */
export function errorInfo(reason: string, domain = "generativelanguage.googleapis.com"): unknown {
  return { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain };
}

function usage(): Record<string, number> {
  return { promptTokenCount: 120, candidatesTokenCount: 12, totalTokenCount: 132 };
}

function chunk(parts: unknown[], finishReason?: string): SseEvent {
  const candidate: Record<string, unknown> = { content: { role: "model", parts }, index: 0 };
  if (finishReason) candidate.finishReason = finishReason;
  return {
    data: { candidates: [candidate], usageMetadata: usage(), modelVersion: "gemini-2.5-pro" },
  };
}

function splitText(text: string, chunks: number): string[] {
  const n = Math.max(1, Math.min(chunks, text.length));
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The model endpoints the CLI needs; anything else is unexpected traffic. */
const MODEL_PATH =
  /^\/v1beta\/models\/[\w.-]+:(?:streamGenerateContent|generateContent|countTokens)$/;

/**
 * The scripted Gemini API: {@linkcode handle} answers one request (a `MockHandler` for
 * `startMockServer`), taking the next reply from the queue for every streamed turn.
 */
export class GeminiMock {
  #queue: GeminiReply[];
  #fallback: GeminiReply;
  #errorLeft = 0;
  #current: GeminiReply | undefined;
  #turns = 0;

  constructor(script: GeminiReply[] = [], options: GeminiMockOptions = {}) {
    this.#queue = [...script];
    this.#fallback = options.fallback ?? DEFAULT_REPLY;
  }

  /** Adds replies to the end of the queue. */
  push(...replies: GeminiReply[]): void {
    this.#queue.push(...replies);
  }

  /** How many `streamGenerateContent` requests arrived. */
  get turns(): number {
    return this.#turns;
  }

  #next(): GeminiReply {
    if (this.#current && this.#errorLeft > 0) {
      this.#errorLeft--;
      return this.#current;
    }
    const reply = this.#queue.shift() ?? this.#fallback;
    this.#current = reply;
    this.#errorLeft = "status" in reply ? (reply.times ?? 1) - 1 : 0;
    return reply;
  }

  /** Answers one request. */
  handle = (_request: Request, context: MockContext): Response => {
    const { path } = context.recorded;
    const signal = context.signal;
    if (path.endsWith(":countTokens")) return jsonResponse({ totalTokens: 120 });
    if (path.endsWith(":generateContent")) {
      // Utility calls (summaries, loop checks): a short, harmless answer.
      return jsonResponse(chunk([{ text: "{}" }], "STOP").data);
    }
    if (!path.endsWith(":streamGenerateContent")) {
      return jsonResponse(googleError(404, "NOT_FOUND", `No mock for ${path}`), { status: 404 });
    }
    this.#turns++;
    const reply = this.#next();
    if ("status" in reply) {
      return jsonResponse(reply.body, { status: reply.status, headers: reply.headers });
    }
    if ("hangMs" in reply) {
      return sseResponse([{ ...chunk([{ text: "Still here." }], "STOP"), waitMs: reply.hangMs }], {
        signal,
      });
    }
    if ("calls" in reply) {
      const events: SseEvent[] = [];
      if (reply.text) events.push(chunk([{ text: reply.text }]));
      events.push(chunk(reply.calls.map((call) => ({ functionCall: call })), "STOP"));
      return sseResponse(events, { signal });
    }
    const pieces = splitText(reply.text, reply.chunks ?? 1);
    const events = pieces.map((piece, i) =>
      chunk([{ text: piece }], i === pieces.length - 1 ? "STOP" : undefined)
    );
    return sseResponse(events, { delayMs: reply.delayMs ?? 0, signal });
  };
}

/** A running Gemini mock: the HTTP server and its script. */
export interface GeminiServer {
  /** Base URL for `GOOGLE_GEMINI_BASE_URL`, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The script. */
  mock: GeminiMock;
  /** The server (its `requests` log). */
  server: MockServer;
  /** Requests to anything but the model endpoints, or carrying telemetry ids (must stay empty). */
  unexpected(): string[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts a {@linkcode GeminiMock} on 127.0.0.1 (a free port). */
export async function startGeminiMock(
  script: GeminiReply[] = [],
  options: GeminiMockOptions = {},
): Promise<GeminiServer> {
  const mock = new GeminiMock(script, options);
  const server = await startMockServer(mock.handle);
  return {
    url: server.url,
    mock,
    server,
    unexpected: () => [
      ...server.requests.filter((r) => !MODEL_PATH.test(r.path)).map((r) =>
        `${r.method} ${r.path}`
      ),
      // Sent only with usage statistics on (`createContentGenerator`).
      ...server.requests.filter((r) => "x-gemini-api-privileged-user-id" in r.headers).map((r) =>
        `${r.path} with an installation id (usage statistics are on)`
      ),
    ],
    close: () => server.close(),
  };
}
