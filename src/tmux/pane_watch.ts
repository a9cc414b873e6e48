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
 * ## What is in it
 *
 * Per pane, with the `q:` escaping of `list-panes` (`panes.ts`) for text: the pane id; the content
 * signals (`window_activity`, which tmux bumps on every byte of output, with 1-second
 * resolution; `history_size` and the cursor, which move on most output, so output later in the
 * same second usually shows too); size; dead state; copy mode; the registration options and the
 * hook option (`@tmux-orc-hook`, set by `tmux-orc hook`). NOT the options the monitor writes
 * itself (`STATUS_OPTIONS`): each cycle would wake the next. Not the foreground process (see
 * `TEXT_FIELDS`).
 *
 * A new pane, a closed pane, a new window or session all change the value too, so no other
 * notification is needed as a wake signal.
 *
 * @module
 */

import { HOOK_OPTIONS, REGISTRATION_OPTIONS } from "../registration.ts";
import { splitEscapedRecords } from "./panes.ts";

/** The subscription's name (what `%subscription-changed` carries first). */
export const PANE_WATCH_NAME = "tmux-orc-watch";

/** The per-pane numbers of the watch (never a space or `;` in them: printed as they are). */
const NUMERIC_FIELDS = [
  "pane_id",
  "window_activity",
  "history_size",
  "cursor_x",
  "cursor_y",
  "pane_width",
  "pane_height",
  "pane_dead",
  "pane_in_mode",
];

/**
 * The per-pane text of the watch (printed with `q:`, so a space or `;` in it is escaped). Not
 * `pane_current_command`: it costs tmux a `/proc` read per pane per second (a fifth of the
 * watch's cost, measured), and the foreground process never changes silently where it matters:
 * an agent that exits hands the terminal back to a shell that prints its prompt (output), or
 * its pane dies (`pane_dead`) or closes (the pane leaves the value).
 */
const TEXT_FIELDS = [...Object.values(REGISTRATION_OPTIONS), HOOK_OPTIONS.event];

/** The per-pane variables of the watch, in record order (the pane id first). */
export const PANE_WATCH_FIELDS: readonly string[] = [...NUMERIC_FIELDS, ...TEXT_FIELDS];

/**
 * The format of the watch: every pane of every session, one ` ;`-terminated record each.
 * Its cost is the tmux server's, every second, for every pane: about 20-25 ms of CPU per second
 * at 1,000 panes on a 2-core machine (the loop alone is 9 ms, the six options 10 ms). See
 * `docs/performance.md`.
 */
export const PANE_WATCH_FORMAT: string = "#{S:#{W:#{P:" +
  [...NUMERIC_FIELDS.map((v) => `#{${v}}`), ...TEXT_FIELDS.map((v) => `#{q:${v}}`)].join(" ") +
  " ;}}}";

/** The `refresh-client -B` argument that adds the watch (session subscription: empty `what`). */
export function paneWatchArgument(format: string = PANE_WATCH_FORMAT): string {
  return `${PANE_WATCH_NAME}::${format}`;
}

/**
 * Reads a watch value into each pane's record text, by pane id; `undefined` when the value is
 * malformed (e.g. a newline inside an option cut it short): the caller then treats every pane as
 * changed.
 */
export function parsePaneWatch(value: string): Map<string, string> | undefined {
  let records: string[][];
  try {
    // The records are not newline-separated here: add the newline splitEscapedRecords expects.
    records = splitEscapedRecords([value.replaceAll(" ;", " ;\n").replace(/\n$/, "")]);
  } catch {
    return undefined;
  }
  const panes = new Map<string, string>();
  for (const fields of records) {
    if (fields.length !== PANE_WATCH_FIELDS.length || !/^%\d+$/.test(fields[0])) return undefined;
    panes.set(fields[0], fields.slice(1).join("\0"));
  }
  return panes;
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
