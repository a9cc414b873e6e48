/**
 * Turning a {@linkcode SoakRun} into what people read: the budgets and their verdicts (CPU, RSS,
 * no upward trend, no fd leak, no event lost, no duplicate notification) and the text report.
 *
 * @module
 */

import type { BudgetResult } from "./report.ts";
import type { SoakRun } from "./soak.ts";
import { rssBudgetMb, type RssTrack } from "./soak_memory.ts";
import { formatNumber } from "./stats.ts";

/** Most RSS growth per 1,000 cycles that still counts as "no upward trend" (MB). */
export const MAX_RSS_SLOPE_MB = 1;

/**
 * Budget verdicts of the soak: CPU < 1% of a core, RSS under the budget for the number of agents
 * ({@linkcode rssBudgetMb}) at the slow interval and with every agent busy after the warm-up, no
 * upward trend (monitor and detection child), no fd leak, no event lost, no duplicate
 * notification.
 */
export function soakBudgets(run: Pick<SoakRun, "options" | "slow" | "fast">): BudgetResult[] {
  const { slow, fast } = run;
  const agents = run.options.agents;
  const rssMb = rssBudgetMb(agents);
  const fdsGrew = fast && fast.fdsFirst !== null && fast.fdsLast !== null
    ? fast.fdsLast > fast.fdsFirst
    : null;
  return [
    {
      budget: `monitor CPU < 1% of a core on average (interval ${slow?.intervalS ?? 10} s)`,
      measured: slow
        ? `${formatNumber(slow.avgCpuPercent)}% over ${slow.seconds.toFixed(0)} s`
        : "not measured",
      met: slow ? slow.avgCpuPercent < 1 : null,
    },
    {
      budget: `monitor RSS < ${rssMb ?? "(no budget)"} MB (${agents} agents, interval ${
        slow?.intervalS ?? 10
      } s)`,
      measured: slow ? `${formatNumber(slow.rssMaxMb)} MB at most` : "not measured",
      met: slow && rssMb !== undefined ? slow.rssMaxMb < rssMb : null,
    },
    {
      budget: `monitor RSS < ${
        rssMb ?? "(no budget)"
      } MB after warm-up (${agents} busy agents, interval ${run.options.fastIntervalS} s)`,
      measured: fast
        ? `${formatNumber(fast.monitorRss.maxAfterWarmMb)} MB at most (detection child ${
          fast.childRss ? `${formatNumber(fast.childRss.maxAfterWarmMb)} MB` : "not found"
        })`
        : "not measured",
      met: fast && rssMb !== undefined ? fast.monitorRss.maxAfterWarmMb < rssMb : null,
    },
    {
      budget:
        `no upward RSS trend (slope <= ${MAX_RSS_SLOPE_MB} MB per 1,000 cycles after warm-up)`,
      measured: fast
        ? `${formatNumber(fast.rssSlopeMbPer1000Cycles)} MB per 1,000 cycles`
        : "not measured",
      met: fast ? fast.rssSlopeMbPer1000Cycles <= MAX_RSS_SLOPE_MB : null,
    },
    {
      budget: `detection child: no upward RSS trend (slope <= ${MAX_RSS_SLOPE_MB} MB per 1,000 ` +
        "cycles after warm-up)",
      measured: fast?.childRss
        ? `${formatNumber(fast.childRss.slopeMbPer1000Cycles)} MB per 1,000 cycles`
        : "not measured",
      met: fast?.childRss ? fast.childRss.slopeMbPer1000Cycles <= MAX_RSS_SLOPE_MB : null,
    },
    {
      budget: "no fd leak (open fds last <= first)",
      measured: fast && fdsGrew !== null ? `${fast.fdsFirst} -> ${fast.fdsLast}` : "not measured",
      met: fdsGrew === null ? null : !fdsGrew,
    },
    {
      budget: "no event lost (every state the agents were driven through is recorded, in order)",
      measured: fast
        ? `${fast.events.induced} induced, ${fast.events.recorded} recorded, ${fast.events.missing} missing` +
          (fast.events.missingExamples.length > 0
            ? ` (${fast.events.missingExamples.join("; ")})`
            : "")
        : "not measured",
      met: fast ? fast.events.induced > 0 && fast.events.missing === 0 : null,
    },
    {
      budget:
        `no duplicate notification (none about one agent and state inside the ${run.options.notifyCooldownS} s cooldown)`,
      measured: fast
        ? `${fast.events.delivered} delivered, ${fast.events.duplicates} duplicates` +
          (fast.events.duplicateExamples.length > 0
            ? ` (${fast.events.duplicateExamples.join("; ")})`
            : "")
        : "not measured",
      met: fast ? fast.events.delivered > 0 && fast.events.duplicates === 0 : null,
    },
  ];
}

/**
 * Whether the soak found a correctness failure: an event lost or a duplicate notification
 * (`deno task soak` then exits 1). Resource budgets are reported, not failed on.
 */
export function soakCorrectnessFailed(run: Pick<SoakRun, "budgets">): boolean {
  return run.budgets.some((b) =>
    b.met === false && (b.budget.startsWith("no event lost") || b.budget.startsWith("no duplicate"))
  );
}

/** The soak's figures and verdicts as text. */
export function renderSoakText(run: SoakRun): string {
  const lines = [`tmux-orc soak: ${run.options.agents} agents, the real monitor process`];
  const { slow, fast } = run;
  if (slow) {
    lines.push(
      `  slow: ${
        slow.seconds.toFixed(0)
      } s at --interval ${slow.intervalS}: ${slow.cycles} cycles, ` +
        `CPU ${slow.cpuSeconds.toFixed(2)} s = ${formatNumber(slow.avgCpuPercent)}% of a core ` +
        `(start-up ${slow.startupCpuSeconds.toFixed(2)} s not counted` +
        (slow.tmuxClientCpuPercent === null
          ? ""
          : `; its tmux control client ${formatNumber(slow.tmuxClientCpuPercent)}%`) +
        `); RSS ${formatNumber(slow.rssFirstMb)} -> ${formatNumber(slow.rssLastMb)} MB ` +
        `(max ${formatNumber(slow.rssMaxMb)}) [${slow.source}]`,
    );
  }
  if (fast) {
    lines.push(
      `  fast: ${fast.cycles} cycles at --interval ${fast.intervalS} in ${
        fast.seconds.toFixed(0)
      } s: RSS ${formatNumber(fast.rssFirstMb)} MB at start, ${
        formatNumber(fast.rssWarmMb)
      } MB after ${fast.warmupCycles} warm-up cycles (slope ${
        formatNumber(fast.warmupSlopeMbPer1000Cycles)
      } MB per 1,000), ${formatNumber(fast.rssLastMb)} MB at the end (max ${
        formatNumber(fast.rssMaxMb)
      }); slope after warm-up ${
        formatNumber(fast.rssSlopeMbPer1000Cycles)
      } MB per 1,000 cycles; open fds ${fast.fdsFirst ?? "n/a"} -> ${fast.fdsLast ?? "n/a"}; ` +
        `CPU ${formatNumber(fast.cpuPercent)}% of a core over the measured cycles (${
          formatNumber(fast.cpuMsPerCycle)
        } ms per cycle)`,
      `  fast, agents changing state (--idle-after ${fast.idleAfterS} --notify-cooldown ${fast.notifyCooldownS}): ` +
        `transitions induced ${fast.events.induced}, recorded ${fast.events.recorded}, ` +
        `missing ${fast.events.missing}; notifications delivered ${fast.events.delivered} ` +
        `(in ${fast.pmMessages} PM messages), duplicates ${fast.events.duplicates}; ` +
        `notification rows ${
          Object.entries(fast.events.notifications).map(([k, n]) => `${k} ${n}`).join(", ") ||
          "none"
        }`,
    );
  }
  const memory: string[] = [];
  if (slow) memory.push(...rssLines(`slow (interval ${slow.intervalS} s)`, slow, false));
  if (fast) memory.push(...rssLines(`fast (interval ${fast.intervalS} s, busy)`, fast, true));
  if (memory.length > 0) {
    lines.push(
      "Memory (RSS MB; warm-up: slow phase its first quarter, fast phase its warm-up cycles):",
      ...memory,
    );
  }
  lines.push("Budgets:");
  for (const b of run.budgets) {
    const v = b.met === null ? "not measured" : b.met ? "met" : "MISSED";
    lines.push(`  [${v.padEnd(6)}] ${b.budget}: ${b.measured}`);
  }
  return lines.join("\n");
}

/** One line per process; `perCycle`: the slope per 1,000 cycles too (a slow phase has too few). */
function rssLines(
  phase: string,
  result: { monitorRss: RssTrack; childRss: RssTrack | null },
  perCycle: boolean,
): string[] {
  const line = (who: string, t: RssTrack | null) =>
    t
      ? `  ${phase}, ${who}: ${formatNumber(t.firstMb)} at start, ${
        formatNumber(t.warmMb)
      } after warm-up, ${formatNumber(t.lastMb)} at the end (max after warm-up ${
        formatNumber(t.maxAfterWarmMb)
      }); slope after warm-up ${
        perCycle ? `${formatNumber(t.slopeMbPer1000Cycles)} MB per 1,000 cycles, ` : ""
      }${formatNumber(t.slopeMbPerHour)} MB/hour`
      : `  ${phase}, ${who}: not found`;
  const both = result.childRss
    ? [
      `  ${phase}, both: max after warm-up ${
        formatNumber(result.monitorRss.maxAfterWarmMb + result.childRss.maxAfterWarmMb)
      } MB (sum of the two peaks)`,
    ]
    : [];
  return [line("monitor", result.monitorRss), line("detection child", result.childRss), ...both];
}

/**
 * The memory table of soaks run one per agent count (`--soak-memory`): per N, the monitor and
 * its detection child in the fast phase (every agent busy): RSS at start, after the warm-up, at
 * the end, the peak after the warm-up, the slope after the warm-up, CPU, and the budget verdict.
 */
export function renderMemoryTable(runs: readonly SoakRun[]): string {
  const header = [
    "N",
    "process",
    "cycles (warm-up)",
    "RSS start",
    "RSS warm",
    "RSS end",
    "max after warm-up",
    "slope MB/1k cycles",
    "slope MB/h",
    "CPU ms/cycle",
    "budget",
  ];
  const rows: string[][] = [];
  for (const run of runs) {
    const fast = run.fast;
    if (!fast) continue;
    const budget = rssBudgetMb(run.options.agents);
    const row = (who: string, t: RssTrack | null, withBudget: boolean) =>
      t
        ? [
          String(run.options.agents),
          who,
          `${fast.cycles - fast.warmupCycles} (${fast.warmupCycles})`,
          formatNumber(t.firstMb),
          formatNumber(t.warmMb),
          formatNumber(t.lastMb),
          formatNumber(t.maxAfterWarmMb),
          formatNumber(t.slopeMbPer1000Cycles),
          formatNumber(t.slopeMbPerHour),
          who === "monitor" ? formatNumber(fast.cpuMsPerCycle) : "",
          withBudget && budget !== undefined
            ? `< ${budget} MB: ${t.maxAfterWarmMb < budget ? "met" : "MISSED"}`
            : "",
        ]
        : [String(run.options.agents), who, "not found", "", "", "", "", "", "", "", ""];
    rows.push(row("monitor", fast.monitorRss, true), row("detection child", fast.childRss, false));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]) =>
    "| " + cells.map((c, i) => i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join(" | ") +
    " |";
  return [
    "Memory, every agent busy (fast phase, interval 0.05 s; RSS in MB):",
    format(header),
    "| " + widths.map((w, i) => (i < 2 ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(" | ") +
    " |",
    ...rows.map(format),
  ].join("\n");
}
