/**
 * A mock of the OpenAI Responses API as Codex CLI 0.171 uses it (`POST /v1/responses`, streamed as
 * Server-Sent Events), scriptable per scenario, on 127.0.0.1 only.
 *
 * Codex sends one request per model turn: the user's message starts one, and every tool result
 * (`function_call_output`, `custom_tool_call_output`) starts the next. Each such request takes the
 * next {@linkcode CodexReply} from the script; when the script is used up, the mock answers with a
 * short text. Requests that are not turns (no new user message and no tool output, e.g. background
 * helpers) never consume the script.
 *
 * Wire format (checked against codex-rs/codex-api/src/sse/responses.rs): frames
 * `event: <type>` / `data: {"type": "<type>", …}`; a turn ends with `response.completed` (its
 * `response.id` is required), text arrives as `response.output_text.delta`, finished items as
 * `response.output_item.done`. An HTTP 429 whose body is
 * `{"error": {"type": "usage_limit_reached", "plan_type", "resets_at"}}` becomes Codex's
 * "You've hit your usage limit…" message (codex-rs/codex-api/src/api_bridge.rs); any other 429
 * becomes "exceeded retry limit, last status: 429 Too Many Requests".
 *
 * @module
 */

import {
  jsonResponse,
  type MockContext,
  type MockHandler,
  type SseEvent,
  sseResponse,
} from "../harness/mock_http.ts";

/** One scripted answer to a model turn. */
export type CodexReply =
  | TextReply
  | ExecReply
  | PatchReply
  | HttpErrorReply
  | FailedReply
  | CutReply
  | ReasoningReply
  | CallReply;

/** An assistant message, streamed in chunks. */
export interface TextReply {
  kind: "text";
  /** The message (Markdown). */
  text: string;
  /**
   * Wait between chunks (ms): slow streaming.
   * @default 0
   */
  chunkDelayMs?: number;
  /**
   * How many chunks the text is split into.
   * @default 1
   */
  chunks?: number;
  /** Extra response headers (e.g. the `x-codex-*` rate-limit headers). */
  headers?: Record<string, string>;
}

/** A call of the `exec_command` tool (a shell command). */
export interface ExecReply {
  kind: "exec";
  /** The shell command. */
  cmd: string;
  /** Ask to run outside the sandbox: Codex asks the user first (an approval prompt). */
  escalate?: boolean;
  /** The question shown in the approval prompt. */
  justification?: string;
  /** How long Codex waits for output before it yields (ms). @default 10000 */
  yieldTimeMs?: number;
}

/** A call of the freeform `apply_patch` tool: Codex shows the edit (and may ask to apply it). */
export interface PatchReply {
  kind: "patch";
  /** The patch, `*** Begin Patch` … `*** End Patch`. */
  patch: string;
}

/** An HTTP error answer (no stream). */
export interface HttpErrorReply {
  kind: "http_error";
  /** HTTP status, e.g. 429, 500, 401. */
  status: number;
  /** JSON body. */
  body: unknown;
  /** Extra headers. */
  headers?: Record<string, string>;
}

/** A stream that ends with `response.failed`. */
export interface FailedReply {
  kind: "failed";
  /** The error object: `{ code, message }`. */
  error: { code?: string; message: string; type?: string };
}

/** A stream that is cut: text (if any), then the connection closes without `response.completed`. */
export interface CutReply {
  kind: "cut";
  /** Text sent before the cut. */
  text?: string;
  /** Keep the stream open this long before cutting (ms). @default 0 */
  holdMs?: number;
}

/**
 * Reasoning summary text (Codex shows its bold header in the status line: "Investigating the
 * parser (3s • esc to interrupt)"), then the stream stays open: the model is still thinking.
 */
export interface ReasoningReply {
  kind: "reasoning";
  /** The summary, Markdown: `**Header**` then prose. */
  summary: string;
  /** Keep the stream open this long (ms). @default 120000 */
  holdMs?: number;
}

/** A call of any function tool Codex offers (e.g. `request_user_input` in Plan mode). */
export interface CallReply {
  kind: "call";
  /** The tool's name. */
  name: string;
  /** Its arguments (sent JSON-encoded). */
  arguments: unknown;
}

/** What kind of request a `POST /v1/responses` is. */
export type TurnKind = "user" | "tool_output" | "other";

/**
 * Classifies a Responses request by the last item of its `input`. Only requests that offer the
 * agent's shell tool (`exec_command`) are turns: Codex's helper requests (e.g. the one-line title
 * for a new thread) offer fewer tools.
 */
export function turnKind(body: unknown): TurnKind {
  if (typeof body !== "object" || body === null) return "other";
  const tools = (body as { tools?: unknown }).tools;
  const agentTurn = Array.isArray(tools) &&
    tools.some((tool) => (tool as { name?: unknown } | null)?.name === "exec_command");
  if (!agentTurn) return "other";
  const input = (body as { input?: unknown }).input;
  if (!Array.isArray(input) || input.length === 0) return "other";
  const last = input[input.length - 1] as { type?: string; role?: string };
  if (last.type === "function_call_output" || last.type === "custom_tool_call_output") {
    return "tool_output";
  }
  if (last.type === "message" && last.role === "user") return "user";
  return "other";
}

/** The text of the last user message in a Responses request body, if any. */
export function lastUserText(body: unknown): string | undefined {
  const input = (body as { input?: unknown } | null)?.input;
  if (!Array.isArray(input)) return undefined;
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as { type?: string; role?: string; content?: unknown };
    if (item.type !== "message" || item.role !== "user" || !Array.isArray(item.content)) continue;
    return item.content
      .map((part: { text?: unknown }) => typeof part.text === "string" ? part.text : "")
      .join("");
  }
  return undefined;
}

function splitText(text: string, chunks: number): string[] {
  const n = Math.max(1, Math.min(chunks, text.length));
  const size = Math.ceil(text.length / n);
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

function frame(data: { type: string } & Record<string, unknown>, waitMs?: number): SseEvent {
  return { event: data.type, data, waitMs };
}

function usage() {
  return {
    input_tokens: 1200,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 40,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 1240,
  };
}

/** Options for {@linkcode CodexMock}. */
export interface CodexMockOptions {
  /** The answer once the script is used up. @default a one-line text */
  fallback?: CodexReply;
  /** Headers added to every streamed answer (e.g. rate-limit snapshots). */
  headers?: Record<string, string>;
}

/** The scripted Responses API: pass {@linkcode CodexMock.handler} to `startMockServer`. */
export class CodexMock {
  #script: CodexReply[];
  #fallback: CodexReply;
  #headers: Record<string, string>;
  #seq = 0;
  #lastInput = "";
  #lastReply?: CodexReply;
  /** Turns answered so far (scripted or fallback). */
  turns = 0;
  /** Retried requests answered so far (a turn's input sent again). */
  retries = 0;

  constructor(script: readonly CodexReply[], options: CodexMockOptions = {}) {
    this.#script = [...script];
    this.#fallback = options.fallback ?? { kind: "text", text: "Done." };
    this.#headers = options.headers ?? {};
  }

  /** Replies not yet used. */
  get remaining(): number {
    return this.#script.length;
  }

  /** Adds replies to the end of the script. */
  push(...replies: CodexReply[]): void {
    this.#script.push(...replies);
  }

  /** The request handler. */
  readonly handler: MockHandler = (request, context) => {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname.endsWith("/models")) {
      return jsonResponse({ object: "list", data: [], models: [] });
    }
    if (request.method !== "POST" || !url.pathname.endsWith("/responses")) {
      return jsonResponse({ error: { message: `mock: no route ${url.pathname}` } }, {
        status: 404,
      });
    }
    const body = context.recorded.body;
    const kind = turnKind(body);
    let reply: CodexReply;
    if (kind === "other") {
      reply = { kind: "text", text: "ok" };
    } else {
      // A retry repeats the turn's input: it gets the same answer (an error stays an error).
      const input = JSON.stringify((body as { input?: unknown }).input);
      if (input === this.#lastInput && this.#lastReply) {
        reply = this.#lastReply;
        this.retries++;
      } else {
        this.turns++;
        reply = this.#script.shift() ?? this.#fallback;
      }
      this.#lastInput = input;
      this.#lastReply = reply;
    }
    return this.#answer(reply, context);
  };

  #answer(reply: CodexReply, context: MockContext): Response {
    const id = `resp_${++this.#seq}`;
    const created = frame({ type: "response.created", response: { id } });
    const completed = frame({ type: "response.completed", response: { id, usage: usage() } });
    const functionCall = (name: string, args: unknown) =>
      frame({
        type: "response.output_item.done",
        item: {
          type: "function_call",
          id: `fc_${this.#seq}`,
          call_id: `call_${this.#seq}`,
          name,
          arguments: JSON.stringify(args),
        },
      });
    const headers = { ...this.#headers };
    switch (reply.kind) {
      case "text": {
        const msgId = `msg_${this.#seq}`;
        const deltas = splitText(reply.text, reply.chunks ?? 1).map((delta) =>
          frame({ type: "response.output_text.delta", item_id: msgId, delta }, reply.chunkDelayMs)
        );
        return sseResponse([
          created,
          frame({
            type: "response.output_item.added",
            item: { type: "message", role: "assistant", id: msgId, content: [] },
          }),
          ...deltas,
          frame({
            type: "response.output_item.done",
            item: {
              type: "message",
              role: "assistant",
              id: msgId,
              content: [{ type: "output_text", text: reply.text }],
            },
          }),
          completed,
        ], { signal: context.signal, headers: { ...headers, ...reply.headers } });
      }
      case "call":
        return sseResponse([
          created,
          functionCall(reply.name, reply.arguments),
          completed,
        ], { signal: context.signal, headers });
      case "exec": {
        const args: Record<string, unknown> = { cmd: reply.cmd };
        if (reply.yieldTimeMs !== undefined) args.yield_time_ms = reply.yieldTimeMs;
        if (reply.escalate) {
          args.sandbox_permissions = "require_escalated";
          args.justification = reply.justification ?? "Run this command outside the sandbox?";
        }
        return sseResponse([
          created,
          functionCall("exec_command", args),
          completed,
        ], { signal: context.signal, headers });
      }
      case "patch":
        return sseResponse([
          created,
          frame({
            type: "response.output_item.done",
            item: {
              type: "custom_tool_call",
              id: `ctc_${this.#seq}`,
              call_id: `call_${this.#seq}`,
              name: "apply_patch",
              input: reply.patch,
            },
          }),
          completed,
        ], { signal: context.signal, headers });
      case "http_error":
        return jsonResponse(reply.body, { status: reply.status, headers: reply.headers });
      case "failed":
        return sseResponse([
          created,
          frame({ type: "response.failed", response: { id, error: reply.error } }),
        ], { signal: context.signal, headers });
      case "reasoning":
        return sseResponse([
          created,
          frame({
            type: "response.output_item.added",
            item: { type: "reasoning", id: `rs_${this.#seq}`, summary: [] },
          }),
          frame({ type: "response.reasoning_summary_part.added", summary_index: 0 }),
          frame({
            type: "response.reasoning_summary_text.delta",
            summary_index: 0,
            delta: reply.summary,
          }),
        ], { signal: context.signal, headers, holdOpenMs: reply.holdMs ?? 120_000 });
      case "cut": {
        const events = [created];
        if (reply.text) {
          events.push(frame({ type: "response.output_text.delta", delta: reply.text }));
        }
        return sseResponse(events, {
          signal: context.signal,
          headers,
          holdOpenMs: reply.holdMs ?? 0,
        });
      }
    }
  }
}
