/**
 * The bench rows of the pane watch (tmux control-mode subscriptions, `src/tmux/pane_watch.ts`):
 *
 * - {@linkcode runWatchRow}: for one N, the real pieces of the monitor's watch path in this
 *   process (a {@linkcode ControlClient} subscribed with the pane watch, the
 *   {@linkcode PaneWatchFeed}, the {@linkcode EarlyCycles} gate and a real {@linkcode Monitor}
 *   running the early change-only cycles), for a few seconds idle (no output) and busy (10% of
 *   the panes draw new output every second). No periodic cycle runs: the rows are what the
 *   watch adds. CPU of this process and of the tmux server (and the control client) per second.
 * - {@linkcode runIdleComparison}: the idle cost at 100 unchanged agents, with the real monitor
 *   processes (`tmux-orc monitor`): polling at `--interval 10 --no-subscribe` against the watch
 *   at `--interval 30`, each measured over the same window after its first cycles: the monitor
 *   process and its children (detection child, control client) plus the tmux server.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { join } from "node:path";
import { PaneWatchFeed } from "../../src/monitor/change_feed.ts";
import { EarlyCycles } from "../../src/monitor/early_cycles.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { ControlClient } from "../../src/tmux/control_client.ts";
import { sleep } from "../../src/util/clock.ts";
import { CountingClient } from "./counting_client.ts";
import type { PaneFarm } from "./farm.ts";
import { ownCpuMs, procCpuMs, threadCpuMs } from "./proc.ts";
import type { Progress } from "./progress.ts";
import { pickIndexes, seededRandom } from "./stats.ts";
import { startMonitor, waitForCycle } from "./soak_monitor.ts";
import { createStrategyMonitor, STRATEGIES } from "./strategies.ts";
import { IntervalClock } from "./run.ts";

/** One N and load of the watch. */
export interface WatchRow {
  /** Agent panes. */
  agents: number;
  /** `idle`: no output; `busy`: 10% of the panes draw output every second. */
  load: "idle" | "busy";
  /** Seconds measured. */
  seconds: number;
  /** Watch notifications per second. */
  notificationsPerS: number;
  /** Their size (KB per second). */
  kbPerS: number;
  /** Early change-only cycles per second. */
  earlyCyclesPerS: number;
  /** `capture-pane` commands per second. */
  capturesPerS: number;
  /** CPU of the monitor side (this process: notifications, diffs, early cycles), ms per second. */
  monitorCpuMsPerS: number;
  /** CPU of the tmux server and the control client, ms per second (`null`: unreadable). */
  tmuxCpuMsPerS: number | null;
}

/** The idle cost at 100 unchanged agents, polling against the watch. */
export interface IdleComparison {
  /** Agent panes. */
  agents: number;
  /** Seconds measured per mode. */
  seconds: number;
  /** Polling at `--interval 10 --no-subscribe`. */
  polling: IdleCost;
  /** The watch at `--interval 30`. */
  watch: IdleCost;
  /** Polling's total over the watch's total. */
  ratio: number | null;
}

/** What one monitor mode cost, in CPU ms per second. */
export interface IdleCost {
  /** The monitor's command-line arguments. */
  args: string[];
  /** The monitor process and its children. */
  monitorMsPerS: number | null;
  /** The tmux server. */
  tmuxMsPerS: number | null;
  /** Both. */
  totalMsPerS: number | null;
}

/** Seconds per {@linkcode runWatchRow} load. */
export const WATCH_ROW_SECONDS = 6;
/** Seconds per mode of {@linkcode runIdleComparison}. */
export const IDLE_SECONDS = 60;
/** Seconds a monitor runs before its idle cost is measured. */
const SETTLE_SECONDS = 25;

function controlCpu(client: ControlClient, serverPid: number): number | undefined {
  const server = threadCpuMs(serverPid);
  if (server === undefined) return undefined;
  const pid = client.pid;
  return server + (pid === undefined ? 0 : threadCpuMs(pid) ?? 0);
}

/** The watch path for `agents` panes of the farm, idle then busy. */
export async function runWatchRow(
  farm: PaneFarm,
  options: { agents: number; dir: string; progress: Progress; signal?: AbortSignal; seed: number },
): Promise<WatchRow[]> {
  const { agents, progress, signal } = options;
  const logger = getLogger(["tmux-orc", "bench", "watch"]);
  const feed = new PaneWatchFeed({ logger });
  let notifications = 0;
  let bytes = 0;
  const control = new ControlClient(farm.server, {
    timeoutMs: 30_000,
    onNotification: (n) => {
      if (n.name === "subscription-changed") {
        notifications++;
        bytes += n.raw.length;
      }
      feed.notification(n);
    },
    onEvent: (e) => feed.clientEvent(e),
  });
  const client = new CountingClient(control);
  feed.connect(control);
  let store: Store | undefined;
  const rows: WatchRow[] = [];
  try {
    store = openStore(join(options.dir, `watch-${agents}.db`));
    const clock = new IntervalClock();
    const monitor = createStrategyMonitor(STRATEGIES.default, { tmux: client, store, clock });
    try {
      progress.update(`N=${agents} watch: first cycle`);
      await monitor.cycle();
      const early = new EarlyCycles();
      let wake = () => {};
      feed.listen((changes) => {
        early.changed(changes === "all" ? ["*"] : changes, performance.now());
        wake();
      });
      await feed.start();
      await sleep(1500, signal); // the first value (tmux checks once a second)
      const random = seededRandom(options.seed + agents);
      for (const load of ["idle", "busy"] as const) {
        progress.update(`N=${agents} watch: ${load} for ${WATCH_ROW_SECONDS} s`);
        let cycles = 0;
        const capturesBefore = client.count("capture-pane");
        notifications = 0;
        bytes = 0;
        const cpu0 = ownCpuMs();
        const tmux0 = controlCpu(control, farm.serverPid);
        const t0 = performance.now();
        let nextDraw = t0;
        while (performance.now() - t0 < WATCH_ROW_SECONDS * 1000) {
          if (signal?.aborted) break;
          const now = performance.now();
          if (load === "busy" && now >= nextDraw) {
            nextDraw += 1000;
            const panes = farm.panes.slice(0, agents);
            const count = Math.max(1, Math.round(agents * 0.1));
            await Promise.all(
              pickIndexes(panes.length, count, random).map((i) => farm.advance(panes[i])),
            );
          }
          const panes = early.take(performance.now());
          if (panes) {
            const began = performance.now();
            await monitor.cycle({
              watched: true,
              ...(panes.has("*") ? {} : { panes }),
            });
            early.ran({ startedAt: began, endedAt: performance.now(), full: false });
            cycles++;
            continue;
          }
          const due = Math.min(early.dueAt() ?? Infinity, load === "busy" ? nextDraw : Infinity);
          const wait = Math.max(1, Math.min(200, due - performance.now()));
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        const seconds = (performance.now() - t0) / 1000;
        const tmux1 = controlCpu(control, farm.serverPid);
        rows.push({
          agents,
          load,
          seconds,
          notificationsPerS: notifications / seconds,
          kbPerS: bytes / 1024 / seconds,
          earlyCyclesPerS: cycles / seconds,
          capturesPerS: (client.count("capture-pane") - capturesBefore) / seconds,
          monitorCpuMsPerS: (ownCpuMs() - cpu0) / seconds,
          tmuxCpuMsPerS: tmux0 === undefined || tmux1 === undefined
            ? null
            : (tmux1 - tmux0) / seconds,
        });
      }
    } finally {
      await monitor.close();
    }
  } finally {
    store?.close();
    await client.close();
  }
  return rows;
}

/** CPU (ms) of a process and its living descendants, from `/proc`; `undefined` if unreadable. */
export function treeCpuMs(pid: number): number | undefined {
  const own = procCpuMs(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of childPids(pid)) total += treeCpuMs(child) ?? 0;
  return total;
}

function childPids(pid: number): number[] {
  const pids: number[] = [];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
      if (text !== "") pids.push(...text.split(" ").map(Number));
    }
  } catch { /* gone or unreadable */ }
  return pids;
}

async function idleCost(
  farm: PaneFarm,
  intervalS: number,
  args: string[],
  options: { seconds: number; progress: Progress; signal?: AbortSignal },
): Promise<IdleCost> {
  const label = `--interval ${intervalS} ${args.join(" ")}`.trim();
  options.progress.update(`idle cost: starting the monitor (${label})`);
  const monitor = await startMonitor(farm, intervalS, { args });
  try {
    await waitForCycle(monitor, 1, { timeoutMs: 60_000, signal: options.signal });
    // Past the start: the first look finds every agent "unknown" (not enough evidence); the
    // second, after the idle-after time (20 s), settles them as idle.
    options.progress.update(`idle cost: ${label}: settling for ${SETTLE_SECONDS} s`);
    await sleep(SETTLE_SECONDS * 1000, options.signal);
    options.progress.update(`idle cost: ${label} for ${options.seconds} s`);
    const pid = monitor.child.pid;
    const m0 = treeCpuMs(pid);
    const t0 = threadCpuMs(farm.serverPid);
    const start = performance.now();
    await sleep(options.seconds * 1000, options.signal);
    const seconds = (performance.now() - start) / 1000;
    const m1 = treeCpuMs(pid);
    const t1 = threadCpuMs(farm.serverPid);
    const monitorMsPerS = m0 === undefined || m1 === undefined ? null : (m1 - m0) / seconds;
    const tmuxMsPerS = t0 === undefined || t1 === undefined ? null : (t1 - t0) / seconds;
    return {
      args: ["--interval", String(intervalS), ...args],
      monitorMsPerS,
      tmuxMsPerS,
      totalMsPerS: monitorMsPerS === null || tmuxMsPerS === null
        ? null
        : monitorMsPerS + tmuxMsPerS,
    };
  } finally {
    await monitor.remove();
  }
}

/**
 * Polling at `--interval 10 --no-subscribe` against the watch at `--interval 30`, on the farm as
 * it is (its panes unchanged throughout).
 */
export async function runIdleComparison(
  farm: PaneFarm,
  options: { seconds?: number; progress: Progress; signal?: AbortSignal },
): Promise<IdleComparison> {
  const seconds = options.seconds ?? IDLE_SECONDS;
  // Watching only: no Enter into a farm pane, no PM to tell.
  const quiet = ["--no-submit-stuck", "--no-notify"];
  const polling = await idleCost(farm, 10, ["--no-subscribe", ...quiet], { ...options, seconds });
  const watch = await idleCost(farm, 30, quiet, { ...options, seconds });
  return {
    agents: farm.panes.length,
    seconds,
    polling,
    watch,
    ratio: polling.totalMsPerS !== null && watch.totalMsPerS
      ? polling.totalMsPerS /
        watch.totalMsPerS
      : null,
  };
}
