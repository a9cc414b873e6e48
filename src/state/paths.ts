/**
 * The state directory: where it is, what lives in it, and making sure it is safe to use.
 *
 * @module
 */

import { join } from "node:path";
import { UserError } from "./errors.ts";
import { checkStateDir, createStateDir, ensureSubdir } from "./secure_dir.ts";

/** Every file tmux-orc keeps under its state directory. */
export interface StatePaths {
  /** The state directory itself. */
  dir: string;
  /** Held (flock) by the one running supervisor. */
  supervisorLock: string;
  /** The supervisor's pid and start time, for people and `status`. */
  supervisorPid: string;
  /** The supervisor's state (running, backoff, cooling_off…), rewritten atomically on change. */
  supervisorState: string;
  /** Held (flock) by the one running monitor. */
  monitorLock: string;
  /** The monitor's pid and start time. */
  monitorPid: string;
  /** The monitor's heartbeat, rewritten atomically every cycle. */
  heartbeat: string;
  /** Log directory (JSON lines, rotated). */
  logs: string;
  /** The SQLite history database. */
  database: string;
  /** Optional user profile overrides. */
  profiles: string;
}

/** Returns the paths under a state directory. */
export function statePaths(dir: string): StatePaths {
  return {
    dir,
    supervisorLock: join(dir, "supervisor.lock"),
    supervisorPid: join(dir, "supervisor.pid"),
    supervisorState: join(dir, "supervisor.json"),
    monitorLock: join(dir, "monitor.lock"),
    monitorPid: join(dir, "monitor.pid"),
    heartbeat: join(dir, "heartbeat.json"),
    logs: join(dir, "logs"),
    database: join(dir, "tmux-orc.db"),
    profiles: join(dir, "profiles.json"),
  };
}

/**
 * Resolves the state directory: `--state-dir`, else `$TMUX_ORC_STATE_DIR`, else
 * `$XDG_STATE_HOME/tmux-orc`, else `~/.local/state/tmux-orc`.
 */
export function resolveStateDir(
  flag: string | undefined,
  env: (name: string) => string | undefined = Deno.env.get,
): string {
  if (flag !== undefined) {
    if (flag.trim() === "") {
      throw new UserError("Invalid value for --state-dir: expected non-empty text, got ''");
    }
    return flag;
  }
  const explicit = env("TMUX_ORC_STATE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_STATE_HOME");
  if (xdg) return join(xdg, "tmux-orc");
  const home = env("HOME");
  if (!home) {
    throw new UserError(
      "Cannot find a state directory: set --state-dir, TMUX_ORC_STATE_DIR or HOME",
    );
  }
  return join(home, ".local", "state", "tmux-orc");
}

/**
 * Creates the state directory (mode 0700, and each missing directory on the way to it) and its
 * log directory if needed, and refuses one that is not a directory, is not owned by the current
 * user, is group- or world-writable, can be replaced by another user (see
 * {@linkcode checkStateDir}), or cannot be written.
 */
export async function ensureStateDir(
  dir: string,
  options: { create?: boolean } = {},
): Promise<StatePaths> {
  const paths = statePaths(dir);
  const uid = Deno.uid() ?? 0;
  let exists = true;
  try {
    await Deno.stat(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new UserError(`Cannot use state dir: ${dir}: ${(error as Error).message}`);
    }
    exists = false;
  }
  if (!exists) {
    if (options.create === false) return paths;
    try {
      await createStateDir(dir, uid);
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`Cannot create state dir: ${dir}: ${(error as Error).message}`);
    }
  }
  try {
    await checkStateDir(dir, uid);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`Cannot use state dir: ${dir}: ${(error as Error).message}`);
  }
  if (options.create === false) return paths;
  try {
    await ensureSubdir(paths.logs, uid);
    const probe = await Deno.makeTempFile({ dir, prefix: ".probe-" });
    await Deno.remove(probe);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`State dir is not writable: ${dir}: ${(error as Error).message}`);
  }
  return paths;
}
