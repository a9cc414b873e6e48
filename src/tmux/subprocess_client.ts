/**
 * {@linkcode SubprocessClient}: one `tmux [-L/-S] ARGS...` process per command.
 *
 * Simple and robust (no connection state), but each call pays for a process start (a few ms).
 *
 * @module
 */

import {
  socketArgs,
  type TmuxClient,
  TmuxCommandError,
  type TmuxRunOptions,
  type TmuxServer,
  TmuxUnavailableError,
} from "./types.ts";
import { errorMessage } from "../state/errors.ts";

/** Default per-command timeout in milliseconds. */
export const DEFAULT_TMUX_TIMEOUT_MS = 2000;

/** Options for {@linkcode SubprocessClient}. */
export interface SubprocessClientOptions {
  /** The tmux binary (default `tmux`, looked up on `PATH`). */
  tmuxPath?: string;
  /** Default per-command timeout in milliseconds (default 2000). */
  timeoutMs?: number;
  /**
   * Pass tmux's `-N` so that no command (not even `new-session`) can start a server
   * (default `false`).
   */
  noStartServer?: boolean;
}

/**
 * Whether a tmux error message means "no server / no connection" rather than a failed command:
 * `no server running`, `error connecting to SOCKET (...)`, `server exited`, `lost server`.
 */
export function isUnavailableMessage(message: string): boolean {
  return /no server running|error connecting to|server exited|lost server/i.test(message);
}

/**
 * Checks an argv before it is sent to tmux: a non-empty array of strings without NUL characters.
 * Throws a `TypeError` otherwise.
 */
export function validateTmuxArgs(args: readonly string[]): void {
  if (!Array.isArray(args) || args.length === 0 || args[0] === "") {
    throw new TypeError("Tmux command is empty");
  }
  for (const arg of args) {
    if (typeof arg !== "string") {
      throw new TypeError(`Tmux argument is not a string: ${String(arg)}`);
    }
    if (arg.includes("\0")) {
      throw new TypeError(`Tmux argument contains a NUL character: ${JSON.stringify(arg)}`);
    }
  }
}

/**
 * Protects an argv word from tmux's command-line splitting: tmux treats a word ending in `;` as a
 * command separator (and drops the `;`) unless it ends in `\;`, which it turns into `;`. So a final
 * `;` becomes `\;`, which tmux turns back into exactly the original word.
 */
export function escapeArgvSeparator(arg: string): string {
  return arg.endsWith(";") ? `${arg.slice(0, -1)}\\;` : arg;
}

/** Splits command output into lines; a final newline does not add an empty line. */
export function splitOutputLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * A {@linkcode TmuxClient} that runs one tmux subprocess per command (argv, never a shell).
 *
 * Always passes `-u` so tmux writes UTF-8 as is (without it, and without a UTF-8 locale, tmux
 * replaces non-ASCII output with `_`). Words ending in `;` are escaped with
 * {@linkcode escapeArgvSeparator} so that every argv word reaches tmux's command exactly.
 */
export class SubprocessClient implements TmuxClient {
  #server: TmuxServer;
  #tmuxPath: string;
  #timeoutMs: number;
  #noStartServer: boolean;
  #closed = false;
  #inFlight = new Set<Promise<unknown>>();

  /** Creates a client for the given server; nothing is started until {@linkcode run}. */
  constructor(server: TmuxServer, options: SubprocessClientOptions = {}) {
    this.#server = { ...server };
    this.#tmuxPath = options.tmuxPath ?? "tmux";
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS;
    this.#noStartServer = options.noStartServer ?? false;
  }

  /**
   * Runs `tmux -u [-N] [-L/-S] ...args` and resolves with its stdout lines. On timeout the child is
   * killed (SIGKILL: a tmux client waiting on a stopped server ignores politer signals) and the
   * call rejects with {@linkcode TmuxUnavailableError}.
   */
  run(args: readonly string[], options: TmuxRunOptions = {}): Promise<string[]> {
    const promise = this.#run(args, options);
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Marks the client closed and waits for commands still running (each bounded by its timeout). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #run(args: readonly string[], options: TmuxRunOptions): Promise<string[]> {
    if (this.#closed) throw new TmuxUnavailableError("Tmux client is closed");
    validateTmuxArgs(args);
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const argv = ["-u", ...(this.#noStartServer ? ["-N"] : []), ...socketArgs(this.#server)];
    argv.push(...args.map(escapeArgvSeparator));
    const ran = await collect(this.#spawn(argv), timeoutMs);
    if (ran.timedOut) {
      throw new TmuxUnavailableError(`Tmux command timed out: ${args[0]} after ${timeoutMs} ms`);
    }
    const decoder = new TextDecoder();
    if (ran.status.success) return splitOutputLines(decoder.decode(ran.stdout));
    const message = decoder.decode(ran.stderr).trim();
    if (ran.status.signal !== null) {
      throw new TmuxUnavailableError(
        `Tmux client was killed: ${args[0]} by ${ran.status.signal}${
          message ? `: ${message}` : ""
        }`,
      );
    }
    if (isUnavailableMessage(message)) {
      throw new TmuxUnavailableError(`Tmux server unavailable: ${message}`);
    }
    throw new TmuxCommandError(
      message || `Tmux command failed: ${args[0]} exited with code ${ran.status.code}`,
    );
  }

  #spawn(argv: string[]): Deno.ChildProcess {
    try {
      return new Deno.Command(this.#tmuxPath, {
        args: argv,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new TmuxUnavailableError(`Tmux binary not found: ${this.#tmuxPath}`, {
          cause: error,
        });
      }
      throw new TmuxUnavailableError(`Tmux could not be started: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
}

/**
 * Waits for a tmux client (SIGKILL after `timeoutMs`) and reads both its pipes. Both pipes are
 * read here rather than with `child.output()`: tmux hands its stdio descriptors to the server, so
 * after killing a client whose server is stopped the pipes never reach EOF until the server runs
 * again. So the process is awaited, then the readers are cancelled if needed.
 */
async function collect(
  child: Deno.ChildProcess,
  timeoutMs: number,
): Promise<
  { status: Deno.CommandStatus; stdout: Uint8Array; stderr: Uint8Array; timedOut: boolean }
> {
  const stdout = readAll(child.stdout);
  const stderr = readAll(child.stderr);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }, timeoutMs);
  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) {
    stdout.cancel();
    stderr.cancel();
  } else {
    let grace: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([stdout.done, stderr.done]),
      new Promise<void>((resolve) => {
        grace = setTimeout(() => {
          stdout.cancel();
          stderr.cancel();
          resolve();
        }, DRAIN_GRACE_MS);
      }),
    ]);
    clearTimeout(grace);
  }
  const [outBytes, errBytes] = await Promise.all([stdout.done, stderr.done]);
  return { status, stdout: outBytes, stderr: errBytes, timedOut };
}

const DRAIN_GRACE_MS = 500;

/** A stream being read to the end in the background, which can be cut short. */
export interface StreamCollector {
  /** Resolves with everything read (up to EOF or cancellation). Never rejects. */
  done: Promise<Uint8Array>;
  /** Stops reading and releases the stream (pending reads end). */
  cancel(): void;
}

/** Reads a byte stream to its end in the background; see {@linkcode StreamCollector}. */
export function readAll(stream: ReadableStream<Uint8Array>): StreamCollector {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    } catch {
      // Cancelled or broken: keep what was read.
    }
    let length = 0;
    for (const c of chunks) length += c.length;
    const all = new Uint8Array(length);
    let offset = 0;
    for (const c of chunks) {
      all.set(c, offset);
      offset += c.length;
    }
    return all;
  })();
  return {
    done,
    cancel: () => {
      reader.cancel().catch(() => {});
    },
  };
}
