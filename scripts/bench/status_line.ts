/**
 * `deno run -A scripts/bench/status_line.ts [N]`: what the status-line options cost on a real
 * tmux server (private socket, N panes running `cat`, default 200) over one control-mode
 * connection: the first cycle (every pane's state and the summary written), a cycle where one
 * agent changed, and an unchanged cycle (no command at all). Prints one table.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { AGENT_STATES, type AgentState } from "../../src/agents/types.ts";
import { StatusLine } from "../../src/monitor/status_line.ts";
import { ControlClient } from "../../src/tmux/control_client.ts";

const n = Number(Deno.args[0] ?? 200);
const socket = `tmux-orc-bench-status-${crypto.randomUUID().slice(0, 8)}`;
const tmux = (args: string[]) =>
  new Deno.Command("tmux", { args: ["-L", socket, ...args], stdout: "piped", stderr: "piped" })
    .output();
await tmux(["new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", "cat"]);
for (let i = 1; i < n; i++) await tmux(["new-window", "-d", "-t", "bench:", "cat"]);
const client = new ControlClient({ socketName: socket });
try {
  const ids = (await client.run(["list-panes", "-a", "-F", "#{pane_id}"])).filter((l) => l);
  const status = new StatusLine(client, getLogger(["bench"]));
  const states = ids.map((paneId, i) => ({
    paneId,
    state: AGENT_STATES[i % AGENT_STATES.length] as AgentState,
  }));
  const time = async (label: string, panes: typeof states) => {
    const t0 = performance.now();
    const commands = await status.update(panes);
    return [label, String(commands), (performance.now() - t0).toFixed(2)];
  };
  const rows = [["cycle", "tmux commands", "ms"]];
  rows.push(await time(`first (${ids.length} panes)`, states));
  rows.push(await time("unchanged", states));
  const changed = states.map((s, i) => i === 0 ? { ...s, state: "waiting" as AgentState } : s);
  rows.push(await time("one agent changed", changed));
  rows.push(await time("unchanged", changed));
  const t0 = performance.now();
  await status.clear();
  rows.push(["clear (stop)", String(ids.length + 1), (performance.now() - t0).toFixed(2)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i])).join("  "));
} finally {
  await client.close();
  await tmux(["kill-server"]);
}
