/**
 * Ending every process of a pane before it is respawned. `respawn-pane -k` only sends SIGHUP (and
 * closes the pty): a process that ignores SIGHUP — an agent's helper started with `nohup`, or a
 * `trap '' HUP` — survives it as an orphan, one more after each restart.
 *
 * tmux starts each pane's process as a session leader (`setsid`), so the pane's processes are
 * those whose session id is the pane's pid (background jobs included; a process that called
 * `setsid` itself has left the pane and is not touched). {@linkcode endPaneProcesses} sends them
 * SIGHUP, SIGTERM and SIGCONT (an interactive shell ignores SIGTERM but not SIGHUP; a stopped job
 * needs SIGCONT to act on either), waits up to a grace period for them to exit, sends SIGKILL to
 * whatever is left (new children forked meanwhile included), and confirms that none remain.
 *
 * The processes are listed with `ps` ({@linkcode psProcessTable}); where it is missing nothing is
 * found and `respawn-pane -k` alone applies.
 *
 * @module
 */

import { sleep as realSleep } from "../util/clock.ts";

/** How to look at and signal processes (tests and other platforms pass their own). */
export interface ProcessTable {
  /** Pids of the live (non-zombie) processes in session `sid`, the leader included. */
  sessionMembers(sid: number): number[];
  /** Sends a signal; a process that is gone is ignored. */
  signal(pid: number, signal: Deno.Signal): void;
}

/** What {@linkcode endPaneProcesses} found and did. */
export interface EndedProcesses {
  /** Processes found in the pane's session. */
  found: number;
  /** Of those (and any forked meanwhile), how many needed SIGKILL. */
  killed: number;
  /** Still alive at the end (0 unless a process is stuck in the kernel). */
  left: number[];
  /** Time taken (ms). */
  durationMs: number;
}

/** Options for {@linkcode endPaneProcesses}. */
export interface EndProcessesOptions {
  /** How long to wait after SIGTERM before SIGKILL (default 1000 ms). */
  graceMs?: number;
  /** How long to wait for SIGKILL to take effect (default 1000 ms). */
  killWaitMs?: number;
  /** Poll interval (default 20 ms). */
  pollMs?: number;
  /** The process table (default `/proc`). */
  processes?: ProcessTable;
  /** Sleep (default a real timer). */
  sleep?: (ms: number) => Promise<void>;
}

const decoder = new TextDecoder();

/**
 * Lists the processes with `ps -e` (procps; Deno grants `/proc` only to `--allow-all`). Lists
 * nothing unless `sid` is a live session leader whose parent is a tmux server, so a stale or wrong
 * pid never leads to signalling unrelated processes; nothing either when `ps` cannot run.
 */
export const psProcessTable: ProcessTable = {
  sessionMembers(sid: number): number[] {
    let out: Deno.CommandOutput;
    try {
      out = new Deno.Command("ps", {
        args: ["-e", "-o", "pid=", "-o", "sid=", "-o", "ppid=", "-o", "stat=", "-o", "comm="],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).outputSync();
    } catch {
      return [];
    }
    if (!out.success) return [];
    const rows = new Map<number, { sid: number; ppid: number; zombie: boolean; comm: string }>();
    for (const line of decoder.decode(out.stdout).split("\n")) {
      const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
      if (!m) continue;
      rows.set(Number(m[1]), {
        sid: Number(m[2]),
        ppid: Number(m[3]),
        zombie: m[4].startsWith("Z"),
        comm: m[5],
      });
    }
    const leader = rows.get(sid);
    if (!leader || leader.zombie || leader.sid !== sid) return [];
    if (!rows.get(leader.ppid)?.comm.startsWith("tmux")) return [];
    return [...rows].filter(([, row]) => row.sid === sid && !row.zombie).map(([pid]) => pid);
  },
  signal(pid: number, signal: Deno.Signal): void {
    try {
      Deno.kill(pid, signal);
    } catch {
      // Gone already.
    }
  },
};

/**
 * Ends every process in the session led by `panePid` (see the module documentation). Never
 * signals anything outside that session, and nothing at all for a pid that is not positive.
 */
export async function endPaneProcesses(
  panePid: number,
  options: EndProcessesOptions = {},
): Promise<EndedProcesses> {
  const table = options.processes ?? psProcessTable;
  const sleep = options.sleep ?? realSleep;
  const pollMs = options.pollMs ?? 20;
  const start = performance.now();
  const result: EndedProcesses = { found: 0, killed: 0, left: [], durationMs: 0 };
  if (!Number.isSafeInteger(panePid) || panePid <= 1) return result;
  const members = () => table.sessionMembers(panePid);
  const waitGone = async (ms: number) => {
    const until = performance.now() + ms;
    let left = members();
    while (left.length > 0 && performance.now() < until) {
      await sleep(pollMs);
      left = members();
    }
    return left;
  };
  const first = members();
  result.found = first.length;
  if (first.length === 0) return finish();
  for (const signal of ["SIGHUP", "SIGTERM", "SIGCONT"] as const) {
    for (const pid of first) table.signal(pid, signal);
  }
  let left = await waitGone(options.graceMs ?? 1000);
  if (left.length > 0) {
    result.killed = left.length;
    // Repeated: children forked during the grace period are killed too.
    const until = performance.now() + (options.killWaitMs ?? 1000);
    while (left.length > 0) {
      for (const pid of left) table.signal(pid, "SIGKILL");
      await sleep(pollMs);
      left = members();
      if (performance.now() >= until) break;
    }
    result.left = left;
  }
  return finish();

  function finish(): EndedProcesses {
    result.durationMs = performance.now() - start;
    return result;
  }
}
