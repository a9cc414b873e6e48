/**
 * `tmux-orc bench`: times full monitor cycles for 10, 100 and 1,000 fake agents on a private tmux
 * server, for the replaced system's strategies and ours side by side; `--soak` runs the real
 * monitor process for a while and measures it from outside. See `docs/performance.md`.
 *
 * @module
 */

import { join } from "node:path";
import { UsageError } from "../../state/errors.ts";
import { BENCH_DEFAULTS, BenchAbortedError, runBench } from "../../bench/run.ts";
import { benchJson, checkBudgets, renderBenchText } from "../../bench/report.ts";
import { stderrProgress } from "../../bench/progress.ts";
import { renderSoakText, runSoak, SOAK_DEFAULTS, soakCorrectnessFailed } from "../../bench/soak.ts";
import { isStrategyName, type StrategyName } from "../../bench/strategies.ts";
import { renderBenchSvg } from "../../bench/svg.ts";
import { terminationController } from "../process_setup.ts";
import type { CommandSpec, OptionValues } from "../spec.ts";
import { countOption, flag, parseSeconds, stringOption } from "../values.ts";

/** Most agents the bench will start. */
export const MAX_BENCH_AGENTS = 5000;

/** Default output directory for `bench.json` and `bench.svg`. */
export const DEFAULT_BENCH_OUT = join("dist", "bench");

/** Parses `--agents 10,100,1000`. */
export function parseAgentList(raw: string): number[] {
  const parts = raw.split(",").map((part) => part.trim());
  const values = parts.map((part) => (/^[0-9]+$/.test(part) ? Number(part) : NaN));
  if (
    parts.length === 0 ||
    values.some((v) => !Number.isSafeInteger(v) || v < 1 || v > MAX_BENCH_AGENTS)
  ) {
    throw new UsageError(
      `Invalid value for --agents: expected whole numbers from 1 to ${MAX_BENCH_AGENTS} separated by commas, got '${raw}'`,
    );
  }
  return values;
}

/** Parses `--change-fraction 0.1` (0 to 1). */
export function parseFraction(raw: string): number {
  const text = raw.trim();
  const value = /^[0-9]*\.?[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new UsageError(
      `Invalid value for --change-fraction: expected a number from 0 to 1, got '${raw}'`,
    );
  }
  return value;
}

/** Parses `--strategies default,pooled`. */
export function parseStrategies(raw: string): StrategyName[] {
  const names = raw.split(",").map((name) => name.trim());
  const bad = names.filter((name) => !isStrategyName(name));
  if (bad.length > 0 || names.length === 0) {
    throw new UsageError(
      `Invalid value for --strategies: unknown strategy '${
        bad[0] ?? raw
      }' (expected sequential, pooled, control-all, default)`,
    );
  }
  return names as StrategyName[];
}

async function hostInfo(): Promise<Record<string, unknown>> {
  let tmux = "unknown";
  try {
    const out = await new Deno.Command("tmux", { args: ["-V"], stdout: "piped", stderr: "null" })
      .output();
    tmux = new TextDecoder().decode(out.stdout).trim();
  } catch { /* not found: the bench fails later with a clear error */ }
  let kernel = "unknown";
  try {
    kernel = Deno.osRelease();
  } catch { /* not permitted */ }
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    kernel,
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    tmux,
  };
}

function soakNumbers(values: OptionValues) {
  return {
    seconds: values["soak-seconds"] === undefined
      ? SOAK_DEFAULTS.seconds
      : parseSeconds("--soak-seconds", String(values["soak-seconds"]), {
        allowZero: true,
        min: 1,
        max: 86_400,
      }),
    fastCycles: countOption(values, "soak-cycles", {
      min: 0,
      max: 1_000_000,
      fallback: SOAK_DEFAULTS.fastCycles,
    }),
    fastWarmupCycles: countOption(values, "soak-warmup-cycles", {
      min: 0,
      max: 1_000_000,
      fallback: SOAK_DEFAULTS.fastWarmupCycles,
    }),
  };
}

/** `bench`. */
export const benchCommand: CommandSpec = {
  path: ["bench"],
  summary: "Time monitor cycles for many fake agents, old strategies and ours side by side",
  description:
    "Starts a PRIVATE tmux server (tmux -L tmux-orc-bench-<random>, always killed at the end) " +
    "with N fake agent panes and times full monitor cycles for four strategies: sequential and " +
    "pooled (the replaced system: a tmux subprocess per pane, every pane every cycle), " +
    "control-all (one control-mode connection, every pane) and default (control mode plus " +
    "change gating). Writes bench.json and bench.svg to --out. Needs full permissions to write " +
    "to the fake panes' terminals: run it as 'deno task bench' (or deno run -A).\n" +
    "--soak runs the real monitor process instead (see 'deno task soak').",
  options: {
    agents: {
      type: "string",
      valueName: "LIST",
      description: "Agent counts, comma-separated (default 10,100,1000; --soak: 100)",
    },
    cycles: { type: "string", valueName: "K", description: "Timed cycles per row (default 10)" },
    "change-fraction": {
      type: "string",
      valueName: "F",
      description: "Fraction of panes with new output before each cycle (default 0.1)",
    },
    strategies: {
      type: "string",
      valueName: "LIST",
      description: "Strategies to run (default sequential,pooled,control-all,default)",
    },
    "max-row-seconds": {
      type: "string",
      valueName: "S",
      description: "Stop a row at 3 cycles once it has taken this long (default 20)",
    },
    interval: {
      type: "string",
      valueName: "S",
      description: "Monitor interval: simulated on the monitor's clock; --soak: real (default 10)",
    },
    json: { type: "boolean", description: "Print the results as JSON instead of a table" },
    out: {
      type: "string",
      valueName: "DIR",
      description: "Where to write bench.json and bench.svg (default dist/bench)",
    },
    soak: { type: "boolean", description: "Soak the real monitor process instead" },
    "soak-seconds": {
      type: "string",
      valueName: "S",
      description: "Soak: seconds at --interval 10 (default 300; 0 skips)",
    },
    "soak-cycles": {
      type: "string",
      valueName: "N",
      description:
        "Soak: measured cycles at --interval 0.05 for the leak check (default 1000; 0 skips)",
    },
    "soak-warmup-cycles": {
      type: "string",
      valueName: "N",
      description: "Soak: cycles at --interval 0.05 before the leak check measures (default 1000)",
    },
  },
  async run(ctx) {
    const v = ctx.values;
    if (ctx.global.server.socketName || ctx.global.server.socketPath) {
      throw new UsageError(
        "Invalid option for bench: it always starts its own private tmux server (no -L or -S)",
      );
    }
    const agentsRaw = stringOption(v, "agents");
    const changeFraction = v["change-fraction"] === undefined
      ? BENCH_DEFAULTS.changeFraction
      : parseFraction(String(v["change-fraction"]));
    const intervalS = v["interval"] === undefined
      ? BENCH_DEFAULTS.intervalS
      : parseSeconds("--interval", String(v["interval"]), { min: 0.05, max: 3600 });
    const json = flag(v, "json");
    const out = stringOption(v, "out") ?? DEFAULT_BENCH_OUT;
    const { stop, unhook } = terminationController();
    const progress = stderrProgress({ prefix: flag(v, "soak") ? "soak" : "bench" });
    try {
      if (flag(v, "soak")) {
        const agents = agentsRaw === undefined ? [SOAK_DEFAULTS.agents] : parseAgentList(agentsRaw);
        if (agents.length !== 1) {
          throw new UsageError(
            `Invalid value for --agents: --soak takes one count, got '${agentsRaw}'`,
          );
        }
        const { seconds, fastCycles, fastWarmupCycles } = soakNumbers(v);
        const run = await runSoak({
          agents: agents[0],
          seconds,
          intervalS,
          fastCycles,
          fastWarmupCycles,
          changeFraction,
          progress,
          signal: stop.signal,
        });
        if (stop.signal.aborted) return 130;
        await Deno.mkdir(out, { recursive: true });
        const doc = { kind: "tmux-orc-soak", version: 1, host: await hostInfo(), ...run };
        await Deno.writeTextFile(join(out, "soak.json"), JSON.stringify(doc, null, 2) + "\n");
        ctx.out(json ? JSON.stringify(doc, null, 2) : renderSoakText(run));
        // Lost events and duplicate notifications are bugs: fail. (Resource budgets are figures.)
        return soakCorrectnessFailed(run) ? 1 : 0;
      }
      const cycles = countOption(v, "cycles", {
        min: 1,
        max: 10_000,
        fallback: BENCH_DEFAULTS.cycles,
      });
      const maxRowSeconds = v["max-row-seconds"] === undefined
        ? BENCH_DEFAULTS.maxRowSeconds
        : parseSeconds("--max-row-seconds", String(v["max-row-seconds"]), { min: 1, max: 86_400 });
      const strategiesRaw = stringOption(v, "strategies");
      const run = await runBench({
        agents: agentsRaw === undefined ? [...BENCH_DEFAULTS.agents] : parseAgentList(agentsRaw),
        cycles,
        changeFraction,
        maxRowSeconds,
        intervalS,
        strategies: strategiesRaw === undefined ? undefined : parseStrategies(strategiesRaw),
        progress,
        signal: stop.signal,
      });
      const budgets = checkBudgets(run.rows);
      const host = await hostInfo();
      const doc = benchJson(run, budgets, host);
      await Deno.mkdir(out, { recursive: true });
      await Deno.writeTextFile(join(out, "bench.json"), JSON.stringify(doc, null, 2) + "\n");
      const date = run.startedAt.slice(0, 10);
      await Deno.writeTextFile(
        join(out, "bench.svg"),
        renderBenchSvg(run.rows, {
          subtitle: `${host.cpus} cores, ${host.tmux}, Deno ${host.deno}, ${date}; ` +
            `${Math.round(run.options.changeFraction * 100)}% of panes change per cycle`,
        }),
      );
      if (json) ctx.out(JSON.stringify(doc, null, 2));
      else {
        ctx.out(renderBenchText(run, budgets));
        ctx.out(`Wrote ${join(out, "bench.json")} and ${join(out, "bench.svg")}`);
      }
      return 0;
    } catch (error) {
      if (error instanceof BenchAbortedError || stop.signal.aborted) {
        progress.done();
        console.error("tmux-orc: Benchmark interrupted; the private tmux server was killed");
        return 130;
      }
      throw error;
    } finally {
      unhook();
    }
  },
};
