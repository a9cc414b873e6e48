/**
 * Chaos: damage the state dir, freeze the supervisor, race starts and stops, restart tmux — while
 * the real supervisor and monitor run with short timings. Recovery times are printed.
 */
import assert from "node:assert/strict";
import { pidAlive, signal, tmux, waitFor } from "../helpers/mod.ts";
import { pidsWith } from "../helpers/procs.ts";
import { FAST, Sandbox } from "../helpers/sandbox.ts";

async function startSupervised(box: Sandbox) {
  const r = await box.cli(["monitor", "start", "--supervised", ...FAST]);
  assert.equal(r.code, 0, r.stderr);
  const supervisor = (await box.pidOf("supervisor"))!;
  const monitor = (await box.pidOf("monitor"))!;
  return { supervisor, monitor };
}

async function status(box: Sandbox) {
  const r = await box.cli(["monitor", "status", "--json"]);
  return { code: r.code, json: JSON.parse(r.stdout) };
}

Deno.test("state files deleted, truncated or filled with garbage while running are rewritten; no restart", async () => {
  const box = await Sandbox.create();
  try {
    const pids = await startSupervised(box);
    const files = ["heartbeat.json", "monitor.pid", "supervisor.pid", "supervisor.json"];
    for (const damage of ["delete", "truncate", "garbage"] as const) {
      const t0 = performance.now();
      for (const f of files) {
        const path = `${box.dir}/${f}`;
        if (damage === "delete") await Deno.remove(path).catch(() => {});
        else if (damage === "truncate") await Deno.writeTextFile(path, "");
        else await Deno.writeFile(path, crypto.getRandomValues(new Uint8Array(300)));
      }
      const s = await waitFor(async () => {
        const s = await status(box);
        return s.code === 0 ? s : undefined;
      }, { timeoutMs: 5000, what: `recovery after ${damage}` });
      console.log(
        `    ${damage} of ${files.length} state files: healthy again after ${
          (performance.now() - t0).toFixed(0)
        } ms`,
      );
      assert.equal(s.json.supervisor.pid, pids.supervisor);
      assert.equal(s.json.monitor.pid, pids.monitor);
      assert.equal(s.json.supervisor.restarts, 0);
    }
  } finally {
    await box.cleanup();
  }
});

Deno.test("heartbeat writes failing: the supervisor reports it and does not restart-storm", async () => {
  const box = await Sandbox.create();
  try {
    const pids = await startSupervised(box);
    // A directory where the heartbeat file should be: rename fails even for root.
    await Deno.remove(`${box.dir}/heartbeat.json`);
    await Deno.mkdir(`${box.dir}/heartbeat.json`);
    const s = await waitFor(async () => {
      const s = await status(box);
      return s.json.problems.some((p: string) => p.includes("cannot write its heartbeat file"))
        ? s
        : undefined;
    }, { timeoutMs: 5000, what: "the heartbeat write problem in status" });
    assert.equal(s.code, 1, "unhealthy");
    await new Promise((r) => setTimeout(r, 3000)); // longer than the heartbeat timeout
    const later = await status(box);
    assert.equal(later.json.supervisor.restarts, 0, "no restart while the monitor is alive");
    assert.equal(later.json.monitor.pid, pids.monitor);
    await Deno.remove(`${box.dir}/heartbeat.json`);
    await waitFor(async () => (await status(box)).code === 0, {
      timeoutMs: 5000,
      what: "recovery",
    });
  } finally {
    await box.cleanup();
  }
});

Deno.test("SIGSTOP/SIGCONT of the supervisor does not kill a healthy monitor", async () => {
  const box = await Sandbox.create();
  try {
    const pids = await startSupervised(box);
    signal(pids.supervisor, "SIGSTOP");
    await new Promise((r) => setTimeout(r, 3500)); // longer than the heartbeat timeout
    signal(pids.supervisor, "SIGCONT");
    await new Promise((r) => setTimeout(r, 1500));
    const s = await status(box);
    assert.equal(s.code, 0, JSON.stringify(s.json.problems));
    assert.equal(s.json.monitor.pid, pids.monitor, "same monitor");
    assert.equal(s.json.supervisor.restarts, 0);
  } finally {
    await box.cleanup();
  }
});

Deno.test("SIGSTOP/SIGCONT of the monitor shorter than the timeout: no restart; longer: replaced", async () => {
  const box = await Sandbox.create();
  try {
    const pids = await startSupervised(box);
    signal(pids.monitor, "SIGSTOP");
    await new Promise((r) => setTimeout(r, 1000));
    signal(pids.monitor, "SIGCONT");
    await new Promise((r) => setTimeout(r, 1500));
    const s = await status(box);
    assert.equal(s.json.supervisor.restarts, 0);
    assert.equal(s.json.monitor.pid, pids.monitor);
  } finally {
    await box.cleanup();
  }
});

Deno.test("20 concurrent monitor start --supervised: one supervisor, one monitor, 19 clear refusals", async () => {
  const box = await Sandbox.create();
  try {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => box.cli(["monitor", "start", "--supervised", ...FAST])),
    );
    await box.pidOf("supervisor");
    await box.pidOf("monitor");
    const ok = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code === 1);
    assert.equal(ok.length, 1, results.map((r) => r.stderr).join("\n"));
    assert.equal(refused.length, 19);
    for (const r of refused) {
      assert.match(r.stderr.trim(), /^tmux-orc: (Supervisor|Monitor) already running: pid \d+$/);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await pidsWith(box.dir, "supervise")).length, 1);
    assert.equal((await pidsWith(box.dir, "monitor")).length, 1);
  } finally {
    await box.cleanup();
  }
});

Deno.test("stop racing start: afterwards nothing is half-running", async () => {
  const box = await Sandbox.create();
  try {
    for (let round = 0; round < 3; round++) {
      const [start, stop] = await Promise.all([
        box.cli(["monitor", "start", "--supervised", ...FAST]),
        new Promise((r) => setTimeout(r, 100 * round)).then(() =>
          box.cli(["monitor", "stop", "--timeout", "2"])
        ),
      ]);
      assert.ok([0, 1].includes(start.code), start.stderr);
      assert.equal(stop.code, 0, stop.stderr);
      await box.pidOf("supervisor");
      await box.pidOf("monitor");
      const supervisors = await pidsWith(box.dir, "supervise");
      const monitors = await pidsWith(box.dir, "monitor");
      assert.ok(
        supervisors.length <= 1 && monitors.length <= 1,
        `round ${round}: ${supervisors} ${monitors}`,
      );
      if (monitors.length === 1 && supervisors.length === 0) {
        // A supervised monitor never outlives its supervisor for long.
        await waitFor(async () => (await pidsWith(box.dir, "monitor")).length === 0, {
          timeoutMs: 3000,
          what: "orphan exit",
        });
      }
      assert.equal((await box.cli(["monitor", "stop", "--timeout", "2"])).code, 0);
      assert.deepEqual(await pidsWith(box.dir), [], `round ${round}: nothing left`);
    }
  } finally {
    await box.cleanup();
  }
});

Deno.test("the tmux server killed and restarted repeatedly: the monitor rides it out and reconnects", async () => {
  const box = await Sandbox.create();
  try {
    const pids = await startSupervised(box);
    for (let i = 0; i < 4; i++) {
      await tmux(box.socket, ["kill-server"]);
      await new Promise((r) => setTimeout(r, 300));
      const down = await box.heartbeat();
      assert.ok(down && pidAlive(down.pid));
      const r = await tmux(box.socket, ["new-session", "-d", "-s", `again${i}`]);
      assert.equal(r.code, 0, r.stderr);
      const t0 = performance.now();
      await waitFor(async () => {
        const s = (await status(box)).json;
        return s.monitor.tmux_server === true && s.monitor.panes >= 1;
      }, { timeoutMs: 8000, what: "the monitor to see the new server" });
      console.log(
        `    tmux restart ${i + 1}: panes seen again after ${
          (performance.now() - t0).toFixed(0)
        } ms`,
      );
    }
    const s = await status(box);
    assert.equal(s.json.monitor.pid, pids.monitor, "no monitor restart needed");
    assert.equal(s.json.supervisor.restarts, 0);
  } finally {
    await box.cleanup();
  }
});
