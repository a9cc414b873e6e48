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
import { filterAgents, initialView, type Notice, pressKey, type ViewState } from "./view.ts";
import { renderFrame } from "./layout.ts";
import { diffFrame } from "./screen.ts";
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
export async function runTop(options: TopOptions): Promise<TopResult> {
  const { terminal, actions, source } = options;
  const now = options.now ?? Date.now;
  const queue: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (event: Event) => {
    queue.push(event);
    wake?.();
  };
  let view: ViewState = initialView();
  let snapshot: Snapshot = { agents: [], events: [] };
  let previous: string[] | undefined;
  const result: TopResult = { reason: "quit", frames: 0, linesWritten: 0 };
  const timer = setInterval(() => push({ kind: "tick" }), options.intervalMs);
  const unhookResize = terminal.onResize(() => push({ kind: "resize" }));
  const onAbort = () => push({ kind: "quit" });
  options.signal?.addEventListener("abort", onAbort);
  if (options.signal?.aborted) push({ kind: "quit" });

  const rows = () =>
    filterAgents(snapshot.agents, view.mode.kind === "filter" ? view.mode.draft : view.filter);
  const notice = (text: string, tone: Notice["tone"]): Notice => ({ text, tone, atMs: now() });
  const perform = (promise: Promise<string>) => {
    promise.then(
      (text) => push({ kind: "notice", notice: notice(text, "ok") }),
      (error) =>
        push({ kind: "notice", notice: notice(safeText(`✗ ${errorMessage(error)}`), "error") }),
    );
  };
  /** Handles one event; `true` to stop. */
  const handle = async (event: Event): Promise<boolean> => {
    switch (event.kind) {
      case "quit":
        return true;
      case "fail":
        throw event.error;
      case "tick":
        snapshot = await source.read();
        return false;
      case "resize":
        previous = undefined;
        return false;
      case "notice":
        view = { ...view, notice: event.notice };
        return false;
      case "keys":
        for (const key of parseKeys(event.text)) {
          const shown = rows();
          const step = pressKey(view, key, shown);
          view = step.view;
          const effect = step.effect;
          if (!effect) continue;
          if (effect.kind === "quit") return true;
          if (effect.kind === "jump") {
            const jump = await actions.jump(effect.paneId);
            if (jump.kind === "attach") {
              result.reason = "attach";
              result.command = jump.command;
              return true;
            }
            view = {
              ...view,
              notice: notice(jump.text, jump.kind === "switched" ? "ok" : "error"),
            };
          } else if (effect.kind === "pressEnter") {
            perform(actions.pressEnter(effect.paneId));
          } else {
            view = { ...view, notice: notice(`Sending to ${effect.paneId}…`, "info") };
            perform(actions.send(effect.paneId, effect.message));
          }
        }
        return false;
    }
  };

  const draw = () => {
    const frame = renderFrame({
      ...snapshot,
      nowMs: now(),
      view,
      size: terminal.size(),
      color: options.color,
    });
    view = { ...view, scroll: frame.scroll };
    const out = diffFrame(previous, frame.lines);
    if (out !== "") {
      terminal.write(out);
      result.frames++;
      result.linesWritten += previous === undefined
        ? frame.lines.length
        : frame.lines.filter((line, i) => line !== previous?.[i]).length;
    }
    previous = frame.lines;
  };

  terminal.enter();
  try {
    snapshot = await source.read();
    (async () => {
      for await (const text of terminal.keys()) push({ kind: "keys", text });
      push({ kind: "quit" });
    })().catch((error) => push({ kind: "fail", error }));
    draw();
    while (true) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
      let stop = false;
      while (queue.length > 0 && !stop) stop = await handle(queue.shift()!);
      if (stop) break;
      draw();
    }
    return result;
  } finally {
    clearInterval(timer);
    unhookResize();
    options.signal?.removeEventListener("abort", onAbort);
    terminal.restore();
  }
}
