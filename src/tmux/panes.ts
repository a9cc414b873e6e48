/**
 * `list-panes -a` into {@linkcode PaneRecord}s, with an encoding that no name can break, and the
 * change-gating helpers the monitor uses to capture only panes that changed.
 *
 * ## Encoding
 *
 * Every field is printed with tmux's `q:` format modifier, which puts a backslash before each of
 * `|&;<>()$`\"'*?[# =%` (backslash and space included). Fields are separated by a bare space and
 * each record ends with a bare ` ;`. Since `q:` escapes every space, `;` and backslash that come
 * from a value, an unescaped space or `;` can only be one of ours: splitting is unambiguous
 * whatever the names contain (quotes, tabs, unicode, our separators, even newlines: a raw newline
 * inside a value merely splits tmux's output line and is rejoined). Because `%` is escaped too, no
 * output line can begin with a bare `%`, so no value can fake a control-mode `%end`.
 *
 * @module
 */

import { HOOK_OPTIONS, REGISTRATION_OPTIONS } from "../registration.ts";
import { CONTROL_SESSION_NAME } from "./control_client.ts";
import type { PaneRecord, TmuxClient } from "./types.ts";

/** The `list-panes` variables in record order, with the PaneRecord key each fills. */
const FIELDS = [
  ["pane_id", "paneId"],
  ["pane_pid", "pid"],
  ["pane_dead", "dead"],
  ["pane_dead_status", "deadStatus"],
  ["pane_current_command", "currentCommand"],
  ["pane_current_path", "currentPath"],
  ["pane_title", "title"],
  ["window_activity", "windowActivity"],
  ["history_size", "historySize"],
  ["cursor_x", "cursorX"],
  ["cursor_y", "cursorY"],
  ["pane_width", "width"],
  ["pane_height", "height"],
  ["pane_in_mode", "inMode"],
  ["session_name", "sessionName"],
  ["session_id", "sessionId"],
  ["window_id", "windowId"],
  ["window_index", "windowIndex"],
  ["window_name", "windowName"],
  ["pane_index", "paneIndex"],
  [REGISTRATION_OPTIONS.role, "role"],
  [REGISTRATION_OPTIONS.name, "name"],
  [REGISTRATION_OPTIONS.profile, "profile"],
  [REGISTRATION_OPTIONS.command, "command"],
  [REGISTRATION_OPTIONS.pm, "pm"],
  [HOOK_OPTIONS.event, "hook"],
] as const satisfies readonly (readonly [string, keyof PaneRecord])[];

/** The `-F` format {@linkcode listPanes} passes to `list-panes -a`. */
export const PANE_FORMAT: string = FIELDS.map(([variable]) => `#{q:${variable}}`).join(" ") +
  " ;";

/** Options for {@linkcode listPanes}. */
export interface ListPanesOptions {
  /** Also return the panes of the control client's hidden session (default `false`). */
  includeControlSession?: boolean;
}

/**
 * Lists every pane of the server with ONE `list-panes -a -F` command. Panes of the control
 * client's hidden session ({@linkcode CONTROL_SESSION_NAME}) are left out unless asked for.
 * Rejects with `TmuxUnavailableError` when no server runs.
 */
export async function listPanes(
  client: TmuxClient,
  options: ListPanesOptions = {},
): Promise<PaneRecord[]> {
  const lines = await client.run(["list-panes", "-a", "-F", PANE_FORMAT]);
  const panes = parsePaneRecords(lines);
  return options.includeControlSession
    ? panes
    : panes.filter((pane) => pane.sessionName !== CONTROL_SESSION_NAME);
}

/**
 * Splits `q:`-escaped output into records of fields: a backslash escapes the next character, a
 * bare space ends a field and a bare `;` ends a record. Output lines are rejoined with newlines
 * first (a newline inside a value is printed raw by tmux). Throws on malformed input.
 */
export function splitEscapedRecords(lines: readonly string[]): string[][] {
  const text = lines.join("\n");
  const records: string[][] = [];
  let fields: string[] = [];
  let field = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\") {
      if (i + 1 >= text.length) throw new Error("Malformed list-panes output: trailing backslash");
      field += text[i + 1];
      i += 2;
    } else if (ch === " ") {
      fields.push(field);
      field = "";
      i++;
    } else if (ch === ";") {
      if (field !== "") {
        throw new Error(`Malformed list-panes output: text before record end: ${field}`);
      }
      records.push(fields);
      fields = [];
      i++;
      if (i < text.length) {
        if (text[i] !== "\n") {
          throw new Error(`Malformed list-panes output: no newline after record ${records.length}`);
        }
        i++;
      }
    } else {
      field += ch;
      i++;
    }
  }
  if (fields.length > 0 || field !== "") {
    throw new Error("Malformed list-panes output: unterminated record");
  }
  return records;
}

function toInt(value: string, variable: string): number {
  if (!/^-?\d+$/.test(value)) {
    throw new Error(`Malformed list-panes output: ${variable} is not an integer: ${value}`);
  }
  return Number(value);
}

/**
 * Parses the output of `list-panes -a -F` {@linkcode PANE_FORMAT} into records. Pure; throws an
 * `Error` on malformed output.
 */
export function parsePaneRecords(lines: readonly string[]): PaneRecord[] {
  return splitEscapedRecords(lines).map((fields) => {
    if (fields.length !== FIELDS.length) {
      throw new Error(
        `Malformed list-panes output: expected ${FIELDS.length} fields, got ${fields.length}`,
      );
    }
    const v = Object.fromEntries(FIELDS.map(([variable], i) => [variable, fields[i]]));
    const pane: PaneRecord = {
      paneId: v["pane_id"],
      pid: toInt(v["pane_pid"], "pane_pid"),
      dead: v["pane_dead"] === "1",
      currentCommand: v["pane_current_command"],
      currentPath: v["pane_current_path"],
      title: v["pane_title"],
      windowActivity: toInt(v["window_activity"], "window_activity"),
      historySize: toInt(v["history_size"], "history_size"),
      cursorX: toInt(v["cursor_x"], "cursor_x"),
      cursorY: toInt(v["cursor_y"], "cursor_y"),
      width: toInt(v["pane_width"], "pane_width"),
      height: toInt(v["pane_height"], "pane_height"),
      inMode: v["pane_in_mode"] === "1",
      sessionName: v["session_name"],
      sessionId: v["session_id"],
      windowId: v["window_id"],
      windowIndex: toInt(v["window_index"], "window_index"),
      windowName: v["window_name"],
      paneIndex: toInt(v["pane_index"], "pane_index"),
      role: v[REGISTRATION_OPTIONS.role],
      name: v[REGISTRATION_OPTIONS.name],
      profile: v[REGISTRATION_OPTIONS.profile],
      command: v[REGISTRATION_OPTIONS.command],
      pm: v[REGISTRATION_OPTIONS.pm],
      hook: v[HOOK_OPTIONS.event],
    };
    if (v["pane_dead_status"] !== "") {
      pane.deadStatus = toInt(v["pane_dead_status"], "pane_dead_status");
    }
    if (!/^%\d+$/.test(pane.paneId)) {
      throw new Error(`Malformed list-panes output: bad pane id: ${pane.paneId}`);
    }
    return pane;
  });
}

/**
 * A cheap fingerprint of a pane's visible state, from `list-panes` alone, for change gating.
 *
 * Findings (tmux 3.3a, measured): tmux has no per-pane activity time. `window_activity` is
 * updated on EVERY byte of pane output, even with no client attached and `monitor-activity` off
 * (a lone `\r` that moves nothing bumps it), but it has 1-second resolution and is shared by all
 * panes of the window. `session_activity` does not move on output (client input only).
 * `history_size` changes only when lines scroll off the top; `cursor_x`/`cursor_y` change on most
 * output but not on a redraw that ends where it started (spinners, status lines). No other
 * `pane_*` variable tracks output. So: the key combines `window_activity` (the real "output
 * happened" signal) with the pane-level values that move on output or need a recapture anyway
 * (history size, cursor, size, dead, mode, title). Equal keys still do not prove "unchanged"
 * when output happened in the same second as the last capture: use
 * {@linkcode paneNeedsCapture}, which handles that second.
 */
export function paneChangeKey(pane: PaneRecord): string {
  return [
    pane.windowActivity,
    pane.historySize,
    `${pane.cursorX},${pane.cursorY}`,
    `${pane.width}x${pane.height}`,
    pane.dead ? `dead:${pane.deadStatus ?? ""}` : "live",
    pane.inMode ? "mode" : "-",
    pane.title,
  ].join("|");
}

/** What the monitor remembers about a pane's last capture, for {@linkcode paneNeedsCapture}. */
export interface PaneCaptureMark {
  /** {@linkcode paneChangeKey} from the `list-panes` that preceded that capture. */
  key: string;
  /** Wall-clock milliseconds taken just BEFORE that capture-pane was sent. */
  capturedAtMs: number;
}

/**
 * Whether a pane may have changed since its last capture and should be captured again.
 *
 * True when there is no previous capture, when {@linkcode paneChangeKey} differs, or when the
 * window's last activity falls in the same (or a later) second as the previous capture:
 * `window_activity` has 1-second resolution, so output later in the very second of the capture
 * would leave the key unchanged. That costs at most one extra capture after a burst, never a
 * missed change (tmux and we read the same system clock).
 */
export function paneNeedsCapture(pane: PaneRecord, last: PaneCaptureMark | undefined): boolean {
  if (!last) return true;
  if (paneChangeKey(pane) !== last.key) return true;
  return pane.windowActivity >= Math.floor(last.capturedAtMs / 1000);
}
