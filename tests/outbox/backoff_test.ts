/** Retry delays: exponential, capped, jittered ±20 %, never sooner than `Retry-After`. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_RETRY_AFTER_MS, retryDelay } from "../../src/outbox/backoff.ts";
import { parseRetryAfter } from "../../src/channels/send.ts";

const policy = { maxTries: 10, backoffMs: 5000, backoffMaxMs: 900_000 };

Deno.test("backoff: doubles from backoff up to backoff_max", () => {
  const mid = { random: () => 0.5 };
  assert.deepEqual(
    [1, 2, 3, 4, 8, 9, 20].map((n) => retryDelay(n, policy, mid)),
    [5000, 10_000, 20_000, 40_000, 640_000, 900_000, 900_000],
  );
  assert.equal(retryDelay(1, policy, { random: () => 0, retryAfterMs: 120_000 }), 120_000);
  assert.equal(
    retryDelay(1, policy, { random: () => 0, retryAfterMs: 10 * 3_600_000 }),
    MAX_RETRY_AFTER_MS,
  );
});

Deno.test("backoff properties: within ±20 % of the capped base, and at least Retry-After", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 200 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.option(fc.integer({ min: 0, max: 20_000_000 }), { nil: undefined }),
    (tries, r, retryAfterMs) => {
      const base = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** (tries - 1));
      const d = retryDelay(tries, policy, { random: () => r, retryAfterMs });
      const asked = Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
      assert.ok(d >= asked - 1, "never sooner than asked");
      assert.ok(d <= Math.max(Math.round(base * 1.2), asked) + 1);
      assert.ok(d >= Math.round(base * 0.8) - 1);
    },
  ));
});

Deno.test("Retry-After: seconds or an HTTP date", () => {
  const now = Date.UTC(2026, 0, 1, 3, 0, 0);
  assert.equal(parseRetryAfter("7", now), 7000);
  assert.equal(parseRetryAfter("1.5", now), 1500);
  assert.equal(parseRetryAfter(new Date(now + 30_000).toUTCString(), now), 30_000);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
