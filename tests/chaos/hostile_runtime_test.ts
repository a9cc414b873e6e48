/**
 * Chaos, hostile runtime (issue 10): a plain `tmux new-window` from outside tmux, two monitors on
 * one tmux server, the state dir or the database deleted under a running monitor, a write lock
 * held on the store, catastrophic profile patterns, giant `send` messages and agents that ignore
 * SIGHUP — each against the real monitor process on a private tmux server. Figures are printed.
 */
import assert from "node:assert/strict";
import { pidAlive, signal, waitFor } from "../helpers/mod.ts";
import { Sandbox } from "../helpers/sandbox.ts";

/** Runs tmux the way a user outside tmux would: no `TMUX`, no `TMUX_PANE` in the environment. */
async function outsideTmux(socket: string, args: readonly string[]) {
  const env: Record<string, string> = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
  for (const name of ["HOME", "TMUX_TMPDIR", "LANG"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  const out = await new Deno.Command("tmux", {
    args: ["-L", socket, ...args],
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

interface Beat {
  pid: number;
  cycle: number;
  tmux: boolean;
  agents: number;
  standby?: string;
  storeQueued?: number;
  storeLost?: number;
}

/** Waits for a heartbeat from `pid` that saw the tmux server at `cycle` or later. */
function beatFrom(box: Sandbox, pid: number, minCycle = 1, timeoutMs = 15_000) {
  return waitFor(async () => {
    const beat = await box.heartbeat() as Beat | undefined;
    return beat && beat.pid === pid && beat.tmux && beat.cycle >= minCycle ? beat : undefined;
  }, { timeoutMs, what: `a heartbeat from monitor ${pid}` });
}

async function stopChild(child: Deno.ChildProcess): Promise<Deno.CommandStatus> {
  signal(child.pid, "SIGTERM");
  return await child.status;
}

Deno.test("a plain tmux new-window from outside tmux lands in a user session and survives monitor restarts", async () => {
  const box = await Sandbox.create();
  try {
    const windows: string[] = [];
    for (let round = 0; round < 2; round++) {
      const monitor = box.spawn(["monitor", "--interval", "0.2"]);
      await beatFrom(box, monitor.pid, 2);
      const r = await outsideTmux(box.socket, [
        "new-window",
        "-P",
        "-F",
        "#{session_name} #{window_id}",
        "--",
        "sleep",
        "600",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const [session, window] = r.stdout.trim().split(" ");
      assert.equal(session, "main", "the window must land in the user's session");
      windows.push(window);
      const sessions = await outsideTmux(box.socket, ["list-sessions", "-F", "#{session_name}"]);
      assert.deepEqual(sessions.stdout.trim().split("\n"), ["main"], "no session of the monitor");
      const status = await stopChild(monitor);
      assert.equal(status.code, 0);
      for (const id of windows) {
        const alive = await outsideTmux(box.socket, ["display-message", "-p", "-t", id, "x"]);
        assert.equal(alive.code, 0, `window ${id} destroyed by the monitor stopping`);
      }
    }
    console.log(`    ${windows.length} windows created from outside tmux, all kept in "main"`);
  } finally {
    await box.cleanup();
  }
});

Deno.test("restarting a crashed agent whose helper ignores SIGHUP leaves no orphan", async () => {
  const box = await Sandbox.create();
  try {
    const pidFile = `${box.dir}/helper.pid`;
    // The agent "exited to its shell", leaving a helper that ignores SIGHUP (and one that is
    // stopped) in the pane: exactly what respawn-pane -k leaves behind as orphans.
    const script = `trap '' HUP; sleep 1001 & echo $! > ${pidFile}; ` +
      `sleep 1002 & kill -STOP $!; echo $! >> ${pidFile}; exec sh`;
    const made = await outsideTmux(box.socket, [
      "new-window",
      "-P",
      "-F",
      "#{pane_id} #{pane_pid}",
      "--",
      "sh",
      "-c",
      script,
    ]);
    assert.equal(made.code, 0, made.stderr);
    const [pane, oldPid] = made.stdout.trim().split(" ");
    const helpers = await waitFor(async () => {
      const text = await Deno.readTextFile(pidFile).catch(() => "");
      const pids = text.trim().split("\n").filter(Boolean).map(Number);
      return pids.length === 2 ? pids : undefined;
    }, { timeoutMs: 5000, what: "the helpers' pids" });
    for (const pid of helpers) box.track(pid);
    const reg = await box.cli([
      "agent",
      "register",
      pane,
      "--name",
      "worker",
      "--command",
      "sleep 600",
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const monitor = box.spawn(["monitor", "--interval", "0.2", "--restart-crashed"], {
      piped: true,
    });
    const t0 = performance.now();
    const newPid = await waitFor(async () => {
      const r = await outsideTmux(box.socket, ["display-message", "-p", "-t", pane, "#{pane_pid}"]);
      const pid = r.stdout.trim();
      return pid !== "" && pid !== oldPid ? Number(pid) : undefined;
    }, { timeoutMs: 15_000, what: "the pane to be respawned" });
    const respawnMs = performance.now() - t0;
    box.track(newPid);
    await new Promise((r) => setTimeout(r, 300));
    const left = helpers.filter(pidAlive);
    console.log(
      `    respawned ${respawnMs.toFixed(0)} ms after the monitor started; ` +
        `old helpers left: ${left.length} of ${helpers.length}`,
    );
    await stopChild(monitor);
    const log = new TextDecoder().decode((await monitor.output()).stderr);
    assert.deepEqual(left, [], `the old pane's processes are all gone:\n${log}`);
    assert.equal(pidAlive(Number(oldPid)), false);
  } finally {
    await box.cleanup();
  }
});
