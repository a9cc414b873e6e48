/**
 * Reliable delivery of a message into an agent's input box: type the text literally, press Enter
 * as a separate key, then check on the screen that the text has left the input box, pressing Enter
 * again (bounded) when the first one was swallowed (a completion menu took it, the CLI was
 * redrawing, ...). Used for PM notifications, resume messages and `tmux-orc send`.
 *
 * Steps, all bounded by `timeoutMs` in total (default 2 s, so the monitor's cadence holds):
 *
 * 1. The text is cleaned: CR/CRLF become LF, tabs become two spaces, every other control
 *    character is dropped (a raw `\x03` would be Ctrl-C, `\x1b` the start of a key sequence).
 * 2. With a profile (`verify`), the screen is captured first: when no input box shows (a
 *    permission dialog, a shell, a crashed agent), nothing is typed and delivery fails.
 * 3. Single-line text up to `pasteThreshold` characters is typed with `send-keys -l` (nothing in it
 *    is read as a key name: `C-c` or `Enter` arrive as those letters); longer or multi-line text
 *    is pasted through a tmux buffer (bracketed paste when the application asked for it).
 * 4. Enter is sent; the input box is re-read every `pollMs`. Delivered when the text is no longer
 *    in the box (or the box is gone). Otherwise Enter is pressed again after `enterWaitMs`, up to
 *    `maxEnters` presses.
 *
 * Without a profile nothing can be verified: the text is typed, Enter pressed, and the result is
 * `delivered` with `verified: false`.
 *
 * @module
 */

import { extractInput } from "../agents/detect.ts";
import type { AgentProfile } from "../agents/profiles.ts";
import { capturePane, pasteText, sendKey, sendLiteral } from "../tmux/commands.ts";
import type { TmuxClient } from "../tmux/types.ts";
import { type Clock, sleep as realSleep, systemClock } from "../util/clock.ts";
import { errorMessage } from "../state/errors.ts";

/** Options for {@linkcode deliver}. */
export interface DeliverOptions {
  /** The profile of the CLI in the pane: enables verification. */
  profile?: AgentProfile;
  /** Verify on the screen (default: true when a profile is given). */
  verify?: boolean;
  /** The pane's width in cells, so the input box is read as detection reads it. */
  width?: number;
  /** Upper bound on the whole delivery (default 2000 ms). */
  timeoutMs?: number;
  /** Most Enter presses (default 3). */
  maxEnters?: number;
  /** How long to wait for the text to leave the box before pressing Enter again (default 350 ms). */
  enterWaitMs?: number;
  /** How long to wait for typed text to show in the box before pressing Enter (default 500 ms). */
  typeWaitMs?: number;
  /** Interval between screen checks (default 50 ms). */
  pollMs?: number;
  /** Longer single-line text is pasted instead of typed (default 1000 characters). */
  pasteThreshold?: number;
  /** Clock (default the system clock). */
  clock?: Clock;
  /** Sleep (default a real timer); tests pass one that advances a manual clock. */
  sleep?: (ms: number) => Promise<void>;
}

/** What became of a delivery. */
export interface DeliveryReport {
  /** `delivered`: the text left the input box (or was sent unverified); `failed`: see `reason`. */
  status: "delivered" | "failed";
  /** Why it failed, as a short sentence-case phrase. */
  reason?: string;
  /** Whether nothing was typed (safe to try again later). */
  untouched?: boolean;
  /** Whether the result was checked on the screen. */
  verified: boolean;
  /** Enter presses. */
  enters: number;
  /** `literal` (send-keys -l) or `paste` (tmux buffer). */
  method: "literal" | "paste";
  /** Time taken (ms, monotonic). */
  durationMs: number;
}

/** Default bound on one delivery. */
export const DEFAULT_DELIVER_TIMEOUT_MS = 2000;

/**
 * Cleans text for typing into a pane: CRLF/CR → LF, tab → two spaces, other control characters
 * (C0, DEL, C1) removed, trailing blank lines dropped.
 */
export function cleanMessage(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, "  ")
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, "")
    .replace(/\s+$/, "");
}

/** Text with all whitespace removed, for comparing what a box shows with what was typed. */
function squash(text: string): string {
  return text.replace(/\s+/g, "");
}

/**
 * Types `text` into pane `paneId` and makes sure it is submitted (see the module documentation).
 * Never throws for tmux trouble: a tmux error is a `failed` report with the error as reason.
 */
export async function deliver(
  tmux: TmuxClient,
  paneId: string,
  text: string,
  options: DeliverOptions = {},
): Promise<DeliveryReport> {
  const run = new Delivery(tmux, paneId, cleanMessage(text), options);
  if (squash(run.clean) === "") {
    return run.report("failed", { reason: "Message is empty", untouched: true });
  }
  const before = run.verify ? await run.readInput() : undefined;
  if (run.verify) {
    if (before === null) {
      return run.report("failed", { reason: "Cannot read the pane", untouched: true });
    }
    if (before === undefined) {
      return run.report("failed", { reason: "No input box visible", untouched: true });
    }
  }
  try {
    if (run.method === "paste") await pasteText(tmux, paneId, run.clean);
    else await sendLiteral(tmux, paneId, run.clean);
  } catch (error) {
    return run.report("failed", { reason: `Cannot type into the pane: ${errorMessage(error)}` });
  }
  if (!run.verify) return await run.submitUnverified();
  return await run.submitVerified(before);
}

/** One delivery in progress: its tuning, its clock and what it has done so far. */
class Delivery {
  readonly clean: string;
  readonly verify: boolean;
  readonly method: "literal" | "paste";
  readonly #tmux: TmuxClient;
  readonly #paneId: string;
  readonly #options: DeliverOptions;
  readonly #clock: Clock;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #start: number;
  readonly #deadline: number;
  readonly #pollMs: number;
  /** What identifies our text in the box: its start or its end (a long input may be wrapped,
   * scrolled or cut off by the CLI, so either may be all that shows). */
  readonly #head: string;
  readonly #tail: string;
  #enters = 0;

  constructor(tmux: TmuxClient, paneId: string, clean: string, options: DeliverOptions) {
    this.#tmux = tmux;
    this.#paneId = paneId;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? realSleep;
    this.clean = clean;
    this.verify = (options.verify ?? true) && options.profile !== undefined;
    this.method = clean.includes("\n") || clean.length > (options.pasteThreshold ?? 1000)
      ? "paste"
      : "literal";
    this.#start = this.#clock.monotonic();
    this.#deadline = this.#start + (options.timeoutMs ?? DEFAULT_DELIVER_TIMEOUT_MS);
    this.#pollMs = Math.max(1, options.pollMs ?? 50);
    this.#head = squash(clean).slice(0, 24);
    this.#tail = squash(clean).slice(-24);
  }

  report(
    status: DeliveryReport["status"],
    extra: { reason?: string; untouched?: boolean } = {},
  ): DeliveryReport {
    return {
      status,
      ...extra,
      verified: this.verify,
      enters: this.#enters,
      method: this.method,
      durationMs: this.#clock.monotonic() - this.#start,
    };
  }

  /** The input box's text; `undefined`: no box; `null`: the screen could not be read. */
  async readInput(): Promise<string | undefined | null> {
    try {
      const lines = await capturePane(this.#tmux, this.#paneId);
      return extractInput(lines.join("\n"), this.#options.profile!, { width: this.#options.width });
    } catch {
      return null; // could not read the screen this time
    }
  }

  /** Without a profile: a short pause, one Enter. */
  async submitUnverified(): Promise<DeliveryReport> {
    await this.#sleep(Math.min(100, Math.max(0, this.#deadline - this.#clock.monotonic())));
    const failed = await this.#pressEnter();
    return failed ?? this.report("delivered");
  }

  /**
   * Waits (bounded) for the text to show in the box, so Enter does not overtake it; then Enter
   * until the box no longer holds it, at most `maxEnters` times.
   */
  async submitVerified(before: string | undefined | null): Promise<DeliveryReport> {
    const clock = this.#clock;
    const holdsText = (input: string): boolean =>
      this.method === "literal"
        ? squash(input).includes(this.#tail) || squash(input).includes(this.#head)
        : input !== "" && input !== before;
    const typedBy = Math.min(this.#deadline, clock.monotonic() + (this.#options.typeWaitMs ?? 500));
    while (clock.monotonic() < typedBy) {
      const input = await this.readInput();
      if (typeof input === "string" && holdsText(input)) break;
      await this.#sleep(this.#pollMs);
    }
    const maxEnters = Math.max(1, this.#options.maxEnters ?? 3);
    const enterWaitMs = this.#options.enterWaitMs ?? 350;
    let last: string | undefined | null = null;
    while (this.#enters < maxEnters && clock.monotonic() < this.#deadline) {
      const failed = await this.#pressEnter();
      if (failed) return failed;
      const waitUntil = Math.min(this.#deadline, clock.monotonic() + enterWaitMs);
      do {
        await this.#sleep(Math.min(this.#pollMs, Math.max(0, waitUntil - clock.monotonic())));
        last = await this.readInput();
        if (last === undefined) return this.report("delivered"); // the box is gone: the text left it
        if (typeof last === "string" && !holdsText(last)) return this.report("delivered");
      } while (clock.monotonic() < waitUntil);
    }
    const enters = this.#enters;
    return this.report("failed", {
      reason: last === null
        ? "Cannot read the pane to confirm delivery"
        : `Text still in the input box after ${enters} Enter ${enters === 1 ? "press" : "presses"}`,
    });
  }

  /** Presses Enter; a failure is the report to return. */
  async #pressEnter(): Promise<DeliveryReport | undefined> {
    try {
      await sendKey(this.#tmux, this.#paneId, "Enter");
      this.#enters++;
      return undefined;
    } catch (error) {
      return this.report("failed", { reason: `Cannot press Enter: ${errorMessage(error)}` });
    }
  }
}
