/**
 * Turning a {@linkcode BenchRun} into what people read: the budgets and their verdicts, a text
 * table, and the JSON document (`bench.json`).
 *
 * @module
 */

import { formatNumber } from "./stats.ts";
import type { BenchRow, BenchRun } from "./run.ts";
import type { IdleComparison, WatchRow } from "./watch.ts";
import type { StrategyName } from "./strategies.ts";

/** One performance budget and whether the run met it. */
export interface BudgetResult {
  /** What is promised, in words. */
  budget: string;
  /** What was measured, in words (`not measured` when the run lacked the rows). */
  measured: string;
  /** `true` met, `false` missed, `null` not measured in this run. */
  met: boolean | null;
}

function row(rows: readonly BenchRow[], agents: number, strategy: StrategyName) {
  return rows.find((r) => r.agents === agents && r.strategy === strategy);
}

/**
 * Checks the budgets of issue #4: `default` median ≤ 30 ms at N=100 and ≤ 400 ms at N=1000; at
 * N=100 and N=1000 `default` at least 10× faster than `pooled` and 30× faster than `sequential`.
 */
export function checkBudgets(rows: readonly BenchRow[]): BudgetResult[] {
  const results: BudgetResult[] = [];
  for (const [agents, limit] of [[100, 30], [1000, 400]] as const) {
    const r = row(rows, agents, "default");
    results.push({
      budget: `default median at N=${agents} <= ${limit} ms`,
      measured: r ? `${formatNumber(r.medianMs)} ms` : "not measured",
      met: r ? r.medianMs <= limit : null,
    });
  }
  for (const agents of [100, 1000]) {
    for (const [strategy, factor] of [["pooled", 10], ["sequential", 30]] as const) {
      const base = row(rows, agents, "default");
      const other = row(rows, agents, strategy);
      const ratio = base && other ? other.medianMs / base.medianMs : undefined;
      results.push({
        budget: `N=${agents}: default >= ${factor}x faster than ${strategy}`,
        measured: ratio === undefined ? "not measured" : `${formatNumber(ratio)}x`,
        met: ratio === undefined ? null : ratio >= factor,
      });
    }
  }
  return results;
}

/** The idle budget of issue 11: at 100 unchanged agents, the watch at `--interval 30` costs (monitor + tmux CPU) at least 5× less than polling at `--interval 10`. */
export function checkIdleBudget(idle: IdleComparison | undefined): BudgetResult {
  return {
    budget: `idle cost at N=${idle?.agents ?? 100}: watch @30 s >= 5x lower than polling @10 s`,
    measured: idle?.ratio == null ? "not measured" : `${formatNumber(idle.ratio)}x`,
    met: idle?.ratio == null ? null : idle.ratio >= 5,
  };
}

/** Formats a verdict: `met`, `MISSED` or `not measured`. */
export function verdict(met: boolean | null): string {
  return met === null ? "not measured" : met ? "met" : "MISSED";
}

/** Renders rows of cells as an aligned text table (first column left-aligned, others right). */
export function renderTable(header: readonly string[], body: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** The column headers of {@linkcode benchTable}. */
export const TABLE_HEADER = [
  "N",
  "strategy",
  "cycles",
  "median ms",
  "p95 ms",
  "ms/agent",
  "x default",
  "captures/cycle",
  "peak RSS MB",
  "CPU s",
  "CPU ms/cycle",
  "tmux CPU ms/cycle",
];

/** The results as table cells, one row per N and strategy. */
export function benchTableCells(rows: readonly BenchRow[]): string[][] {
  return rows.map((r) => [
    String(r.agents),
    r.strategy,
    String(r.cycles),
    formatNumber(r.medianMs),
    formatNumber(r.p95Ms),
    formatNumber(r.msPerAgent),
    r.ratioToDefault === null ? "n/a" : `${formatNumber(r.ratioToDefault)}x`,
    formatNumber(r.capturesPerCycle),
    formatNumber(r.peakRssMb),
    r.cpuSeconds.toFixed(2),
    formatNumber(r.cpuMsPerCycle),
    r.tmuxCpuMsPerCycle === null ? "n/a" : formatNumber(r.tmuxCpuMsPerCycle),
  ]);
}

/** The column headers of the pane watch table. */
export const WATCH_HEADER = [
  "N",
  "load",
  "s",
  "notifications/s",
  "KB/s",
  "early cycles/s",
  "captures/s",
  "monitor CPU ms/s",
  "tmux CPU ms/s",
];

/** The pane watch rows as table cells. */
export function watchTableCells(rows: readonly WatchRow[]): string[][] {
  return rows.map((r) => [
    String(r.agents),
    r.load,
    r.seconds.toFixed(0),
    formatNumber(r.notificationsPerS),
    formatNumber(r.kbPerS),
    formatNumber(r.earlyCyclesPerS),
    formatNumber(r.capturesPerS),
    formatNumber(r.monitorCpuMsPerS),
    r.tmuxCpuMsPerS === null ? "n/a" : formatNumber(r.tmuxCpuMsPerS),
  ]);
}

function ms(value: number | null): string {
  return value === null ? "n/a" : `${formatNumber(value)} ms/s`;
}

/** The idle comparison as text lines. */
export function idleLines(idle: IdleComparison): string[] {
  const line = (label: string, cost: IdleComparison["polling"]) =>
    `  ${label.padEnd(30)} monitor ${ms(cost.monitorMsPerS)} + tmux ${ms(cost.tmuxMsPerS)} = ${
      ms(cost.totalMsPerS)
    }`;
  return [
    `Idle cost at ${idle.agents} unchanged agents (real monitor processes, ${idle.seconds} s each; ` +
    "monitor = its process and children):",
    line(`polling (${idle.polling.args.join(" ")})`, idle.polling),
    line(`watch (${idle.watch.args.join(" ")})`, idle.watch),
    `  ratio: ${idle.ratio === null ? "n/a" : `${formatNumber(idle.ratio)}x`}`,
  ];
}

/** The full text report: table, budgets with verdicts, and how the run was set up. */
export function renderBenchText(run: BenchRun, budgets: readonly BudgetResult[]): string {
  const o = run.options;
  const lines = [
    `tmux-orc bench: ${o.agents.join(", ")} agents; ${o.cycles} timed cycles per row (at least ` +
    `3, fewer when a row passes ${o.maxRowSeconds} s); ${
      Math.round(o.changeFraction * 100)
    }% of panes get new output before each cycle`,
    "",
    renderTable(TABLE_HEADER, benchTableCells(run.rows)),
    "",
    ...(run.watch.length > 0
      ? [
        "Pane watch (tmux subscriptions; busy: 10% of the panes draw output every second; no " +
        "periodic cycle):",
        renderTable(WATCH_HEADER, watchTableCells(run.watch)),
        "",
      ]
      : []),
    ...(run.idle ? [...idleLines(run.idle), ""] : []),
    "Budgets:",
    ...budgets.map((b) => `  [${verdict(b.met).padEnd(6)}] ${b.budget}: ${b.measured}`),
    "",
    `Total ${run.totalSeconds.toFixed(0)} s. CPU s: the monitor's own process over the timed ` +
    "cycles; tmux CPU: tmux subprocesses, control client and server.",
  ];
  return lines.join("\n");
}

/** The JSON document written as `bench.json` and printed by `--json`. */
export function benchJson(
  run: BenchRun,
  budgets: readonly BudgetResult[],
  host: Record<string, unknown>,
): Record<string, unknown> {
  return {
    kind: "tmux-orc-bench",
    version: 1,
    startedAt: run.startedAt,
    totalSeconds: Math.round(run.totalSeconds * 10) / 10,
    host,
    options: run.options,
    rows: run.rows,
    watch: run.watch,
    idle: run.idle ?? null,
    budgets,
  };
}
