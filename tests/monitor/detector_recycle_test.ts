/**
 * The detection child is replaced once it has grown past its RSS limit, between two cycles, and
 * the fresh child classifies exactly as the old one did: the real child process
 * (`tmux-orc monitor --detect-child` of this checkout), real screens.
 */
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { loadProfiles } from "../../src/agents/profile_compile.ts";
import type { DetectInput, DetectOptions } from "../../src/agents/detect.ts";
import { ProcessDetector } from "../../src/monitor/detector.ts";
import { checkoutCommand } from "../../scripts/checkout_cli.ts";
import { paneRecord } from "./fake_tmux.ts";

const OPTIONS: DetectOptions = {
  idleAfterMs: 1000,
  stuckAfterMs: 1000,
  defaultTimeZone: "UTC",
  unknownAfterMs: 30_000,
  maxCarryMs: 90_000,
};

function inputs(): DetectInput[] {
  const profile = loadProfiles().get("claude")!;
  const screens = [
    "⏺ Working… (12s · esc to interrupt)\n\n────────\n> \n────────",
    "Do you want to proceed?\n❯ 1. Yes\n  2. No\n\nEsc to cancel",
    "────────\n> \n────────\n  ? for shortcuts",
  ];
  return screens.map((capture, i) => ({
    pane: paneRecord({ paneId: `%${i}`, profile: "claude", role: "agent" }),
    capture,
    previous: undefined,
    monoNow: 1000,
    wallNow: 1_700_000_000_000,
    profile,
  }));
}

function detector(options: { recycleAboveMb: number; recycleMinJobs: number }) {
  return new ProcessDetector(loadProfiles(), {
    command: [...checkoutCommand(), "monitor", "--detect-child"],
    logger: getLogger(["tmux-orc", "test"]),
    budgetMs: 30_000,
    startTimeoutMs: 30_000,
    ...options,
  });
}

Deno.test("detection child: replaced between cycles once past its RSS limit; same results after", async () => {
  const small = detector({ recycleAboveMb: 1, recycleMinJobs: 3 });
  try {
    const first = small.pid;
    assert.ok(first !== undefined);
    const before = await small.detectAll(inputs(), OPTIONS);
    // Its first answer reported its RSS (well over 1 MB) and it did 3 jobs: a fresh child now.
    const second = small.pid;
    assert.ok(second !== undefined && second !== first, `child ${first} was not replaced`);
    const after = await small.detectAll(inputs(), OPTIONS);
    assert.deepEqual(after, before);
    // Real detections, not the fallbacks of a child that was not there.
    assert.ok(before.every((o) => !o.detail.includes("timed out")), JSON.stringify(before));
    assert.notDeepEqual(before[0].state, before[1].state);
  } finally {
    small.close();
  }
});

Deno.test("detection child: kept below its job minimum or its RSS limit", async () => {
  for (
    const options of [{ recycleAboveMb: 1, recycleMinJobs: 4 }, {
      recycleAboveMb: 4096,
      recycleMinJobs: 1,
    }]
  ) {
    const kept = detector(options);
    try {
      const pid = kept.pid;
      await kept.detectAll(inputs(), OPTIONS);
      assert.equal(kept.pid, pid, `replaced with ${JSON.stringify(options)}`);
    } finally {
      kept.close();
    }
  }
});
