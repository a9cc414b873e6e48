/**
 * The daemon loop never runs two cycles at once: a slow cycle delays the next one, and after slow
 * cycles the loop does not pile up catch-up cycles (the next ones keep the interval).
 *
 * @module
 */

import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { runMonitorDaemon } from "../../src/monitor/daemon.ts";
import type { CycleResult, Monitor } from "../../src/monitor/monitor.ts";
import { ensureStateDir } from "../../src/state/paths.ts";
import { sleep, systemClock } from "../../src/util/clock.ts";

const INTERVAL_MS = 40;
const SLOW_MS = 110;
const FAST_MS = 2;
const SLOW_CYCLES = 3;
const TOTAL_CYCLES = 7;

Deno.test("daemon: a slow cycle delays the next and cycles never overlap or pile up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
  try {
    await Deno.chmod(dir, 0o700);
    const paths = await ensureStateDir(dir);
    const starts: number[] = [];
    const ends: number[] = [];
    let running = 0;
    let maxRunning = 0;
    let n = 0;
    const slowMonitor = {
      async cycle(): Promise<CycleResult> {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const start = performance.now();
        starts.push(start);
        n++;
        await sleep(n <= SLOW_CYCLES ? SLOW_MS : FAST_MS);
        ends.push(performance.now());
        running--;
        return {
          cycle: n,
          at: Date.now(),
          durationMs: performance.now() - start,
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
      clock: systemClock,
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
      // Every cycle start is at least one interval after the previous start (1 ms timer slack)...
      assert.ok(gap >= INTERVAL_MS - 1, `cycle ${i + 1} came ${gap.toFixed(1)} ms after the last`);
      // ...and at least as long as the previous cycle took: a slow cycle delays the next.
      assert.ok(gap >= ends[i - 1] - starts[i - 1], `cycle ${i + 1} overlapped`);
    }
    // After the slow cycles, the next one starts right away (no interval wait), but only one:
    // the loop does not run a burst of catch-up cycles.
    const afterSlow = starts[SLOW_CYCLES] - ends[SLOW_CYCLES - 1];
    assert.ok(afterSlow < INTERVAL_MS / 2, `next cycle waited ${afterSlow.toFixed(1)} ms`);
    for (let i = SLOW_CYCLES + 1; i < starts.length; i++) {
      assert.ok(starts[i] - starts[i - 1] >= INTERVAL_MS - 1, "catch-up cycles piled up");
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
