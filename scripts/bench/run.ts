/**
 * The side-by-side benchmark: for each agent count N, a private tmux server of N fake agent panes
 * ({@linkcode PaneFarm}), then for each strategy a fresh real {@linkcode Monitor} (with its own
 * store) that runs one untimed warm-up cycle and then K timed cycles. Before each timed cycle a
 * fraction F of the panes draws new output (the same seeded choice for every strategy).
 *
 * The monitor's monotonic clock is moved forward so that consecutive cycles are `intervalS`
 * (default 10 s, the monitor's default interval) apart, as in real use, while the wall clock is
 * the real one (change gating compares capture times with tmux's own clock). So time-driven work
 * happens as it would in a real run: agents turn idle after 20 s of quiet, and an unchanged pane
 * is recaptured once its last capture is 60 s old (`maxCaptureAgeMs`).
 *
 * Timing: only `monitor.cycle()` is timed (list, capture what is needed, classify, store). Before
 * a cycle of a change-gated strategy the bench waits for the next wall-clock second after the
 * last write: tmux's `window_activity` has 1-second resolution, and at the real 10 s interval
 * output is never in the same second as the next cycle (without the wait, each changed pane
 * would also be captured once more in the following cycle). Strategies without gating only wait
 * 30 ms for tmux to read the new output.
 *
 * @module
 */

import { join } from "node:path";
import { openStore, type Store } from "../../src/store/store.ts";
import { type Clock, sleep } from "../../src/util/clock.ts";
import { CountingClient } from "./counting_client.ts";
import { PaneFarm } from "./farm.ts";
import { childrenCpuMs, ownCpuMs, ownRssBytes, threadCpuMs } from "./proc.ts";
import { type Progress, silentProgress } from "./progress.ts";
import { mean, median, percentile, pickIndexes, seededRandom } from "./stats.ts";
import {
  createStrategyMonitor,
  STRATEGIES,
  STRATEGY_NAMES,
  strategyClient,
  type StrategyName,
} from "./strategies.ts";
import { ControlClient } from "../../src/tmux/control_client.ts";
import { type IdleComparison, runIdleComparison, runWatchRow, type WatchRow } from "./watch.ts";

/** Options for {@linkcode runBench}. */
export interface BenchOptions {
  /** Agent counts, run in ascending order on one growing farm (default 10, 100, 1000). */
  agents?: number[];
  /** Timed cycles per strategy and N (default 10). */
  cycles?: number;
  /** Fraction of panes with new output before each cycle (default 0.1). */
  changeFraction?: number;
  /** Strategies to run (default all four). */
  strategies?: StrategyName[];
  /**
   * After this many seconds on one strategy and N, stop at {@linkcode MIN_CYCLES} timed cycles
   * (default 20): the subprocess strategies need seconds per cycle at N=1000.
   */
  maxRowSeconds?: number;
  /** Monitor interval simulated on the monitor's monotonic clock (s, default 10). */
  intervalS?: number;
  /** Seed for the choice of changing panes (default 42). */
  seed?: number;
  /** Progress on stderr (default none). */
  progress?: Progress;
  /** Aborting stops the run (the farm is killed at once). */
  signal?: AbortSignal;
  /** Called with the farm once it exists (e.g. to kill it from a signal handler). */
  onFarm?: (farm: PaneFarm) => void;
  /**
   * Also measure the pane watch (subscriptions) at each N, and the idle cost at N=100 of polling
   * against the watch (`watch.ts`; default true).
   */
  watch?: boolean;
}

/**
 * The monitor's clock in the bench: the real wall clock, and a monotonic clock that
 * {@linkcode IntervalClock.advanceTo} moves forward (never back) to simulate the interval.
 */
export class IntervalClock implements Clock {
  #offset = 0;

  /** Real monotonic time plus the simulated gaps (ms). */
  monotonic(): number {
    return performance.now() + this.#offset;
  }

  /** The real wall clock (ms since the epoch). */
  wall(): number {
    return Date.now();
  }

  /** Makes the monotonic clock read at least `target` now. */
  advanceTo(target: number): void {
    this.#offset = Math.max(this.#offset, target - performance.now());
  }
}

/** Timed cycles run even when a row is over its time budget. */
export const MIN_CYCLES = 3;

/** The defaults of {@linkcode BenchOptions}. */
export const BENCH_DEFAULTS = {
  agents: [10, 100, 1000],
  cycles: 10,
  changeFraction: 0.1,
  maxRowSeconds: 20,
  intervalS: 10,
  seed: 42,
} as const;

/** One strategy at one N. */
export interface BenchRow {
  /** Agent panes. */
  agents: number;
  /** The strategy. */
  strategy: StrategyName;
  /** Timed cycles run. */
  cycles: number;
  /** Median cycle time (ms). */
  medianMs: number;
  /** 95th percentile cycle time (ms, nearest rank). */
  p95Ms: number;
  /** Mean cycle time (ms). */
  meanMs: number;
  /** Median cycle time per agent (ms). */
  msPerAgent: number;
  /** This strategy's median over the `default` strategy's median at the same N. */
  ratioToDefault: number | null;
  /** Mean `capture-pane` commands per timed cycle. */
  capturesPerCycle: number;
  /** `capture-pane` commands of each timed cycle. */
  captureSamples: number[];
  /** Panes given new output per cycle. */
  changedPerCycle: number;
  /** Peak resident memory of the bench process (which runs the monitor) during the row (MB). */
  peakRssMb: number;
  /** CPU seconds of the monitor's own process over the timed cycles. */
  cpuSeconds: number;
  /** The same per cycle (ms). */
  cpuMsPerCycle: number;
  /**
   * CPU per cycle (ms) spent by tmux for the monitor: exited tmux subprocesses, the control-mode
   * client process and the tmux server; `null` when `/proc` could not be read.
   */
  tmuxCpuMsPerCycle: number | null;
  /** Agents per state after the last cycle. */
  states: Record<string, number>;
  /** Every timed cycle (ms). */
  samplesMs: number[];
}

/** A whole run. */
export interface BenchRun {
  /** When it started (ISO). */
  startedAt: string;
  /** Wall time of the whole run (s). */
  totalSeconds: number;
  /** Options used. */
  options: Required<Omit<BenchOptions, "progress" | "signal" | "onFarm">>;
  /** Results, by N then strategy. */
  rows: BenchRow[];
  /** The pane watch, by N then load (empty when not measured). */
  watch: WatchRow[];
  /** The idle cost at N=100, polling against the watch (when measured). */
  idle?: IdleComparison;
}

/** Thrown when the run was aborted. */
export class BenchAbortedError extends Error {
  /** Creates the error. */
  constructor() {
    super("Benchmark interrupted");
    this.name = "BenchAbortedError";
  }
}

/** Waits until the wall clock is in a later second than `ms` (and at least `minMs`). */
async function nextSecondAfter(ms: number, minMs: number, signal?: AbortSignal): Promise<void> {
  const target = Math.max((Math.floor(ms / 1000) + 1) * 1000 + 5, Date.now() + minMs);
  await sleep(target - Date.now(), signal);
}

interface TmuxCpuProbe {
  read(): number | undefined;
}

function tmuxCpuProbe(serverPid: number, client: CountingClient): TmuxCpuProbe {
  return {
    read() {
      const server = threadCpuMs(serverPid);
      const children = childrenCpuMs();
      if (server === undefined || children === undefined) return undefined;
      const inner = client.inner;
      const controlPid = inner instanceof ControlClient ? inner.pid : undefined;
      const control = controlPid === undefined ? 0 : threadCpuMs(controlPid) ?? 0;
      return server + children + control;
    },
  };
}

async function runRow(
  farm: PaneFarm,
  options: {
    agents: number;
    strategy: StrategyName;
    cycles: number;
    changeFraction: number;
    maxRowSeconds: number;
    intervalS: number;
    seed: number;
    dir: string;
    progress: Progress;
    signal?: AbortSignal;
    lastWrite: { ms: number };
  },
): Promise<BenchRow> {
  const { agents, strategy, progress, signal } = options;
  const spec = STRATEGIES[strategy];
  const panes = farm.panes.slice(0, agents);
  const client = new CountingClient(strategyClient(spec, farm.server));
  let store: Store | undefined;
  const rowStart = performance.now();
  const samples: number[] = [];
  const captures: number[] = [];
  let cpuMs = 0;
  let tmuxCpuMs: number | null = 0;
  let peakRss = ownRssBytes();
  let states: Record<string, number> = {};
  const rssTimer = setInterval(() => peakRss = Math.max(peakRss, ownRssBytes()), 25);
  const random = seededRandom(options.seed + agents);
  const changed = Math.round(agents * options.changeFraction);
  try {
    store = openStore(join(options.dir, `${strategy}-${agents}.db`));
    const clock = new IntervalClock();
    const monitor = createStrategyMonitor(spec, { tmux: client, store, clock });
    const probe = tmuxCpuProbe(farm.serverPid, client);
    try {
      const settle = () =>
        spec.changeGating ? nextSecondAfter(options.lastWrite.ms, 30, signal) : sleep(30, signal);
      await settle();
      progress.update(`N=${agents} ${strategy}: warm-up cycle`);
      const base = clock.monotonic();
      await monitor.cycle();
      for (let k = 0; k < options.cycles; k++) {
        if (signal?.aborted) throw new BenchAbortedError();
        const elapsed = (performance.now() - rowStart) / 1000;
        if (k >= MIN_CYCLES && elapsed > options.maxRowSeconds) break;
        progress.update(`N=${agents} ${strategy}: cycle ${k + 1}/${options.cycles}`);
        for (const i of pickIndexes(panes.length, changed, random)) await farm.advance(panes[i]);
        options.lastWrite.ms = Date.now();
        await settle();
        if (signal?.aborted) throw new BenchAbortedError();
        clock.advanceTo(base + (k + 1) * options.intervalS * 1000);
        const capturesBefore = client.count("capture-pane");
        const cpuBefore = ownCpuMs();
        const tmuxBefore = probe.read();
        const t0 = performance.now();
        const result = await monitor.cycle();
        const ms = performance.now() - t0;
        const tmuxAfter = probe.read();
        cpuMs += ownCpuMs() - cpuBefore;
        if (tmuxCpuMs !== null && tmuxBefore !== undefined && tmuxAfter !== undefined) {
          tmuxCpuMs += tmuxAfter - tmuxBefore;
        } else tmuxCpuMs = null;
        peakRss = Math.max(peakRss, ownRssBytes());
        samples.push(ms);
        captures.push(client.count("capture-pane") - capturesBefore);
        states = result.states;
        if (!result.tmux) throw new Error("The bench tmux server stopped answering");
      }
    } finally {
      await monitor.close();
    }
  } finally {
    clearInterval(rssTimer);
    store?.close(); // idempotent: the monitor closes it too
    await client.close();
  }
  const med = median(samples);
  return {
    agents,
    strategy,
    cycles: samples.length,
    medianMs: med,
    p95Ms: percentile(samples, 95),
    meanMs: mean(samples),
    msPerAgent: med / agents,
    ratioToDefault: null,
    capturesPerCycle: mean(captures),
    captureSamples: captures,
    changedPerCycle: changed,
    peakRssMb: peakRss / 2 ** 20,
    cpuSeconds: cpuMs / 1000,
    cpuMsPerCycle: cpuMs / samples.length,
    tmuxCpuMsPerCycle: tmuxCpuMs === null ? null : tmuxCpuMs / samples.length,
    states,
    samplesMs: samples.map((s) => Math.round(s * 100) / 100),
  };
}

/** Fills in {@linkcode BenchRow.ratioToDefault} for every row whose N has a `default` row. */
export function addRatios(rows: BenchRow[]): void {
  for (const row of rows) {
    const base = rows.find((r) => r.agents === row.agents && r.strategy === "default");
    row.ratioToDefault = base && base.medianMs > 0 ? row.medianMs / base.medianMs : null;
  }
}

/**
 * Runs the benchmark. The private tmux server is killed in `finally`, whatever happens; an abort
 * (Ctrl-C) kills it at once and rejects with {@linkcode BenchAbortedError}.
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchRun> {
  const agents = [...new Set(options.agents ?? BENCH_DEFAULTS.agents)].sort((a, b) => a - b);
  const strategies = options.strategies ?? [...STRATEGY_NAMES];
  const resolved = {
    agents,
    cycles: options.cycles ?? BENCH_DEFAULTS.cycles,
    changeFraction: options.changeFraction ?? BENCH_DEFAULTS.changeFraction,
    strategies,
    maxRowSeconds: options.maxRowSeconds ?? BENCH_DEFAULTS.maxRowSeconds,
    intervalS: options.intervalS ?? BENCH_DEFAULTS.intervalS,
    seed: options.seed ?? BENCH_DEFAULTS.seed,
    watch: options.watch ?? true,
  };
  const progress = options.progress ?? silentProgress;
  const { signal } = options;
  const startedAt = new Date();
  const t0 = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-bench-" });
  const rows: BenchRow[] = [];
  const watch: WatchRow[] = [];
  let idle: IdleComparison | undefined;
  let farm: PaneFarm | undefined;
  const onAbort = () => farm?.kill();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted) throw new BenchAbortedError();
    progress.update("starting a private tmux server");
    farm = await PaneFarm.start({ progress });
    options.onFarm?.(farm);
    const lastWrite = { ms: Date.now() };
    for (const n of agents) {
      if (signal?.aborted) throw new BenchAbortedError();
      await farm.grow(n);
      lastWrite.ms = Date.now();
      for (const strategy of strategies) {
        rows.push(
          await runRow(farm, {
            ...resolved,
            agents: n,
            strategy,
            dir,
            progress,
            signal,
            lastWrite,
          }),
        );
      }
      if (resolved.watch) {
        watch.push(...await runWatchRow(farm, { ...resolved, agents: n, dir, progress, signal }));
        lastWrite.ms = Date.now();
        if (n === 100) idle = await runIdleComparison(farm, { progress, signal });
      }
    }
  } catch (error) {
    if (signal?.aborted) throw new BenchAbortedError();
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    progress.update("stopping the private tmux server");
    await farm?.kill();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    progress.done();
  }
  addRatios(rows);
  return {
    startedAt: startedAt.toISOString(),
    totalSeconds: (performance.now() - t0) / 1000,
    options: resolved,
    rows,
    watch,
    ...(idle ? { idle } : {}),
  };
}
