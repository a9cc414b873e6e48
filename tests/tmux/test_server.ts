/**
 * Test helpers: a PRIVATE tmux server per test (`tmux -L tmux-orc-test-<random>`), never the
 * default one, plus a deadline-based poller.
 *
 * @module
 */

import { killTmuxServer } from "../helpers/mod.ts";

import { escapeArgvSeparator } from "../../src/tmux/subprocess_client.ts";
import type { TmuxServer } from "../../src/tmux/types.ts";

/** A fresh private socket name: `tmux-orc-test-<random>`. */
export function randomServerName(): string {
  return `tmux-orc-test-${crypto.randomUUID().slice(0, 8)}`;
}

/** Result of a raw tmux call. */
export interface RawResult {
  /** Exit code. */
  code: number;
  /** Decoded stdout. */
  stdout: string;
  /** Decoded stderr. */
  stderr: string;
}

/**
 * Runs `tmux -L NAME -f /dev/null ARGS` directly (words ending in `;` are escaped so that they
 * stay words).
 */
export async function tmuxRaw(socketName: string, args: string[]): Promise<RawResult> {
  const out = await new Deno.Command("tmux", {
    args: ["-u", "-L", socketName, "-f", "/dev/null", ...args.map(escapeArgvSeparator)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** Like {@linkcode tmuxRaw} but throws on failure and returns stdout. */
export async function tmux(socketName: string, args: string[]): Promise<string> {
  const result = await tmuxRaw(socketName, args);
  if (result.code !== 0) {
    throw new Error(`Tmux failed: ${args.join(" ")}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** A private tmux server for one test. */
export interface TestServer {
  /** The `-L` socket name. */
  name: string;
  /** The server description for the clients under test. */
  server: TmuxServer;
  /** The socket file. */
  socketPath: string;
  /** Pid of the tmux server process. */
  pid: number;
  /** Runs a raw tmux command against this server (throws on failure). */
  tmux(args: string[]): Promise<string>;
  /** Kills the server and removes its socket file. Idempotent. */
  kill(): Promise<void>;
}

/** Options for {@linkcode startTestServer}. */
export interface StartTestServerOptions {
  /** Socket name (default random). */
  name?: string;
  /** Name of the first session (default `base`). */
  session?: string;
  /** Command (argv) of the first pane (default `cat -`). */
  command?: string[];
}

/** Starts a private tmux server with one detached session running `cat`. */
export async function startTestServer(options: StartTestServerOptions = {}): Promise<TestServer> {
  const name = options.name ?? randomServerName();
  await tmux(name, [
    "new-session",
    "-d",
    "-s",
    options.session ?? "base",
    "-x",
    "120",
    "-y",
    "40",
    "--",
    ...(options.command ?? ["cat", "-"]),
  ]);
  const info = (await tmux(name, ["display-message", "-p", "#{pid} #{socket_path}"])).trim();
  const space = info.indexOf(" ");
  const pid = Number(info.slice(0, space));
  const socketPath = info.slice(space + 1);
  return {
    name,
    server: { socketName: name },
    socketPath,
    pid,
    tmux: (args) => tmux(name, args),
    kill: () => killTestServer(name, socketPath),
  };
}

/** Kills a private server (tolerating none) and removes its socket file. */
export async function killTestServer(name: string, socketPath?: string): Promise<void> {
  await tmuxRaw(name, ["kill-server"]);
  await killTmuxServer(name); // and any half-exited server or orphaned client of that name
  const path = socketPath ?? defaultSocketPath(name);
  try {
    await Deno.remove(path);
  } catch {
    // Already gone.
  }
}

/** Where tmux puts a `-L NAME` socket. */
export function defaultSocketPath(name: string): string {
  const dir = Deno.env.get("TMUX_TMPDIR") || "/tmp";
  return `${dir}/tmux-${Deno.uid()}/${name}`;
}

/** Whether a socket file exists at `path`. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` with a fresh private server, always killing it afterwards. */
export async function withTestServer(
  fn: (server: TestServer) => Promise<void>,
  options: StartTestServerOptions = {},
): Promise<void> {
  const server = await startTestServer(options);
  try {
    await fn(server);
  } finally {
    await server.kill();
  }
}

/**
 * Polls `probe` until it returns something other than `undefined`/`false`, or throws when the
 * deadline passes (the error names `what` and the last value or error seen).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + (options.timeoutMs ?? 5000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`Timed out waiting for: ${what} (last: ${String(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
