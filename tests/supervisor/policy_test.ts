import assert from "node:assert/strict";
import {
  backoffDelay,
  DEFAULT_RESTART_POLICY,
  RestartPolicy,
} from "../../src/lifecycle/restart_policy.ts";

Deno.test("backoff doubles from the initial delay and is capped", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((k) =>
    backoffDelay(k, DEFAULT_RESTART_POLICY) / 1000
  );
  assert.deepEqual(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
  assert.equal(backoffDelay(2000, { backoffInitialMs: 1000, backoffMaxMs: 60_000 }), 60_000);
});

Deno.test("consecutive quick failures back off, then cool off, then start over", () => {
  const policy = new RestartPolicy({
    ...DEFAULT_RESTART_POLICY,
    maxRestarts: 3,
    cooldownMs: 300_000,
  });
  let now = 0;
  const decisions = [];
  for (let i = 0; i < 8; i++) {
    policy.childStarted(now);
    now += 100; // dies after 0.1 s
    const d = policy.childExited(now);
    decisions.push(`${d.kind}:${d.delayMs}`);
    now += d.delayMs;
  }
  assert.deepEqual(decisions, [
    "restart:1000",
    "restart:2000",
    "restart:4000",
    "cool_off:300000",
    "restart:1000",
    "restart:2000",
    "restart:4000",
    "cool_off:300000",
  ]);
});

Deno.test("a run that lasts min-uptime resets the failure count", () => {
  const policy = new RestartPolicy({ ...DEFAULT_RESTART_POLICY, minUptimeMs: 60_000 });
  policy.childStarted(0);
  assert.equal(policy.childExited(10).delayMs, 1000);
  policy.childStarted(1000);
  assert.equal(policy.childExited(1010).delayMs, 2000);
  policy.childStarted(3000);
  assert.equal(policy.checkStable(3000 + 59_999), false);
  assert.equal(policy.failures, 2);
  assert.equal(policy.checkStable(3000 + 60_000), true);
  assert.equal(policy.failures, 0);
  const d = policy.childExited(3000 + 70_000);
  assert.deepEqual(d, { kind: "restart", delayMs: 1000, failures: 1 });
});

Deno.test("a long run ending in a crash restarts after the initial delay even without checkStable", () => {
  const policy = new RestartPolicy(DEFAULT_RESTART_POLICY);
  for (let i = 0; i < 4; i++) {
    policy.childStarted(i);
    policy.childExited(i + 1);
  }
  assert.equal(policy.failures, 4);
  policy.childStarted(100);
  assert.deepEqual(policy.childExited(100 + 3_600_000), {
    kind: "restart",
    delayMs: 1000,
    failures: 1,
  });
});
