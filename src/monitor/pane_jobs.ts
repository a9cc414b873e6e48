/**
 * A cycle's pane work (Enter presses, restarts, messages): concurrent across panes, in order
 * within a pane, so two keystroke sequences never interleave in one pane.
 *
 * @module
 */

import type { Logger } from "@logtape/logtape";
import { errorMessage } from "../state/errors.ts";

/** Work on one pane, run after the cycle's decisions (in order within a pane). */
export interface PaneJob {
  /** The pane it touches. */
  paneId: string;
  /** The work; it pushes its history rows itself. */
  run: () => Promise<void>;
}

/** Runs the jobs; a job that throws is logged and does not stop the pane's next job. */
export async function runPaneJobs(jobs: readonly PaneJob[], logger: Logger): Promise<void> {
  const chains = new Map<string, Promise<void>>();
  for (const job of jobs) {
    const previous = chains.get(job.paneId) ?? Promise.resolve();
    chains.set(
      job.paneId,
      previous.then(job.run).catch((error) => {
        logger.error("Action on {pane} failed: {error}", {
          pane: job.paneId,
          error: errorMessage(error),
        });
      }),
    );
  }
  await Promise.all(chains.values());
}
