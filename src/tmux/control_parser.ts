/**
 * A pure, incremental parser for tmux control-mode output (`tmux -C`).
 *
 * Feed it string chunks split anywhere (even mid-line) and it returns events:
 * - command replies, from `%begin TIME NUMBER FLAGS` up to the matching `%end` / `%error`;
 * - notifications (`%exit`, `%sessions-changed`, `%output`, ...), outside reply blocks.
 *
 * Inside a reply block every line is command output, even one that starts with `%`
 * (pane text can look like anything). The block ends only on `%end` / `%error` followed by
 * exactly the same `TIME NUMBER FLAGS` as its `%begin` (tmux writes both from the same values),
 * so a stray `%end` with another number, or a nested-looking `%begin`, is plain output.
 *
 * @module
 */

/** A command's reply block: `%begin` ... `%end` (ok) or `%error` (not ok). */
export interface ControlReply {
  /** Discriminant. */
  kind: "reply";
  /** The command number tmux assigned (the second field of `%begin`). */
  number: number;
  /** Server time in seconds since the epoch (the first field of `%begin`). */
  time: number;
  /** The flags field: `1` for commands the control client sent, `0` for the initial command. */
  flags: number;
  /** `true` for `%end`, `false` for `%error`. */
  ok: boolean;
  /** The output lines between `%begin` and `%end` / `%error`, verbatim. */
  lines: string[];
}

/** A notification line outside any reply block, e.g. `%exit` or `%window-add @3`. */
export interface ControlNotification {
  /** Discriminant. */
  kind: "notification";
  /** The name without the `%`, e.g. `exit`, `sessions-changed`, `output`. */
  name: string;
  /**
   * The arguments split on spaces. For notifications that end in free text (a session name, an
   * exit reason, pane output, ...) the free text is kept whole as the last argument.
   */
  args: string[];
  /** The whole line as received. */
  raw: string;
}

/** A non-empty line outside any block that does not start with `%` (not expected from tmux). */
export interface ControlText {
  /** Discriminant. */
  kind: "text";
  /** The line as received. */
  line: string;
}

/** Anything the parser can emit. */
export type ControlEvent = ControlReply | ControlNotification | ControlText;

/**
 * How many leading space-separated arguments a notification has before its free-text remainder.
 * Names not listed here are split on every space.
 */
const FIXED_ARGS: Readonly<Record<string, number>> = {
  "output": 1, // %output %pane value
  "exit": 0, // %exit [reason]
  "message": 0, // %message text
  "config-error": 0, // %config-error text
  "session-changed": 1, // %session-changed $id name
  "session-renamed": 1, // %session-renamed $id name
  "client-session-changed": 2, // %client-session-changed client $id name
  "window-renamed": 1, // %window-renamed @id name
  "unlinked-window-renamed": 1, // %unlinked-window-renamed @id name
};

const BEGIN = "%begin ";
const END = "%end ";
const ERROR = "%error ";

/** Parses one notification line (starting with `%`). */
export function parseNotification(line: string): ControlNotification {
  const body = line.slice(1);
  const space = body.indexOf(" ");
  const name = space === -1 ? body : body.slice(0, space);
  const rest = space === -1 ? "" : body.slice(space + 1);
  const fixed = FIXED_ARGS[name];
  let args: string[];
  if (name === "subscription-changed" && rest.includes(" : ")) {
    // %subscription-changed NAME $S @W INDEX %P [future args...] : VALUE (the value is free text).
    const colon = rest.indexOf(" : ");
    args = [...rest.slice(0, colon).split(" "), rest.slice(colon + 3)];
  } else if (space === -1) {
    args = [];
  } else if (fixed === undefined) {
    args = rest.split(" ");
  } else {
    args = [];
    let remainder = rest;
    for (let i = 0; i < fixed; i++) {
      const next = remainder.indexOf(" ");
      if (next === -1) break;
      args.push(remainder.slice(0, next));
      remainder = remainder.slice(next + 1);
    }
    args.push(remainder);
  }
  return { kind: "notification", name, args, raw: line };
}

/** One `%subscription-changed` notification (tmux >= 3.2, `refresh-client -B`). */
export interface SubscriptionChange {
  /** The subscription's name. */
  name: string;
  /** `$N` of the session (the attached one). */
  sessionId: string;
  /** `@N`, or `-` for a session subscription. */
  windowId: string;
  /** The window index, or `-`. */
  windowIndex: string;
  /** `%N`, or `-` for a session or window subscription. */
  paneId: string;
  /** The format's new value. */
  value: string;
}

/**
 * Reads a `%subscription-changed NAME $S @W INDEX %P ... : VALUE` notification (arguments after
 * the pane id up to the lone `:` are reserved by tmux and ignored). `undefined` for any other
 * notification or a malformed one.
 */
export function parseSubscriptionChange(
  notification: ControlNotification,
): SubscriptionChange | undefined {
  if (notification.name !== "subscription-changed" || notification.args.length < 6) {
    return undefined;
  }
  const [name, sessionId, windowId, windowIndex, paneId] = notification.args;
  const value = notification.args[notification.args.length - 1];
  if (!/^\$\d+$/.test(sessionId)) return undefined;
  return { name, sessionId, windowId, windowIndex, paneId, value };
}

/** Parses the `TIME NUMBER FLAGS` tail of a `%begin` line, or returns undefined. */
function parseGuard(tail: string): { time: number; number: number; flags: number } | undefined {
  const m = /^(\d+) (\d+) (\d+)$/.exec(tail);
  if (!m) return undefined;
  return { time: Number(m[1]), number: Number(m[2]), flags: Number(m[3]) };
}

/**
 * Incremental control-mode parser. Pure: no I/O, no timers; state is only the unfinished line and
 * the open reply block.
 */
export class ControlParser {
  #partial = "";
  #block:
    | { tail: string; time: number; number: number; flags: number; lines: string[] }
    | undefined;

  /** Whether a reply block is open (a `%begin` without its `%end` / `%error` yet). */
  get inBlock(): boolean {
    return this.#block !== undefined;
  }

  /** Feeds a chunk of output and returns the events completed by it, in order. */
  push(chunk: string): ControlEvent[] {
    const events: ControlEvent[] = [];
    const data = this.#partial + chunk;
    let start = 0;
    let nl = data.indexOf("\n");
    while (nl !== -1) {
      this.#line(data.slice(start, nl), events);
      start = nl + 1;
      nl = data.indexOf("\n", start);
    }
    this.#partial = data.slice(start);
    return events;
  }

  /**
   * Signals end of input: a final unterminated line is processed as if it ended with a newline.
   * An unfinished reply block is dropped (its command never completed).
   */
  end(): ControlEvent[] {
    const events: ControlEvent[] = [];
    if (this.#partial !== "") {
      const last = this.#partial;
      this.#partial = "";
      this.#line(last, events);
    }
    this.#block = undefined;
    return events;
  }

  #line(line: string, events: ControlEvent[]): void {
    const block = this.#block;
    if (block) {
      if (line.startsWith(END) && line.slice(END.length) === block.tail) {
        this.#finish(true, events);
      } else if (line.startsWith(ERROR) && line.slice(ERROR.length) === block.tail) {
        this.#finish(false, events);
      } else {
        block.lines.push(line);
      }
      return;
    }
    if (line.startsWith(BEGIN)) {
      const tail = line.slice(BEGIN.length);
      const guard = parseGuard(tail);
      if (guard) {
        this.#block = { tail, ...guard, lines: [] };
        return;
      }
    }
    if (line.startsWith("%")) {
      events.push(parseNotification(line));
    } else if (line !== "") {
      events.push({ kind: "text", line });
    }
  }

  #finish(ok: boolean, events: ControlEvent[]): void {
    const block = this.#block!;
    this.#block = undefined;
    events.push({
      kind: "reply",
      number: block.number,
      time: block.time,
      flags: block.flags,
      ok,
      lines: block.lines,
    });
  }
}

/** Parses a complete control-mode transcript in one go (convenience for tests and tools). */
export function parseControlOutput(text: string): ControlEvent[] {
  const parser = new ControlParser();
  return [...parser.push(text), ...parser.end()];
}
