/**
 * Facts about running processes: is a pid alive, and is it still the same process (its start
 * time) — so a recycled pid is never mistaken for ours.
 *
 * Deno grants `/proc` only to `--allow-all`, so this asks `ps` (procps), one short subprocess
 * per question; only `status`, `stop` and start-up ask.
 *
 * @module
 */

/** Identifies one process over its lifetime: pid plus start time. */
export interface ProcessIdentity {
  /** The process id. */
  pid: number;
  /** Start time as `ps -o lstart=` reports it; `null` where it cannot be read. */
  start: string | null;
}

const decoder = new TextDecoder();

/** The identity of a live (non-zombie) process, or `undefined` if none has that pid. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command("ps", {
      args: ["-o", "stat=", "-o", "lstart=", "-p", String(pid)],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).outputSync();
  } catch {
    return undefined;
  }
  const line = decoder.decode(out.stdout).trim();
  if (!out.success || !line) return undefined;
  const [stat, ...start] = line.split(/\s+/);
  if (stat.startsWith("Z")) return undefined;
  return { pid, start: start.join(" ") || null };
}

/** The identity of this process. */
export function selfIdentity(): ProcessIdentity {
  return processIdentity(Deno.pid) ?? { pid: Deno.pid, start: null };
}

/**
 * Whether the process recorded as `identity` is still running: the pid is alive and, where both
 * start times are known, they match (a recycled pid does not count).
 */
export function isSameProcessAlive(identity: ProcessIdentity): boolean {
  const now = processIdentity(identity.pid);
  if (!now) return false;
  if (identity.start === null || now.start === null) return true;
  return now.start === identity.start;
}

/** The current parent pid of this process (`Deno.ppid` is read fresh on every access). */
export function currentParentPid(): number {
  return Deno.ppid;
}

/** Sends a signal, ignoring a process that is already gone. Returns whether it was sent. */
export function trySignal(pid: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
