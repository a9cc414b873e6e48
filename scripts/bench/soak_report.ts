/**
 * Turning a {@linkcode SoakRun} into what people read: the budgets and their verdicts (CPU, RSS,
 * no upward trend, no fd leak, no event lost, no duplicate notification) and the text report.
 *
 * @module
 */

import type { BudgetResult } from "./report.ts";
import type { SoakRun } from "./soak.ts";
import { formatNumber } from "./stats.ts";

/** Most RSS growth per 1,000 cycles that still counts as "no upward trend" (MB). */
export const MAX_RSS_SLOPE_MB = 1;

/**
 * Budget verdicts of the soak: CPU < 1% of a core, RSS < 100 MB, no upward trend, no fd leak, no
 * event lost, no duplicate notification.
 */
export function soakBudgets(run: Pick<SoakRun, "options" | "slow" | "fast">): BudgetResult[] {
  const { slow, fast } = run;
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
      budget: `monitor RSS < 100 MB (interval ${slow?.intervalS ?? 10} s)`,
      measured: slow ? `${formatNumber(slow.rssMaxMb)} MB at most` : "not measured",
      met: slow ? slow.rssMaxMb < 100 : null,
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
  lines.push("Budgets:");
  for (const b of run.budgets) {
    const v = b.met === null ? "not measured" : b.met ? "met" : "MISSED";
    lines.push(`  [${v.padEnd(6)}] ${b.budget}: ${b.measured}`);
  }
  return lines.join("\n");
}
