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

/** One request the mock received. */
export interface MockRequest {
  /** HTTP method. */
  method: string;
  /** Path and query, e.g. `/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse`. */
  path: string;
  /** Request headers (lower-case names). */
  headers: Record<string, string>;
  /** The parsed JSON body, if any. */
  body: unknown;
}

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

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

function candidate(parts: unknown[], finishReason?: string): unknown {
  const c: Record<string, unknown> = { content: { role: "model", parts }, index: 0 };
  if (finishReason) c.finishReason = finishReason;
  return { candidates: [c], usageMetadata: usage(), modelVersion: "gemini-2.5-pro" };
}

function splitText(text: string, chunks: number): string[] {
  const n = Math.max(1, Math.min(chunks, text.length));
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Streams frames with a delay before each; stops quietly when the client goes away. */
function sse(frames: string[], delayMs: number, signal: AbortSignal): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for (const f of frames) {
          if (delayMs > 0) await sleep(delayMs, signal);
          if (signal.aborted) break;
          controller.enqueue(encoder.encode(f));
        }
        controller.close();
      } catch {
        // The client closed the stream (e.g. the user cancelled): nothing to do.
      }
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/**
 * The scriptable Gemini API. {@linkcode handle} answers one request; {@linkcode serve} binds it to
 * 127.0.0.1.
 */
export class GeminiMock {
  #queue: GeminiReply[];
  #fallback: GeminiReply;
  #errorLeft = 0;
  #current: GeminiReply | undefined;
  /** Every request received, in order. */
  readonly requests: MockRequest[] = [];

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
    return this.requests.filter((r) => r.path.includes(":streamGenerateContent")).length;
  }

  /** Requests to anything but the model endpoints the CLI needs (should stay empty). */
  get unexpected(): MockRequest[] {
    return this.requests.filter((r) =>
      !/^\/v1beta\/models\/[\w.-]+:(?:streamGenerateContent|generateContent|countTokens)\b/
        .test(r.path)
    );
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

  /** Answers one request (records it first). */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = request.method === "POST" ? await request.text() : "";
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    this.requests.push({
      method: request.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      body,
    });
    const path = url.pathname;
    if (path.endsWith(":countTokens")) return Response.json({ totalTokens: 120 });
    if (path.endsWith(":generateContent")) {
      // Utility calls (summaries, loop checks): a short, harmless answer.
      return Response.json(candidate([{ text: "{}" }], "STOP"));
    }
    if (!path.endsWith(":streamGenerateContent")) {
      return Response.json(googleError(404, "NOT_FOUND", `No mock for ${path}`), { status: 404 });
    }
    const reply = this.#next();
    const signal = request.signal;
    if ("status" in reply) {
      return new Response(JSON.stringify(reply.body), {
        status: reply.status,
        headers: { "content-type": "application/json", ...reply.headers },
      });
    }
    if ("hangMs" in reply) {
      await sleep(reply.hangMs, signal);
      return sse([frame(candidate([{ text: "Still here." }], "STOP"))], 0, signal);
    }
    if ("calls" in reply) {
      const frames: string[] = [];
      if (reply.text) frames.push(frame(candidate([{ text: reply.text }])));
      frames.push(
        frame(candidate(reply.calls.map((call) => ({ functionCall: call })), "STOP")),
      );
      return sse(frames, 0, signal);
    }
    const pieces = splitText(reply.text, reply.chunks ?? 1);
    const frames = pieces.map((piece, i) =>
      frame(candidate([{ text: piece }], i === pieces.length - 1 ? "STOP" : undefined))
    );
    return sse(frames, reply.delayMs ?? 0, signal);
  }
}

/** A running mock server. */
export interface GeminiServer {
  /** Base URL for `GOOGLE_GEMINI_BASE_URL`, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The mock behind it. */
  mock: GeminiMock;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Serves a {@linkcode GeminiMock} on 127.0.0.1 (a free port). */
export function serveGeminiMock(mock: GeminiMock): GeminiServer {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => mock.handle(request),
  );
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    mock,
    async close() {
      await server.shutdown();
    },
  };
}
