/**
 * Finding the processes a test started, by a marker in their command line (the state dir path).
 *
 * @module
 */

/** Pids of live processes whose command line contains `marker` and the given mode word. */
export async function pidsWith(marker: string, mode?: "supervise" | "monitor"): Promise<number[]> {
  const out = await new Deno.Command("ps", {
    args: ["-eo", "pid=,stat=,args="],
    stdout: "piped",
    stderr: "null",
  }).output();
  const pids: number[] = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const match = line.trim().match(/^(\d+)\s+(\S+)\s+(.*)$/);
    if (!match || match[2].startsWith("Z") || !match[3].includes(marker)) continue;
    if (!match[3].includes("main.ts") && !match[3].includes("tmux-orc")) continue;
    const words = match[3].split(/\s+/);
    if (mode && !words.includes(mode)) continue;
    pids.push(Number(match[1]));
  }
  return pids;
}
