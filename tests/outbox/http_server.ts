/**
 * A real HTTP server on 127.0.0.1 for channel tests: records every request and answers with
 * whatever the test's `respond` says (a status and headers, or a hang until released).
 *
 * @module
 */

/** One request the server received. */
export interface Received {
  method: string;
  path: string;
  headers: Headers;
  body: string;
  /** performance.now() on arrival. */
  at: number;
}

/** What to answer: a status (and headers), or `hang` (no answer until `release()`). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | "hang";

/** A test server. */
export class TestServer {
  readonly received: Received[] = [];
  respond: (request: Received, index: number) => Answer = () => ({ status: 200 });
  #server: Deno.HttpServer<Deno.NetAddr>;
  #hung: (() => void)[] = [];

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request) => {
        const got: Received = {
          method: request.method,
          path: new URL(request.url).pathname,
          headers: request.headers,
          body: await request.text(),
          at: performance.now(),
        };
        this.received.push(got);
        const answer = this.respond(got, this.received.length - 1);
        if (answer === "hang") {
          await new Promise<void>((resolve) => this.#hung.push(resolve));
          return new Response("late", { status: 200 });
        }
        const empty = answer.status === 204 || answer.status === 304;
        return new Response(empty ? null : answer.body ?? "", {
          status: answer.status,
          headers: answer.headers,
        });
      },
    );
  }

  /** `http://127.0.0.1:PORT` + path. */
  url(path = "/"): string {
    return `http://127.0.0.1:${this.#server.addr.port}${path}`;
  }

  /** Answers every hanging request. */
  release(): void {
    for (const resolve of this.#hung.splice(0)) resolve();
  }

  /** Stops the server. */
  async close(): Promise<void> {
    this.release();
    await this.#server.shutdown();
  }
}
