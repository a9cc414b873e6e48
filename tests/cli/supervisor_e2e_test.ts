/**
 * The supervisor and monitor as real processes: kill them, freeze them, race them.
 * Each test has its own state dir and private tmux server, torn down in `finally`.
 */
import assert from "node:assert/strict";
import { pidAlive, readJson, signal, waitFor } from "../helpers/mod.ts";
import { type BeatFile, FAST, Sandbox } from "../helpers/sandbox.ts";

async function healthyMonitor(
  box: Sandbox,
  options: { notPid?: number; timeoutMs: number },
): Promise<BeatFile> {
  return await waitFor(async () => {
    const beat = await box.heartbeat();
    if (!beat || beat.pid === options.notPid || !pidAlive(beat.pid)) return undefined;
    return beat.cycle >= 1 ? beat : undefined;
  }, { timeoutMs: options.timeoutMs, everyMs: 10, what: "a healthy monitor" });
}

Deno.test("kill -9 of the monitor: a new healthy monitor within 2.5 s", async () => {
  const box = await Sandbox.create();
  try {
    box.spawn(["supervise", ...FAST]);
    const first = await healthyMonitor(box, { timeoutMs: 15_000 });
    box.track(first.pid);
    const killedAt = performance.now();
    signal(first.pid, "SIGKILL");
    const next = await healthyMonitor(box, { notPid: first.pid, timeoutMs: 5_000 });
    box.track(next.pid);
    const ms = performance.now() - killedAt;
    console.log(
      `    restart after kill -9: ${ms.toFixed(0)} ms to a new monitor's first heartbeat`,
    );
    assert.ok(ms < 2500, `took ${ms} ms`);
    assert.notEqual(next.pid, first.pid);
    const status = await box.cli(["monitor", "status", "--json"]);
    const report = JSON.parse(status.stdout);
    assert.equal(report.supervisor.restarts, 1);
    assert.equal(report.supervisor.last_exit.signal, "SIGKILL");
  } finally {
    await box.cleanup();
  }
});

Deno.test("SIGSTOP of the monitor: detected by heartbeat, killed and replaced in time", async () => {
  const box = await Sandbox.create();
  try {
    box.spawn(["supervise", ...FAST]);
    const first = await healthyMonitor(box, { timeoutMs: 15_000 });
    box.track(first.pid);
    const frozenAt = performance.now();
    signal(first.pid, "SIGSTOP");
    const next = await healthyMonitor(box, { notPid: first.pid, timeoutMs: 10_000 });
    box.track(next.pid);
    const ms = performance.now() - frozenAt;
    // heartbeat-timeout 2 s + check-interval 0.2 s + 2 s (stop timeout 1 s, backoff 1 s, start-up).
    console.log(`    hang detected and replaced: ${ms.toFixed(0)} ms after SIGSTOP`);
    assert.ok(ms < 2000 + 200 + 2000 + 1000, `took ${ms} ms`);
    await waitFor(() => !pidAlive(first.pid), {
      timeoutMs: 3000,
      what: "the frozen monitor to be gone",
    });
    const logs = await box.cli(["monitor", "logs", "-n", "50"]);
    assert.match(logs.stdout, /heartbeat is stale/);
  } finally {
    await box.cleanup();
  }
});

Deno.test("a crash-looping monitor backs off 0.1, 0.2, 0.4 s and then cools off, loudly", async () => {
  const box = await Sandbox.create();
  try {
    box.spawn(
      ["supervise", ...FAST, "--backoff-initial", "0.1", "--max-restarts", "3", "--cooldown", "60"],
      { env: { TMUX_ORC_TEST_EXIT_AT_START: "3" } },
    );
    const report = await waitFor(async () => {
      const r = await box.cli(["monitor", "status", "--json"]);
      const json = JSON.parse(r.stdout);
      return json.supervisor.state === "cooling_off" ? { code: r.code, json } : undefined;
    }, { timeoutMs: 20_000, what: "cooling_off" });
    assert.equal(report.code, 1, "cooling off is unhealthy");
    assert.equal(report.json.supervisor.last_exit.code, 3);
    assert.ok(report.json.supervisor.next_attempt_at);
    assert.ok(
      report.json.supervisor.last_stderr.some((l: string) =>
        l.includes("TMUX_ORC_TEST_EXIT_AT_START")
      ),
      "status shows the child's last stderr lines",
    );
    const logs = await box.cli(["monitor", "logs", "-n", "100", "--json"]);
    const delays = logs.stdout.trim().split("\n").map((l) => JSON.parse(l))
      .filter((r) => /restarting in|cooling off/.test(r.message))
      .map((r) => r.properties.delay_s);
    assert.deepEqual(delays, [0.1, 0.2, 0.4, 60]);
  } finally {
    await box.cleanup();
  }
});

Deno.test("10 supervisors started at once: exactly one runs, the others exit 1 naming it", async () => {
  const box = await Sandbox.create();
  try {
    const children = Array.from(
      { length: 10 },
      () => box.spawn(["supervise", ...FAST], { piped: true }),
    );
    const beat = await healthyMonitor(box, { timeoutMs: 20_000 });
    box.track(beat.pid);
    const supervisorPid = await box.pidOf("supervisor");
    const losers = await Promise.all(
      children.filter((c) => c.pid !== supervisorPid).map((c) => c.output()),
    );
    assert.equal(losers.length, 9);
    for (const out of losers) {
      assert.equal(out.code, 1);
      const stderr = new TextDecoder().decode(out.stderr).trim();
      assert.equal(stderr, `tmux-orc: Supervisor already running: pid ${supervisorPid}`);
    }
    assert.ok(pidAlive(supervisorPid!));
  } finally {
    await box.cleanup();
  }
});

Deno.test("kill -9 of the supervisor: its monitor is gone within 3 s", async () => {
  const box = await Sandbox.create();
  try {
    const sup = box.spawn(["supervise", ...FAST]);
    const beat = await healthyMonitor(box, { timeoutMs: 15_000 });
    box.track(beat.pid);
    const t0 = performance.now();
    signal(sup.pid, "SIGKILL");
    await waitFor(() => !pidAlive(beat.pid), {
      timeoutMs: 3000,
      what: "the orphaned monitor to exit",
    });
    console.log(
      `    orphaned monitor exited ${
        (performance.now() - t0).toFixed(0)
      } ms after its supervisor's kill -9`,
    );
  } finally {
    await box.cleanup();
  }
});

Deno.test("SIGTERM to the supervisor stops the monitor, removes pid files, exits 0", async () => {
  const box = await Sandbox.create();
  try {
    const sup = box.spawn(["supervise", ...FAST]);
    const beat = await healthyMonitor(box, { timeoutMs: 15_000 });
    box.track(beat.pid);
    signal(sup.pid, "SIGTERM");
    const status = await sup.status;
    assert.equal(status.code, 0);
    assert.ok(!pidAlive(beat.pid));
    for (const f of ["supervisor.pid", "monitor.pid"]) {
      await assert.rejects(Deno.stat(`${box.dir}/${f}`), Deno.errors.NotFound);
    }
  } finally {
    await box.cleanup();
  }
});

Deno.test("monitor start --supervised, status, a second start, stop", async () => {
  const box = await Sandbox.create();
  try {
    const start = await box.cli(["monitor", "start", "--supervised", ...FAST]);
    await box.pidOf("supervisor");
    await box.pidOf("monitor");
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /Supervised monitor started successfully/);
    assert.match(start.stdout, /Self-healing: Enabled/);
    const status = await box.cli(["monitor", "status", "--json"]);
    assert.equal(status.code, 0, status.stdout);
    const report = JSON.parse(status.stdout);
    assert.equal(report.supervisor.running, true);
    assert.equal(report.monitor.running, true);
    assert.equal(report.self_healing, true);
    const again = await box.cli(["monitor", "start", "--supervised"]);
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr.trim(),
      `tmux-orc: Supervisor already running: pid ${report.supervisor.pid}`,
    );
    const stop = await box.cli(["monitor", "stop"]);
    assert.equal(stop.code, 0);
    assert.ok(
      !pidAlive(report.supervisor.pid) && !pidAlive(report.monitor.pid),
      "both processes are gone",
    );
    assert.equal((await box.cli(["monitor", "status"])).code, 3);
  } finally {
    await box.cleanup();
  }
});

Deno.test("monitor start without --supervised, then stop; stop when nothing runs", async () => {
  const box = await Sandbox.create();
  try {
    const start = await box.cli(["monitor", "start", "--interval", "0.2"]);
    const pid = await box.pidOf("monitor");
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, new RegExp(`Monitor started \\(PID: ${pid}\\)`));
    assert.match(start.stdout, /Self-healing: Disabled/);
    const status = JSON.parse((await box.cli(["monitor", "status", "--json"])).stdout);
    assert.equal(status.self_healing, false);
    assert.equal(status.monitor.pid, pid);
    assert.equal((await box.cli(["monitor", "stop"])).code, 0);
    assert.ok(!pidAlive(pid!));
    const again = await box.cli(["monitor", "stop"]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Nothing is running/);
  } finally {
    await box.cleanup();
  }
});

Deno.test("a stale pid file holding a recycled pid is ignored and that process is left alone", async () => {
  const box = await Sandbox.create({ tmux: false });
  const bystander = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    // The pid is alive, but its start time is not the one recorded: a recycled pid.
    const record = { pid: bystander.pid, start: "Thu Jan  1 00:00:00 1970", startedAt: 0 };
    await Deno.writeTextFile(`${box.dir}/supervisor.pid`, JSON.stringify(record));
    await Deno.writeTextFile(`${box.dir}/monitor.pid`, JSON.stringify(record));
    const status = await box.cli(["monitor", "status"]);
    assert.equal(status.code, 3);
    const stop = await box.cli(["monitor", "stop"]);
    assert.match(stop.stdout, /Nothing is running/);
    assert.ok(pidAlive(bystander.pid), "the bystander was not signalled");
    const beat = await readJson(`${box.dir}/supervisor.pid`);
    assert.equal(beat?.pid, bystander.pid);
  } finally {
    bystander.kill("SIGKILL");
    await bystander.status;
    await box.cleanup();
  }
});
