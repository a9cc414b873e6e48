/**
 * Process figures for the benchmark and the soak: CPU time, resident memory and open file
 * descriptors, read from `/proc` (Linux). Deno allows `/proc` reads only with `--allow-all`, so
 * every reader returns `undefined` when it cannot read, and {@linkcode psSample} falls back to
 * `ps` (coarser: whole seconds of CPU).
 *
 * @module
 */

import process from "node:process";

/** Linux reports `/proc` CPU times in clock ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

/** CPU time of this process (user + system) in ms, from `process.cpuUsage()`. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Resident set size of this process in bytes, from `Deno.memoryUsage()`. */
export function ownRssBytes(): number {
  return Deno.memoryUsage().rss;
}

function statFields(pid: number | "self"): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may contain spaces), starting with field 3 (state).
    return stat.slice(stat.lastIndexOf(")") + 2).trim().split(" ");
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of a process in ms, from `/proc/PID/stat`; `undefined` if unreadable. */
export function procCpuMs(pid: number | "self"): number | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/**
 * CPU time in ms of a single-threaded process (such as tmux) from `/proc/PID/schedstat`, which
 * counts nanoseconds (only the main thread: use {@linkcode procCpuMs} for multi-threaded
 * processes); falls back to {@linkcode procCpuMs}, `undefined` if unreadable.
 */
export function threadCpuMs(pid: number): number | undefined {
  try {
    const ns = Number(Deno.readTextFileSync(`/proc/${pid}/schedstat`).split(" ")[0]);
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch { /* fall back */ }
  return procCpuMs(pid);
}

/**
 * CPU time (user + system) in ms of this process's children that have exited and been waited
 * for (e.g. one tmux subprocess per command), from `/proc/self/stat`; `undefined` if unreadable.
 */
export function childrenCpuMs(): number | undefined {
  const fields = statFields("self");
  if (!fields) return undefined;
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

/** Resident set size of a process in bytes, from `/proc/PID/status`; `undefined` if unreadable. */
export function procRssBytes(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Number of open file descriptors of a process (`/proc/PID/fd`); `undefined` if unreadable. */
export function procFdCount(pid: number): number | undefined {
  try {
    let count = 0;
    for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) count++;
    return count;
  } catch {
    return undefined;
  }
}

/** One look at another process. */
export interface ProcessSample {
  /** CPU time so far (ms). */
  cpuMs: number;
  /** Resident set size (bytes). */
  rssBytes: number;
  /** Open file descriptors, when readable. */
  fds?: number;
  /** Where the figures came from: `/proc` (10 ms CPU resolution) or `ps` (1 s). */
  source: "proc" | "ps";
}

/**
 * Samples a process: `/proc` when readable, else `ps -o times=,rss= -p PID`. Resolves `undefined`
 * when the process is gone.
 */
export async function psSample(pid: number): Promise<ProcessSample | undefined> {
  const cpuMs = procCpuMs(pid);
  const rssBytes = procRssBytes(pid);
  if (cpuMs !== undefined && rssBytes !== undefined) {
    return { cpuMs, rssBytes, fds: procFdCount(pid), source: "proc" };
  }
  try {
    const out = await new Deno.Command("ps", {
      args: ["-o", "times=,rss=", "-p", String(pid)],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const [times, rss] = new TextDecoder().decode(out.stdout).trim().split(/\s+/).map(Number);
    if (!out.success || !Number.isFinite(times) || !Number.isFinite(rss)) return undefined;
    return { cpuMs: times * 1000, rssBytes: rss * 1024, source: "ps" };
  } catch {
    return undefined;
  }
}

/**
 * Pids of the live children of `parent` whose command line contains `needle`, from `/proc`
 * (one scan of every process: call it rarely); `[]` when `/proc` is unreadable.
 */
export function procChildren(parent: number, needle: string): number[] {
  const found: number[] = [];
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^[0-9]+$/.test(entry.name)) continue;
      const pid = Number(entry.name);
      const fields = statFields(pid);
      // Field 4 (ppid) is the second after the command name.
      if (!fields || Number(fields[1]) !== parent) continue;
      try {
        const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
        if (cmdline.includes(needle)) found.push(pid);
      } catch { /* gone meanwhile */ }
    }
  } catch { /* no /proc */ }
  return found;
}

/**
 * The resident memory of one child of a process, found by its command line and found again when
 * it is replaced (the monitor restarts its detection child after a timeout).
 */
export class ChildRss {
  readonly #parent: number;
  readonly #needle: string;
  #pid: number | undefined;

  /** Watches the child of `parent` whose argv holds the argument `needle`. */
  constructor(parent: number, needle: string) {
    this.#parent = parent;
    this.#needle = needle;
  }

  /** The child's RSS in bytes; `undefined` while there is none (or `/proc` is unreadable). */
  bytes(): number | undefined {
    if (this.#pid !== undefined) {
      const rss = procRssBytes(this.#pid);
      if (rss !== undefined) return rss;
    }
    this.#pid = procChildren(this.#parent, this.#needle)[0];
    return this.#pid === undefined ? undefined : procRssBytes(this.#pid);
  }
}
