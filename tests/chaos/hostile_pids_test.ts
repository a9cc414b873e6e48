/**
 * Process identity against a hostile environment: a CLI in another time zone than its daemon, a
 * machine without procps `ps`, and pid files that name an unrelated process. `status` and `stop`
 * must give the right answer, and `stop` must never signal a process it cannot confirm.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseProcStat, processIdentity } from "../../src/state/process_info.ts";
import { pidAlive, waitFor } from "../helpers/mod.ts";
import { FAST, Sandbox } from "../helpers/sandbox.ts";

/** A PATH with tmux and the basic tools (cat among them), and no `ps`. */
async function pathWithoutPs(dir: string): Promise<string> {
  const bin = join(dir, "bin-no-ps");
  await Deno.mkdir(bin);
  for (const tool of ["tmux", "cat", "sleep", "sh"]) {
    const where = new TextDecoder().decode(
      (await new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "piped" })
        .output()).stdout,
    ).trim();
    if (where) await Deno.symlink(where, join(bin, tool));
  }
  return bin;
}

for (
  const [name, daemonEnv, cliEnv] of [
    ["the CLI in other time zones than the daemon", { TZ: "America/Los_Angeles" }, {
      TZ: "Asia/Kathmandu",
    }],
    ["no ps on PATH", {}, {}],
  ] as const
) {
  Deno.test(`process identity: ${name}: status and stop see the running daemon`, async () => {
    const box = await Sandbox.create();
    const noPs: Record<string, string> = name === "no ps on PATH"
      ? { PATH: await pathWithoutPs(box.dir) }
      : {};
    const env: Record<string, string> = { ...daemonEnv, ...noPs };
    const other: Record<string, string> = { ...cliEnv, ...noPs };
    try {
      if (noPs.PATH) {
        const ps = await new Deno.Command("sh", {
          args: ["-c", "command -v ps || echo none"],
          env: { PATH: noPs.PATH },
          stdout: "piped",
        }).output();
        assert.equal(new TextDecoder().decode(ps.stdout).trim(), "none", "ps is off the PATH");
      }
      const start = await box.cli(["monitor", "start", "--supervised", ...FAST], env);
      assert.equal(start.code, 0, start.stderr);
      const supervisor = (await box.pidOf("supervisor"))!;
      const monitor = (await box.pidOf("monitor"))!;
      const checks = [other, { ...other, TZ: "Pacific/Chatham" }, { ...other, TZ: "UTC" }];
      for (const cliEnv of checks) {
        const status = await box.cli(["monitor", "status", "--json"], cliEnv);
        assert.equal(status.code, 0, `${JSON.stringify(cliEnv)}: ${status.stdout}`);
        const report = JSON.parse(status.stdout);
        assert.equal(report.supervisor.pid, supervisor);
        assert.equal(report.monitor.pid, monitor);
      }
      const t0 = performance.now();
      const stop = await box.cli(["monitor", "stop"], other);
      const ms = performance.now() - t0;
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, new RegExp(`Stopped supervisor \\(pid ${supervisor}\\)`));
      await waitFor(() => !pidAlive(supervisor) && !pidAlive(monitor), {
        timeoutMs: 3000,
        what: "both processes to be gone",
      });
      assert.equal((await box.cli(["monitor", "status"], other)).code, 3);
      console.log(`    ${checks.length} status checks right; stop took ${ms.toFixed(0)} ms`);
    } finally {
      await box.cleanup();
    }
  });
}

for (const locked of [false, true]) {
  Deno.test(
    `stop never signals a pid it cannot confirm (pid file without a start time${
      locked ? ", lock held" : ""
    })`,
    async () => {
      const box = await Sandbox.create({ tmux: false });
      const bystander = new Deno.Command("sleep", { args: ["60"] }).spawn();
      // The lock is held by an unrelated process too: something runs, but not provably this pid.
      const holder = locked
        ? new Deno.Command("flock", {
          args: ["--exclusive", `${box.dir}/monitor.lock`, "sleep", "60"],
        }).spawn()
        : undefined;
      try {
        if (holder) {
          await waitFor(async () => {
            const probe = await new Deno.Command("flock", {
              args: ["--nonblock", `${box.dir}/monitor.lock`, "true"],
            }).output();
            return probe.code !== 0;
          }, { timeoutMs: 3000, what: "the lock to be held" });
        }
        // What a daemon writes when it could not read its own start time.
        const record = { pid: bystander.pid, start: null, startedAt: Date.now() };
        await Deno.writeTextFile(`${box.dir}/monitor.pid`, JSON.stringify(record));
        const stop = await box.cli(["monitor", "stop", "--timeout", "0.2"]);
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(pidAlive(bystander.pid), "the unrelated process was not signalled");
        if (locked) {
          assert.equal(stop.code, 1, stop.stdout);
          const lines = stop.stderr.trimEnd().split("\n");
          assert.equal(lines.length, 1, stop.stderr);
          assert.match(
            lines[0],
            new RegExp(`^tmux-orc: Not signalling pid ${bystander.pid}: monitor\\.pid records`),
          );
          const status = await box.cli(["monitor", "status", "--json"]);
          assert.equal(status.code, 1);
          const report = JSON.parse(status.stdout);
          assert.equal(report.monitor.running, true);
          assert.equal(report.monitor.pid, null);
          assert.match(report.problems.join("\n"), /identity cannot be confirmed/);
        } else {
          assert.equal(stop.code, 0, stop.stderr);
          assert.match(stop.stdout, /Nothing is running/);
          assert.equal((await box.cli(["monitor", "status"])).code, 3);
        }
      } finally {
        for (const child of [bystander, holder]) {
          if (!child) continue;
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
          await child.status;
        }
        await box.cleanup();
      }
    },
  );
}

Deno.test("a daemon started without ps or cat records no start time, and stop refuses it", async () => {
  const box = await Sandbox.create();
  const bin = join(box.dir, "bin-tmux-only");
  await Deno.mkdir(bin);
  const tmuxPath = new TextDecoder().decode(
    (await new Deno.Command("sh", { args: ["-c", "command -v tmux"], stdout: "piped" }).output())
      .stdout,
  ).trim();
  await Deno.symlink(tmuxPath, join(bin, "tmux"));
  try {
    const start = await box.cli(["monitor", "start", "--interval", "0.2"], { PATH: bin });
    assert.equal(start.code, 0, start.stderr);
    const pid = (await box.pidOf("monitor"))!;
    const record = JSON.parse(await Deno.readTextFile(`${box.dir}/monitor.pid`));
    assert.equal(record.start, null, "no way to read its own start time");
    const stop = await box.cli(["monitor", "stop"], { PATH: bin });
    assert.equal(stop.code, 1);
    assert.match(stop.stderr, new RegExp(`^tmux-orc: Not signalling pid ${pid}:`));
    assert.ok(pidAlive(pid), "left running, as promised");
    // With the tools back, the record still cannot be confirmed: stop keeps refusing.
    assert.equal((await box.cli(["monitor", "stop"])).code, 1);
    assert.ok(pidAlive(pid));
  } finally {
    await box.cleanup();
  }
});

Deno.test("/proc/PID/stat is parsed after the last ')' (a command name may hold both)", () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[0] = "S";
  fields[19] = "123456";
  assert.deepEqual(parseProcStat(`42 (evil) 1 2 (x) R) ${fields.join(" ")}`), {
    state: "S",
    startTicks: "123456",
  });
  assert.equal(parseProcStat("garbage"), undefined);
  assert.equal(parseProcStat("42 (x) S 1 2"), undefined);
  const self = processIdentity(Deno.pid);
  assert.match(self?.start ?? "", /^[0-9a-f-]{36}\/\d+$/, "boot id / start ticks");
  assert.equal(processIdentity(Deno.pid)?.start, self?.start, "stable");
});
