/**
 * The command lines of generic-runtime panes (`node`…): a pane whose command line names an
 * agent CLI (`node …/codex.js`) is identified without a screen signature. Read once per pane
 * process and foreground command, a few at a time; a failed read counts as unknown.
 *
 * @module
 */

import pLimit from "p-limit";
import type { AgentProfile, ProcessHint } from "../agents/profiles.ts";
import type { PaneRecord } from "../tmux/types.ts";
import { type Detection, isWrapperCommand } from "./registry.ts";

/** Reads the command line of a pane's foreground program, given the pane's pid. */
export type ReadProcessFacts = (panePid: number) => Promise<ProcessHint | undefined>;

/** The cache of generic-runtime command lines, by `pane_pid` and foreground command. */
export class ProcessHints {
  readonly #read: ReadProcessFacts;
  readonly #cache = new Map<string, ProcessHint | undefined>();

  /** A cache over `read`. */
  constructor(read: ReadProcessFacts) {
    this.#read = read;
  }

  /**
   * The hints for this cycle's generic-runtime panes not identified yet (by registration or an
   * earlier detection), by pane id. Entries of panes that are gone are dropped.
   */
  async forPanes(
    panes: readonly PaneRecord[],
    profiles: ReadonlyMap<string, AgentProfile>,
    detections: ReadonlyMap<string, Detection>,
  ): Promise<Map<string, ProcessHint>> {
    const wanted = panes.filter((pane) =>
      !pane.dead && isWrapperCommand(pane.currentCommand, profiles) &&
      detections.get(pane.paneId)?.pid !== pane.pid &&
      !(pane.profile !== "" && profiles.has(pane.profile))
    );
    const key = (pane: PaneRecord) => `${pane.pid}\0${pane.currentCommand}`;
    const limit = pLimit(4);
    await Promise.all(
      wanted.filter((pane) => !this.#cache.has(key(pane))).map((pane) =>
        limit(async () => {
          const facts = await this.#read(pane.pid).catch(() => undefined);
          this.#cache.set(key(pane), facts);
        })
      ),
    );
    const live = new Set(panes.map(key));
    for (const k of this.#cache.keys()) if (!live.has(k)) this.#cache.delete(k);
    const found = new Map<string, ProcessHint>();
    for (const pane of wanted) {
      const facts = this.#cache.get(key(pane));
      if (facts) found.set(pane.paneId, facts);
    }
    return found;
  }
}
