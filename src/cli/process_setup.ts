/**
 * What every long-running mode does first: private file modes, logging, and SIGTERM/SIGINT wired
 * to an abort controller.
 *
 * @module
 */

import type { LogLevel } from "@logtape/logtape";
import { log, setupLogging, START_REFUSAL } from "../log/mod.ts";
import { UserError } from "../state/errors.ts";
import type { StatePaths } from "../state/paths.ts";

/** Makes every file and directory this process creates private (umask 077). */
export function privateUmask(): void {
  try {
    Deno.umask(0o077);
  } catch { /* not permitted: files are still created with explicit modes */ }
}

/** Configures logging for a daemon process kind. */
export function setupProcessLogging(
  paths: StatePaths,
  options: { name: string; stderrLevel: LogLevel | false },
): Promise<void> {
  return setupLogging({ logDir: paths.logs, name: options.name, stderrLevel: options.stderrLevel });
}

/** An abort controller that SIGTERM and SIGINT abort; call the returned function to unhook. */
export function terminationController(): { stop: AbortController; unhook: () => void } {
  const stop = new AbortController();
  const handler = () => stop.abort();
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP"];
  for (const signal of signals) Deno.addSignalListener(signal, handler);
  return {
    stop,
    unhook: () => {
      for (const signal of signals) {
        try {
          Deno.removeSignalListener(signal, handler);
        } catch { /* already removed */ }
      }
    },
  };
}

/**
 * Logs why a background daemon refused to start — its stderr goes nowhere — so `monitor start`
 * can print the reason instead of "see the logs". Only one-line refusals ({@linkcode UserError}).
 */
export function logStartRefusal(name: string, error: unknown): void {
  if (!(error instanceof UserError)) return;
  log(name).error(`${START_REFUSAL}{reason}`, { reason: error.message, pid: Deno.pid });
}
