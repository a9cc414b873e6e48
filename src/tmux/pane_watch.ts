/**
 * The pane watch: ONE control-mode subscription (`refresh-client -B`, tmux >= 3.2) whose value
 * changes when any pane of the server changes in a way the monitor cares about, and the diff that
 * says which panes changed.
 *
 * ## Why one session subscription with a loop
 *
 * tmux checks subscriptions on a timer, once a second (`control_check_subs_timer` in
 * `control.c`), and reports a value only when it differs from the last one reported. The pane
 * kinds (`%*`, `%N`) cover only the panes of the session the control client is attached to, and
 * the monitor's connection attaches to one session while agents live in many. So the watch is a
 * session subscription (empty `what`) whose format loops over every session, window and pane
 * (`#{S:#{W:#{P:...}}}`): one value for the whole server, one notification per second at most,
 * whatever the number of panes.
 *
 * ## What is in it, and why so little
 *
 * tmux evaluates the format every second whether anything changed or not, so every field costs,
 * for every pane, all the time (measured at 100 panes on tmux 3.3, 2 cores: the bare loop
 * 0.85 ms of tmux CPU per second; the earlier 15-field format with six pane options 3.4–5 ms/s;
 * this one 1.1 ms/s). Per pane: the pane id, `window_activity` (tmux bumps it on every byte of
 * output, with 1-second resolution: output later in the same second is caught by the early
 * cycle's follow-up look) and `pane_dead` (a pane that dies under `remain-on-exit` prints
 * nothing). Then, once, the global counter {@linkcode WATCH_OPTIONS.generation}, which
 * `tmux-orc hook` and `tmux-orc agent register|unregister` bump: a change of it names no pane
 * (the early cycle looks at every pane; its change gating captures only those that changed).
 *
 * Left out on purpose: the options the monitor writes itself (`STATUS_OPTIONS`: each cycle would
 * wake the next); the pane options (a registration made by hand with `set-option` is seen at the
 * next periodic cycle); size, cursor, history size, mode and title (each needs output to matter,
 * and output moves `window_activity`; the periodic cycle's change key has them all); the
 * foreground process (a `/proc` read per pane per second: an agent that exits hands the terminal
 * to a shell that prints its prompt, or its pane dies or closes).
 *
 * A new pane, a closed pane, a new window or session all change the value too, so no other
 * notification is needed as a wake signal.
 *
 * @module
 */

import { WATCH_OPTIONS } from "../registration.ts";

/** The subscription's name (what `%subscription-changed` carries first). */
export const PANE_WATCH_NAME = "tmux-orc-watch";

/** The per-pane variables of the watch, in record order (the pane id first; all numbers). */
export const PANE_WATCH_FIELDS: readonly string[] = ["pane_id", "window_activity", "pane_dead"];

/** What separates the pane records from the generation counter in the value. */
const GENERATION_MARK = "gen=";

/**
 * The format of the watch: every pane of every session, one `;`-terminated record each, then
 * `gen=` and the generation counter. See the module documentation for its cost.
 */
export const PANE_WATCH_FORMAT: string = "#{S:#{W:#{P:" +
  PANE_WATCH_FIELDS.map((v) => `#{${v}}`).join(" ") + ";}}}" + GENERATION_MARK +
  `#{q:${WATCH_OPTIONS.generation}}`;

/** The `refresh-client -B` argument that adds the watch (session subscription: empty `what`). */
export function paneWatchArgument(format: string = PANE_WATCH_FORMAT): string {
  return `${PANE_WATCH_NAME}::${format}`;
}

/** A watch value, read. */
export interface PaneWatchValue {
  /** Each pane's record text, by pane id. */
  panes: Map<string, string>;
  /** The generation counter (registrations and hook events), as tmux printed it. */
  generation: string;
}

const RECORD = /^(%\d+) (\d+ \d+)$/;

/**
 * Reads a watch value; `undefined` when it is malformed (e.g. a newline in the generation
 * option cut it short): the caller then treats every pane as changed.
 */
export function parsePaneWatch(value: string): PaneWatchValue | undefined {
  const mark = value.indexOf(GENERATION_MARK);
  if (mark < 0) return undefined;
  const body = value.slice(0, mark);
  if (body !== "" && !body.endsWith(";")) return undefined;
  const panes = new Map<string, string>();
  for (const record of body === "" ? [] : body.slice(0, -1).split(";")) {
    const match = RECORD.exec(record);
    if (!match) return undefined;
    panes.set(match[1], match[2]);
  }
  return { panes, generation: value.slice(mark + GENERATION_MARK.length) };
}

/** The panes whose record differs between two watch values: changed, new or gone. */
export function changedPanes(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): string[] {
  const changed: string[] = [];
  for (const [id, record] of after) if (before.get(id) !== record) changed.push(id);
  for (const id of before.keys()) if (!after.has(id)) changed.push(id);
  return changed;
}
