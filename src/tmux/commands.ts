/**
 * Small typed helpers over a {@linkcode TmuxClient}: every command is an argv array and every pane
 * is addressed by its `%pane_id`.
 *
 * @module
 */

import { REGISTRATION_PREFIX } from "../registration.ts";
import { CONTROL_SESSION_NAME } from "./control_client.ts";
import { splitEscapedRecords } from "./panes.ts";
import { type PaneRecord, type TmuxClient, TmuxCommandError } from "./types.ts";

const PANE_ID = /^%\d+$/;

/** Throws a `TypeError` unless `paneId` looks like `%N`. */
export function assertPaneId(paneId: string): void {
  if (typeof paneId !== "string" || !PANE_ID.test(paneId)) {
    throw new TypeError(`Invalid pane id: ${JSON.stringify(paneId)} (expected %N)`);
  }
}

/** Options for {@linkcode capturePane}. */
export interface CapturePaneOptions {
  /**
   * How many scrollback lines to include above the visible screen (`-S -N`). Default 0: the
   * visible screen only.
   */
  lines?: number;
  /** Include escape sequences for text and background attributes (`-e`). Default false. */
  escapes?: boolean;
}

/**
 * Captures a pane's text with `capture-pane -p -J` (wrapped lines joined, trailing spaces kept)
 * and returns its lines, oldest first.
 */
export function capturePane(
  client: TmuxClient,
  paneId: string,
  options: CapturePaneOptions = {},
): Promise<string[]> {
  assertPaneId(paneId);
  const lines = options.lines ?? 0;
  if (!Number.isSafeInteger(lines) || lines < 0) {
    throw new RangeError(`Invalid scrollback line count: ${lines}`);
  }
  const args = ["capture-pane", "-p", "-J", "-t", paneId];
  if (options.escapes) args.push("-e");
  if (lines > 0) args.push("-S", `-${lines}`);
  return client.run(args);
}

/**
 * Types `text` into a pane literally (`send-keys -l -t %id -- text`): nothing is interpreted as a
 * key name, so `C-c` or `Enter` arrive as those characters. An empty text sends nothing.
 */
export async function sendLiteral(client: TmuxClient, paneId: string, text: string): Promise<void> {
  assertPaneId(paneId);
  if (text === "") return;
  await client.run(["send-keys", "-l", "-t", paneId, "--", text]);
}

/** The keys {@linkcode sendKey} accepts. */
export const ALLOWED_KEYS = [
  "Enter",
  "Escape",
  "Tab",
  "BTab",
  "BSpace",
  "Up",
  "Down",
  "Left",
  "Right",
  "Home",
  "End",
  "PPage",
  "NPage",
  "C-c",
  "C-d",
  "C-u",
  "C-l",
] as const;

/** A key name {@linkcode sendKey} accepts. */
export type AllowedKey = typeof ALLOWED_KEYS[number];

/** Whether `key` is in {@linkcode ALLOWED_KEYS}. */
export function isAllowedKey(key: string): key is AllowedKey {
  return (ALLOWED_KEYS as readonly string[]).includes(key);
}

/**
 * Sends one named key (`send-keys -t %id KEY`). Only keys in {@linkcode ALLOWED_KEYS} are
 * accepted; anything else throws a `TypeError` before tmux is called.
 */
export async function sendKey(client: TmuxClient, paneId: string, key: AllowedKey): Promise<void> {
  assertPaneId(paneId);
  if (!isAllowedKey(key)) {
    throw new TypeError(`Key not allowed: ${JSON.stringify(key)} (allowed: ${ALLOWED_KEYS})`);
  }
  await client.run(["send-keys", "-t", paneId, key]);
}

/** Options for {@linkcode pasteText}. */
export interface PasteTextOptions {
  /**
   * Use bracketed paste (`paste-buffer -p`) so the application sees one paste, not typing. tmux
   * only adds the brackets if the application asked for them. Default true.
   */
  bracketed?: boolean;
}

/**
 * Most bytes of text in one `set-buffer` command. A tmux client sends its whole command line to
 * the server in one message of at most 16 KiB, so a longer text fails ("command too long");
 * {@linkcode pasteText} sends it in pieces of at most this many bytes as the command line encodes
 * them (UTF-8; a newline or quote costs up to 8 once quoted for control mode).
 */
export const PASTE_CHUNK_BYTES = 8000;

/** What `ch` costs in a command line: UTF-8 bytes, or the quoted escape of a control character. */
function encodedBytes(ch: string): number {
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f || ch === "'") return 8;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/** Splits `text` into pieces of at most `maxBytes` encoded bytes, never inside a character. */
export function splitForCommandLine(text: string, maxBytes: number = PASTE_CHUNK_BYTES): string[] {
  const chunks: string[] = [];
  let chunk = "";
  let bytes = 0;
  for (const ch of text) {
    const cost = encodedBytes(ch);
    if (bytes + cost > maxBytes && chunk !== "") {
      chunks.push(chunk);
      chunk = "";
      bytes = 0;
    }
    chunk += ch;
    bytes += cost;
  }
  if (chunk !== "") chunks.push(chunk);
  return chunks;
}

/**
 * Pastes `text` into a pane through a uniquely named buffer: `set-buffer -b NAME -- text` (a long
 * text in pieces, each appended with `set-buffer -a`), then `paste-buffer -d -b NAME -t %id`
 * (with `-p` for bracketed paste). As with any tmux paste, newlines are sent as carriage returns.
 * The buffer is deleted even when a step fails.
 */
export async function pasteText(
  client: TmuxClient,
  paneId: string,
  text: string,
  options: PasteTextOptions = {},
): Promise<void> {
  assertPaneId(paneId);
  if (text === "") return;
  const buffer = `tmux-orc-paste-${crypto.randomUUID()}`;
  const args = ["paste-buffer", "-d", "-b", buffer, "-t", paneId];
  if (options.bracketed ?? true) args.splice(1, 0, "-p");
  try {
    const chunks = splitForCommandLine(text);
    for (const [i, chunk] of chunks.entries()) {
      await client.run(["set-buffer", ...(i > 0 ? ["-a"] : []), "-b", buffer, "--", chunk]);
    }
    await client.run(args);
  } catch (error) {
    await client.run(["delete-buffer", "-b", buffer]).catch(() => {});
    throw error;
  }
}

const OPTION_KEY = new RegExp(`^${REGISTRATION_PREFIX}[a-z0-9][a-z0-9-]*$`);

/** Throws a `TypeError` unless `key` is a `@tmux-orc-*` user option name. */
export function assertOptionKey(key: string): void {
  if (typeof key !== "string" || !OPTION_KEY.test(key)) {
    throw new TypeError(`Invalid pane option: ${JSON.stringify(key)} (expected @tmux-orc-*)`);
  }
}

/** Sets a `@tmux-orc-*` pane user option (`set-option -p -t %id -- KEY VALUE`). */
export async function setPaneOption(
  client: TmuxClient,
  paneId: string,
  key: string,
  value: string,
): Promise<void> {
  assertPaneId(paneId);
  assertOptionKey(key);
  await client.run(["set-option", "-p", "-t", paneId, "--", key, value]);
}

/** Removes a `@tmux-orc-*` pane user option (`set-option -p -u -t %id -- KEY`). */
export async function unsetPaneOption(
  client: TmuxClient,
  paneId: string,
  key: string,
): Promise<void> {
  assertPaneId(paneId);
  assertOptionKey(key);
  await client.run(["set-option", "-p", "-u", "-t", paneId, "--", key]);
}

/** Options for {@linkcode respawnPane}. */
export interface RespawnPaneOptions {
  /** Kill the current process first (`-k`); without it the pane must be dead. Default false. */
  kill?: boolean;
  /** Working directory (`-c`). */
  cwd?: string;
  /** Extra environment (`-e NAME=VALUE`). */
  env?: Readonly<Record<string, string>>;
}

/** Quotes one word for `sh -c` (single quotes; `'` becomes `'\''`). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** One word for a shell command line: bare when it has only safe characters, else quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : shellQuote(word);
}

/**
 * Restarts a pane with a new command (`respawn-pane [-k] [-c DIR] [-e K=V]... -t %id -- ARGV`).
 *
 * tmux 3.3 runs a command of two or more words with `execvp` (no shell), but a single word through
 * `sh -c`; a one-word argv is therefore shell-quoted so it still names exactly that program.
 */
export async function respawnPane(
  client: TmuxClient,
  paneId: string,
  argv: readonly string[],
  options: RespawnPaneOptions = {},
): Promise<void> {
  assertPaneId(paneId);
  if (argv.length === 0 || argv[0] === "") throw new TypeError("Respawn command is empty");
  const args = ["respawn-pane"];
  if (options.kill) args.push("-k");
  if (options.cwd !== undefined) args.push("-c", options.cwd);
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (name === "" || name.includes("=")) {
      throw new TypeError(`Invalid environment variable name: ${JSON.stringify(name)}`);
    }
    args.push("-e", `${name}=${value}`);
  }
  args.push("-t", paneId, "--");
  args.push(...(argv.length === 1 ? [shellQuote(argv[0])] : argv));
  await client.run(args);
}

/**
 * Resolves a target (`%N` or `session:window.pane`, or anything else tmux accepts) to a
 * `%pane_id` via `display-message -p -t TARGET`. tmux 3.3 prints an empty line instead of failing
 * for an unknown target, so that is turned into a {@linkcode TmuxCommandError}; so is a pane of the
 * control client's hidden session.
 */
export async function resolveTarget(client: TmuxClient, target: string): Promise<string> {
  if (typeof target !== "string" || target === "") throw new TypeError("Pane target is empty");
  const lines = await client.run([
    "display-message",
    "-p",
    "-t",
    target,
    "#{q:pane_id} #{q:session_name} #{q:session_id} #{q:window_index} #{q:window_name} #{q:window_id} #{q:pane_index} ;",
  ]);
  let records: string[][];
  try {
    records = splitEscapedRecords(lines);
  } catch {
    records = [];
  }
  const [paneId, sessionName, sessionId, windowIndex, windowName, windowId, paneIndex] =
    records.length === 1 ? records[0] : [];
  if (!paneId || !PANE_ID.test(paneId)) throw new TmuxCommandError(`Pane not found: ${target}`);
  const fields: TargetFields = {
    paneId,
    sessionName,
    sessionId,
    windowIndex: Number(windowIndex),
    windowName,
    windowId,
    paneIndex: Number(paneIndex),
  };
  if (!targetMatches(target, fields)) throw new TmuxCommandError(`Pane not found: ${target}`);
  if (sessionName === CONTROL_SESSION_NAME) {
    throw new TmuxCommandError(`Pane belongs to the control session: ${target}`);
  }
  return paneId;
}

/** The parts of a pane that a target can name. */
export type TargetFields = Pick<
  PaneRecord,
  "paneId" | "sessionName" | "sessionId" | "windowIndex" | "windowName" | "windowId" | "paneIndex"
>;

/**
 * Whether the explicit parts of a `session:window.pane` target agree with the pane tmux resolved
 * it to. tmux 3.3's `display-message -t` falls back to the current pane for a window or pane index
 * that does not exist (`main:5.0` → `%0`), so {@linkcode resolveTarget} checks its answer here.
 */
export function targetMatches(target: string, pane: TargetFields): boolean {
  if (PANE_ID.test(target)) return target === pane.paneId;
  const colon = target.lastIndexOf(":");
  if (colon < 0) return true; // a session or window name alone: tmux's choice stands
  const session = target.slice(0, colon).replace(/^=/, "");
  let window = target.slice(colon + 1);
  let paneIndex: string | undefined;
  const dot = window.lastIndexOf(".");
  if (dot >= 0 && /^\d+$/.test(window.slice(dot + 1))) {
    paneIndex = window.slice(dot + 1);
    window = window.slice(0, dot);
  }
  window = window.replace(/^=/, "");
  if (session !== "" && session !== pane.sessionName && session !== pane.sessionId) return false;
  if (
    window !== "" && window !== String(pane.windowIndex) && window !== pane.windowName &&
    window !== pane.windowId
  ) return false;
  return paneIndex === undefined || Number(paneIndex) === pane.paneIndex;
}
