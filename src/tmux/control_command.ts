/**
 * Control-mode command lines: one argv quoted for tmux's parser as one line, and which session the
 * control client attaches to.
 *
 * @module
 */

import { validateTmuxArgs } from "./subprocess_client.ts";

/**
 * The hidden session that tmux-orc 0.1 created for its control client. No longer created; its
 * panes are still skipped (and it is never attached to) while one is left over from an old monitor.
 */
export const CONTROL_SESSION_NAME = "_tmux-orc";

/**
 * Picks the session to attach to from `list-sessions -F '#{session_activity} #{session_id}
 * #{session_name}'` lines: the latest activity (ties: the lowest id), never the legacy control
 * session. Returns the session id (`$N`), or `undefined` when there is none.
 */
export function pickAttachSession(lines: readonly string[]): string | undefined {
  let best: { activity: number; id: number; text: string } | undefined;
  for (const line of lines) {
    const match = /^(\d+) \$(\d+) (.*)$/.exec(line);
    if (!match || match[3] === CONTROL_SESSION_NAME) continue;
    const activity = Number(match[1]);
    const id = Number(match[2]);
    if (
      !best || activity > best.activity || (activity === best.activity && id < best.id)
    ) best = { activity, id, text: `$${match[2]}` };
  }
  return best?.text;
}

/**
 * Quotes one argument for tmux's command parser so that tmux sees exactly this word.
 *
 * Scheme: runs of ordinary characters go inside single quotes, where tmux's parser expands
 * nothing (`$`, `~`, `\`, `#`, `;`, `{}`, double quotes and non-ASCII are literal). The three
 * things single quotes cannot carry are written as double-quoted escapes, which tmux joins into
 * the same word: a single quote as `"'"`, and each control character (newline, tab, CR, ESC, DEL,
 * ...) as an octal escape such as `"\012"` (a raw newline would end the control-mode line). The
 * empty string is `''`. NUL cannot be sent (tmux strings are C strings) and throws.
 */
export function quoteTmuxArgument(arg: string): string {
  if (arg.includes("\0")) {
    throw new TypeError(`Tmux argument contains a NUL character: ${JSON.stringify(arg)}`);
  }
  if (arg === "") return "''";
  let out = "";
  let run = "";
  for (const ch of arg) {
    const code = ch.charCodeAt(0);
    if (ch === "'" || code < 0x20 || code === 0x7f) {
      if (run !== "") out += `'${run}'`;
      run = "";
      out += ch === "'" ? `"'"` : `"\\${code.toString(8).padStart(3, "0")}"`;
    } else {
      run += ch;
    }
  }
  if (run !== "") out += `'${run}'`;
  return out;
}

/** Formats an argv as one control-mode command line (without the newline). */
export function formatTmuxCommand(args: readonly string[]): string {
  validateTmuxArgs(args);
  return args.map(quoteTmuxArgument).join(" ");
}
