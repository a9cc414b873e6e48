/**
 * The heartbeat protocol, both ends. The monitor writes a small JSON file atomically every cycle
 * (for people and `status`) and, when supervised, sends a line on stdout every cycle and every
 * {@linkcode IDLE_BEAT_MS} between cycles; the supervisor times those lines on its monotonic
 * clock, so the file's wall-clock time never decides a restart.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { readJsonFile, writeJsonAtomic } from "../state/atomic.ts";
import { errorMessage } from "../state/errors.ts";

/** The prefix of a heartbeat line on the monitor's stdout. */
export const HEARTBEAT_PREFIX = "@@tmux-orc-heartbeat ";

/** How often an idle monitor tells its supervisor it is alive (ms). */
export const IDLE_BEAT_MS = 1000;

/** What one heartbeat line carries. */
export interface HeartbeatLine {
  /** The cycle last run. */
  cycle: number;
  /** That cycle's duration (ms); absent on an idle beat. */
  ms?: number;
  /** Sent between cycles. */
  idle?: true;
  /** Why the heartbeat file cannot be written, or `null` when it can. */
  writeError: string | null;
  /** The `127.0.0.1:PORT` of the monitor's metrics endpoint, when it serves one. */
  metrics?: string;
}

/**
 * The beat a stdout line carries: `undefined` for a line that is not a heartbeat, an empty
 * record for a garbled one (it still proves the monitor alive).
 *
 * @example
 * ```ts
 * import { decodeHeartbeatLine } from "./heartbeat.ts";
 * decodeHeartbeatLine('@@tmux-orc-heartbeat {"cycle":3}'); // { cycle: 3 }
 * decodeHeartbeatLine("@@tmux-orc-heartbeat {oops");       // {}
 * decodeHeartbeatLine("hello");                            // undefined
 * ```
 */
export function decodeHeartbeatLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith(HEARTBEAT_PREFIX)) return undefined;
  try {
    return JSON.parse(line.slice(HEARTBEAT_PREFIX.length));
  } catch {
    return {};
  }
}

/** The heartbeat file's write error a received beat reports (`null`: none, or not said). */
export function beatWriteError(beat: Record<string, unknown>): string | null {
  return typeof beat.writeError === "string" ? beat.writeError : null;
}

/** What the heartbeat file holds. */
export interface Heartbeat {
  /** Monitor pid. */
  pid: number;
  /** Cycle number (1-based). */
  cycle: number;
  /** Duration of the last cycle (ms). */
  cycleMs: number;
  /** Panes seen in the last cycle. */
  panes: number;
  /** Agents seen in the last cycle. */
  agents: number;
  /** Agents per state in the last cycle. */
  states: Record<string, number>;
  /** Whether the tmux server answered. */
  tmux: boolean;
  /** Monitor interval (seconds). */
  intervalS: number;
  /** Wall-clock ms when written. */
  at: number;
  /** ISO time when written, for humans. */
  time: string;
  /** Wall-clock ms when the monitor started. */
  startedAt: number;
  /** Whether a supervisor started this monitor. */
  supervised?: boolean;
  /** History rows waiting in memory because the store cannot be written (absent: none). */
  storeQueued?: number;
  /** History rows dropped since the start because that queue was full (absent: none). */
  storeLost?: number;
  /** Set while another monitor owns the tmux server: who it is (this one stands by). */
  standby?: string;
}

/** What one cycle reports, as the heartbeat file shows it (a subset of the monitor's result). */
export interface CycleFacts {
  /** Cycle number (1-based). */
  cycle: number;
  /** How long it took (ms). */
  durationMs: number;
  /** Panes listed. */
  panes: number;
  /** Agents among them. */
  agents: number;
  /** Agents per state. */
  states: Record<string, number>;
  /** Whether a tmux server answered. */
  tmux: boolean;
  /** History rows waiting because the store cannot be written. */
  storeQueued?: number;
  /** History rows dropped because that queue was full. */
  storeLost?: number;
  /** Set while another monitor owns the tmux server. */
  standby?: string;
}

/** The heartbeat file's content after a cycle. */
export function heartbeatOf(
  result: CycleFacts,
  info: { intervalMs: number; wallNow: number; startedAt: number; supervised: boolean },
): Heartbeat {
  return {
    pid: Deno.pid,
    cycle: result.cycle,
    cycleMs: Math.round(result.durationMs * 100) / 100,
    panes: result.panes,
    agents: result.agents,
    states: result.states,
    tmux: result.tmux,
    intervalS: info.intervalMs / 1000,
    at: info.wallNow,
    time: new Date(info.wallNow).toISOString(),
    startedAt: info.startedAt,
    supervised: info.supervised,
    ...(result.storeQueued ? { storeQueued: result.storeQueued } : {}),
    ...(result.storeLost ? { storeLost: result.storeLost } : {}),
    ...(result.standby ? { standby: result.standby } : {}),
  };
}

/** The heartbeat file, written every cycle; a failure is logged once, and so is the recovery. */
export class HeartbeatFile {
  readonly #path: string;
  readonly #logger: Logger;
  #failing = false;

  /** The file at `path`. */
  constructor(path: string, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
  }

  /** Writes `beat`; resolves with why it could not be written, or `null`. Never rejects. */
  async write(beat: Heartbeat): Promise<string | null> {
    try {
      await writeHeartbeat(this.#path, beat);
      if (this.#failing) this.#logger.info("Heartbeat file writes work again");
      this.#failing = false;
      return null;
    } catch (error) {
      const writeError = errorMessage(error);
      if (!this.#failing) {
        this.#logger.error("Cannot write the heartbeat file: {error}", { error: writeError });
      }
      this.#failing = true;
      return writeError;
    }
  }
}

/** Writes the heartbeat file atomically. */
export function writeHeartbeat(path: string, beat: Heartbeat): Promise<void> {
  return writeJsonAtomic(path, beat);
}

/** Reads the heartbeat file; `undefined` if missing or garbled. */
export async function readHeartbeat(path: string): Promise<Heartbeat | undefined> {
  const beat = await readJsonFile<Heartbeat>(path);
  return beat && typeof beat.pid === "number" && typeof beat.at === "number" ? beat : undefined;
}

const encoder = new TextEncoder();

/**
 * Sends heartbeat lines to the supervisor over stdout without ever blocking the monitor: while a
 * write is still pending (the supervisor is frozen and the pipe is full) further beats are dropped.
 */
export class HeartbeatPipe {
  #pending = false;
  #broken = false;

  /** Sends one beat. */
  send(beat: HeartbeatLine): void {
    if (this.#pending || this.#broken) return;
    this.#pending = true;
    Deno.stdout.write(encoder.encode(HEARTBEAT_PREFIX + JSON.stringify(beat) + "\n")).then(
      () => this.#pending = false,
      () => this.#broken = true,
    );
  }
}
