/**
 * The soak: the REAL monitor process (`tmux-orc monitor`, re-run the way the supervisor starts it,
 * with the program's own permission flags) watching a private farm of fake agents, measured from
 * outside.
 *
 * - **slow** phase: `--interval 10` for a while (default 5 minutes); a fraction of the panes gets
 *   new output every interval. Reports the monitor's average CPU (% of one core) from its first
 *   heartbeat to the end (start-up excluded, and reported apart) and its RSS.
 * - **fast** phase: `--interval 0.05` for a warm-up (default 1,000 cycles) and then N measured
 *   cycles (default 1,000). Samples RSS and open file descriptors against the cycle number (from
 *   the heartbeat file) and reports the least-squares slope of RSS over the measured cycles (MB
 *   per 1,000 cycles) and the fd count first vs last. The warm-up is there because at 20 cycles a
 *   second V8 grows its heap to match the allocation rate for the first ~900 cycles and then stays
 *   flat (measured: 65 → 140 MB by cycle ~900, flat to cycle 3,000; the live heap after a forced
 *   GC stays ~8 MB): growth that stops is sizing, growth that goes on is a leak. The warm-up's own
 *   slope is reported too.
 *
 * Figures come from `/proc/PID` (needs `--allow-all`; `deno task soak` has it), else from `ps`.
 *
 * @module
 */

import { join } from "node:path";
import { readHeartbeat } from "../monitor/heartbeat.ts";
import { UserError } from "../state/errors.ts";
import { selfCommand } from "../supervisor/self_exec.ts";
import { PaneFarm } from "./farm.ts";
import { type ProcessSample, psSample, threadCpuMs } from "./proc.ts";
import { type Progress, silentProgress } from "./progress.ts";
import type { BudgetResult } from "./report.ts";
import { formatNumber, leastSquaresSlope, pickIndexes, seededRandom } from "./stats.ts";

/** Options for {@linkcode runSoak}. */
export interface SoakOptions {
  /** Fake agents (default 100). */
  agents?: number;
  /** Length of the slow phase in seconds (default 300; 0 skips it). */
  seconds?: number;
  /** Monitor interval in the slow phase (s, default 10). */
  intervalS?: number;
  /** Measured cycles of the fast phase (default 1000; 0 skips the phase). */
  fastCycles?: number;
  /** Warm-up cycles of the fast phase before measuring (default 1000). */
  fastWarmupCycles?: number;
  /** Monitor interval in the fast phase (s, default 0.05, the smallest the CLI accepts). */
  fastIntervalS?: number;
  /** Fraction of panes with new output per interval (default 0.1). */
  changeFraction?: number;
  /** Progress on stderr. */
  progress?: Progress;
  /** Aborting stops the soak (monitor and farm are stopped). */
  signal?: AbortSignal;
}

/** The defaults of {@linkcode SoakOptions}. */
export const SOAK_DEFAULTS = {
  agents: 100,
  seconds: 300,
  intervalS: 10,
  fastCycles: 1000,
  fastWarmupCycles: 1000,
  fastIntervalS: 0.05,
  changeFraction: 0.1,
} as const;

/** What the slow phase measured. */
export interface SlowSoakResult {
  /** Seconds measured (first heartbeat to the end). */
  seconds: number;
  /** Monitor interval (s). */
  intervalS: number;
  /** Cycles the monitor ran. */
  cycles: number;
  /** Monitor CPU over the measured time (s). */
  cpuSeconds: number;
  /** Average CPU, % of one core, over the measured time. */
  avgCpuPercent: number;
  /** Monitor CPU spent on start-up and the first cycle (s). */
  startupCpuSeconds: number;
  /** The monitor's tmux control-mode client process, % of one core (when found). */
  tmuxClientCpuPercent: number | null;
  /** RSS at the first heartbeat (MB). */
  rssFirstMb: number;
  /** RSS at the end (MB). */
  rssLastMb: number;
  /** Largest RSS sampled (MB). */
  rssMaxMb: number;
  /** Where the figures came from. */
  source: "proc" | "ps";
}

/** What the fast phase measured. */
export interface FastSoakResult {
  /** Cycles run (warm-up included). */
  cycles: number;
  /** Warm-up cycles (not in the slope). */
  warmupCycles: number;
  /** Monitor interval (s). */
  intervalS: number;
  /** Wall time (s). */
  seconds: number;
  /** Least-squares slope of RSS against cycles, MB per 1,000 cycles (warm-up left out). */
  rssSlopeMbPer1000Cycles: number;
  /** The same over the warm-up cycles. */
  warmupSlopeMbPer1000Cycles: number;
  /** RSS at the end of the warm-up (MB). */
  rssWarmMb: number;
  /** RSS at the first sample (MB). */
  rssFirstMb: number;
  /** RSS at the last sample (MB). */
  rssLastMb: number;
  /** Largest RSS sampled (MB). */
  rssMaxMb: number;
  /** Open fds at the first sample. */
  fdsFirst: number | null;
  /** Open fds at the last sample. */
  fdsLast: number | null;
  /** Samples: `[cycle, rssMb, fds]`. */
  samples: [number, number, number | null][];
}

/** The whole soak. */
export interface SoakRun {
  /** Options used. */
  options: Required<Omit<SoakOptions, "progress" | "signal">>;
  /** The slow phase, when run. */
  slow?: SlowSoakResult;
  /** The fast phase, when run. */
  fast?: FastSoakResult;
  /** Budget verdicts. */
  budgets: BudgetResult[];
}

/** Most RSS growth per 1,000 cycles that still counts as "no upward trend" (MB). */
export const MAX_RSS_SLOPE_MB = 1;

const MB = 2 ** 20;

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A monitor process started for the soak. */
interface MonitorProcess {
  child: Deno.ChildProcess;
  /** The last 2 KB the monitor wrote to stderr. */
  stderr: () => string;
  stateDir: string;
  heartbeatPath: string;
  stop(): Promise<void>;
}

async function startMonitor(farm: PaneFarm, intervalS: number): Promise<MonitorProcess> {
  const stateDir = await Deno.makeTempDir({ prefix: "tmux-orc-soak-" });
  await Deno.chmod(stateDir, 0o700);
  const argv = [
    ...selfCommand(),
    "monitor",
    "--daemon",
    "-L",
    farm.socketName,
    "--state-dir",
    stateDir,
    "--interval",
    String(intervalS),
  ];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  (async () => {
    try {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        stderr = (stderr + chunk).slice(-2048);
      }
    } catch { /* the pipe broke: keep what was read */ }
  })();
  let stopped: Promise<void> | undefined;
  return {
    child,
    stderr: () => stderr,
    stateDir,
    heartbeatPath: join(stateDir, "heartbeat.json"),
    stop() {
      stopped ??= (async () => {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* already gone */ }
        }, 5000);
        await child.status;
        clearTimeout(timer);
        await Deno.remove(stateDir, { recursive: true }).catch(() => {});
      })();
      return stopped;
    },
  };
}

/** The last lines of the soak monitor's log (its state dir is removed when it stops). */
async function logTail(monitor: MonitorProcess): Promise<string> {
  try {
    const text = await Deno.readTextFile(join(monitor.stateDir, "logs", "monitor.jsonl"));
    const lines = text.trim().split("\n").slice(-3);
    return lines.map((line) => {
      try {
        return String(JSON.parse(line).message ?? line);
      } catch {
        return line;
      }
    }).join(" | ") || monitor.stderr().trim() || "no log lines";
  } catch {
    return monitor.stderr().trim() || "no log file";
  }
}

async function waitForCycle(
  monitor: MonitorProcess,
  cycle: number,
  options: { timeoutMs: number; signal?: AbortSignal; onBeat?: (cycle: number) => void },
): Promise<number> {
  const deadline = performance.now() + options.timeoutMs;
  let exited = false;
  monitor.child.status.then(() => exited = true);
  for (;;) {
    const beat = await readHeartbeat(monitor.heartbeatPath);
    if (beat) options.onBeat?.(beat.cycle);
    if (beat && beat.cycle >= cycle) return beat.cycle;
    if (exited) {
      const status = await monitor.child.status;
      throw new UserError(
        `The soak's monitor exited early with code ${status.code}: ${await logTail(monitor)}`,
      );
    }
    if (options.signal?.aborted) throw new Error("Soak interrupted");
    if (performance.now() > deadline) {
      throw new Error(`The soak's monitor did not reach cycle ${cycle} in time`);
    }
    await delay(20, options.signal);
  }
}

/** Pids of the tmux control-mode clients of the farm's server, other than `exclude`. */
async function controlClientPids(farm: PaneFarm, exclude: number | undefined): Promise<number[]> {
  const lines = await farm.run(["list-clients", "-F", "#{client_pid} #{client_control_mode}"]);
  return lines.map((line) => line.split(" ")).filter(([pid, control]) =>
    control === "1" && Number(pid) !== exclude
  ).map(([pid]) => Number(pid));
}

function changer(farm: PaneFarm, fraction: number, seed: number) {
  const random = seededRandom(seed);
  return async () => {
    const panes = farm.panes;
    for (const i of pickIndexes(panes.length, panes.length * fraction, random)) {
      await farm.advance(panes[i]);
    }
  };
}

async function sample(pid: number): Promise<ProcessSample> {
  const s = await psSample(pid);
  if (!s) throw new Error(`The soak's monitor (pid ${pid}) is gone`);
  return s;
}

async function slowPhase(
  farm: PaneFarm,
  o: Required<Omit<SoakOptions, "progress" | "signal">>,
  progress: Progress,
  signal?: AbortSignal,
): Promise<SlowSoakResult> {
  const farmClient = await controlClientPids(farm, undefined);
  const monitor = await startMonitor(farm, o.intervalS);
  try {
    progress.update("starting the monitor");
    await waitForCycle(monitor, 1, { timeoutMs: 60_000, signal });
    const pid = monitor.child.pid;
    const first = await sample(pid);
    const clients = (await controlClientPids(farm, undefined)).filter((p) =>
      !farmClient.includes(p)
    );
    const clientPid = clients.length === 1 ? clients[0] : undefined;
    const clientFirst = clientPid === undefined ? undefined : threadCpuMs(clientPid);
    const t0 = performance.now();
    const change = changer(farm, o.changeFraction, 7);
    let rssMax = first.rssBytes;
    let nextChange = t0 + o.intervalS * 500;
    while (performance.now() - t0 < o.seconds * 1000) {
      if (signal?.aborted) throw new Error("Soak interrupted");
      const now = performance.now();
      if (now >= nextChange) {
        await change();
        nextChange += o.intervalS * 1000;
      }
      rssMax = Math.max(rssMax, (await sample(pid)).rssBytes);
      const left = Math.ceil((o.seconds * 1000 - (performance.now() - t0)) / 1000);
      progress.update(`${o.seconds - left}/${o.seconds} s at interval ${o.intervalS} s`);
      await delay(Math.min(1000, Math.max(0, nextChange - performance.now())), signal);
    }
    const last = await sample(pid);
    const seconds = (performance.now() - t0) / 1000;
    const beat = await readHeartbeat(monitor.heartbeatPath);
    const clientLast = clientPid === undefined ? undefined : threadCpuMs(clientPid);
    const cpuSeconds = (last.cpuMs - first.cpuMs) / 1000;
    return {
      seconds,
      intervalS: o.intervalS,
      cycles: beat?.cycle ?? 0,
      cpuSeconds,
      avgCpuPercent: (cpuSeconds / seconds) * 100,
      startupCpuSeconds: first.cpuMs / 1000,
      tmuxClientCpuPercent: clientFirst !== undefined && clientLast !== undefined
        ? ((clientLast - clientFirst) / 1000 / seconds) * 100
        : null,
      rssFirstMb: first.rssBytes / MB,
      rssLastMb: last.rssBytes / MB,
      rssMaxMb: Math.max(rssMax, last.rssBytes) / MB,
      source: first.source,
    };
  } finally {
    await monitor.stop();
  }
}

async function fastPhase(
  farm: PaneFarm,
  o: Required<Omit<SoakOptions, "progress" | "signal">>,
  progress: Progress,
  signal?: AbortSignal,
): Promise<FastSoakResult> {
  const monitor = await startMonitor(farm, o.fastIntervalS);
  try {
    progress.update("starting the fast monitor");
    await waitForCycle(monitor, 1, { timeoutMs: 60_000, signal });
    const pid = monitor.child.pid;
    const t0 = performance.now();
    const change = changer(farm, o.changeFraction, 11);
    const samples: [number, number, number | null][] = [];
    let lastChange = performance.now();
    const total = o.fastWarmupCycles + o.fastCycles;
    for (;;) {
      if (signal?.aborted) throw new Error("Soak interrupted");
      const beat = await readHeartbeat(monitor.heartbeatPath);
      const cycle = beat?.cycle ?? 0;
      const s = await sample(pid);
      samples.push([cycle, Math.round((s.rssBytes / MB) * 1000) / 1000, s.fds ?? null]);
      progress.update(
        `fast cycles ${cycle}/${total}${cycle < o.fastWarmupCycles ? " (warm-up)" : ""}`,
      );
      if (cycle >= total) break;
      if (performance.now() - lastChange > 500) {
        await change();
        lastChange = performance.now();
      }
      if (performance.now() - t0 > Math.max(120_000, total * o.fastIntervalS * 4000)) {
        throw new Error(`The fast soak did not reach ${total} cycles in time`);
      }
      await delay(200, signal);
      const status = await Promise.race([monitor.child.status, delay(0).then(() => null)]);
      if (status !== null) {
        throw new UserError(
          `The soak's monitor exited early with code ${status.code}: ${await logTail(monitor)}`,
        );
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const slope = (points: typeof samples) =>
      leastSquaresSlope(points.map(([c]) => c), points.map(([, mb]) => mb)) * 1000;
    const warmup = samples.filter(([cycle]) => cycle < o.fastWarmupCycles);
    const measured = samples.filter(([cycle]) => cycle >= o.fastWarmupCycles);
    const first = measured[0] ?? samples[0];
    const last = samples[samples.length - 1];
    return {
      cycles: last[0],
      warmupCycles: o.fastWarmupCycles,
      intervalS: o.fastIntervalS,
      seconds,
      rssSlopeMbPer1000Cycles: slope(measured),
      warmupSlopeMbPer1000Cycles: slope(warmup),
      rssWarmMb: first[1],
      rssFirstMb: samples[0][1],
      rssLastMb: last[1],
      rssMaxMb: Math.max(...samples.map(([, mb]) => mb)),
      fdsFirst: samples[0][2],
      fdsLast: last[2],
      samples,
    };
  } finally {
    await monitor.stop();
  }
}

/** Budget verdicts of the soak: CPU < 1% of a core, RSS < 100 MB, no upward trend. */
export function soakBudgets(run: Pick<SoakRun, "slow" | "fast">): BudgetResult[] {
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
  ];
}

/** Runs the soak on a private farm (killed in `finally`). */
export async function runSoak(options: SoakOptions = {}): Promise<SoakRun> {
  const o = {
    agents: options.agents ?? SOAK_DEFAULTS.agents,
    seconds: options.seconds ?? SOAK_DEFAULTS.seconds,
    intervalS: options.intervalS ?? SOAK_DEFAULTS.intervalS,
    fastCycles: options.fastCycles ?? SOAK_DEFAULTS.fastCycles,
    fastWarmupCycles: options.fastWarmupCycles ?? SOAK_DEFAULTS.fastWarmupCycles,
    fastIntervalS: options.fastIntervalS ?? SOAK_DEFAULTS.fastIntervalS,
    changeFraction: options.changeFraction ?? SOAK_DEFAULTS.changeFraction,
  };
  const progress = options.progress ?? silentProgress;
  const { signal } = options;
  let farm: PaneFarm | undefined;
  const onAbort = () => farm?.kill();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    progress.update("starting a private tmux server");
    farm = await PaneFarm.start({ progress });
    await farm.grow(o.agents);
    const slow = o.seconds > 0 ? await slowPhase(farm, o, progress, signal) : undefined;
    const fast = o.fastCycles > 0 ? await fastPhase(farm, o, progress, signal) : undefined;
    return { options: o, slow, fast, budgets: soakBudgets({ slow, fast }) };
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await farm?.kill();
    progress.done();
  }
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
      } MB per 1,000 cycles; open fds ${fast.fdsFirst ?? "n/a"} -> ${fast.fdsLast ?? "n/a"}`,
    );
  }
  lines.push("Budgets:");
  for (const b of run.budgets) {
    const v = b.met === null ? "not measured" : b.met ? "met" : "MISSED";
    lines.push(`  [${v.padEnd(6)}] ${b.budget}: ${b.measured}`);
  }
  return lines.join("\n");
}
