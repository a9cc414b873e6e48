/**
 * The supervisor loop with a fake child and a manual clock: no real processes, no real time.
 */
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { ManualClock } from "../../src/util/clock.ts";
import type { ChildEvents, ChildExit, ChildProcess } from "../../src/lifecycle/child.ts";
import { Supervisor, type SupervisorSnapshot } from "../../src/lifecycle/supervisor.ts";
import { DEFAULT_RESTART_POLICY } from "../../src/lifecycle/restart_policy.ts";

interface Script {
  /** Exit this long after start (ms), with this code. */
  exitAfterMs?: number;
  /** Send heartbeats until this long after start (ms); Infinity = forever. */
  beatUntilMs?: number;
  /** Ignore SIGTERM (a frozen process). */
  ignoreTerm?: boolean;
}

class FakeWorld {
  clock = new ManualClock();
  children: {
    started: number;
    script: Script;
    events: ChildEvents;
    exit?: (e: ChildExit) => void;
    done: boolean;
    signals: string[];
  }[] = [];
  scripts: Script[];
  constructor(scripts: Script[]) {
    this.scripts = scripts;
  }
  spawner = (events: ChildEvents): ChildProcess => {
    const script = this.scripts[Math.min(this.children.length, this.scripts.length - 1)];
    const entry = {
      started: this.clock.monotonic(),
      script,
      events,
      done: false,
      signals: [] as string[],
      exit: undefined as ((e: ChildExit) => void) | undefined,
    };
    const exited = new Promise<ChildExit>((resolve) => entry.exit = resolve);
    this.children.push(entry);
    return {
      pid: 1000 + this.children.length,
      exited,
      kill: (signal) => {
        entry.signals.push(signal);
        if (entry.done) return;
        if (signal === "SIGKILL" || (signal === "SIGTERM" && !script.ignoreTerm)) {
          entry.done = true;
          entry.exit!({ code: null, signal });
        }
      },
    };
  };
  /** Advances time in 100 ms steps, letting children beat and die. */
  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    await new Promise((r) => setTimeout(r, 0)); // let the test observe between steps
    let left = ms;
    while (left > 0 && !signal?.aborted) {
      const step = Math.min(100, left);
      this.clock.advance(step);
      left -= step;
      for (const c of this.children) {
        if (c.done) continue;
        const age = this.clock.monotonic() - c.started;
        if (c.script.exitAfterMs !== undefined && age >= c.script.exitAfterMs) {
          c.done = true;
          c.exit!({ code: 1, signal: null });
        } else if (age <= (c.script.beatUntilMs ?? 0)) {
          c.events.onHeartbeat({});
        }
      }
      await Promise.resolve();
      if (this.children.some((c) => c.done && !("seen" in c))) {
        for (const c of this.children) if (c.done) Object.assign(c, { seen: true });
        return; // let the supervisor observe the exit at once
      }
    }
  };
}

function supervisorFor(world: FakeWorld, snapshots: SupervisorSnapshot[], overrides = {}) {
  return new Supervisor({
    spawner: world.spawner,
    policy: { ...DEFAULT_RESTART_POLICY, ...overrides },
    checkIntervalMs: 1000,
    heartbeatTimeoutMs: 5000,
    stopTimeoutMs: 3000,
    logger: getLogger(["test"]),
    clock: world.clock,
    sleep: world.sleep,
    onSnapshot: (s) => {
      snapshots.push(s);
    },
  });
}

Deno.test("a crash-looping child gets 1, 2, 4, 8, 16 s of backoff, then a cool-off", async () => {
  const world = new FakeWorld([{ exitAfterMs: 200 }]);
  const snapshots: SupervisorSnapshot[] = [];
  const sup = supervisorFor(world, snapshots);
  const stop = new AbortController();
  const run = sup.run(stop.signal);
  while (!snapshots.some((s) => s.state === "cooling_off")) {
    await new Promise((r) => setTimeout(r, 0));
  }
  stop.abort();
  await run;
  const waits = snapshots
    .filter((s) => s.state === "backoff" || s.state === "cooling_off")
    .map((s) => `${s.state}:${Math.round((s.nextAttemptAt! - s.lastExit!.at) / 1000)}`);
  assert.deepEqual(waits, [
    "backoff:1",
    "backoff:2",
    "backoff:4",
    "backoff:8",
    "backoff:16",
    "cooling_off:300",
  ]);
  const cooling = snapshots.find((s) => s.state === "cooling_off")!;
  assert.equal(cooling.lastExit?.code, 1);
  assert.equal(cooling.restarts, 5);
  assert.equal(snapshots.at(-1)?.state, "stopped");
});

Deno.test("a frozen child is detected by heartbeat age, killed with SIGKILL after the stop timeout, and replaced", async () => {
  // Beats for 3 s, then freezes (no beats, ignores SIGTERM). The second child is healthy.
  const world = new FakeWorld([{ beatUntilMs: 3000, ignoreTerm: true }, { beatUntilMs: Infinity }]);
  const snapshots: SupervisorSnapshot[] = [];
  const sup = supervisorFor(world, snapshots);
  const stop = new AbortController();
  const run = sup.run(stop.signal);
  while (world.children.length < 2) await new Promise((r) => setTimeout(r, 0));
  const frozen = world.children[0];
  assert.deepEqual(frozen.signals, ["SIGTERM", "SIGCONT", "SIGKILL"]);
  const exit = snapshots.find((s) => s.state === "backoff")!.lastExit!;
  assert.equal(exit.reason, "heartbeat stale");
  assert.equal(exit.signal, "SIGKILL");
  // Last beat at 3 s; stale after 5 s more; checks every 1 s; then 3 s of SIGTERM grace.
  assert.ok(
    exit.uptimeMs >= 3000 + 5000 + 3000 && exit.uptimeMs <= 3000 + 5000 + 1000 + 3000 + 200,
    `uptime ${exit.uptimeMs}`,
  );
  stop.abort();
  await run;
  assert.ok(
    world.children[1].signals.includes("SIGTERM"),
    "the healthy child is stopped on shutdown",
  );
  assert.equal(snapshots.at(-1)?.state, "stopped");
});

Deno.test("a child healthy for min-uptime resets the failure count", async () => {
  const world = new FakeWorld([{ exitAfterMs: 100 }, { exitAfterMs: 100 }, {
    exitAfterMs: 61_000,
    beatUntilMs: Infinity,
  }, { exitAfterMs: 100 }]);
  const snapshots: SupervisorSnapshot[] = [];
  const sup = supervisorFor(world, snapshots);
  const stop = new AbortController();
  const run = sup.run(stop.signal);
  while (world.children.length < 5) await new Promise((r) => setTimeout(r, 0));
  stop.abort();
  await run;
  const delays = snapshots.filter((s) => s.state === "backoff").map((s) =>
    Math.round((s.nextAttemptAt! - s.lastExit!.at) / 1000)
  );
  assert.deepEqual(delays.slice(0, 4), [1, 2, 1, 2]);
});

Deno.test("wall-clock jumps do not trigger hang detection or change backoff (timing is monotonic)", async () => {
  const world = new FakeWorld([{ exitAfterMs: 20_000, beatUntilMs: Infinity }, {
    exitAfterMs: 100,
  }]);
  const jumpingSleep = async (ms: number, signal?: AbortSignal) => {
    world.clock.jumpWall(Math.random() < 0.5 ? -3_600_000 : 3_600_000); // ±1 h on every sleep
    await world.sleep(ms, signal);
  };
  const snapshots: SupervisorSnapshot[] = [];
  const sup = new Supervisor({
    spawner: world.spawner,
    policy: DEFAULT_RESTART_POLICY,
    checkIntervalMs: 1000,
    heartbeatTimeoutMs: 5000,
    stopTimeoutMs: 3000,
    logger: getLogger(["test"]),
    clock: world.clock,
    sleep: jumpingSleep,
    onSnapshot: (s) => {
      snapshots.push(s);
    },
  });
  const stop = new AbortController();
  const run = sup.run(stop.signal);
  while (world.children.length < 3) await new Promise((r) => setTimeout(r, 0));
  stop.abort();
  await run;
  const exits = snapshots.filter((s) => s.state === "backoff").map((s) => s.lastExit!);
  assert.equal(exits[0].reason, "exited", "the healthy child was never taken for hung");
  assert.ok(Math.abs(exits[0].uptimeMs - 20_000) <= 200, `uptime ${exits[0].uptimeMs}`);
  assert.deepEqual(world.children[0].signals, [], "no signal sent to the healthy child");
});
