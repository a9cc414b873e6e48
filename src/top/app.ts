/**
 * `top`'s loop: polls the source every interval, reads keys, follows resizes, and redraws only
 * the lines that changed. The terminal is given back on every way out — `q`, Ctrl-C, a signal
 * (the `signal` option), end of input, an error — before `runTop` returns or throws.
 *
 * @module
 */

import { errorMessage } from "../state/errors.ts";
import { safeText } from "../util/safe_text.ts";
import type { TopActions } from "./actions.ts";
import { parseKeys } from "./keys.ts";
import {
  activeFilter,
  type Effect,
  filterAgents,
  initialView,
  type Notice,
  pressKey,
  type ViewState,
} from "./view.ts";
import { renderFrame } from "./layout.ts";
import { changedLines, diffFrame } from "./screen.ts";
import type { Snapshot } from "./source.ts";
import type { TopTerminal } from "./terminal.ts";

/** What {@linkcode runTop} needs. */
export interface TopOptions {
  /** Where the data comes from. */
  source: { read(): Promise<Snapshot> };
  /** The terminal. */
  terminal: TopTerminal;
  /** What the keys do to panes. */
  actions: TopActions;
  /** Poll interval (ms). */
  intervalMs: number;
  /** Colours on. */
  color: boolean;
  /** Aborted on SIGTERM/SIGINT/SIGHUP: quit. */
  signal?: AbortSignal;
  /** Wall clock (ms). @default Date.now */
  now?: () => number;
}

/** How a run ended. */
export interface TopResult {
  /** Why: `quit` (q, Ctrl-C, a signal, end of input) or `attach` (Enter outside tmux). */
  reason: "quit" | "attach";
  /** For `attach`: the command to run. */
  command?: string;
  /** Frames drawn and lines rewritten, for the bench and tests. */
  frames: number;
  /** Lines rewritten in all frames. */
  linesWritten: number;
}

type Event =
  | { kind: "keys"; text: string }
  | { kind: "tick" }
  | { kind: "resize" }
  | { kind: "notice"; notice: Notice }
  | { kind: "quit" }
  | { kind: "fail"; error: unknown };

/** Runs `top` until it quits; the terminal is restored before this returns or throws. */
export function runTop(options: TopOptions): Promise<TopResult> {
  return new TopLoop(options).run();
}

/** One run: an event queue fed by the keys, the interval, resizes and the stop signal. */
class TopLoop {
  readonly #options: TopOptions;
  readonly #now: () => number;
  readonly #queue: Event[] = [];
  #wake?: () => void;
  #view: ViewState = initialView();
  #snapshot: Snapshot = { agents: [], events: [] };
  #previous?: string[];
  readonly #result: TopResult = { reason: "quit", frames: 0, linesWritten: 0 };

  constructor(options: TopOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  #push(event: Event): void {
    // A slow poll must not pile up ticks: one waiting is enough.
    if (event.kind === "tick" && this.#queue.some((e) => e.kind === "tick")) return;
    this.#queue.push(event);
    this.#wake?.();
  }

  async run(): Promise<TopResult> {
    const { terminal, signal } = this.#options;
    const timer = setInterval(() => this.#push({ kind: "tick" }), this.#options.intervalMs);
    const unhookResize = terminal.onResize(() => this.#push({ kind: "resize" }));
    const onAbort = () => this.#push({ kind: "quit" });
    signal?.addEventListener("abort", onAbort);
    if (signal?.aborted) this.#push({ kind: "quit" });
    terminal.enter();
    try {
      this.#snapshot = await this.#options.source.read();
      (async () => {
        for await (const text of terminal.keys()) this.#push({ kind: "keys", text });
        this.#push({ kind: "quit" });
      })().catch((error) => this.#push({ kind: "fail", error }));
      this.#draw();
      while (true) {
        if (this.#queue.length === 0) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          this.#wake = undefined;
        }
        let stop = false;
        while (this.#queue.length > 0 && !stop) stop = await this.#handle(this.#queue.shift()!);
        if (stop) return this.#result;
        this.#draw();
      }
    } finally {
      clearInterval(timer);
      unhookResize();
      signal?.removeEventListener("abort", onAbort);
      terminal.restore();
    }
  }

  /** Handles one event; `true` to stop. */
  async #handle(event: Event): Promise<boolean> {
    switch (event.kind) {
      case "quit":
        return true;
      case "fail":
        throw event.error;
      case "tick":
        this.#snapshot = await this.#options.source.read();
        return false;
      case "resize":
        this.#previous = undefined;
        return false;
      case "notice":
        this.#view = { ...this.#view, notice: event.notice };
        return false;
      case "keys":
        for (const key of parseKeys(event.text)) {
          const rows = filterAgents(this.#snapshot.agents, activeFilter(this.#view));
          const step = pressKey(this.#view, key, rows);
          this.#view = step.view;
          if (step.effect && await this.#perform(step.effect)) return true;
        }
        return false;
    }
  }

  /** Carries out an effect; `true` to stop. */
  async #perform(effect: Effect): Promise<boolean> {
    const { actions } = this.#options;
    switch (effect.kind) {
      case "quit":
        return true;
      case "jump": {
        const jump = await actions.jump(effect.paneId);
        if (jump.kind === "attach") {
          this.#result.reason = "attach";
          this.#result.command = jump.command;
          return true;
        }
        this.#notify(jump.text, jump.kind === "switched" ? "ok" : "error");
        return false;
      }
      case "pressEnter":
        this.#later(actions.pressEnter(effect.paneId));
        return false;
      case "send":
        this.#notify(`Sending to ${effect.paneId}…`, "info");
        this.#later(actions.send(effect.paneId, effect.message));
        return false;
    }
  }

  #notice(text: string, tone: Notice["tone"]): Notice {
    return { text: safeText(text), tone, atMs: this.#now() };
  }

  #notify(text: string, tone: Notice["tone"]): void {
    this.#view = { ...this.#view, notice: this.#notice(text, tone) };
  }

  /** An action that takes a while (a delivery): its outcome arrives as a notice. */
  #later(action: Promise<string>): void {
    action.then(
      (text) => this.#push({ kind: "notice", notice: this.#notice(text, "ok") }),
      (error) =>
        this.#push({ kind: "notice", notice: this.#notice(`✗ ${errorMessage(error)}`, "error") }),
    );
  }

  #draw(): void {
    const { terminal } = this.#options;
    const frame = renderFrame({
      ...this.#snapshot,
      nowMs: this.#now(),
      view: this.#view,
      size: terminal.size(),
      color: this.#options.color,
    });
    this.#view = { ...this.#view, scroll: frame.scroll };
    const previous = this.#previous;
    const out = diffFrame(previous, frame.lines);
    if (out !== "") {
      terminal.write(out);
      this.#result.frames++;
      this.#result.linesWritten += changedLines(previous, frame.lines);
    }
    this.#previous = frame.lines;
  }
}
