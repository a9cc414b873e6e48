/**
 * The monitor cycle hears `@tmux-orc-hook` through its one `list-panes` (fake tmux, manual clock).
 */
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import type { ProcessTable } from "../../src/actions/pane_processes.ts";
import { formatHookValue, type HookEvent } from "../../src/hooks/event.ts";
import { Monitor } from "../../src/monitor/monitor.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { FakeTmux } from "./fake_tmux.ts";

const noProcesses: ProcessTable = { sessionMembers: () => [], signal: () => {} };

function rig() {
  const clock = new ManualClock();
  const tmux = new FakeTmux(clock);
  const monitor = new Monitor({
    tmux,
    clock,
    logger: getLogger(["tmux-orc-test", "hooks"]),
    processes: noProcesses,
    options: { idleAfterMs: 15_000 },
    sleep: (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    },
    processFacts: () => Promise.resolve(undefined),
  });
  const pane = tmux.add(
    { paneId: "%1", role: "agent", name: "alpha", windowIndex: 1, windowName: "alpha" },
    { app: true },
  );
  const tick = (ms: number) => {
    clock.advance(ms);
    return monitor.cycle();
  };
  const state = () => monitor.observations.get("%1");
  const fire = (event: string, extra: Partial<HookEvent> = {}) => {
    pane.record.hook = formatHookValue({ cli: "claude", event, at: clock.wall(), ...extra });
  };
  const captures = () =>
    tmux.calls.filter((c) => c[0] === "capture-pane" && c.includes("%1")).length;
  return { clock, tmux, monitor, pane, tick, state, fire, captures };
}

Deno.test("monitor: a permission-prompt hook shows waiting in the next cycle, before the screen", async () => {
  const r = rig();
  try {
    r.tmux.touch("%1", (p) => p.app!.busy = true);
    await r.tick(1000);
    assert.equal(r.state()?.state, "active");
    r.fire("Notification", { type: "permission_prompt", message: "Claude needs your permission" });
    await r.tick(200);
    assert.equal(r.state()?.state, "waiting");
    assert.match(r.state()!.detail, /^hook: Notification permission_prompt/);
    // The screen draws the prompt: both agree.
    await r.tick(1000);
    r.tmux.touch("%1", (p) => {
      p.app!.busy = false;
      p.app!.dialog = true;
    });
    await r.tick(1000);
    assert.equal(r.state()?.state, "waiting");
    // Answered, the agent works again: the screen moved on, the hook is old.
    await r.tick(5000);
    r.tmux.touch("%1", (p) => {
      p.app!.enter();
      p.app!.busy = true;
    });
    await r.tick(1000);
    assert.equal(r.state()?.state, "active");
  } finally {
    await r.monitor.close();
  }
});

Deno.test("monitor: a changed hook value is captured at once, an unchanged one is not", async () => {
  const r = rig();
  try {
    await r.tick(1000);
    await r.tick(1000);
    await r.tick(1000);
    const before = r.captures();
    await r.tick(1000);
    assert.equal(r.captures(), before, "an unchanged pane is not captured");
    r.fire("Stop");
    await r.tick(1000);
    assert.equal(r.captures(), before + 1, "a new hook event is captured");
    await r.tick(1000);
    assert.equal(r.captures(), before + 1);
    assert.equal(r.state()?.state, "idle");
  } finally {
    await r.monitor.close();
  }
});
