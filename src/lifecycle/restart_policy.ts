/**
 * The restart policy, as pure logic: given when the child started and when it exited (monotonic
 * milliseconds), decide how long to wait before the next start, and when to cool off.
 *
 * - Delay before the k-th consecutive restart: `min(backoffInitial · 2^(k−1), backoffMax)`.
 * - After `maxRestarts` consecutive restarts that all failed (no run lasted `minUptime`), the next
 *   failure cools off for `cooldown`, after which the count starts again from zero. It never
 *   gives up for good.
 * - A child that stays up for `minUptime` is stable: the failure count resets to zero.
 *
 * @module
 */

/** The policy's numbers, in milliseconds (counts are plain numbers). */
export interface RestartPolicyOptions {
  /** Delay before the first restart. */
  backoffInitialMs: number;
  /** Largest delay between restarts. */
  backoffMaxMs: number;
  /** Consecutive failed restarts before cooling off. */
  maxRestarts: number;
  /** How long to cool off. */
  cooldownMs: number;
  /** How long a child must run to count as stable. */
  minUptimeMs: number;
}

/** The defaults: 1 s doubling to 60 s, 5 restarts, 300 s cool-off, 60 s to be stable. */
export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  backoffInitialMs: 1_000,
  backoffMaxMs: 60_000,
  maxRestarts: 5,
  cooldownMs: 300_000,
  minUptimeMs: 60_000,
};

/** What to do after the child exited. */
export type RestartDecision =
  | { kind: "restart"; delayMs: number; failures: number }
  | { kind: "cool_off"; delayMs: number; failures: number };

/** The delay before the k-th consecutive restart (k ≥ 1). */
export function backoffDelay(
  k: number,
  options: Pick<RestartPolicyOptions, "backoffInitialMs" | "backoffMaxMs">,
): number {
  const exp = Math.min(k - 1, 52);
  return Math.min(options.backoffInitialMs * 2 ** exp, options.backoffMaxMs);
}

/** Tracks consecutive failures and decides restarts. */
export class RestartPolicy {
  readonly #options: RestartPolicyOptions;
  #failures = 0;
  #startedAt: number | undefined;

  /** Creates a policy with the given numbers. */
  constructor(options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {
    this.#options = options;
  }

  /** Consecutive failures since the last stable run (or cool-off). */
  get failures(): number {
    return this.#failures;
  }

  /** Records that a child started at monotonic time `now`. */
  childStarted(now: number): void {
    this.#startedAt = now;
  }

  /**
   * Called while the child runs: once it has been up for `minUptime`, the failure count resets.
   * Returns whether the child counts as stable.
   */
  checkStable(now: number): boolean {
    if (this.#startedAt === undefined) return false;
    if (now - this.#startedAt >= this.#options.minUptimeMs) {
      this.#failures = 0;
      return true;
    }
    return false;
  }

  /** Records that the child exited at monotonic time `now` and decides what comes next. */
  childExited(now: number): RestartDecision {
    this.checkStable(now);
    this.#startedAt = undefined;
    this.#failures += 1;
    if (this.#failures > this.#options.maxRestarts) {
      const failures = this.#failures;
      this.#failures = 0;
      return { kind: "cool_off", delayMs: this.#options.cooldownMs, failures };
    }
    return {
      kind: "restart",
      delayMs: backoffDelay(this.#failures, this.#options),
      failures: this.#failures,
    };
  }
}
