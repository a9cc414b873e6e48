/**
 * A real HTTP server on 127.0.0.1 (an ephemeral port) for the vendors' mock model APIs, with a
 * log of every request and a helper for Server-Sent Events streams (slow streaming included).
 *
 * @module
 */

/** One request the mock received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** URL path, e.g. `/v1/messages`. */
  path: string;
  /** Query string, with its `?` (or `""`). */
  search: string;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The body parsed as JSON when it is JSON, else the text (`""` when empty). */
  body: unknown;
  /** `performance.now()` when it arrived. */
  at: number;
}

/** What a handler gets besides the request. */
export interface MockContext {
  /** The recorded request (body already read). */
  recorded: RecordedRequest;
  /** Aborted when the server closes: long streams must end on it. */
  signal: AbortSignal;
}

/** A handler: answers one request. */
export type MockHandler = (request: Request, context: MockContext) => Response | Promise<Response>;

/** A running mock server. */
export interface MockServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The port. */
  port: number;
  /** Every request so far, in order of arrival. */
  requests: RecordedRequest[];
  /** Ends open streams and stops the server. Idempotent. */
  close(): Promise<void>;
}

/** Starts a mock server bound to 127.0.0.1 only. */
export function startMockServer(handler: MockHandler): Promise<MockServer> {
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: closing.signal,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
    onError: (error) => {
      const detail = error instanceof Error ? error.message : String(error);
      return new Response(`mock error: ${detail}`, { status: 500 });
    },
  }, async (request) => {
    const url = new URL(request.url);
    const text = await request.text();
    let body: unknown = text;
    try {
      if (text !== "") body = JSON.parse(text);
    } catch { /* not JSON */ }
    const recorded: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(request.headers),
      body,
      at: performance.now(),
    };
    requests.push(recorded);
    return await handler(request, { recorded, signal: closing.signal });
  });
  return listening.then((addr) => {
    let closed: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${addr.port}`,
      port: addr.port,
      requests,
      close: () => {
        closed ??= (async () => {
          closing.abort();
          await server.finished;
        })();
        return closed;
      },
    };
  });
}

/** One Server-Sent Events frame. */
export interface SseEvent {
  /** The `event:` name, when the protocol uses one. */
  event?: string;
  /** The `data:` payload: JSON-encoded unless already a string. */
  data: unknown;
  /** Extra wait before this frame (ms), on top of `delayMs`. */
  waitMs?: number;
}

/** Options for {@linkcode sseResponse}. */
export interface SseOptions {
  /**
   * Wait between frames (ms).
   * @default 0
   */
  delayMs?: number;
  /**
   * Keep the stream open this long after the last frame (ms); `Infinity` until `signal` aborts.
   * @default 0
   */
  holdOpenMs?: number;
  /**
   * HTTP status.
   * @default 200
   */
  status?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Ends the stream early (pass the handler's `context.signal`). */
  signal?: AbortSignal;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, Number.isFinite(ms) ? ms : 2 ** 31 - 1);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A `text/event-stream` response that sends `events` one by one. */
export function sseResponse(events: readonly SseEvent[], options: SseOptions = {}): Response {
  const encoder = new TextEncoder();
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for (const frame of events) {
          await sleep((options.delayMs ?? 0) + (frame.waitMs ?? 0), options.signal);
          if (cancelled || options.signal?.aborted) return;
          const data = typeof frame.data === "string" ? frame.data : JSON.stringify(frame.data);
          const head = frame.event ? `event: ${frame.event}\n` : "";
          controller.enqueue(encoder.encode(`${head}data: ${data}\n\n`));
        }
        await sleep(options.holdOpenMs ?? 0, options.signal);
      } finally {
        if (!cancelled) {
          try {
            controller.close();
          } catch { /* already closed */ }
        }
      }
    },
    cancel() {
      cancelled = true;
    },
  });
  return new Response(stream, {
    status: options.status ?? 200,
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      ...options.headers,
    },
  });
}

/** A JSON response. */
export function jsonResponse(
  body: unknown,
  options: { status?: number; headers?: Record<string, string> } = {},
): Response {
  return new Response(JSON.stringify(body), {
    status: options.status ?? 200,
    headers: { "content-type": "application/json", ...options.headers },
  });
}
