/**
 * A mock Anthropic Messages API for the real Claude Code, on 127.0.0.1 only: `POST /v1/messages`
 * answered with the Messages SSE stream (`message_start`, `content_block_*` text and `tool_use`
 * blocks, `message_delta`, `message_stop`) or with an error (status, `{"type":"error"}` body and
 * any headers, e.g. the `anthropic-ratelimit-unified-*` headers of a usage-limit 429);
 * `POST /v1/messages/count_tokens` answered with a token count; anything else 404 (and logged, so
 * a test can prove the CLI contacted nothing else).
 *
 * A scenario scripts the main conversation as a queue of {@linkcode Reply}s: each request of the
 * main loop (one that offers tools) takes the next one; when the queue is empty it gets
 * {@linkcode DEFAULT_REPLY}. Side requests (no tools: titles, summaries, quota probes) always get
 * a short text and never take from the queue.
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

/** The model the mock claims to be (Claude Code shows it in its header). */
export const MOCK_MODEL = "claude-sonnet-4-5-20250929";

/** A text reply: streamed in chunks of `chunk` characters, `delayMs` apart. */
export interface TextReply {
  kind: "text";
  /** The assistant's text (Markdown). */
  text: string;
  /**
   * Characters per `text_delta`.
   * @default 40
   */
  chunk?: number;
  /**
   * Wait between SSE frames (ms): slow streaming.
   * @default 0
   */
  delayMs?: number;
  /**
   * Keep the stream open this long before `message_stop` (ms): a reply that never finishes.
   * @default 0
   */
  holdMs?: number;
  /** Extra response headers (e.g. `anthropic-ratelimit-unified-*` of a limit coming near). */
  headers?: Record<string, string>;
}

/** A tool call (Bash, Edit, Write, AskUserQuestion…), optionally after some text. */
export interface ToolReply {
  kind: "tool_use";
  /** The tool's name as Claude Code offers it, e.g. `Bash`. */
  name: string;
  /** The tool input. */
  input: Record<string, unknown>;
  /** Text before the call. */
  text?: string;
  /**
   * Wait between SSE frames (ms).
   * @default 0
   */
  delayMs?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** An HTTP error answer. */
export interface ErrorReply {
  kind: "error";
  /** HTTP status, e.g. 429, 500, 529, 401, 400. */
  status: number;
  /** The Anthropic error type, e.g. `rate_limit_error`, `overloaded_error`. */
  type: string;
  /** The error message. */
  message: string;
  /** Extra response headers (rate-limit headers, `retry-after`…). */
  headers?: Record<string, string>;
  /**
   * How many requests this answer serves (retries included) before the next reply is used.
   * @default 1
   */
  times?: number;
}

/** One scripted answer of the main loop. */
export type Reply = TextReply | ToolReply | ErrorReply;

/** What an empty queue answers. */
export const DEFAULT_REPLY: TextReply = { kind: "text", text: "Done." };

/** A running mock: the HTTP server plus its script. */
export interface AnthropicMock {
  /** The server (its `url` is `ANTHROPIC_BASE_URL`, its `requests` the log). */
  server: MockServer;
  /** Appends replies to the main-loop queue. */
  push(...replies: Reply[]): void;
  /** How many main-loop requests have been answered. */
  readonly mainRequests: number;
  /** Requests to paths other than the Messages endpoints (should stay empty). */
  unexpected(): { method: string; path: string }[];
  /** Stops the server. */
  close(): Promise<void>;
}

let nextId = 1;
function id(prefix: string): string {
  return `${prefix}_mock${(nextId++).toString().padStart(6, "0")}`;
}

function usage(output: number) {
  return {
    input_tokens: 120,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

function messageStart(model: string): SseEvent {
  return {
    event: "message_start",
    data: {
      type: "message_start",
      message: {
        id: id("msg"),
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usage(1),
      },
    },
  };
}

function textBlock(index: number, text: string, chunk: number): SseEvent[] {
  const events: SseEvent[] = [{
    event: "content_block_start",
    data: { type: "content_block_start", index, content_block: { type: "text", text: "" } },
  }];
  for (let i = 0; i < text.length; i += chunk) {
    events.push({
      event: "content_block_delta",
      data: {
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: text.slice(i, i + chunk) },
      },
    });
  }
  events.push({ event: "content_block_stop", data: { type: "content_block_stop", index } });
  return events;
}

function toolBlock(index: number, name: string, input: Record<string, unknown>): SseEvent[] {
  const json = JSON.stringify(input);
  return [
    {
      event: "content_block_start",
      data: {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: id("toolu"), name, input: {} },
      },
    },
    {
      event: "content_block_delta",
      data: {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: json },
      },
    },
    { event: "content_block_stop", data: { type: "content_block_stop", index } },
  ];
}

function messageEnd(stopReason: string, output: number, waitMs = 0): SseEvent[] {
  return [
    {
      event: "message_delta",
      data: {
        type: "message_delta",
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: output },
      },
      waitMs,
    },
    { event: "message_stop", data: { type: "message_stop" } },
  ];
}

/** The SSE frames of a text or tool reply. */
export function replyEvents(reply: TextReply | ToolReply, model = MOCK_MODEL): SseEvent[] {
  const events = [messageStart(model)];
  if (reply.kind === "text") {
    events.push(...textBlock(0, reply.text, reply.chunk ?? 40));
    events.push(...messageEnd("end_turn", Math.ceil(reply.text.length / 4), reply.holdMs));
    return events;
  }
  let index = 0;
  if (reply.text) events.push(...textBlock(index++, reply.text, 40));
  events.push(...toolBlock(index, reply.name, reply.input));
  events.push(...messageEnd("tool_use", 30));
  return events;
}

/** The response for an error reply: Anthropic's error body, the status and headers. */
export function errorResponse(reply: ErrorReply): Response {
  return jsonResponse(
    {
      type: "error",
      error: { type: reply.type, message: reply.message },
      request_id: id("req"),
    },
    { status: reply.status, headers: { "request-id": id("req"), ...reply.headers } },
  );
}

function isMainLoop(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const tools = (body as { tools?: unknown }).tools;
  return Array.isArray(tools) && tools.length > 0;
}

const MESSAGE_PATHS = new Set(["/v1/messages", "/v1/messages/count_tokens"]);

/** Starts the mock with an initial script. */
export async function startAnthropicMock(replies: Reply[] = []): Promise<AnthropicMock> {
  const queue: Reply[] = [...replies];
  let served = 0; // requests served by the head of the queue (for `times`)
  let mainRequests = 0;

  const handler = (_request: Request, context: MockContext): Response => {
    const { recorded, signal } = context;
    if (recorded.method === "POST" && recorded.path === "/v1/messages/count_tokens") {
      return jsonResponse({ input_tokens: 120 });
    }
    if (recorded.method !== "POST" || recorded.path !== "/v1/messages") {
      return jsonResponse(
        { type: "error", error: { type: "not_found_error", message: "Not found" } },
        { status: 404 },
      );
    }
    const body = recorded.body as { model?: string; stream?: boolean };
    const model = typeof body?.model === "string" ? body.model : MOCK_MODEL;
    let reply: Reply = { kind: "text", text: "OK" };
    if (isMainLoop(recorded.body)) {
      mainRequests++;
      reply = queue[0] ?? DEFAULT_REPLY;
      if (queue.length > 0) {
        served++;
        const times = reply.kind === "error" ? reply.times ?? 1 : 1;
        if (served >= times) {
          queue.shift();
          served = 0;
        }
      }
    }
    if (reply.kind === "error") return errorResponse(reply);
    if (body?.stream !== true) {
      const text = reply.kind === "text" ? reply.text : "OK";
      return jsonResponse({
        id: id("msg"),
        type: "message",
        role: "assistant",
        model,
        content: [{ type: "text", text }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: usage(5),
      });
    }
    return sseResponse(replyEvents(reply, model), {
      delayMs: reply.delayMs ?? 0,
      signal,
      headers: { "request-id": id("req"), ...reply.headers },
    });
  };

  const server = await startMockServer(handler);
  return {
    server,
    push: (...more) => void queue.push(...more),
    get mainRequests() {
      return mainRequests;
    },
    unexpected: () =>
      server.requests
        .filter((r) => !MESSAGE_PATHS.has(r.path))
        .map((r) => ({ method: r.method, path: r.path })),
    close: () => server.close(),
  };
}
