/**
 * Process-tree helpers for the Codex scenarios. Codex runs every shell command in a terminal of its
 * own (a new session), so killing the pane's session misses them: they are found by parent pid.
 *
 * @module
 */

/** Parent pid of every live process, from `/proc/<pid>/stat`. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      map.set(Number(entry.name), Number(fields[1]));
    } catch { /* gone */ }
  }
  return map;
}

/** Every descendant of `root` (children first found, deepest last). */
export function descendants(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) {
    const list = byParent.get(ppid) ?? [];
    list.push(pid);
    byParent.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/**
 * Signals the descendants of `root` (and `root` itself with `self`), then waits up to 2 s for
 * them to end.
 */
export async function killDescendants(
  root: number,
  options: { self: boolean; signal: Deno.Signal },
): Promise<void> {
  const pids = [...(options.self ? [root] : []), ...descendants(root)];
  for (const pid of pids) {
    try {
      Deno.kill(pid, options.signal);
    } catch { /* gone */ }
  }
  for (let i = 0; i < 100 && pids.some(alive); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
