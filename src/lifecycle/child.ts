/**
 * The supervisor's view of its child, and the real spawner: the monitor as a subprocess whose
 * stdout carries heartbeat lines and whose stdin is a pipe it watches for EOF (supervisor died).
 *
 * @module
 */

import { decodeHeartbeatLine } from "./heartbeat.ts";

/** How a child ended. */
export interface ChildExit {
  /** Exit code (for a signal, what the OS reports, usually 128 + signal number). */
  code: number | null;
  /** Signal name when killed by a signal. */
  signal: string | null;
}

/** A running child process. */
export interface ChildProcess {
  /** Its pid. */
  pid: number;
  /** Resolves once, when the child has exited (never rejects). */
  exited: Promise<ChildExit>;
  /** Sends a signal; a child that is already gone is ignored. */
  kill(signal: Deno.Signal): void;
}

/** Callbacks a spawner calls while the child runs. */
export interface ChildEvents {
  /** A heartbeat line arrived from the child. */
  onHeartbeat(beat: Record<string, unknown>): void;
  /** The child wrote a line to stderr. */
  onStderrLine(line: string): void;
}

/** Starts a child; throws if it cannot be started. */
export type Spawner = (events: ChildEvents) => ChildProcess;

async function forEachLine(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        onLine(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
      if (buffer.length > 65536) buffer = buffer.slice(-65536);
    }
  } catch {
    // The pipe broke: the child is gone; its status tells the rest.
  }
  if (buffer) onLine(buffer);
}

/**
 * A spawner that runs `argv` with piped stdio: stdout lines with the heartbeat prefix are
 * heartbeats ({@linkcode decodeHeartbeatLine}); stderr lines are passed on; stdin stays open and
 * unused so the child sees EOF the moment the supervisor dies.
 */
export function processSpawner(
  argv: readonly string[],
  options: { env?: Record<string, string> } = {},
): Spawner {
  return (events) => {
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: options.env,
    }).spawn();
    const stdin = child.stdin.getWriter();
    const stdout = forEachLine(child.stdout, (line) => {
      const beat = decodeHeartbeatLine(line);
      if (beat) events.onHeartbeat(beat);
    });
    const stderr = forEachLine(child.stderr, (line) => events.onStderrLine(line));
    const exited = child.status.then(async (status) => {
      // Drain what the child wrote last, but never wait on a pipe a grandchild may still hold.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([stdout, stderr]),
        new Promise((resolve) => timer = setTimeout(resolve, 500)),
      ]);
      clearTimeout(timer);
      await stdin.close().catch(() => {});
      return { code: status.signal ? null : status.code, signal: status.signal ?? null };
    });
    return {
      pid: child.pid,
      exited,
      kill(signal) {
        try {
          child.kill(signal);
        } catch { /* already gone */ }
      },
    };
  };
}
