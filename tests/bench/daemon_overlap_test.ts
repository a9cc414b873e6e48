/**
 * The daemon loop never runs two cycles at once: a slow cycle delays the next one, and after slow
 * cycles the loop does not pile up catch-up cycles (the next ones keep the interval).
 *
 * Time is the injected {@linkcode ManualClock}: each fake cycle moves it by the cycle's length and
 * the daemon's wait between cycles moves it by what it waits, so every gap below is exact and
 * no load on the machine can change it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { runMonitorDaemon } from "../../src/monitor/daemon.ts";
import type { CycleResult, Monitor } from "../../src/monitor/monitor.ts";
import { ensureStateDir } from "../../src/state/paths.ts";
import { ManualClock } from "../../src/util/clock.ts";

const INTERVAL_MS = 40;
const SLOW_MS = 110;
const FAST_MS = 2;
const SLOW_CYCLES = 3;
const TOTAL_CYCLES = 7;

/** Lets every other pending task run (a real turn of the event loop). */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("daemon: a slow cycle delays the next and cycles never overlap or pile up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
  try {
    await Deno.chmod(dir, 0o700);
    const paths = await ensureStateDir(dir);
    const clock = new ManualClock({ monotonic: 1_000 });
    const starts: number[] = [];
    const ends: number[] = [];
    const waits: number[] = [];
    let running = 0;
    let maxRunning = 0;
    let n = 0;
    const slowMonitor = {
      async cycle(): Promise<CycleResult> {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const start = clock.monotonic();
        starts.push(start);
        n++;
        // The cycle takes its time on the clock, and really yields: a second cycle started
        // without waiting for this one would run now and be counted.
        clock.advance(n <= SLOW_CYCLES ? SLOW_MS : FAST_MS);
        await yieldToLoop();
        ends.push(clock.monotonic());
        running--;
        return {
          cycle: n,
          at: clock.wall(),
          durationMs: clock.monotonic() - start,
          tmux: true,
          panes: 0,
          agents: 0,
          states: {},
          captured: 0,
          transitions: 0,
          notifications: 0,
          actions: 0,
        };
      },
      close: () => Promise.resolve(),
    };
    const stop = new AbortController();
    const code = await runMonitorDaemon({
      paths,
      intervalMs: INTERVAL_MS,
      once: false,
      supervised: false,
      // The daemon only calls cycle() and close(); the cast stands in for the class's private state.
      createMonitor: () => slowMonitor as unknown as Monitor,
      clock,
      sleep: async (ms, signal) => {
        if (signal?.aborted) return;
        waits.push(ms);
        clock.advance(ms);
        await yieldToLoop();
      },
      logger: getLogger(["tmux-orc", "test"]),
      stop,
      onCycle: (result) => {
        if (result.cycle >= TOTAL_CYCLES) stop.abort();
      },
    });
    assert.equal(code, 0);
    assert.equal(starts.length, TOTAL_CYCLES);
    assert.equal(maxRunning, 1, "two cycles ran at once");
    for (let i = 1; i < starts.length; i++) {
      assert.ok(starts[i] >= ends[i - 1], `cycle ${i + 1} started before cycle ${i} ended`);
      const gap = starts[i] - starts[i - 1];
      // Every cycle start is at least one interval after the previous start...
      assert.ok(gap >= INTERVAL_MS, `cycle ${i + 1} came ${gap} ms after the last`);
      // ...and at least as long as the previous cycle took: a slow cycle delays the next.
      assert.ok(gap >= ends[i - 1] - starts[i - 1], `cycle ${i + 1} overlapped`);
    }
    // After a slow cycle, the next one starts right away (no interval wait), but only one: the
    // loop does not run a burst of catch-up cycles.
    for (let i = 1; i <= SLOW_CYCLES; i++) {
      assert.equal(starts[i] - ends[i - 1], 0, `cycle ${i + 1} waited after a slow cycle`);
    }
    for (let i = SLOW_CYCLES + 1; i < starts.length; i++) {
      assert.equal(starts[i] - starts[i - 1], INTERVAL_MS, "catch-up cycles piled up");
    }
    // The loop waited only after the fast cycles (not after the last), each time for the rest of
    // the interval.
    assert.deepEqual(waits, Array(TOTAL_CYCLES - SLOW_CYCLES - 1).fill(INTERVAL_MS - FAST_MS));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
