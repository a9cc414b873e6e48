/**
 * `tmux-orc hook [--cli NAME] EVENT [PAYLOAD]`: run by an agent CLI's own hook mechanism from
 * inside its tmux pane. It records the event on that pane as the pane option `@tmux-orc-hook`
 * (`set-option -p -t $TMUX_PANE`, on the server named by `$TMUX`), so it reaches the monitor over
 * the monitor's one tmux connection: no file, no socket of ours.
 *
 * The contract with the agent: it never fails and never slows it. Whatever happens the exit code
 * is 0 and nothing is printed on stdout (Claude Code and Gemini CLI read a hook's stdout as a
 * decision); reading the payload and the tmux call are each bounded
 * ({@linkcode STDIN_DEADLINE_MS}, {@linkcode TMUX_DEADLINE_MS}); a failure goes to the log
 * (`<state-dir>/logs/hook.jsonl`), never to the agent's screen.
 *
 * The payload is the JSON the CLI hands its hook: on stdin (Claude Code, Gemini CLI), or as the
 * last argument (Codex `notify` appends it to the argv).
 *
 * This module is loaded straight from `main.ts` for `hook` (not through the whole CLI): the
 * hook's run time is mostly Deno start-up plus this small module graph.
 *
 * @module
 */

import { HOOK_OPTIONS, WATCH_GENERATION_BUMP } from "../registration.ts";
import {
  formatHookValue,
  HOOK_AT_FORMAT,
  type HookCli,
  type HookEvent,
  hookEventFrom,
  isHookCli,
} from "./event.ts";

/**
 * Longest wait for the end of the payload on stdin (ms); the event is recorded without it after
 * that. The CLIs write the payload and close stdin as they spawn the hook, so the read normally
 * ends at once; but a busy CLI (Gemini CLI renders its UI on the same thread) may write it late:
 * measured up to a few hundred ms on a loaded machine. The deadline only bounds a stdin that is
 * never closed.
 */
export const STDIN_DEADLINE_MS = 1000;
/**
 * Longest wait for the tmux command (ms; it takes ~5 ms); the tmux client is killed after that
 * and the event is lost (logged), so that a hung tmux server cannot hold the agent.
 */
export const TMUX_DEADLINE_MS = 500;
/** Most payload bytes read (a PostToolUse payload carries the tool's whole output). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** The parsed command line of `hook`. */
export interface HookArgs {
  /** `--cli NAME`. */
  cli: HookCli | "";
  /** The event name. */
  event: string;
  /** The payload given as an argument (Codex), if any. */
  payload?: string;
}

/** What the hook touches, injectable for tests. */
export interface HookDeps {
  /** Environment lookup. */
  env: (name: string) => string | undefined;
  /** Wall-clock ms. */
  now: () => number;
  /** Reads the payload from stdin (bounded), or `undefined`. */
  readStdin: () => Promise<string | undefined>;
  /** Runs tmux with `args` (bounded); rejects with why it failed. */
  tmux: (args: string[]) => Promise<void>;
  /** Records a failure in the log. */
  logError: (message: string, detail: Record<string, unknown>) => Promise<void>;
}

/**
 * Reads `hook`'s arguments: `[--cli NAME] EVENT [PAYLOAD]` (`--cli=NAME` too). `undefined` when
 * there is no event name.
 */
export function parseHookArgs(args: readonly string[]): HookArgs | undefined {
  let cli: HookCli | "" = "";
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let name: string | undefined;
    if (arg === "--cli") name = args[++i];
    else if (arg.startsWith("--cli=")) name = arg.slice("--cli=".length);
    else {
      words.push(arg);
      continue;
    }
    if (name !== undefined && isHookCli(name)) cli = name;
  }
  const [event, ...rest] = words;
  if (event === undefined || event === "") return undefined;
  const payload = rest.length > 0 ? rest[rest.length - 1] : undefined;
  return payload === undefined ? { cli, event } : { cli, event, payload };
}

/**
 * The socket path in `$TMUX` (`PATH,PID,SESSION`; the path may hold commas itself), or
 * `undefined`.
 */
export function socketFromTmuxEnv(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const parts = value.split(",");
  if (parts.length < 3) return undefined;
  const path = parts.slice(0, -2).join(",");
  return path.startsWith("/") ? path : undefined;
}

function parsePayload(text: string | undefined): unknown {
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The tmux command that sets the pane's option to `event` unless it already holds a newer one:
 * hooks that run in the background (Claude Code's `async`) may finish out of order, and tmux runs
 * one command at a time, so the comparison and the write cannot be split by another hook. The
 * value goes single-quoted into the nested command: `formatHookValue` leaves no single quote in it.
 * Then, in the same tmux invocation, it bumps the pane watch's counter
 * (`WATCH_OPTIONS.generation`, `registration.ts`), which wakes the monitor.
 */
export function setIfNewerArgs(pane: string, event: HookEvent): string[] {
  const value = formatHookValue(event);
  // Then, in the same tmux command, the counter that wakes the monitor's pane watch.
  const bump = [";", ...WATCH_GENERATION_BUMP];
  const set = ["set-option", "-p", "-t", pane, HOOK_OPTIONS.event, value];
  if (!/^\d{13}$/.test(String(event.at)) || value.includes("'")) return [...set, ...bump];
  return [
    "if-shell",
    "-F",
    "-t",
    pane,
    `#{e|<:${HOOK_AT_FORMAT},${event.at}}`,
    `set-option -p -t ${pane} ${HOOK_OPTIONS.event} '${value}'`,
    ...bump,
  ];
}

/**
 * Records one hook event. Resolves with 0 whatever happens; every failure is handed to
 * `deps.logError`.
 */
export async function recordHook(args: readonly string[], deps: HookDeps): Promise<0> {
  const at = deps.now();
  try {
    const parsed = parseHookArgs(args);
    if (!parsed) {
      await deps.logError("tmux-orc hook: no event name given", { args: args.length });
      return 0;
    }
    const pane = deps.env("TMUX_PANE");
    const payloadText = parsed.payload ?? await deps.readStdin();
    if (!pane || !/^%\d+$/.test(pane)) {
      await deps.logError("tmux-orc hook: not in a tmux pane ($TMUX_PANE is not set)", {
        event: parsed.event,
      });
      return 0;
    }
    const event = hookEventFrom(parsed.cli, parsed.event, parsePayload(payloadText), at);
    const socket = socketFromTmuxEnv(deps.env("TMUX"));
    await deps.tmux([...(socket ? ["-S", socket] : []), ...setIfNewerArgs(pane, event)]);
  } catch (error) {
    await deps.logError("tmux-orc hook: cannot record the event: {error}", {
      error: error instanceof Error ? error.message : String(error),
    }).catch(() => {});
  }
  return 0;
}

/** Reads stdin until EOF, {@linkcode MAX_PAYLOAD_BYTES} or {@linkcode STDIN_DEADLINE_MS}. */
export async function readStdinBounded(): Promise<string | undefined> {
  if (Deno.stdin.isTerminal()) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = Deno.stdin.readable.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), STDIN_DEADLINE_MS);
  });
  try {
    while (size < MAX_PAYLOAD_BYTES) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === "late" || next.done) break;
      chunks.push(next.value);
      size += next.value.length;
    }
  } catch {
    // stdin closed or unreadable: no payload
  } finally {
    clearTimeout(timer);
    reader.releaseLock?.();
  }
  if (size === 0 || size >= MAX_PAYLOAD_BYTES) return undefined;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/** Runs `tmux ARGS`, killed after {@linkcode TMUX_DEADLINE_MS}; rejects when it failed. */
export async function runTmuxBounded(args: string[]): Promise<void> {
  const child = new Deno.Command("tmux", {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, TMUX_DEADLINE_MS);
  try {
    const output = await child.output();
    if (output.signal === "SIGKILL") {
      throw new Error(`tmux did not answer within ${TMUX_DEADLINE_MS} ms`);
    }
    if (!output.success) {
      const message = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
      throw new Error(`tmux failed: ${message || `exit ${output.code}`}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The hook's log grows to this size, then starts over in `hook.1.jsonl` (bytes). */
export const HOOK_LOG_MAX_BYTES = 1024 * 1024;

/**
 * Writes a failure as one JSON line (the format of the other logs: `@timestamp`, `level`,
 * `logger`, `message`, `properties`) to `<state-dir>/logs/hook.jsonl`, opened without following
 * links. Written directly, not through LogTape: the hook's module graph has no npm import, so it
 * can run without deno.json (see `hookProgram`). Loaded only when there is a failure to write.
 */
export async function logHookError(message: string, detail: Record<string, unknown>) {
  try {
    const [{ ensureStateDir, resolveStateDir }, { openNoFollow }, { safeJson }] = await Promise
      .all([
        import("../state/paths.ts"),
        import("../state/safe_open.ts"),
        import("../util/safe_text.ts"),
      ]);
    const paths = await ensureStateDir(resolveStateDir(undefined));
    const path = `${paths.logs}/hook.jsonl`;
    try {
      if ((await Deno.lstat(path)).size > HOOK_LOG_MAX_BYTES) {
        await Deno.rename(path, `${paths.logs}/hook.1.jsonl`);
      }
    } catch { /* no log yet */ }
    const text = message.replace(
      /\{(\w+)\}/g,
      (all, key) => key in detail ? String(detail[key]) : all,
    );
    const line = safeJson({
      "@timestamp": new Date().toISOString(),
      level: "ERROR",
      logger: "tmux-orc.hook",
      message: text,
      properties: { ...detail, pid: Deno.pid },
    }) + "\n";
    const file = await openNoFollow(path, { append: true, create: true });
    try {
      await file.write(new TextEncoder().encode(line));
    } finally {
      file.close();
    }
  } catch { /* nowhere to report: the agent must not notice */ }
}

/** The `hook` command with the real process around it. Resolves with 0. */
export function hookMain(args: readonly string[]): Promise<0> {
  return recordHook(args, {
    env: (name) => Deno.env.get(name),
    now: () => Date.now(),
    readStdin: readStdinBounded,
    tmux: runTmuxBounded,
    logError: logHookError,
  });
}
