/**
 * What `top` costs, in numbers: one poll of the store (unchanged: the `PRAGMA data_version` gate;
 * changed: the agents and the latest events re-read), one frame's layout, the bytes a one-agent
 * change writes against a full frame, and the monitor's side — the writer's per-cycle
 * `upsertAgents` time with no reader, with a reader process polling at `top`'s default rate
 * (every 1 s) and 20 times faster (every 50 ms).
 *
 * ```sh
 * nice -n 10 deno run -A scripts/top_bench.ts [--agents 1000] [--cycles 300]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { openStore } from "../src/store/store.ts";
import type { AgentUpsert } from "../src/store/store.ts";
import { statePaths } from "../src/state/paths.ts";
import { TopSource } from "../src/top/source.ts";
import { renderFrame } from "../src/top/layout.ts";
import { diffFrame } from "../src/top/screen.ts";
import { initialView } from "../src/top/view.ts";
import { AGENT_STATES } from "../src/agents/types.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    agents: { type: "string", default: "1000" },
    cycles: { type: "string", default: "300" },
    reader: { type: "string" },
    every: { type: "string", default: "50" },
  },
});

if (values.reader) {
  // Child mode: poll like top does, every `--every` ms, until killed.
  const source = new TopSource(statePaths(values.reader));
  while (true) {
    await source.read();
    await new Promise((r) => setTimeout(r, Number(values.every)));
  }
}

const N = Number(values.agents);
const CYCLES = Number(values.cycles);

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return `mean ${mean.toFixed(3)} ms  p50 ${at(0.5).toFixed(3)}  p99 ${at(0.99).toFixed(3)}`;
}

function agents(cycle: number): AgentUpsert[] {
  const now = Date.now();
  return Array.from({ length: N }, (_, i) => ({
    paneId: `%${i + 1}`,
    name: `agent-${i + 1}`,
    target: `s${i % 20}:${i}.0`,
    profile: "claude",
    role: "agent",
    state: AGENT_STATES[(i + (i % 7 === 0 ? cycle : 0)) % AGENT_STATES.length],
    since: now - i * 1000,
    detail: `detail of agent ${i} in cycle ${i % 7 === 0 ? cycle : 0}`,
  }));
}

const dir = await Deno.makeTempDir({ prefix: "tmux-orc-top-bench-" });
try {
  const paths = statePaths(dir);
  const writer = openStore(paths.database);
  writer.upsertAgents(agents(0));
  for (let i = 0; i < 2000; i++) {
    writer.recordTransition({
      agent: `agent-${i % N}`,
      paneId: `%${(i % N) + 1}`,
      from: "active",
      to: "idle",
      detail: "input prompt empty",
    });
  }
  const source = new TopSource(paths);
  await source.read();

  const unchanged: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await source.read();
    unchanged.push(performance.now() - t);
  }
  const changed: number[] = [];
  for (let i = 0; i < 100; i++) {
    writer.upsertAgents(agents(i + 1));
    const t = performance.now();
    await source.read();
    changed.push(performance.now() - t);
  }
  const snapshot = await source.read();
  source.close();

  const layout: number[] = [];
  let frame = renderFrame({
    ...snapshot,
    nowMs: Date.now(),
    view: initialView(),
    size: { columns: 200, rows: 60 },
    color: true,
  });
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    frame = renderFrame({
      ...snapshot,
      nowMs: Date.now(),
      view: initialView(),
      size: { columns: 200, rows: 60 },
      color: true,
      clock: "12:00:00",
    });
    layout.push(performance.now() - t);
  }
  const before = frame.lines;
  const moved = renderFrame({
    ...snapshot,
    nowMs: Date.now(),
    view: { ...initialView(), selected: snapshot.agents[1]?.paneId },
    size: { columns: 200, rows: 60 },
    color: true,
    clock: "12:00:00",
  }).lines;
  const full = new TextEncoder().encode(diffFrame(undefined, before)).length;
  const delta = new TextEncoder().encode(diffFrame(before, moved)).length;

  const cycle = (label: string) => {
    const samples: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      const rows = agents(i + 1000);
      const t = performance.now();
      writer.upsertAgents(rows, { markOthersGone: true });
      samples.push(performance.now() - t);
    }
    console.log(`writer upsertAgents(${N}) ${label}: ${stats(samples)}`);
  };
  const withReader = async (everyMs: number) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--reader",
        dir,
        "--every",
        `${everyMs}`,
      ],
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      cycle(`reader every ${String(everyMs).padEnd(4)} ms`);
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
  };
  cycle("no reader           ");
  await withReader(1000);
  await withReader(50);
  cycle("no reader (again)   ");
  writer.close();

  console.log(`agents ${N}, events 2000`);
  console.log(`poll, store unchanged : ${stats(unchanged)}`);
  console.log(`poll, store changed   : ${stats(changed)}`);
  console.log(`layout 200x60         : ${stats(layout)}`);
  console.log(`bytes: full frame ${full}, selection moved one row ${delta}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
