/**
 * {@linkcode CountingClient}: a {@linkcode TmuxClient} wrapper that counts the commands passing
 * through it by name, so the bench and the tests can say how many panes a cycle captured.
 *
 * @module
 */

import type { TmuxClient, TmuxRunOptions } from "../../src/tmux/types.ts";

/** Counts commands by name (`capture-pane`, `list-panes`…) and passes them on unchanged. */
export class CountingClient implements TmuxClient {
  readonly #inner: TmuxClient;
  readonly #counts = new Map<string, number>();

  /** Wraps `inner`. */
  constructor(inner: TmuxClient) {
    this.#inner = inner;
  }

  /** The wrapped client. */
  get inner(): TmuxClient {
    return this.#inner;
  }

  /** How many commands named `name` were run so far. */
  count(name: string): number {
    return this.#counts.get(name) ?? 0;
  }

  /** All counts so far, by command name. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** Counts the command, then runs it on the wrapped client. */
  run(args: readonly string[], options?: TmuxRunOptions): Promise<string[]> {
    const name = args[0] ?? "";
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
    return this.#inner.run(args, options);
  }

  /** Closes the wrapped client. */
  close(): Promise<void> {
    return this.#inner.close();
  }
}
