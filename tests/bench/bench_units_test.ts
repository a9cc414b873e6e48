/**
 * Unit tests of the benchmark's pure parts: statistics, budgets, table, SVG, argument parsing and
 * the fake screens (which detection must read as a Claude Code prompt, idle or busy).
 *
 * @module
 */

import assert from "node:assert/strict";
import { analyzeScreen } from "../../src/agents/detect.ts";
import { loadProfiles } from "../../src/agents/profiles.ts";
import {
  checkBudgets,
  checkIdleBudget,
  idleLines,
  renderTable,
} from "../../scripts/bench/report.ts";
import type { BenchRow } from "../../scripts/bench/run.ts";
import { addRatios } from "../../scripts/bench/run.ts";
import { idleScreen, screenBytes, workingScreen } from "../../scripts/fake_agent/screens.ts";
import {
  leastSquaresSlope,
  median,
  percentile,
  pickIndexes,
  seededRandom,
} from "../../scripts/bench/stats.ts";
import { STRATEGY_NAMES, type StrategyName } from "../../scripts/bench/strategies.ts";
import { renderBenchSvg } from "../../scripts/bench/svg.ts";
import {
  benchHelp,
  DEFAULT_BENCH_OUT,
  parseAgentList,
  parseBenchArgs,
  parseFraction,
  parseStrategies,
} from "../../scripts/bench/args.ts";
import { UsageError } from "../../src/state/errors.ts";

function row(agents: number, strategy: StrategyName, medianMs: number): BenchRow {
  return {
    agents,
    strategy,
    cycles: 3,
    medianMs,
    p95Ms: medianMs,
    meanMs: medianMs,
    msPerAgent: medianMs / agents,
    ratioToDefault: null,
    capturesPerCycle: agents,
    captureSamples: [agents],
    changedPerCycle: agents / 10,
    peakRssMb: 80,
    cpuSeconds: 0.1,
    cpuMsPerCycle: 30,
    tmuxCpuMsPerCycle: null,
    states: {},
    samplesMs: [medianMs],
  };
}

Deno.test("stats: median, nearest-rank percentile, slope", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(ten, 95), 10);
  assert.equal(percentile(ten, 50), 5);
  assert.equal(percentile([7], 95), 7);
  assert.equal(leastSquaresSlope([0, 1, 2, 3], [1, 3, 5, 7]), 2);
  assert.equal(leastSquaresSlope([0, 1, 2], [5, 5, 5]), 0);
  assert.equal(leastSquaresSlope([1], [1]), 0);
});

Deno.test("stats: seeded choice of panes is reproducible and distinct", () => {
  const a = pickIndexes(1000, 100, seededRandom(1));
  const b = pickIndexes(1000, 100, seededRandom(1));
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 100);
  assert.ok(a.every((i) => i >= 0 && i < 1000));
  assert.deepEqual(pickIndexes(5, 10, seededRandom(2)), [0, 1, 2, 3, 4]);
});

Deno.test("report: ratios and budget verdicts", () => {
  const rows = [
    row(100, "sequential", 300),
    row(100, "pooled", 200),
    row(100, "control-all", 15),
    row(100, "default", 10),
    row(1000, "sequential", 2000),
    row(1000, "pooled", 500),
    row(1000, "default", 100),
  ];
  addRatios(rows);
  assert.equal(rows[0].ratioToDefault, 30);
  assert.equal(rows[3].ratioToDefault, 1);
  const budgets = checkBudgets(rows);
  const met = Object.fromEntries(budgets.map((b) => [b.budget, b.met]));
  assert.equal(met["default median at N=100 <= 30 ms"], true);
  assert.equal(met["default median at N=1000 <= 400 ms"], true);
  assert.equal(met["N=100: default >= 30x faster than sequential"], true);
  assert.equal(met["N=1000: default >= 10x faster than pooled"], false);
  assert.equal(checkBudgets([]).every((b) => b.met === null), true);
});

Deno.test("report: table columns line up", () => {
  const text = renderTable(["N", "strategy", "ms"], [["10", "default", "1.5"], [
    "1000",
    "x",
    "20",
  ]]);
  const lines = text.split("\n");
  assert.equal(lines.length, 4);
  assert.ok(lines.every((line) => line.length <= lines[1].length));
});

Deno.test("svg: one line per strategy, well formed", () => {
  const rows = STRATEGY_NAMES.flatMap((s, i) => [
    row(10, s, 2 * (i + 1)),
    row(100, s, 20 * (i + 1)),
    row(1000, s, 200 * (i + 1)),
  ]);
  const svg = renderBenchSvg(rows, { subtitle: "a < b & c" });
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.equal(svg.match(/<polyline /g)?.length, 4);
  assert.ok(svg.includes("a &lt; b &amp; c"));
  assert.ok(!/NaN|Infinity/.test(svg));
});

Deno.test("bench arguments: bad input is a usage error", () => {
  assert.deepEqual(parseAgentList("10, 100,1000"), [10, 100, 1000]);
  for (const bad of ["", "0", "10,x", "-5", "1.5", "999999"]) {
    assert.throws(() => parseAgentList(bad), UsageError, bad);
  }
  assert.equal(parseFraction("0.25"), 0.25);
  assert.equal(parseFraction("1"), 1);
  for (const bad of ["1.5", "-0.1", "abc", ""]) assert.throws(() => parseFraction(bad), UsageError);
  assert.deepEqual(parseStrategies("default,pooled"), ["default", "pooled"]);
  assert.throws(() => parseStrategies("default,fast"), UsageError);
});

Deno.test("bench command line: bench, soak and help, typed; bad input is one usage error", () => {
  assert.deepEqual(parseBenchArgs(["--agents", "10,100", "--cycles", "5"]), {
    kind: "bench",
    json: false,
    out: DEFAULT_BENCH_OUT,
    options: {
      agents: [10, 100],
      cycles: 5,
      changeFraction: 0.1,
      maxRowSeconds: 20,
      intervalS: 10,
      strategies: undefined,
      watch: true,
    },
  });
  const noWatch = parseBenchArgs(["--no-watch"]);
  assert.ok(noWatch.kind === "bench" && noWatch.options.watch === false, "--no-watch");
  const soak = parseBenchArgs(["--soak", "--agents", "20", "--soak-seconds", "0", "--json"]);
  assert.equal(soak.kind, "soak");
  assert.ok(soak.kind === "soak" && soak.json);
  assert.deepEqual(soak.kind === "soak" && soak.options, {
    agents: 20,
    seconds: 0,
    intervalS: 10,
    fastCycles: 1000,
    fastWarmupCycles: 1000,
    changeFraction: 0.1,
  });
  assert.deepEqual(parseBenchArgs(["-h"]), { kind: "help" });
  assert.match(benchHelp(), /--soak-warmup-cycles N/);
  assert.throws(() => parseBenchArgs(["--soak", "--agents", "10,20"]), /--soak takes one count/);
  assert.throws(() => parseBenchArgs(["--fast"]), (error: Error) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /--fast.*\(see 'deno task bench --help'\)$/);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
  assert.throws(() => parseBenchArgs(["--cycles", "0"]), UsageError);
  assert.throws(() => parseBenchArgs(["extra"]), UsageError);
});

Deno.test("fake screens read as a Claude Code prompt: idle, then busy", () => {
  const claude = loadProfiles().get("claude")!;
  const idle = analyzeScreen(idleScreen("agent-0001", 1).lines.join("\n"), claude);
  assert.equal(idle.inputBox?.text, "");
  assert.equal(idle.busy, undefined);
  const working = workingScreen("agent-0001", 1, 3);
  const busy = analyzeScreen(working.lines.join("\n"), claude);
  assert.equal(busy.inputBox?.text, "");
  assert.ok(busy.busy?.includes("esc to interrupt"));
  assert.notEqual(busy.hash, analyzeScreen(workingScreen("a", 1, 4).lines.join("\n"), claude).hash);
  // Same number of lines: an update moves neither the cursor nor the history.
  assert.equal(working.lines.length, idleScreen("a", 1).lines.length);
  assert.ok(working.lines.every((line) => [...line].length <= 100));
  assert.ok(new TextDecoder().decode(screenBytes(working)).startsWith("\x1b[H\x1b[J"));
});

Deno.test("idle budget: the watch at 5x or more below polling is met; less is missed; none is not measured", () => {
  const cost = (total: number) => ({
    args: [],
    monitorMsPerS: total / 2,
    tmuxMsPerS: total / 2,
    totalMsPerS: total,
  });
  const idle = (ratio: number) => ({
    agents: 100,
    seconds: 60,
    polling: cost(10),
    watch: cost(10 / ratio),
    ratio,
  });
  assert.equal(checkIdleBudget(idle(5)).met, true);
  assert.equal(checkIdleBudget(idle(0.7)).met, false);
  assert.equal(checkIdleBudget(idle(0.7)).measured, "0.700x");
  assert.equal(checkIdleBudget(undefined).met, null);
  assert.match(idleLines(idle(2)).join("\n"), /ratio: 2\.00x/);
});
