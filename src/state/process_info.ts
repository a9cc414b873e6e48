/**
 * Facts about running processes: is a pid alive, and is it still the same process — so a recycled
 * pid is never mistaken for ours.
 *
 * A process's identity is its pid plus its start time as the kernel keeps it: field 22 of
 * `/proc/PID/stat`, clock ticks since boot, qualified by the boot id
 * (`/proc/sys/kernel/random/boot_id`). Neither depends on the time zone, the wall clock (a clock
 * step changes nothing) or procps. Deno grants `/proc` only to `--allow-all`, which tmux-orc does
 * not run with, so when the direct read is refused the same files are read by `cat` (argv, no
 * shell) — present wherever a shell is, busybox and slim images included.
 *
 * @module
 */

/** Identifies one process over its lifetime: pid plus start time. */
export interface ProcessIdentity {
  /** The process id. */
  pid: number;
  /**
   * `BOOT_ID/TICKS`: the boot id and the start time in clock ticks since that boot; `null` where
   * it could not be read (such a record can never be confirmed).
   */
  start: string | null;
}

/** What is known about a recorded process now. */
export type Liveness =
  /** The same process (pid and start time match) is running. */
  | "alive"
  /** No process has that pid, it is a zombie, or the pid now belongs to another process. */
  | "gone"
  /** A process has that pid, but whether it is the recorded one cannot be told. */
  | "unconfirmed";

const BOOT_ID = "/proc/sys/kernel/random/boot_id";
const decoder = new TextDecoder();
let directRead = true;

/** Reads the boot id and `/proc/PID/stat`; `undefined` when the pid does not exist. */
function readProc(pid: number): { bootId: string; stat: string } | undefined | null {
  if (directRead) {
    try {
      return {
        bootId: Deno.readTextFileSync(BOOT_ID).trim(),
        stat: Deno.readTextFileSync(`/proc/${pid}/stat`),
      };
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      if (!(error instanceof Deno.errors.NotCapable)) return null;
      directRead = false;
    }
  }
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command("cat", {
      args: [BOOT_ID, `/proc/${pid}/stat`],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).outputSync();
  } catch {
    return null; // no way to look: neither /proc access nor cat
  }
  const [bootId, ...rest] = decoder.decode(out.stdout).split("\n");
  const stat = rest.join("\n");
  if (!bootId) return null;
  return out.success && stat.trim() ? { bootId: bootId.trim(), stat } : undefined;
}

/**
 * Parses a `/proc/PID/stat` line: the state letter and the start time in ticks (field 22). The
 * command name (field 2) may hold spaces and parentheses, so fields are counted after the last `)`.
 */
export function parseProcStat(stat: string): { state: string; startTicks: string } | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  const state = fields[0];
  const startTicks = fields[19];
  if (!state || !startTicks || !/^\d+$/.test(startTicks)) return undefined;
  return { state, startTicks };
}

/**
 * The identity of a live (non-zombie) process, or `undefined` if none has that pid. The start
 * is `null` when it cannot be read (no `/proc`, no `cat`); then the pid is assumed to exist.
 */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const proc = readProc(pid);
  if (proc === undefined) return undefined;
  if (proc === null) return { pid, start: null };
  const parsed = parseProcStat(proc.stat);
  if (!parsed) return { pid, start: null };
  if (parsed.state === "Z" || parsed.state === "X") return undefined;
  return { pid, start: `${proc.bootId}/${parsed.startTicks}` };
}

/** The identity of this process. */
export function selfIdentity(): ProcessIdentity {
  return processIdentity(Deno.pid) ?? { pid: Deno.pid, start: null };
}

/** What is known now about the process recorded as `identity` (see {@linkcode Liveness}). */
export function checkProcess(identity: ProcessIdentity): Liveness {
  const now = processIdentity(identity.pid);
  if (!now) return "gone";
  if (identity.start === null || now.start === null) return "unconfirmed";
  return now.start === identity.start ? "alive" : "gone";
}

/** Whether the process recorded as `identity` is confirmed to be still running. */
export function isSameProcessAlive(identity: ProcessIdentity): boolean {
  return checkProcess(identity) === "alive";
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
