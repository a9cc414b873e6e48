/**
 * The monitor's heartbeat: a small JSON file rewritten atomically every cycle (for people and
 * `status`), and a line on stdout for the supervisor (liveness on its monotonic clock).
 *
 * @module
 */

import { readJsonFile, writeJsonAtomic } from "../state/atomic.ts";
import { HEARTBEAT_PREFIX } from "../supervisor/child.ts";

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
  send(beat: Record<string, unknown>): void {
    if (this.#pending || this.#broken) return;
    this.#pending = true;
    Deno.stdout.write(encoder.encode(HEARTBEAT_PREFIX + JSON.stringify(beat) + "\n")).then(
      () => this.#pending = false,
      () => this.#broken = true,
    );
  }
}
