/**
 * `top`'s interaction, pure: the view state (which agent is selected, the filter, the line being
 * typed), what each key does to it, and the effects a key asks for (jump to a pane, press Enter
 * in it, send it a message, quit), which the app carries out.
 *
 * @example
 * ```ts
 * import { initialView, pressKey } from "./view.ts";
 * const rows = [{ paneId: "%1" }, { paneId: "%2" }];
 * let { view } = pressKey(initialView(), { kind: "char", char: "j" }, rows);
 * view.selected; // "%2"
 * const step = pressKey(view, { kind: "enter" }, rows);
 * step.effect; // { kind: "jump", paneId: "%2" }
 * ```
 *
 * @module
 */

import type { AgentRecord } from "../store/store.ts";
import type { Key } from "./keys.ts";

/** What a line of text is being typed for, if anything. */
export type InputMode =
  | { kind: "list" }
  | { kind: "filter"; draft: string; before: string }
  | { kind: "message"; draft: string; paneId: string; name: string };

/** A short message in the footer after an action. */
export interface Notice {
  /** The text (already safe for a terminal). */
  text: string;
  /** `ok` (green), `error` (red) or `info`. */
  tone: "ok" | "error" | "info";
  /** Wall-clock ms when it was set. */
  atMs: number;
}

/** Everything the keys change. */
export interface ViewState {
  /** The selected agent's pane id. */
  selected?: string;
  /** The applied filter (case-insensitive substring over the row's text). */
  filter: string;
  /** Whether a line is being typed. */
  mode: InputMode;
  /** First agent row shown (scrolling). */
  scroll: number;
  /** The footer message, if any. */
  notice?: Notice;
}

/** What the app must do after a key. */
export type Effect =
  | { kind: "quit" }
  | { kind: "jump"; paneId: string }
  | { kind: "pressEnter"; paneId: string }
  | { kind: "send"; paneId: string; message: string };

/** The outcome of one key. */
export interface Step {
  /** The new state. */
  view: ViewState;
  /** What to do, if anything. */
  effect?: Effect;
}

/** Nothing selected, no filter, the list. */
export function initialView(): ViewState {
  return { filter: "", mode: { kind: "list" }, scroll: 0 };
}

/** The filter in force: the one being typed while `/` is open, else the applied one. */
export function activeFilter(view: ViewState): string {
  return view.mode.kind === "filter" ? view.mode.draft : view.filter;
}

/** The text a filter matches an agent against. */
function haystack(agent: AgentRecord): string {
  return [
    agent.name,
    agent.target,
    agent.paneId,
    agent.profile,
    agent.role,
    agent.state,
    agent.detail,
  ]
    .join("\n").toLowerCase();
}

/**
 * The agents a filter keeps: every whitespace-separated word of `filter` must occur
 * (case-insensitively) in the name, target, pane id, profile, role, state or detail.
 */
export function filterAgents(agents: readonly AgentRecord[], filter: string): AgentRecord[] {
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return [...agents];
  return agents.filter((agent) => {
    const text = haystack(agent);
    return words.every((word) => text.includes(word));
  });
}

/** The index of the selected row in `rows` (0 when it is not among them). */
export function selectedIndex(view: ViewState, rows: readonly { paneId: string }[]): number {
  const index = rows.findIndex((row) => row.paneId === view.selected);
  return index < 0 ? 0 : index;
}

/** The selected row, or `undefined` when there are none. */
export function selectedRow<R extends { paneId: string }>(
  view: ViewState,
  rows: readonly R[],
): R | undefined {
  return rows[selectedIndex(view, rows)];
}

/** How many rows a page key moves. */
const PAGE = 10;

function move(view: ViewState, rows: readonly { paneId: string }[], delta: number): ViewState {
  if (rows.length === 0) return view;
  const index = Math.min(rows.length - 1, Math.max(0, selectedIndex(view, rows) + delta));
  return { ...view, selected: rows[index].paneId };
}

function edit(draft: string, key: Key): string | undefined {
  if (key.kind === "char") return draft + key.char;
  if (key.kind === "backspace") return [...draft].slice(0, -1).join("");
  if (key.kind === "clear") return "";
  return undefined;
}

/**
 * Applies one key. `rows` are the agents shown (filtered), in display order, with their names
 * (for the message prompt).
 */
export function pressKey(
  view: ViewState,
  key: Key,
  rows: readonly { paneId: string; name?: string }[],
): Step {
  if (key.kind === "interrupt") return { view, effect: { kind: "quit" } };
  switch (view.mode.kind) {
    case "filter":
      return filterKey(view, view.mode, key);
    case "message":
      return messageKey(view, view.mode, key);
    case "list":
      return listKey(view, key, rows);
  }
}

function listKey(
  view: ViewState,
  key: Key,
  rows: readonly { paneId: string; name?: string }[],
): Step {
  const selected = rows[selectedIndex(view, rows)];
  const char = key.kind === "char" ? key.char : undefined;
  if (key.kind === "up" || char === "k") return { view: move(view, rows, -1) };
  if (key.kind === "down" || char === "j") return { view: move(view, rows, 1) };
  if (key.kind === "pageUp") return { view: move(view, rows, -PAGE) };
  if (key.kind === "pageDown") return { view: move(view, rows, PAGE) };
  if (key.kind === "home" || char === "g") return { view: move(view, rows, -rows.length) };
  if (key.kind === "end" || char === "G") return { view: move(view, rows, rows.length) };
  if (char === "q") return { view, effect: { kind: "quit" } };
  if (char === "/") {
    return { view: { ...view, mode: { kind: "filter", draft: view.filter, before: view.filter } } };
  }
  if (key.kind === "escape") return { view: { ...view, filter: "", notice: undefined } };
  if (!selected) return { view };
  if (key.kind === "enter") return { view, effect: { kind: "jump", paneId: selected.paneId } };
  if (char === "e") return { view, effect: { kind: "pressEnter", paneId: selected.paneId } };
  if (char === "s") {
    return {
      view: {
        ...view,
        selected: selected.paneId,
        mode: { kind: "message", draft: "", paneId: selected.paneId, name: selected.name ?? "" },
      },
    };
  }
  return { view };
}

function filterKey(
  view: ViewState,
  mode: Extract<InputMode, { kind: "filter" }>,
  key: Key,
): Step {
  if (key.kind === "enter") {
    return { view: { ...view, filter: mode.draft.trim(), mode: { kind: "list" }, scroll: 0 } };
  }
  if (key.kind === "escape") {
    return { view: { ...view, filter: mode.before, mode: { kind: "list" } } };
  }
  const draft = edit(mode.draft, key);
  if (draft === undefined) return { view };
  return { view: { ...view, mode: { ...mode, draft }, scroll: 0 } };
}

function messageKey(
  view: ViewState,
  mode: Extract<InputMode, { kind: "message" }>,
  key: Key,
): Step {
  if (key.kind === "escape") return { view: { ...view, mode: { kind: "list" } } };
  if (key.kind === "enter") {
    const next = { ...view, mode: { kind: "list" } as const };
    if (mode.draft.trim() === "") return { view: next };
    return { view: next, effect: { kind: "send", paneId: mode.paneId, message: mode.draft } };
  }
  const draft = edit(mode.draft, key);
  if (draft === undefined) return { view };
  return { view: { ...view, mode: { ...mode, draft } } };
}

/**
 * The first row to show so that the selected one is visible, moving as little as possible from
 * `scroll`.
 */
export function scrollFor(
  scroll: number,
  options: { selected: number; height: number; count: number },
): number {
  const { selected, height, count } = options;
  if (height <= 0 || count <= height) return 0;
  let top = Math.min(Math.max(0, scroll), count - height);
  if (selected < top) top = selected;
  if (selected >= top + height) top = selected - height + 1;
  return top;
}
