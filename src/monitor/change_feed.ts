/**
 * The monitor's change feed: the pane watch subscription (`tmux/pane_watch.ts`) on the monitor's
 * one control-mode connection, turned into "these panes changed" for the daemon loop, which
 * then runs an early, change-only cycle (`early_cycles.ts`).
 *
 * - Started once; the control client adds the subscription again after every reconnect, and the
 *   first value after a reconnect is compared with the last one before it, so changes made while
 *   disconnected wake the loop too.
 * - A value that cannot be read (e.g. a generation option with a newline in it) counts as
 *   "every pane changed"; so does a new generation (a registration or a hook event).
 * - When tmux refuses the subscription (before 3.2), the monitor polls only: said once in the
 *   log, at warning level.
 * - {@linkcode PaneWatchFeed.live} says whether changes are being heard right now (subscribed,
 *   connected, a first value received): only then does the monitor trust the watch enough to
 *   recapture unchanged panes less often.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { errorMessage } from "../state/errors.ts";
import type { ControlClientEvent, ControlSubscription } from "../tmux/control_client.ts";
import { type ControlNotification, parseSubscriptionChange } from "../tmux/control_parser.ts";
import {
  changedPanes,
  PANE_WATCH_FORMAT,
  PANE_WATCH_NAME,
  type PaneWatchValue,
  parsePaneWatch,
} from "../tmux/pane_watch.ts";

/** What the feed needs of a tmux client: only the control client can subscribe. */
export interface SubscribingClient {
  /** Adds a subscription now and after every reconnect (see `ControlClient.subscribe`). */
  subscribe(subscription: ControlSubscription): Promise<void>;
}

/** Panes that changed, or `"all"` when the watch cannot say which. */
export type PaneChanges = readonly string[] | "all";

/** The change source the daemon loop listens to. */
export interface ChangeSource {
  /** Subscribes; resolves `false` when tmux refused (logged once), else `true`. */
  start(): Promise<boolean>;
  /** Whether changes are being heard right now. */
  readonly live: boolean;
  /** Sets the one listener of changes. */
  listen(listener: (changes: PaneChanges) => void): void;
}

/** Options for {@linkcode PaneWatchFeed}. */
export interface PaneWatchFeedOptions {
  /** Where the fallback to polling and the first value are logged. */
  logger: Logger;
  /**
   * The format watched.
   * @default PANE_WATCH_FORMAT
   */
  format?: string;
}

/**
 * The pane watch as a {@linkcode ChangeSource}. Give the control client its
 * {@linkcode PaneWatchFeed.notification} and {@linkcode PaneWatchFeed.clientEvent} as
 * `onNotification` and `onEvent`, then {@linkcode PaneWatchFeed.connect} it.
 */
export class PaneWatchFeed implements ChangeSource {
  readonly #logger: Logger;
  readonly #format: string;
  #client: SubscribingClient | undefined;
  #listener: ((changes: PaneChanges) => void) | undefined;
  #last: PaneWatchValue | undefined;
  #connected = false;
  #heard = false;
  #refused = false;
  #announced = false;

  /** Creates the feed; nothing is subscribed until {@linkcode start}. */
  constructor(options: PaneWatchFeedOptions) {
    this.#logger = options.logger;
    this.#format = options.format ?? PANE_WATCH_FORMAT;
  }

  /** Sets the client that {@linkcode start} subscribes on. */
  connect(client: SubscribingClient): void {
    this.#client = client;
  }

  /** Whether changes are being heard right now. */
  get live(): boolean {
    return this.#connected && this.#heard && !this.#refused;
  }

  /** Sets the one listener of changes. */
  listen(listener: (changes: PaneChanges) => void): void {
    this.#listener = listener;
  }

  /** Subscribes; resolves `false` when tmux refused (logged once). */
  async start(): Promise<boolean> {
    if (!this.#client) return false;
    try {
      await this.#client.subscribe({ name: PANE_WATCH_NAME, format: this.#format });
      return !this.#refused;
    } catch (error) {
      this.#refuse(errorMessage(error));
      return false;
    }
  }

  /** Feed every control-mode notification here (the control client's `onNotification`). */
  notification(notification: ControlNotification): void {
    const change = parseSubscriptionChange(notification);
    if (!change || change.name !== PANE_WATCH_NAME) return;
    this.#connected = true;
    this.#heard = true;
    if (!this.#announced) {
      this.#announced = true;
      this.#logger.info("Watching tmux for pane changes: early cycles within about a second");
    }
    const value = parsePaneWatch(change.value);
    const before = this.#last;
    this.#last = value;
    if (!value) return this.#emit("all");
    if (!before) return;
    // A registration or a hook event (the generation counter) names no pane.
    if (value.generation !== before.generation) return this.#emit("all");
    const changed = changedPanes(before.panes, value.panes);
    if (changed.length > 0) this.#emit(changed);
  }

  /** Feed the control client's events here (its `onEvent`). */
  clientEvent(event: ControlClientEvent): void {
    if (event.kind === "disconnected") {
      this.#connected = false;
      this.#heard = false;
    } else if (event.kind === "connected") {
      this.#connected = true;
    } else if (event.kind === "subscribe-failed" && event.name === PANE_WATCH_NAME) {
      this.#refuse(event.reason);
    }
  }

  #refuse(reason: string): void {
    if (this.#refused) return;
    this.#refused = true;
    this.#logger.warn(
      "Tmux refused the pane watch subscription (refresh-client -B needs tmux 3.2 or later): " +
        "polling only; {reason}",
      { reason },
    );
  }

  #emit(changes: PaneChanges): void {
    try {
      this.#listener?.(changes);
    } catch (error) {
      this.#logger.error("Change listener failed: {error}", { error: errorMessage(error) });
    }
  }
}
