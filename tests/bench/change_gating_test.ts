/**
 * Change gating, end to end: the real Monitor over a real control-mode connection to a private
 * tmux server of fake agent panes, with a {@linkcode CountingClient} counting `capture-pane`.
 * A pane with no new output since its last capture is not captured again, yet its state still
 * ages (an agent quiet at its prompt turns idle without a capture).
 *
 * @module
 */

import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { Monitor } from "../../src/monitor/monitor.ts";
import { ControlClient } from "../../src/tmux/control_client.ts";
import { CountingClient } from "../../scripts/bench/counting_client.ts";
import { PaneFarm } from "../../scripts/bench/farm.ts";
import { IntervalClock } from "../../scripts/bench/run.ts";

/** Waits until the wall clock is in a later second than `ms` plus 30 ms (tmux reads the output). */
async function nextSecondAfter(ms: number): Promise<void> {
  const target = Math.max((Math.floor(ms / 1000) + 1) * 1000 + 5, Date.now() + 30);
  await new Promise((resolve) => setTimeout(resolve, target - Date.now()));
}

Deno.test("change gating: unchanged panes are not captured again, yet turn idle", async () => {
  const farm = await PaneFarm.start({ windowsPerSession: 2 });
  const monitors: Monitor[] = [];
  try {
    await farm.grow(4);
    // Output and the next capture in the same second would force one extra capture.
    await nextSecondAfter(Date.now());
    const clock = new IntervalClock();
    const tmux = new CountingClient(new ControlClient(farm.server));
    const monitor = new Monitor({
      tmux,
      clock,
      logger: getLogger(["tmux-orc", "test"]),
      options: { idleAfterMs: 20_000, notify: false },
    });
    monitors.push(monitor);
    const ids = farm.panes.map((pane) => pane.paneId);
    const captures = async () => {
      const before = tmux.count("capture-pane");
      const result = await monitor.cycle();
      assert.equal(result.agents, 4);
      return tmux.count("capture-pane") - before;
    };

    assert.equal(await captures(), 4, "first look captures every agent");
    assert.equal(await captures(), 0, "nothing changed: nothing captured");

    await farm.advance(farm.panes[0]); // agent 0 starts working
    const wrote = Date.now();
    await nextSecondAfter(wrote);
    assert.equal(await captures(), 1, "only the pane with new output is captured");
    assert.equal(monitor.observations.get(ids[0])?.state, "active");

    // 25 s later (idle-after is 20 s), still no new output anywhere.
    clock.advanceTo(clock.monotonic() + 25_000);
    assert.equal(await captures(), 0, "quiet panes are not captured while they age");
    for (const id of ids.slice(1)) {
      assert.equal(monitor.observations.get(id)?.state, "idle", `${id} turned idle uncaptured`);
    }
    assert.equal(monitor.observations.get(ids[0])?.state, "active", "busy agent stays active");

    // The same farm without gating: every agent, every cycle.
    const all = new CountingClient(new ControlClient(farm.server));
    const ungated = new Monitor({
      tmux: all,
      clock,
      logger: getLogger(["tmux-orc", "test"]),
      options: { changeGating: false, notify: false },
    });
    monitors.push(ungated);
    await ungated.cycle();
    await ungated.cycle();
    assert.equal(all.count("capture-pane"), 8, "changeGating: false captures every pane");
  } finally {
    for (const monitor of monitors) await monitor.close();
    await farm.kill();
  }
});
