/** Shared fixtures for `top`'s tests. */
import type { AgentRecord } from "../../src/store/store.ts";

/** An agent record with defaults. */
export function agent(overrides: Partial<AgentRecord> & { paneId: string }): AgentRecord {
  return {
    name: overrides.paneId,
    target: "main:1.0",
    profile: "claude",
    role: "agent",
    pmPane: "",
    state: "idle",
    since: 1_800_000_000_000 - 60_000,
    detail: "",
    updatedAt: 1_800_000_000_000,
    seen: true,
    lastSeen: 1_800_000_000_000,
    ...overrides,
  };
}
