/**
 * One monitor per tmux server: a marker on the server itself names the monitor that watches it,
 * so two monitors (two state dirs, a state dir deleted and started again, a second user config)
 * never both notify. Server user options:
 *
 * - `@tmux-orc-owner`: a token `HOST:PID:NONCE` (format-safe characters only);
 * - `@tmux-orc-owner-info`: JSON `{ token, pid, host, start, stateDir, startedAt }` for humans
 *   (`tmux show -sv @tmux-orc-owner-info`) and for the liveness check;
 * - `@tmux-orc-owner-beat`: wall-clock ms of the owner's last cycle.
 *
 * Each cycle {@linkcode Ownership.check} reads them in one command. Ours: refresh the beat. Empty,
 * or a foreign owner that is gone (same host: its pid is dead or is another process now; another
 * host: no beat for {@linkcode STALE_BEAT_MS}): claim it with a compare-and-set —
 * `if-shell -F '#{==:#{@tmux-orc-owner},OLD}' 'set …'` runs inside the server's command queue, so of
 * two monitors claiming at once exactly one wins — and read it back. A live foreign owner: stand
 * by (the cycle watches nothing, writes nothing and tells nobody) until it is gone. On a clean
 * exit the marker is removed with the same compare-and-set, so the next monitor takes over at its
 * next cycle; after a crash, at the first cycle after the pid is seen dead.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { OWNERSHIP_OPTIONS } from "../registration.ts";
import { errorMessage } from "../state/errors.ts";
import { isSameProcessAlive, selfIdentity } from "../state/process_info.ts";
import { quoteTmuxArgument } from "../tmux/control_client.ts";
import { type TmuxClient, TmuxUnavailableError } from "../tmux/types.ts";

/** The server option holding the owner's token. */
export const OWNER_OPTION: string = OWNERSHIP_OPTIONS.owner;
/** The server option holding the owner's description (JSON). */
export const OWNER_INFO_OPTION: string = OWNERSHIP_OPTIONS.info;
/** The server option holding the owner's last beat (wall ms). */
export const OWNER_BEAT_OPTION: string = OWNERSHIP_OPTIONS.beat;
/** A foreign owner on another host with no beat for this long is taken over. */
export const STALE_BEAT_MS = 60_000;

/** What an owner says about itself. */
export interface OwnerInfo {
  /** Its token. */
  token: string;
  /** Its pid. */
  pid: number;
  /** Its host name. */
  host: string;
  /** Its process start identity (see `process_info.ts`), or null. */
  start: string | null;
  /** Its state dir. */
  stateDir: string;
  /** Wall ms when it started. */
  startedAt: number;
}

/** What {@linkcode Ownership.check} found. */
export type OwnershipState =
  | { owner: true; tookOver?: OwnerInfo }
  | { owner: false; foreign: OwnerInfo | undefined; token: string };

/** How the liveness of a foreign owner on this host is judged (tests pass their own). */
export type IsAlive = (info: OwnerInfo) => boolean;

/** Options for {@linkcode Ownership}. */
export interface OwnershipOptions {
  /** This monitor's state dir. */
  stateDir: string;
  /** Wall clock (default `Date.now`). */
  wall?: () => number;
  /** Liveness of a same-host owner (default: pid alive with the same start identity). */
  isAlive?: IsAlive;
}

/** Keeps only characters that are safe inside a tmux format and a token. */
function formatSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]/g, "_").slice(0, 64) || "host";
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "host";
  }
}

/** Parses `@tmux-orc-owner-info`; `undefined` when absent or garbled. */
export function parseOwnerInfo(text: string): OwnerInfo | undefined {
  try {
    const value = JSON.parse(text);
    if (
      value && typeof value.token === "string" && typeof value.pid === "number" &&
      typeof value.host === "string"
    ) return value as OwnerInfo;
  } catch { /* garbled */ }
  return undefined;
}

/** One line naming an owner, for logs and the heartbeat. */
export function describeOwner(info: OwnerInfo | undefined, token: string): string {
  if (!info) return `monitor ${token}`;
  return `pid ${info.pid} on ${info.host} (state dir ${info.stateDir})`;
}

/** This monitor's claim on its tmux server (see the module documentation). */
export class Ownership {
  readonly #info: OwnerInfo;
  readonly #wall: () => number;
  readonly #isAlive: IsAlive;
  #claimed = false;
  #standby: string | undefined;
  #checkError = "";

  /** Creates the claim; nothing is sent until {@linkcode check}. */
  constructor(options: OwnershipOptions) {
    const self = selfIdentity();
    const host = hostName();
    this.#wall = options.wall ?? Date.now;
    this.#isAlive = options.isAlive ?? ((info) => isSameProcessAlive(info));
    this.#info = {
      token: `${formatSafe(host)}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`,
      pid: Deno.pid,
      host,
      start: self.start,
      stateDir: options.stateDir,
      startedAt: this.#wall(),
    };
  }

  /** This monitor's token. */
  get token(): string {
    return this.#info.token;
  }

  /** Reads the marker, claims it when free, refreshes it when ours. Tmux errors propagate. */
  async check(tmux: TmuxClient): Promise<OwnershipState> {
    const [line = ""] = await tmux.run([
      "display-message",
      "-p",
      "--",
      `#{${OWNER_OPTION}}\t#{${OWNER_BEAT_OPTION}}\t#{${OWNER_INFO_OPTION}}`,
    ]);
    const [token = "", beatText = "", ...rest] = line.split("\t");
    const mine = this.#info.token;
    if (token === mine) {
      this.#claimed = true;
      // Early cycles can come every 250 ms; the beat only needs to stay well inside
      // STALE_BEAT_MS, so it is refreshed once it is a tenth of that old.
      const now = this.#wall();
      const age = now - Number(beatText);
      if (!(age >= 0 && age < STALE_BEAT_MS / 10)) {
        await tmux.run(["set-option", "-s", OWNER_BEAT_OPTION, String(now)]);
      }
      return { owner: true };
    }
    const foreign = parseOwnerInfo(rest.join("\t"));
    if (token !== "" && this.#foreignAlive(foreign, token, Number(beatText))) {
      return { owner: false, foreign, token };
    }
    if (!/^[A-Za-z0-9.:_-]*$/.test(token)) {
      // Not written by tmux-orc: leave it alone rather than build a format from it.
      return { owner: false, foreign, token };
    }
    const set = [
      ["set-option", "-s", OWNER_OPTION, mine],
      ["set-option", "-s", OWNER_INFO_OPTION, JSON.stringify(this.#info)],
      ["set-option", "-s", OWNER_BEAT_OPTION, String(this.#wall())],
    ].map((argv) => argv.map(quoteTmuxArgument).join(" ")).join(" ; ");
    await tmux.run(["if-shell", "-F", `#{==:#{${OWNER_OPTION}},${token}}`, set]);
    const [after = ""] = await tmux.run(["display-message", "-p", "--", `#{${OWNER_OPTION}}`]);
    if (after !== mine) {
      const [infoText = ""] = await tmux.run([
        "display-message",
        "-p",
        "--",
        `#{${OWNER_INFO_OPTION}}`,
      ]);
      return { owner: false, foreign: parseOwnerInfo(infoText), token: after };
    }
    this.#claimed = true;
    return token === "" ? { owner: true } : { owner: true, tookOver: foreign };
  }

  /**
   * One cycle's verdict, logged on changes: who owns the server when another live monitor does
   * (this cycle must stand by), or `undefined` (carry on). No server, or a marker that cannot be
   * read: carry on (logged once).
   */
  async standbyReason(tmux: TmuxClient, logger: Logger): Promise<string | undefined> {
    let state: OwnershipState;
    try {
      state = await this.check(tmux);
      this.#checkError = "";
    } catch (error) {
      const text = errorMessage(error);
      if (!(error instanceof TmuxUnavailableError) && this.#checkError !== text) {
        logger.error("Cannot check which monitor owns the tmux server: {error}", { error: text });
      }
      this.#checkError = text;
      return this.#standby = undefined;
    }
    if (!state.owner) {
      const owner = describeOwner(state.foreign, state.token);
      if (this.#standby !== owner) {
        logger.error(
          "Another monitor already watches this tmux server: {owner}; standing by (watching " +
            "nothing, telling nobody) until it stops",
          { owner },
        );
      }
      return this.#standby = owner;
    }
    if (state.tookOver) {
      logger.warn("Took over the tmux server from {owner}, which is gone", {
        owner: describeOwner(state.tookOver, state.tookOver.token),
      });
    } else if (this.#standby !== undefined) {
      logger.warn("The other monitor stopped; watching this tmux server now");
    }
    return this.#standby = undefined;
  }

  /** Removes the marker if it is still ours (on a clean exit). Errors are ignored. */
  async release(tmux: TmuxClient): Promise<void> {
    if (!this.#claimed) return;
    const unset = [OWNER_OPTION, OWNER_INFO_OPTION, OWNER_BEAT_OPTION]
      .map((option) => `set-option -s -u ${option}`).join(" ; ");
    await tmux.run(["if-shell", "-F", `#{==:#{${OWNER_OPTION}},${this.#info.token}}`, unset])
      .catch(() => {});
  }

  #foreignAlive(info: OwnerInfo | undefined, token: string, beat: number): boolean {
    if (info && info.token === token && info.host === this.#info.host) return this.#isAlive(info);
    // Another host, or no readable description: judge by the beat.
    return Number.isFinite(beat) && this.#wall() - beat < STALE_BEAT_MS;
  }
}
