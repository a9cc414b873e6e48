/**
 * Timing: capture-pane and list-panes over {@linkcode ControlClient} vs
 * {@linkcode SubprocessClient}, on a PRIVATE tmux server (`-L tmux-orc-bench-<random>`) with
 * N panes, killed at the end.
 *
 * Usage: `deno run -A scripts/bench/tmux_clients.ts [panes=100] [captures=1000]`
 *
 * @module
 */

import { capturePane } from "../../src/tmux/commands.ts";
import { ControlClient } from "../../src/tmux/control_client.ts";
import { listPanes } from "../../src/tmux/panes.ts";
import { SubprocessClient } from "../../src/tmux/subprocess_client.ts";
import type { TmuxClient } from "../../src/tmux/types.ts";

const paneCount = Number(Deno.args[0] ?? 100);
const captures = Number(Deno.args[1] ?? 1000);
const name = `tmux-orc-bench-${crypto.randomUUID().slice(0, 8)}`;
const server = { socketName: name };

async function tmux(args: string[]): Promise<void> {
  const out = await new Deno.Command("tmux", { args: ["-L", name, "-f", "/dev/null", ...args] })
    .output();
  if (!out.success) {
    throw new Error(`Tmux failed: ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

async function time(label: string, fn: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms`);
}

async function bench(label: string, client: TmuxClient, paneIds: string[]): Promise<void> {
  await client.run(["list-sessions"]); // connect / warm up
  await time(`${label}: ${captures} capture-pane (sequential)`, async () => {
    for (let i = 0; i < captures; i++) await capturePane(client, paneIds[i % paneIds.length]);
  });
  await time(`${label}: ${captures} capture-pane (16 in flight)`, async () => {
    let next = 0;
    const worker = async () => {
      while (next < captures) {
        const i = next++;
        await capturePane(client, paneIds[i % paneIds.length], { lines: 200 });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  });
  await time(`${label}: 100 list-panes -a`, async () => {
    for (let i = 0; i < 100; i++) await listPanes(client);
  });
}

const fill = ["sh", "-c", "seq 1 300; exec cat"];
await tmux(["new-session", "-d", "-s", "bench", "-x", "200", "-y", "50", "--", ...fill]);
try {
  for (let i = 1; i < paneCount; i++) {
    await tmux(["new-window", "-d", "-t", "bench", "--", ...fill]);
  }
  const sub = new SubprocessClient(server);
  const paneIds = (await listPanes(sub)).map((p) => p.paneId);
  console.log(`tmux server ${name}: ${paneIds.length} panes`);
  const control = new ControlClient(server);
  try {
    await bench("control", control, paneIds);
    await bench("subprocess", sub, paneIds);
  } finally {
    await control.close();
    await sub.close();
  }
} finally {
  await new Deno.Command("tmux", { args: ["-L", name, "kill-server"] }).output();
  const dir = Deno.env.get("TMUX_TMPDIR") || "/tmp";
  await Deno.remove(`${dir}/tmux-${Deno.uid()}/${name}`).catch(() => {});
}
