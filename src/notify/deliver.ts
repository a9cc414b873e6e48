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
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const profile = options.profile;
  const verify = (options.verify ?? true) && profile !== undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVER_TIMEOUT_MS;
  const maxEnters = Math.max(1, options.maxEnters ?? 3);
  const enterWaitMs = options.enterWaitMs ?? 350;
  const typeWaitMs = options.typeWaitMs ?? 500;
  const pollMs = Math.max(1, options.pollMs ?? 50);
  const start = clock.monotonic();
  const deadline = start + timeoutMs;
  const clean = cleanMessage(text);
  const method: "literal" | "paste" =
    clean.includes("\n") || clean.length > (options.pasteThreshold ?? 1000) ? "paste" : "literal";
  let enters = 0;
  const report = (
    status: DeliveryReport["status"],
    extra: { reason?: string; untouched?: boolean } = {},
  ): DeliveryReport => ({
    status,
    ...extra,
    verified: verify,
    enters,
    method,
    durationMs: clock.monotonic() - start,
  });

  if (squash(clean) === "") {
    return report("failed", { reason: "Message is empty", untouched: true });
  }

  const readInput = async (): Promise<string | undefined | null> => {
    try {
      const lines = await capturePane(tmux, paneId);
      return extractInput(lines.join("\n"), profile!, { width: options.width });
    } catch {
      return null; // could not read the screen this time
    }
  };
  // What identifies our text in the box: its start or its end (a long input may be wrapped,
  // scrolled or cut off by the CLI, so either may be all that shows).
  const head = squash(clean).slice(0, 24);
  const tail = squash(clean).slice(-24);
  const before = verify ? await readInput() : undefined;
  if (verify) {
    if (before === null) {
      return report("failed", { reason: "Cannot read the pane", untouched: true });
    }
    if (before === undefined) {
      return report("failed", { reason: "No input box visible", untouched: true });
    }
  }
  /** Whether the box still holds our text. */
  const holdsText = (input: string): boolean =>
    method === "literal"
      ? squash(input).includes(tail) || squash(input).includes(head)
      : input !== "" && input !== before;

  try {
    if (method === "paste") await pasteText(tmux, paneId, clean);
    else await sendLiteral(tmux, paneId, clean);
  } catch (error) {
    return report("failed", { reason: `Cannot type into the pane: ${errorMessage(error)}` });
  }

  if (!verify) {
    await sleep(Math.min(100, Math.max(0, deadline - clock.monotonic())));
    try {
      await sendKey(tmux, paneId, "Enter");
      enters++;
    } catch (error) {
      return report("failed", { reason: `Cannot press Enter: ${errorMessage(error)}` });
    }
    return report("delivered");
  }

  // Wait (bounded) for the text to show in the box, so Enter does not overtake it.
  const typedBy = Math.min(deadline, clock.monotonic() + typeWaitMs);
  while (clock.monotonic() < typedBy) {
    const input = await readInput();
    if (typeof input === "string" && holdsText(input)) break;
    await sleep(pollMs);
  }

  let last: string | undefined | null = null;
  while (enters < maxEnters && clock.monotonic() < deadline) {
    try {
      await sendKey(tmux, paneId, "Enter");
      enters++;
    } catch (error) {
      return report("failed", { reason: `Cannot press Enter: ${errorMessage(error)}` });
    }
    const waitUntil = Math.min(deadline, clock.monotonic() + enterWaitMs);
    do {
      await sleep(Math.min(pollMs, Math.max(0, waitUntil - clock.monotonic())));
      last = await readInput();
      if (last === undefined) return report("delivered"); // the box is gone: the text left it
      if (typeof last === "string" && !holdsText(last)) return report("delivered");
    } while (clock.monotonic() < waitUntil);
  }
  return report("failed", {
    reason: last === null
      ? "Cannot read the pane to confirm delivery"
      : `Text still in the input box after ${enters} Enter ${enters === 1 ? "press" : "presses"}`,
  });
}
