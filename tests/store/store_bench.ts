// Run with: deno bench -A tests/store/store_bench.ts
import { join } from "node:path";
import { type AgentUpsert, openStore } from "../../src/store/store.ts";
import { AGENT_STATES } from "../../src/agents/types.ts";

const dir = Deno.makeTempDirSync({ prefix: "tmux-orc-bench-" });
const store = openStore(join(dir, "orc.db"));
globalThis.addEventListener("unload", () => {
  store.close();
  Deno.removeSync(dir, { recursive: true });
});

function agents(cycle: number): AgentUpsert[] {
  return Array.from({ length: 1000 }, (_, i) => ({
    paneId: `%${i}`,
    name: `agent-${i}`,
    target: `work:${i}.0`,
    pmPane: "%0",
    state: AGENT_STATES[(i + cycle) % AGENT_STATES.length],
    since: cycle,
    detail: `cycle ${cycle}`,
  }));
}

let cycle = 0;
store.upsertAgents(agents(cycle));

Deno.bench("upsertAgents: 1000 agents, all changed, one transaction", () => {
  cycle++;
  store.upsertAgents(agents(cycle), { nowMs: cycle, markOthersGone: true });
});

const steady = agents(0);
Deno.bench("upsertAgents: 1000 agents, none changed, one transaction", () => {
  cycle++;
  store.upsertAgents(steady, { nowMs: cycle, markOthersGone: true });
});

Deno.bench("recordTransition (autocommit)", () => {
  store.recordTransition({ agent: "agent-1", paneId: "%1", from: "active", to: "idle" });
});

Deno.bench("listAgents: 1000 rows", () => {
  store.listAgents();
});
