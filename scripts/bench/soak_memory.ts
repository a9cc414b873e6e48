/**
 * The soak's memory figures: the RSS of the monitor process and of its detection child
 * (`monitor --detect-child`, see `src/monitor/detector.ts`; the operator sees both processes),
 * sampled against the cycle number and wall time, turned into warm-up, end, peak and the
 * least-squares slope after the warm-up; and the RSS budget per number of agents.
 *
 * @module
 */

import { ChildRss, psSample } from "./proc.ts";
import { leastSquaresSlope } from "./stats.ts";

const MB = 2 ** 20;

/** The argument that marks the monitor's detection child in its argv. */
export const DETECT_CHILD_ARG = "--detect-child";

/**
 * The RSS budget of the monitor process with `agents` busy agents (MB): < 100 MB up to 300
 * agents, < 150 MB up to 1,000 (issue 11); `undefined` above (no budget).
 */
export function rssBudgetMb(agents: number): number | undefined {
  if (agents <= 300) return 100;
  if (agents <= 1000) return 150;
  return undefined;
}

/** One look at the monitor's memory. */
export interface MemorySample {
  /** The monitor's cycle (from its heartbeat file). */
  cycle: number;
  /** Seconds since the phase started. */
  seconds: number;
  /** The monitor's RSS (MB). */
  monitorMb: number;
  /** The detection child's RSS (MB), when one runs. */
  childMb: number | null;
  /** The monitor's open fds, when readable. */
  fds: number | null;
  /** The monitor's CPU so far (ms). */
  cpuMs: number;
}

/** One process's RSS over a phase. */
export interface RssTrack {
  /** At the first sample (MB). */
  firstMb: number;
  /** At the first sample after the warm-up (MB). */
  warmMb: number;
  /** At the last sample (MB). */
  lastMb: number;
  /** Largest sampled (MB). */
  maxMb: number;
  /** Largest sampled after the warm-up (MB). */
  maxAfterWarmMb: number;
  /** Least-squares slope after the warm-up, MB per 1,000 cycles. */
  slopeMbPer1000Cycles: number;
  /** Least-squares slope after the warm-up, MB per hour of wall time (at this phase's rate). */
  slopeMbPerHour: number;
  /** Samples after the warm-up. */
  samples: number;
}

/**
 * The RSS track of one process from `samples` (`pick` reads its figure; samples where it is
 * `null` are left out); `warm` tells the samples after the warm-up. `null` with no sample.
 */
export function rssTrack(
  samples: readonly MemorySample[],
  pick: (sample: MemorySample) => number | null,
  warm: (sample: MemorySample) => boolean,
): RssTrack | null {
  const points = samples.filter((s) => pick(s) !== null);
  if (points.length === 0) return null;
  const after = points.filter(warm);
  const measured = after.length > 0 ? after : points;
  const mb = (s: MemorySample) => pick(s)!;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    firstMb: mb(points[0]),
    warmMb: mb(measured[0]),
    lastMb: mb(points[points.length - 1]),
    maxMb: Math.max(...points.map(mb)),
    maxAfterWarmMb: Math.max(...measured.map(mb)),
    slopeMbPer1000Cycles: round(
      leastSquaresSlope(measured.map((s) => s.cycle), measured.map(mb)) * 1000,
    ),
    slopeMbPerHour: round(
      leastSquaresSlope(measured.map((s) => s.seconds), measured.map(mb)) * 3600,
    ),
    samples: after.length,
  };
}

/** Samples the monitor `pid` and its detection child. */
export class MemorySampler {
  readonly #pid: number;
  readonly #child: ChildRss;
  readonly #t0 = performance.now();

  /** Samples the monitor process `pid`. */
  constructor(pid: number) {
    this.#pid = pid;
    this.#child = new ChildRss(pid, DETECT_CHILD_ARG);
  }

  /** One sample at `cycle`; throws when the monitor is gone. */
  async sample(cycle: number): Promise<MemorySample> {
    const s = await psSample(this.#pid);
    if (!s) throw new Error(`The soak's monitor (pid ${this.#pid}) is gone`);
    const child = this.#child.bytes();
    const mb = (bytes: number) => Math.round((bytes / MB) * 1000) / 1000;
    return {
      cycle,
      seconds: (performance.now() - this.#t0) / 1000,
      monitorMb: mb(s.rssBytes),
      childMb: child === undefined ? null : mb(child),
      fds: s.fds ?? null,
      cpuMs: s.cpuMs,
    };
  }
}
