/**
 * The soak's memory figures: RSS tracks (warm-up, end, peak, slopes), the budget per number of
 * agents, the per-N cycle defaults, `--soak-memory` and its table.
 */
import assert from "node:assert/strict";
import { parseBenchArgs, soakFastCycles } from "../../scripts/bench/args.ts";
import { type MemorySample, rssBudgetMb, rssTrack } from "../../scripts/bench/soak_memory.ts";
import { renderMemoryTable, soakBudgets } from "../../scripts/bench/soak_report.ts";
import type { SoakRun } from "../../scripts/bench/soak.ts";

function samples(
  points: [cycle: number, seconds: number, monitor: number, child: number | null][],
) {
  return points.map(([cycle, seconds, monitorMb, childMb]): MemorySample => ({
    cycle,
    seconds,
    monitorMb,
    childMb,
    fds: 30,
    cpuMs: 0,
  }));
}

Deno.test("rssTrack: warm-up left out of the slope and the peak; per 1,000 cycles and per hour", () => {
  // Grows 60 → 80 during the warm-up (cycles < 100), then +2 MB per 100 cycles, 100 cycles a minute.
  const s = samples([
    [0, 0, 60, 50],
    [50, 30, 80, null],
    [100, 60, 70, 51],
    [200, 120, 72, 51],
    [300, 180, 74, 51],
  ]);
  const monitor = rssTrack(s, (m) => m.monitorMb, (m) => m.cycle >= 100)!;
  assert.deepEqual(monitor, {
    firstMb: 60,
    warmMb: 70,
    lastMb: 74,
    maxMb: 80,
    maxAfterWarmMb: 74,
    slopeMbPer1000Cycles: 20,
    slopeMbPerHour: 120,
    samples: 3,
  });
  const child = rssTrack(s, (m) => m.childMb, (m) => m.cycle >= 100)!;
  assert.equal(child.firstMb, 50);
  assert.equal(child.slopeMbPer1000Cycles, 0);
  assert.equal(rssTrack(s, () => null, () => true), null);
});

Deno.test("RSS budget per N: < 100 MB up to 300 agents, < 150 MB up to 1,000, none above", () => {
  assert.equal(rssBudgetMb(20), 100);
  assert.equal(rssBudgetMb(300), 100);
  assert.equal(rssBudgetMb(301), 150);
  assert.equal(rssBudgetMb(1000), 150);
  assert.equal(rssBudgetMb(1001), undefined);
});

Deno.test("soak cycles per N: 100,000 agent-cycles, 100 to 1,000; --soak-memory rows", () => {
  assert.deepEqual([20, 100, 300, 1000, 5000].map(soakFastCycles), [1000, 1000, 330, 100, 100]);
  const memory = parseBenchArgs(["--soak-memory"]);
  assert.equal(memory.kind, "soak-memory");
  assert.deepEqual(
    memory.kind === "soak-memory" &&
      memory.rows.map((r) => [r.agents, r.seconds, r.fastWarmupCycles, r.fastCycles]),
    [[300, 0, 330, 330], [1000, 0, 100, 100]],
  );
  const given = parseBenchArgs(["--soak-memory", "--agents", "50", "--soak-cycles", "7"]);
  assert.deepEqual(
    given.kind === "soak-memory" && given.rows.map((r) => [r.agents, r.fastCycles]),
    [[50, 7]],
  );
});

function run(agents: number, monitorPeak: number, childSlope: number): SoakRun {
  const track = (peak: number, slope: number) => ({
    firstMb: 60,
    warmMb: 70,
    lastMb: peak - 1,
    maxMb: peak,
    maxAfterWarmMb: peak,
    slopeMbPer1000Cycles: slope,
    slopeMbPerHour: slope * 10,
    samples: 10,
  });
  const options = {
    agents,
    seconds: 0,
    intervalS: 10,
    fastCycles: 100,
    fastWarmupCycles: 100,
    fastIntervalS: 0.05,
    changeFraction: 0.1,
    idleAfterS: 1,
    notifyCooldownS: 20,
  };
  const fast = {
    cycles: 200,
    warmupCycles: 100,
    cpuMsPerCycle: 70,
    rssSlopeMbPer1000Cycles: 0.5,
    monitorRss: track(monitorPeak, 0.5),
    childRss: track(80, childSlope),
    fdsFirst: 30,
    fdsLast: 30,
    events: {
      induced: 1,
      recorded: 1,
      missing: 0,
      missingExamples: [],
      delivered: 1,
      duplicates: 0,
      duplicateExamples: [],
    },
  } as unknown as SoakRun["fast"];
  return { options, fast, budgets: soakBudgets({ options, fast }) };
}

Deno.test("soak budgets: the monitor's peak after warm-up against the budget for N; the child's trend", () => {
  const verdict = (r: SoakRun, start: string) => r.budgets.find((b) => b.budget.startsWith(start))!;
  const ok = run(300, 99, 0.2);
  assert.equal(verdict(ok, "monitor RSS < 100 MB after warm-up (300 busy").met, true);
  assert.equal(verdict(ok, "detection child: no upward").met, true);
  const over = run(300, 101, 3);
  assert.equal(verdict(over, "monitor RSS < 100 MB after warm-up").met, false);
  assert.equal(verdict(over, "detection child: no upward").met, false);
  assert.equal(verdict(run(1000, 149, 0), "monitor RSS < 150 MB after warm-up").met, true);
  const table = renderMemoryTable([ok, run(1000, 151, 0)]);
  assert.match(table, /\| 300 +\| monitor +\|.*\| +< 100 MB: met \|/);
  assert.match(table, /\| 1000 +\| monitor +\|.*\| +< 150 MB: MISSED \|/);
  assert.match(table, /\| 1000 +\| detection child \|/);
});
