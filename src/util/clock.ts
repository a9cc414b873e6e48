/**
 * Clocks: a monotonic clock for every duration and timeout, and a wall clock for what humans read.
 *
 * Pure logic takes a {@linkcode Clock} so that tests can drive time by hand.
 *
 * @module
 */

/** A source of time. */
export interface Clock {
  /** Monotonic milliseconds (unaffected by wall-clock jumps); only differences are meaningful. */
  monotonic(): number;
  /** Wall-clock milliseconds since the Unix epoch, for humans and for time stamps in files. */
  wall(): number;
}

/** The real clock: `performance.now()` and `Date.now()`. */
export const systemClock: Clock = {
  monotonic: () => performance.now(),
  wall: () => Date.now(),
};

/** A clock that tests move by hand. */
export class ManualClock implements Clock {
  #mono: number;
  #wall: number;

  /** Creates a clock at the given monotonic and wall times (milliseconds). */
  constructor(options: { monotonic?: number; wall?: number } = {}) {
    this.#mono = options.monotonic ?? 0;
    this.#wall = options.wall ?? Date.UTC(2026, 0, 1);
  }

  /** Current monotonic time in milliseconds. */
  monotonic(): number {
    return this.#mono;
  }

  /** Current wall-clock time in milliseconds since the epoch. */
  wall(): number {
    return this.#wall;
  }

  /** Moves both clocks forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#mono += ms;
    this.#wall += ms;
  }

  /** Moves only the wall clock (a clock jump); the monotonic clock is unaffected. */
  jumpWall(ms: number): void {
    this.#wall += ms;
  }
}

/**
 * Resolves after `ms` milliseconds, or early (without rejecting) when `signal` aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
