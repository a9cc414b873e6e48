/**
 * Restarting a crashed agent (`--restart-crashed`): its pane is respawned with the command it was
 * registered with (`@tmux-orc-command`), split into words here — no shell is involved, so there is
 * no expansion of `$`, globs or backquotes — and run by tmux's `respawn-pane` directly. When the
 * crashed pane still has live processes (the shell the agent exited to, helpers that ignore
 * SIGHUP), they are ended first and confirmed gone ({@linkcode endPaneProcesses}: SIGHUP/SIGTERM,
 * SIGKILL after a grace), then the pane is respawned with `-k`; a dead pane is respawned without
 * it. Panes and windows are never killed otherwise.
 *
 * Restarts are throttled per pane ({@linkcode RestartThrottle}) so a command that dies at once does
 * not loop.
 *
 * @module
 */

import { respawnPane } from "../tmux/commands.ts";
import {
  type EndedProcesses,
  endPaneProcesses,
  type EndProcessesOptions,
} from "./pane_processes.ts";
import type { PaneRecord, TmuxClient } from "../tmux/types.ts";

/**
 * Splits a command line into words the way a POSIX shell would split a simple command, without
 * any expansion: blanks separate words; single quotes keep everything literally; double quotes
 * keep everything but `\"` and `\\`; a backslash outside quotes escapes the next character.
 * Throws an `Error` for an unterminated quote, a trailing backslash, or an empty command.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`Unterminated single quote in command: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const c = line[i];
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) {
          word += line[i + 1];
          i += 2;
        } else {
          word += c;
          i++;
        }
      }
      if (!closed) throw new Error(`Unterminated double quote in command: ${line}`);
      inWord = true;
    } else if (ch === "\\") {
      if (i + 1 >= line.length) throw new Error(`Trailing backslash in command: ${line}`);
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0 || words[0] === "") throw new Error("Command is empty");
  return words;
}

/** Limits for {@linkcode RestartThrottle}. */
export interface RestartLimits {
  /** Least time between two restarts of one pane (default 30 s). */
  minIntervalMs?: number;
  /** Most restarts of one pane per window (default 5). */
  maxPerWindow?: number;
  /** The window (default 1 hour). */
  windowMs?: number;
}

/** Decides whether a pane may be restarted now. Pure bookkeeping over monotonic times. */
export class RestartThrottle {
  #history = new Map<string, number[]>();
  #minIntervalMs: number;
  #maxPerWindow: number;
  #windowMs: number;

  /** Creates a throttle. */
  constructor(limits: RestartLimits = {}) {
    this.#minIntervalMs = limits.minIntervalMs ?? 30_000;
    this.#maxPerWindow = limits.maxPerWindow ?? 5;
    this.#windowMs = limits.windowMs ?? 3_600_000;
  }

  /** Whether `key` may restart at `nowMs`, and why not when it may not. */
  check(key: string, nowMs: number): { ok: true } | { ok: false; reason: string } {
    const times = (this.#history.get(key) ?? []).filter((t) => nowMs - t < this.#windowMs);
    this.#history.set(key, times);
    const last = times[times.length - 1];
    if (last !== undefined && nowMs - last < this.#minIntervalMs) {
      return { ok: false, reason: "restarted less than the minimum interval ago" };
    }
    if (times.length >= this.#maxPerWindow) {
      return {
        ok: false,
        reason: `restarted ${times.length} times in the last ${
          Math.round(this.#windowMs / 60000)
        } min`,
      };
    }
    return { ok: true };
  }

  /** Records a restart of `key` at `nowMs`. */
  record(key: string, nowMs: number): void {
    const times = this.#history.get(key) ?? [];
    times.push(nowMs);
    this.#history.set(key, times);
  }

  /** Forgets a pane. */
  forget(key: string): void {
    this.#history.delete(key);
  }
}

/** What {@linkcode restartCrashedPane} did. */
export interface RestartReport {
  /** The argv the pane was respawned with. */
  argv: string[];
  /** The old processes ended first (absent for a dead pane). */
  ended?: EndedProcesses;
}

/**
 * Respawns a crashed agent's pane with `command` (see the module documentation): sets the pane's
 * `remain-on-exit` so that a later exit leaves a dead pane to restart (rather than closing it),
 * ends the pane's old processes when it is not dead, then `respawn-pane [-k] -c CWD -t %id --
 * ARGV`.
 */
export async function restartCrashedPane(
  tmux: TmuxClient,
  pane: PaneRecord,
  command: string,
  options: EndProcessesOptions = {},
): Promise<RestartReport> {
  const argv = splitCommandLine(command);
  await tmux.run(["set-option", "-p", "-t", pane.paneId, "remain-on-exit", "on"]);
  const ended = pane.dead ? undefined : await endPaneProcesses(pane.pid, options);
  await respawnPane(tmux, pane.paneId, argv, {
    kill: !pane.dead,
    cwd: pane.currentPath || undefined,
  });
  return ended ? { argv, ended } : { argv };
}
