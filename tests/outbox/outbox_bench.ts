// Run with: deno bench -A tests/outbox/outbox_bench.ts
// The cost the human channels add to a monitor cycle: planning (pure) and writing the outbox rows.
import { join } from "node:path";
import {
  type AgentView,
  emptyEscalationState,
  planEscalations,
} from "../../src/channels/escalation.ts";
import { defaultPmChannel } from "../../src/channels/parse.ts";
import { type Channel, DEFAULT_HUMAN_STATES } from "../../src/channels/types.ts";
import { AGENT_STATES } from "../../src/agents/types.ts";
import { dueNotices, enqueueNotice } from "../../src/store/outbox.ts";
import { openStore } from "../../src/store/store.ts";

const dir = Deno.makeTempDirSync({ prefix: "tmux-orc-bench-" });
const store = openStore(join(dir, "orc.db"));
globalThis.addEventListener("unload", () => {
  store.close();
  Deno.removeSync(dir, { recursive: true });
});

const T0 = Date.UTC(2026, 0, 1);
const channels: Channel[] = ["slack", "ntfy", "webhook"].map((type, i) => ({
  ...defaultPmChannel(),
  name: `c${i}`,
  type: type as Channel["type"],
  url: "http://127.0.0.1:9/",
  filter: { states: new Set(DEFAULT_HUMAN_STATES), agents: [], sessions: [] },
  escalateAfterMs: i === 0 ? 900_000 : undefined,
  resolved: true,
}));
const views: AgentView[] = Array.from({ length: 1000 }, (_, i) => ({
  key: `agent-${i}`,
  name: `agent-${i}`,
  paneId: `%${i}`,
  session: "work",
  state: AGENT_STATES[i % AGENT_STATES.length],
  since: T0,
  detail: "Do you want to proceed?",
  pmPaneId: "%0",
  pmState: "active",
}));
// Steady state: every due notice was planned in an earlier cycle.
const steady = planEscalations({
  nowMs: T0 + 3_600_000,
  host: "h",
  agents: views,
  pmToldAt: () => T0,
  channels,
  state: emptyEscalationState(),
});

Deno.bench("planEscalations: 1000 agents x 3 channels, steady (nothing new)", () => {
  planEscalations({
    nowMs: T0 + 3_601_000,
    host: "h",
    agents: views,
    pmToldAt: () => T0,
    channels,
    state: steady.state,
  });
});

Deno.bench("planEscalations: 1000 agents x 3 channels, first cycle (every notice new)", () => {
  planEscalations({
    nowMs: T0 + 3_600_000,
    host: "h",
    agents: views,
    pmToldAt: () => T0,
    channels,
    state: emptyEscalationState(),
  });
});

let n = 0;
Deno.bench("enqueueNotice: 100 notices, one transaction", () => {
  store.transaction(() => {
    for (const { channel, notice } of steady.notices.slice(0, 100)) {
      enqueueNotice(store, {
        id: `${notice.id}-${n++}`,
        channel,
        createdAt: T0,
        notice: { ...notice },
      });
    }
  });
});

Deno.bench("dueNotices: 200 due rows out of the table", () => {
  dueNotices(store, { nowMs: T0 + 1, limit: 200 });
});
