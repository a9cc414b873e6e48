/**
 * The arguments of `deno task bench` and `deno task soak` (`scripts/bench/main.ts`): one table
 * of options (flag, value name, help) that gives the parser, `--help` and the typed settings.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { errorMessage, shown, UsageError } from "../../src/state/errors.ts";
import { countOption, parseSeconds, stringOption } from "../../src/cli/values.ts";
import { BENCH_DEFAULTS, type BenchOptions } from "./run.ts";
import { SOAK_DEFAULTS, type SoakOptions } from "./soak.ts";
import { isStrategyName, type StrategyName } from "./strategies.ts";

/** Most agents the bench will start. */
export const MAX_BENCH_AGENTS = 5000;

/** Default output directory for `bench.json`, `bench.svg` and `soak.json`. */
export const DEFAULT_BENCH_OUT: string = join("dist", "bench");

interface BenchOptionSpec {
  type: "string" | "boolean";
  short?: string;
  valueName?: string;
  description: string;
}

/** Every option, in `--help` order. */
export const BENCH_OPTIONS: Record<string, BenchOptionSpec> = {
  agents: {
    type: "string",
    valueName: "LIST",
    description:
      "Agent counts, comma-separated (default 10,100,1000; --soak: 100; --soak-memory: 300,1000)",
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
  "no-watch": {
    type: "boolean",
    description: "Skip the pane watch rows and the idle cost comparison (about 2 minutes)",
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
    description: "Soak: measured cycles at --interval 0.05 for the leak check " +
      "(default 100,000 / agents, from 100 to 1000: 1000 at 100 agents; 0 skips)",
  },
  "soak-warmup-cycles": {
    type: "string",
    valueName: "N",
    description:
      "Soak: cycles at --interval 0.05 before the leak check measures (default as --soak-cycles)",
  },
  "soak-memory": {
    type: "boolean",
    description: "Soak each --agents count in turn (default 300,1000; --soak-seconds default 0) " +
      "and print the memory table: RSS of the monitor and its detection child per N",
  },
  help: { type: "boolean", short: "h", description: "Show help" },
};

/** What the command line asks for. */
export type BenchCommand =
  | { kind: "help" }
  | { kind: "bench"; options: BenchOptions; json: boolean; out: string }
  | { kind: "soak"; options: SoakOptions; json: boolean; out: string }
  | { kind: "soak-memory"; rows: SoakOptions[]; json: boolean; out: string };

/**
 * The fast phase's cycles (warm-up and measured, each) for `agents` when not given: 100,000
 * agent-cycles (the warm-up a V8 heap needs scales with what a cycle allocates), from 100 to
 * 1,000 cycles: 1,000 at 100 agents, 330 at 300, 100 at 1,000 (a couple of minutes).
 */
export function soakFastCycles(agents: number): number {
  return Math.min(1000, Math.max(100, Math.round(100_000 / agents / 10) * 10));
}

/** `--help`. */
export function benchHelp(): string {
  const rows = Object.entries(BENCH_OPTIONS).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const value = spec.type === "string" ? ` ${spec.valueName}` : "";
    return [`  ${short}--${name}${value}`, spec.description];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    "Usage: deno task bench [options]   (deno task soak = deno task bench --soak)",
    "",
    "Time monitor cycles for many fake agents, old strategies and ours side by side.",
    "",
    "Starts a PRIVATE tmux server (tmux -L tmux-orc-bench-<random>, always killed at the end) " +
    "with N fake agent panes and times full monitor cycles for four strategies: sequential and " +
    "pooled (the replaced system: a tmux subprocess per pane, every pane every cycle), " +
    "control-all (one control-mode connection, every pane) and default (control mode plus " +
    "change gating). Writes bench.json and bench.svg to --out. Needs full permissions to write " +
    "to the fake panes' terminals (deno run -A, as the tasks do).\n" +
    "--soak runs the real monitor process instead (see docs/performance.md).",
    "",
    "Options:",
    ...rows.map(([left, right]) => left.padEnd(width) + right),
  ].join("\n");
}

/** Parses `--agents 10,100,1000`. */
export function parseAgentList(raw: string): number[] {
  const parts = raw.split(",").map((part) => part.trim());
  const values = parts.map((part) => (/^[0-9]+$/.test(part) ? Number(part) : NaN));
  if (
    parts.length === 0 ||
    values.some((v) => !Number.isSafeInteger(v) || v < 1 || v > MAX_BENCH_AGENTS)
  ) {
    throw new UsageError(
      `Invalid value for --agents: expected whole numbers from 1 to ${MAX_BENCH_AGENTS} separated by commas, got '${
        shown(raw)
      }'`,
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
      `Invalid value for --change-fraction: expected a number from 0 to 1, got '${shown(raw)}'`,
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
        shown(bad[0] ?? raw)
      }' (expected sequential, pooled, control-all, default)`,
    );
  }
  return names as StrategyName[];
}

function parseOptions(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(BENCH_OPTIONS).map(([name, spec]) => [name, {
          type: spec.type,
          ...(spec.short ? { short: spec.short } : {}),
        }]),
      ),
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError(
      `${shown(errorMessage(error).split("\n")[0])} (see 'deno task bench --help')`,
    );
  }
}

function soakOptions(
  v: ReturnType<typeof parseOptions>,
  agents: number,
  given: { intervalS: number; changeFraction: number; seconds: number },
): SoakOptions {
  const seconds = v["soak-seconds"] === undefined
    ? given.seconds
    : parseSeconds("--soak-seconds", String(v["soak-seconds"]), {
      allowZero: true,
      min: 1,
      max: 86_400,
    });
  const cycleBounds = { min: 0, max: 1_000_000, fallback: soakFastCycles(agents) };
  return {
    agents,
    seconds,
    intervalS: given.intervalS,
    fastCycles: countOption(v, "soak-cycles", cycleBounds),
    fastWarmupCycles: countOption(v, "soak-warmup-cycles", cycleBounds),
    changeFraction: given.changeFraction,
  };
}

/** Parses the arguments of `scripts/bench/main.ts`; bad input is a {@linkcode UsageError}. */
export function parseBenchArgs(args: readonly string[]): BenchCommand {
  const v = parseOptions(args);
  if (v.help) return { kind: "help" };
  const agentsRaw = stringOption(v, "agents");
  const changeFraction = v["change-fraction"] === undefined
    ? BENCH_DEFAULTS.changeFraction
    : parseFraction(String(v["change-fraction"]));
  const intervalS = v.interval === undefined
    ? BENCH_DEFAULTS.intervalS
    : parseSeconds("--interval", String(v.interval), { min: 0.05, max: 3600 });
  const json = v.json === true;
  const out = stringOption(v, "out") ?? DEFAULT_BENCH_OUT;
  if (v["soak-memory"]) {
    const agents = agentsRaw === undefined ? [300, 1000] : parseAgentList(agentsRaw);
    const rows = agents.map((n) => soakOptions(v, n, { intervalS, changeFraction, seconds: 0 }));
    return { kind: "soak-memory", rows, json, out };
  }
  if (v.soak) {
    const agents = agentsRaw === undefined ? [SOAK_DEFAULTS.agents] : parseAgentList(agentsRaw);
    if (agents.length !== 1) {
      throw new UsageError(
        `Invalid value for --agents: --soak takes one count, got '${shown(agentsRaw ?? "")}'`,
      );
    }
    const options = soakOptions(v, agents[0], {
      intervalS,
      changeFraction,
      seconds: SOAK_DEFAULTS.seconds,
    });
    return { kind: "soak", options, json, out };
  }
  const strategiesRaw = stringOption(v, "strategies");
  const options: BenchOptions = {
    agents: agentsRaw === undefined ? [...BENCH_DEFAULTS.agents] : parseAgentList(agentsRaw),
    cycles: countOption(v, "cycles", { min: 1, max: 10_000, fallback: BENCH_DEFAULTS.cycles }),
    changeFraction,
    maxRowSeconds: v["max-row-seconds"] === undefined
      ? BENCH_DEFAULTS.maxRowSeconds
      : parseSeconds("--max-row-seconds", String(v["max-row-seconds"]), { min: 1, max: 86_400 }),
    intervalS,
    strategies: strategiesRaw === undefined ? undefined : parseStrategies(strategiesRaw),
    watch: v["no-watch"] !== true,
  };
  return { kind: "bench", options, json, out };
}
