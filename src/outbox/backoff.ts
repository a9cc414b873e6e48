/**
 * When to try a notice again: exponential backoff with jitter, never sooner than the receiver's
 * `Retry-After`. Pure: the random source is a parameter.
 *
 * @module
 */

import type { RetryPolicy } from "../channels/types.ts";

/** The longest `Retry-After` honoured (ms): a receiver asking for more is tried after this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The wait (ms) after the `failedTries`-th failed try: `backoff × 2^(failedTries-1)`, at most
 * `backoffMax`, jittered by ±20 %; at least `retryAfterMs` (itself at most an hour).
 *
 * @example
 * ```ts
 * retryDelay(1, { maxTries: 10, backoffMs: 5000, backoffMaxMs: 900_000 }, { random: () => 0.5 });
 * // 5000
 * ```
 */
export function retryDelay(
  failedTries: number,
  policy: RetryPolicy,
  options: { retryAfterMs?: number; random: () => number },
): number {
  const exponent = Math.min(Math.max(0, failedTries - 1), 40);
  const base = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** exponent);
  const jittered = base * (0.8 + 0.4 * Math.min(1, Math.max(0, options.random())));
  const asked = Math.min(Math.max(0, options.retryAfterMs ?? 0), MAX_RETRY_AFTER_MS);
  return Math.round(Math.max(jittered, asked));
}
