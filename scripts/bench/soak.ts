/**
 * The soak: the REAL monitor process (`tmux-orc monitor` of this checkout, run the way the
 * supervisor starts it, with the program's own permission flags) watching a private farm of fake
 * agents, measured from outside.
 *
 * - **slow** phase: `--interval 10` for a while (default 5 minutes); a fraction of the panes gets
 *   new output every interval. Reports the monitor's average CPU (% of one core) from its first
 *   heartbeat to the end (start-up excluded, and reported apart) and its RSS.
 * - **fast** phase: `--interval 0.05` for a warm-up and then N measured cycles (by default each
 *   100,000 agent-cycles, from 100 to 1,000 cycles: 1,000 at 100 agents, 330 at 300, 100 at
 *   1,000), with `--idle-after 1 --notify-cooldown 20`, every agent CHANGING STATE throughout
 *   (active, waiting, error, rate-limited, idle: `soak_script.ts`) and one fake PM
 *   (`scripts/fake_agent/fake_pm.ts`) taking the notifications. Afterwards the monitor's store is
 *   read: every state the agents were driven through must be among the recorded transitions, in
 *   order (no event lost), and no two notifications about one agent and state may have been
 *   delivered inside the cooldown (no duplicate). Samples the RSS of the monitor and of its
 *   detection child (`soak_memory.ts`) and the monitor's open fds against the cycle number (from
 *   the heartbeat file) and reports the least-squares slope of RSS over the measured cycles (MB
 *   per 1,000 cycles and per hour) and the fd count first vs last. The warm-up is there because V8
 *   grows its heap to match the allocation rate first and then stays flat: growth that stops is
 *   sizing, growth that goes on is a leak. The warm-up's own slope is reported too.
 *
 * Figures come from `/proc/PID` (needs `--allow-all`; `deno task soak` has it), else from `ps`.
 *
 * @module
 */

import { readHeartbeat } from "../../src/lifecycle/heartbeat.ts";
import { UserError } from "../../src/state/errors.ts";
import { statePaths } from "../../src/state/paths.ts";
import { openStore } from "../../src/store/store.ts";
import { sleep } from "../../src/util/clock.ts";
import { FakePm } from "../fake_agent/fake_pm.ts";
import { PaneFarm } from "./farm.ts";
import { type ProcessSample, psSample, threadCpuMs } from "./proc.ts";
import { type Progress, silentProgress } from "./progress.ts";
import type { BudgetResult } from "./report.ts";
import { logTail, startMonitor, waitForCycle } from "./soak_monitor.ts";
import { type MemorySample, MemorySampler, type RssTrack, rssTrack } from "./soak_memory.ts";
import { soakBudgets } from "./soak_report.ts";
import { checkSoakEvents, type SoakEventCheck, StateDriver } from "./soak_script.ts";
import { leastSquaresSlope, pickIndexes, seededRandom } from "./stats.ts";

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
  /** Fraction of panes with new output per interval in the slow phase (default 0.1). */
  changeFraction?: number;
  /** The fast monitor's `--idle-after` (s, default 1). */
  idleAfterS?: number;
  /** The fast monitor's `--notify-cooldown` (s, default 20). */
  notifyCooldownS?: number;
  /** `DENO_V8_FLAGS` for the monitor process (default: inherited; for A/B runs). */
  v8Flags?: string;
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
  idleAfterS: 1,
  notifyCooldownS: 20,
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
  /** The monitor's RSS; warm-up: the first quarter of the phase. */
  monitorRss: RssTrack;
  /** The detection child's RSS, when found. */
  childRss: RssTrack | null;
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
  /** Monitor CPU over the measured cycles (s). */
  cpuSeconds: number;
  /** Average monitor CPU over the measured cycles, % of one core. */
  cpuPercent: number;
  /** Monitor CPU per measured cycle (ms). */
  cpuMsPerCycle: number;
  /** The fast monitor's `--idle-after` (s). */
  idleAfterS: number;
  /** The fast monitor's `--notify-cooldown` (s). */
  notifyCooldownS: number;
  /** Induced states against recorded transitions; delivered notifications against the cooldown. */
  events: SoakEventCheck;
  /** Messages the fake PM took (each may name many agents). */
  pmMessages: number;
  /** The monitor's RSS (warm-up: the warm-up cycles). */
  monitorRss: RssTrack;
  /** The detection child's RSS, when found. */
  childRss: RssTrack | null;
  /** Samples: `[cycle, rssMb, fds, childRssMb, seconds]`. */
  samples: [number, number, number | null, number | null, number][];
}

/** The whole soak. */
export interface SoakRun {
  /** Options used. */
  options: Required<Omit<SoakOptions, "progress" | "signal" | "v8Flags">> & { v8Flags?: string };
  /** The slow phase, when run. */
  slow?: SlowSoakResult;
  /** The fast phase, when run. */
  fast?: FastSoakResult;
  /** Budget verdicts. */
  budgets: BudgetResult[];
}

const MB = 2 ** 20;

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
  o: SoakRun["options"],
  progress: Progress,
  signal?: AbortSignal,
): Promise<SlowSoakResult> {
  const farmClient = await controlClientPids(farm, undefined);
  const monitor = await startMonitor(farm, o.intervalS, { v8Flags: o.v8Flags });
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
    const memory = new MemorySampler(pid);
    const memorySamples = [await memory.sample(1)];
    let nextChange = t0 + o.intervalS * 500;
    while (performance.now() - t0 < o.seconds * 1000) {
      if (signal?.aborted) throw new Error("Soak interrupted");
      const now = performance.now();
      if (now >= nextChange) {
        await change();
        nextChange += o.intervalS * 1000;
      }
      const beat = await readHeartbeat(monitor.heartbeatPath);
      const m = await memory.sample(beat?.cycle ?? 0);
      memorySamples.push(m);
      rssMax = Math.max(rssMax, m.monitorMb * MB);
      const left = Math.ceil((o.seconds * 1000 - (performance.now() - t0)) / 1000);
      progress.update(`${o.seconds - left}/${o.seconds} s at interval ${o.intervalS} s`);
      await sleep(Math.min(1000, Math.max(0, nextChange - performance.now())), signal);
    }
    const last = await sample(pid);
    const seconds = (performance.now() - t0) / 1000;
    const beat = await readHeartbeat(monitor.heartbeatPath);
    const clientLast = clientPid === undefined ? undefined : threadCpuMs(clientPid);
    const cpuSeconds = (last.cpuMs - first.cpuMs) / 1000;
    memorySamples.push(await memory.sample(beat?.cycle ?? 0));
    const warm = (m: MemorySample) => m.seconds >= seconds / 4;
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
      monitorRss: rssTrack(memorySamples, (m) => m.monitorMb, warm)!,
      childRss: rssTrack(memorySamples, (m) => m.childMb, warm),
      source: first.source,
    };
  } finally {
    await monitor.remove();
  }
}

async function fastPhase(
  farm: PaneFarm,
  o: SoakRun["options"],
  progress: Progress,
  context: { signal?: AbortSignal; readers: Promise<void>[] },
): Promise<FastSoakResult> {
  const { signal } = context;
  const pm = await FakePm.attach(await farm.addPm(), { width: farm.width });
  context.readers.push(pm.done);
  const monitor = await startMonitor(farm, o.fastIntervalS, {
    args: ["--idle-after", String(o.idleAfterS), "--notify-cooldown", String(o.notifyCooldownS)],
    v8Flags: o.v8Flags,
  });
  try {
    progress.update("starting the fast monitor");
    await waitForCycle(monitor, 1, { timeoutMs: 60_000, signal });
    const pid = monitor.child.pid;
    const t0 = performance.now();
    const driver = new StateDriver(farm, { idleAfterMs: o.idleAfterS * 1000, seed: 11 });
    const memory = new MemorySampler(pid);
    const memorySamples: MemorySample[] = [];
    const total = o.fastWarmupCycles + o.fastCycles;
    let lastSample = -Infinity;
    let cpuAtWarm: { cycle: number; cpuMs: number; ms: number } | undefined;
    let cpuLast = { cycle: 0, cpuMs: 0, ms: 0 };
    let drainDeadline = Infinity;
    // A stall guard, not a budget: a busy cycle's work grows with the agents (~5 ms each, allowed).
    const timeLimitMs = Math.max(
      120_000,
      total * Math.max(o.fastIntervalS * 6, o.agents * 0.005) * 1000,
    );
    for (;;) {
      if (signal?.aborted) throw new Error("Soak interrupted");
      const beat = await readHeartbeat(monitor.heartbeatPath);
      const cycle = beat?.cycle ?? 0;
      const draining = cycle >= total;
      const pending = await driver.tick(cycle, { draining });
      if (draining && drainDeadline === Infinity) {
        drainDeadline = performance.now() + o.idleAfterS * 1000 + 30_000;
      }
      if (performance.now() - lastSample >= 200 || (draining && pending === 0)) {
        lastSample = performance.now();
        const s = await memory.sample(cycle);
        if (!draining) {
          memorySamples.push(s);
          if (cycle >= o.fastWarmupCycles) {
            cpuAtWarm ??= { cycle, cpuMs: s.cpuMs, ms: performance.now() };
            cpuLast = { cycle, cpuMs: s.cpuMs, ms: performance.now() };
          }
        }
        progress.update(
          draining
            ? `fast cycles done; waiting for ${pending} agents to be classified`
            : `fast cycles ${cycle}/${total}${cycle < o.fastWarmupCycles ? " (warm-up)" : ""}`,
        );
      }
      if (draining && pending === 0) break;
      if (performance.now() > drainDeadline) {
        throw new Error(`The fast soak's agents were not all classified in time: ${pending} left`);
      }
      if (performance.now() - t0 > timeLimitMs) {
        throw new Error(`The fast soak did not reach ${total} cycles in time`);
      }
      await sleep(25, signal);
      const status = await Promise.race([monitor.child.status, sleep(0).then(() => null)]);
      if (status !== null) {
        throw new UserError(
          `The soak's monitor exited early with code ${status.code}: ${await logTail(monitor)}`,
        );
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    await monitor.stop();
    const store = openStore(statePaths(monitor.stateDir).database, { readonly: true });
    let events;
    try {
      events = checkSoakEvents(
        store.listEvents({ kinds: ["transition", "notification"] }),
        driver.induced,
        {
          cooldownMs: o.notifyCooldownS * 1000,
        },
      );
    } finally {
      store.close();
    }
    const samples = memorySamples.map((
      m,
    ): FastSoakResult["samples"][number] => [
      m.cycle,
      m.monitorMb,
      m.fds,
      m.childMb,
      Math.round(m.seconds * 1000) / 1000,
    ]);
    const slope = (points: typeof samples) =>
      leastSquaresSlope(points.map(([c]) => c), points.map(([, mb]) => mb)) * 1000;
    const warm = (m: MemorySample) => m.cycle >= o.fastWarmupCycles;
    const warmup = samples.filter(([cycle]) => cycle < o.fastWarmupCycles);
    const measured = samples.filter(([cycle]) => cycle >= o.fastWarmupCycles);
    const first = measured[0] ?? samples[0];
    const last = samples[samples.length - 1];
    const cpuMs = cpuAtWarm ? cpuLast.cpuMs - cpuAtWarm.cpuMs : 0;
    const cpuCycles = cpuAtWarm ? cpuLast.cycle - cpuAtWarm.cycle : 0;
    const cpuWallS = cpuAtWarm ? (cpuLast.ms - cpuAtWarm.ms) / 1000 : 0;
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
      monitorRss: rssTrack(memorySamples, (m) => m.monitorMb, warm)!,
      childRss: rssTrack(memorySamples, (m) => m.childMb, warm),
      // A leak stays; a pipe to a short-lived child process (a `cat` of /proc, a restarted
      // detection child) does not: the fewest fds among the first and among the last 3 samples.
      fdsFirst: fewestFds(samples.slice(0, 3)),
      fdsLast: fewestFds(samples.slice(-3)),
      cpuSeconds: cpuMs / 1000,
      cpuPercent: cpuWallS > 0 ? (cpuMs / 1000 / cpuWallS) * 100 : 0,
      cpuMsPerCycle: cpuCycles > 0 ? cpuMs / cpuCycles : 0,
      idleAfterS: o.idleAfterS,
      notifyCooldownS: o.notifyCooldownS,
      events,
      pmMessages: pm.messages.length,
      samples,
    };
  } finally {
    await monitor.remove();
  }
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
    idleAfterS: options.idleAfterS ?? SOAK_DEFAULTS.idleAfterS,
    notifyCooldownS: options.notifyCooldownS ?? SOAK_DEFAULTS.notifyCooldownS,
    v8Flags: options.v8Flags,
  };
  const progress = options.progress ?? silentProgress;
  const { signal } = options;
  let farm: PaneFarm | undefined;
  const readers: Promise<void>[] = [];
  const onAbort = () => farm?.kill();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    progress.update("starting a private tmux server");
    farm = await PaneFarm.start({ progress });
    await farm.grow(o.agents);
    const slow = o.seconds > 0 ? await slowPhase(farm, o, progress, signal) : undefined;
    const fast = o.fastCycles > 0
      ? await fastPhase(farm, o, progress, { signal, readers })
      : undefined;
    return { options: o, slow, fast, budgets: soakBudgets({ options: o, slow, fast }) };
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await farm?.kill();
    // The fake PM's terminal reader ends when the server closes its terminal.
    await Promise.race([Promise.all(readers), sleep(3000)]);
    progress.done();
  }
}

/** The fewest open fds among samples `[cycle, rssMb, fds, …]`; `null` when none was measured. */
function fewestFds(
  samples: readonly (readonly [number, number, number | null, ...unknown[]])[],
): number | null {
  const counts = samples.map(([, , fds]) => fds).filter((n): n is number => n !== null);
  return counts.length > 0 ? Math.min(...counts) : null;
}
