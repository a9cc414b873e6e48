/**
 * Chaos, hostile runtime (issue 10): a plain `tmux new-window` from outside tmux, two monitors on
 * one tmux server, the state dir or the database deleted under a running monitor, a write lock
 * held on the store, catastrophic profile patterns, giant `send` messages and agents that ignore
 * SIGHUP — each against the real monitor process on a private tmux server. Figures are printed.
 */
import assert from "node:assert/strict";
import { cliArgv, pidAlive, readJson, runCli, signal, waitFor } from "../helpers/mod.ts";
import { FAST, Sandbox } from "../helpers/sandbox.ts";
import { openStore } from "../../src/store/store.ts";

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
    const now = await beat(box);
    return now && now.pid === pid && now.tmux && now.cycle >= minCycle ? now : undefined;
  }, { timeoutMs, what: `a heartbeat from monitor ${pid}` });
}

async function beat(box: Sandbox): Promise<Beat | undefined> {
  return await readJson<Beat>(`${box.dir}/heartbeat.json`);
}

/** Stops a piped monitor and rethrows `error` with the monitor's log attached. */
async function withLog(monitor: Deno.ChildProcess, error: unknown): Promise<never> {
  signal(monitor.pid, "SIGTERM");
  const log = new TextDecoder().decode((await monitor.output()).stderr);
  throw new Error(`${(error as Error).message}\n--- monitor log ---\n${log}`);
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

/** Opens a new window running `sh` and registers it as agent `name` with tmux options only. */
async function addShellAgent(socket: string, name: string): Promise<string> {
  const r = await outsideTmux(socket, ["new-window", "-d", "-P", "-F", "#{pane_id}", "--", "sh"]);
  assert.equal(r.code, 0, r.stderr);
  const pane = r.stdout.trim();
  for (const [key, value] of [["@tmux-orc-name", name], ["@tmux-orc-role", "agent"]]) {
    const set = await outsideTmux(socket, ["set-option", "-p", "-t", pane, key, value]);
    assert.equal(set.code, 0, set.stderr);
  }
  return pane;
}

/** The transitions in a state dir's store, read the way `events` does. */
function transitionsIn(dir: string): { agent?: string; toState?: string; ts: number }[] {
  const store = openStore(`${dir}/tmux-orc.db`, { readonly: true });
  try {
    return store.listEvents({ kinds: ["transition"] });
  } finally {
    store.close();
  }
}

function eventsIn(dir: string, kind: "monitor" | "transition") {
  const store = openStore(`${dir}/tmux-orc.db`, { readonly: true });
  try {
    return store.listEvents({ kinds: [kind] });
  } finally {
    store.close();
  }
}

/** Holds `BEGIN IMMEDIATE` on `db` from another process for `seconds`; resolves once it holds. */
async function holdWriteLock(db: string, seconds: number) {
  const code = `import { DatabaseSync } from "node:sqlite";
const db = new DatabaseSync(${JSON.stringify(db)});
db.exec("BEGIN IMMEDIATE");
console.log("locked");
await new Promise((r) => setTimeout(r, ${seconds * 1000}));
db.exec("ROLLBACK");
db.close();
console.log("released");`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("locked")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The lock holder exited before locking");
    seen += value;
  }
  const released = (async () => {
    while (!seen.includes("released")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    await child.status;
  })();
  return { pid: child.pid, released };
}

Deno.test("a write lock held by another process: cycles keep their interval, no transition is lost", async () => {
  const holdS = Number(Deno.env.get("TMUX_ORC_TEST_HOLD_S") ?? "8");
  const box = await Sandbox.create();
  try {
    const monitor = box.spawn(["monitor", "--interval", "0.2"], { piped: true });
    await beatFrom(box, monitor.pid, 3);
    await addShellAgent(box.socket, "before");
    await waitFor(() => transitionsIn(box.dir).some((e) => e.agent === "before"), {
      timeoutMs: 10_000,
      what: "the first transition in the store",
    });
    const lock = await holdWriteLock(`${box.dir}/tmux-orc.db`, holdS);
    box.track(lock.pid);
    const t0 = performance.now();
    const first = (await beat(box))!.cycle;
    const names = Array.from({ length: 10 }, (_, i) => `during${i}`);
    for (const name of names) await addShellAgent(box.socket, name);
    let maxGap = 0;
    let lastAt = performance.now();
    let lastCycle = first;
    let maxQueued = 0;
    while (performance.now() - t0 < holdS * 1000 - 300) {
      const now = await beat(box);
      if (now && now.cycle !== lastCycle) {
        maxGap = Math.max(maxGap, performance.now() - lastAt);
        lastAt = performance.now();
        lastCycle = now.cycle;
        maxQueued = Math.max(maxQueued, now.storeQueued ?? 0);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const cycles = lastCycle - first;
    const elapsed = performance.now() - t0;
    await lock.released;
    const t1 = performance.now();
    await waitFor(() => {
      const seen = new Set(transitionsIn(box.dir).map((e) => e.agent));
      return names.every((n) => seen.has(n));
    }, { timeoutMs: 10_000, what: "the transitions made under the lock" }).catch(async (error) => {
      await stopChild(monitor);
      const log = new TextDecoder().decode((await monitor.output()).stderr);
      throw new Error(`${error.message} (cycles ${cycles}, gap ${maxGap}):\n${log}`);
    });
    const flushMs = performance.now() - t1;
    const expected = elapsed / 200;
    console.log(
      `    lock held ${(elapsed / 1000).toFixed(1)} s: ${cycles} cycles (~${
        expected.toFixed(0)
      } at 0.2 s), longest heartbeat gap ${maxGap.toFixed(0)} ms, up to ${maxQueued} rows ` +
        `queued; all ${names.length} transitions in the store ${
          flushMs.toFixed(0)
        } ms after release`,
    );
    assert.ok(cycles >= expected * 0.6, `cycles kept their interval: ${cycles} of ~${expected}`);
    assert.ok(maxGap < 1500, `heartbeat gap ${maxGap} ms`);
    assert.ok(maxQueued >= names.length, `history queued in memory: ${maxQueued}`);
    // Two cycles after the flush (cycles go on while the lock is held to its end, so a cycle
    // numbered past `lastCycle` may still have ended under the lock).
    const flushed = (await beat(box))?.cycle ?? lastCycle;
    const after = await beatFrom(box, monitor.pid, flushed + 2);
    assert.equal(after.storeQueued ?? 0, 0);
    assert.equal(after.storeLost ?? 0, 0);
    await stopChild(monitor);
  } finally {
    await box.cleanup();
  }
});

Deno.test("the database deleted or replaced while running: noticed, history kept, event recorded", async () => {
  const box = await Sandbox.create();
  const db = `${box.dir}/tmux-orc.db`;
  try {
    const monitor = box.spawn(["monitor", "--interval", "0.2"], { piped: true });
    await beatFrom(box, monitor.pid, 2);
    await addShellAgent(box.socket, "first");
    await waitFor(() => transitionsIn(box.dir).some((e) => e.agent === "first"), {
      timeoutMs: 10_000,
      what: "the first transition",
    });

    try {
      // 1. rm tmux-orc.db* while it runs.
      for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
      let t0 = performance.now();
      await addShellAgent(box.socket, "after-delete");
      await waitFor(() => {
        try {
          const agents = new Set(transitionsIn(box.dir).map((e) => e.agent));
          return agents.has("first") && agents.has("after-delete");
        } catch {
          return false; // not created yet
        }
      }, { timeoutMs: 10_000, what: "the old and new history in a new database file" });
      const deleteMs = performance.now() - t0;
      const notes = eventsIn(box.dir, "monitor").map((e) => e.detail);
      assert.ok(notes.some((d) => /deleted.*restored/.test(d)), notes.join("\n"));

      // 2. Replaced by another file (garbage): moved aside, our copy kept, a fresh one used.
      await Deno.writeTextFile(`${db}.new`, "not a database at all ".repeat(100));
      await Deno.rename(`${db}.new`, db);
      t0 = performance.now();
      await addShellAgent(box.socket, "after-replace");
      await waitFor(() => {
        try {
          return transitionsIn(box.dir).some((e) => e.agent === "after-replace");
        } catch {
          return false;
        }
      }, { timeoutMs: 10_000, what: "a working database after the replacement" });
      const replaceMs = performance.now() - t0;
      const files = [...Deno.readDirSync(box.dir)].map((e) => e.name);
      const kept = files.find((f) => f.startsWith("tmux-orc.db.replaced-"));
      assert.ok(kept, files.join(" "));
      assert.ok(files.some((f) => f.startsWith("tmux-orc.db.corrupt-")), files.join(" "));
      const old = openStore(`${box.dir}/${kept}`, { readonly: true });
      try {
        const agents = new Set(old.listEvents({ kinds: ["transition"] }).map((e) => e.agent));
        assert.ok(agents.has("first") && agents.has("after-delete"), "our copy has the history");
      } finally {
        old.close();
      }

      // 3. Replaced by a symlink: the link's target is never written; writes wait in memory.
      const target = `${box.dir}/target`;
      await Deno.writeTextFile(target, "precious");
      await Deno.chmod(target, 0o644);
      await Deno.rename(db, `${db}.real`);
      await Deno.symlink(target, db);
      await addShellAgent(box.socket, "while-symlinked");
      await waitFor(async () => ((await beat(box))?.storeQueued ?? 0) > 0, {
        timeoutMs: 10_000,
        what: "history queued while the database is a symlink",
      });
      assert.equal(await Deno.readTextFile(target), "precious");
      assert.equal((await Deno.stat(target)).mode! & 0o777, 0o644, "target not chmod'ed");
      await Deno.remove(db);
      await Deno.rename(`${db}.real`, db);
      await waitFor(() => {
        try {
          return transitionsIn(box.dir).some((e) => e.agent === "while-symlinked");
        } catch {
          return false;
        }
      }, { timeoutMs: 10_000, what: "the queued history once the path is a file again" });
      console.log(
        `    deleted: history restored and new rows written ${deleteMs.toFixed(0)} ms later; ` +
          `replaced: fresh database in use ${replaceMs.toFixed(0)} ms later, old copy kept; ` +
          `symlinked: target untouched, queued rows written after the fix`,
      );
    } catch (error) {
      await withLog(monitor, error);
    }
    await stopChild(monitor);
  } finally {
    await box.cleanup();
  }
});

Deno.test("a symlinked database or -wal at start: refused in one line, the target untouched", async () => {
  for (const suffix of ["", "-wal"]) {
    const box = await Sandbox.create();
    try {
      const target = `${box.dir}/target`;
      await Deno.writeTextFile(target, "precious");
      await Deno.chmod(target, 0o644);
      await Deno.symlink(target, `${box.dir}/tmux-orc.db${suffix}`);
      const r = await box.cli(["monitor", "--once"]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr.trim(), /^tmux-orc: Refusing a symlinked database file: \S+$/m);
      assert.equal(await Deno.readTextFile(target), "precious");
      assert.equal((await Deno.stat(target)).mode! & 0o777, 0o644);
    } finally {
      await box.cleanup();
    }
  }
});

Deno.test("send delivers a 100,000-character message into a pane running cat", async () => {
  const box = await Sandbox.create();
  try {
    const out = `${box.dir}/received.txt`;
    // Raw mode: the tty passes every byte on at once (canonical mode caps a line at 4 KiB).
    const made = await outsideTmux(box.socket, [
      "new-window",
      "-P",
      "-F",
      "#{pane_id}",
      "--",
      "sh",
      "-c",
      `stty raw -echo; exec cat > ${out}`,
    ]);
    assert.equal(made.code, 0, made.stderr);
    const pane = made.stdout.trim();
    await waitFor(async () => {
      const r = await outsideTmux(box.socket, [
        "display-message",
        "-p",
        "-t",
        pane,
        "#{pane_current_command}",
      ]);
      return r.stdout.trim() === "cat";
    }, { timeoutMs: 5000, what: "cat in the pane" });
    const line = "Übermäßig lange Nachricht — 'quoted' \"and\" $(not run) ; 😀 ";
    let message = "";
    for (let i = 0; message.length < 100_000; i++) message += `${i} ${line}\n`;
    message = message.slice(0, 99_999) + "!";
    assert.equal(message.length, 100_000);
    const t0 = performance.now();
    const r = await box.cli(["send", pane, message, "--no-verify", "--timeout", "20"]);
    const ms = performance.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    const expected = message.replaceAll("\n", "\r") + "\r";
    const got = await waitFor(async () => {
      const text = await Deno.readTextFile(out).catch(() => "");
      return text.length >= expected.length ? text : undefined;
    }, { timeoutMs: 10_000, what: "all of the message in the pane" });
    console.log(`    100,000 characters delivered intact in ${ms.toFixed(0)} ms`);
    assert.equal(got, expected);
  } finally {
    await box.cleanup();
  }
});

Deno.test("two monitors on one tmux server: the second stands by, takes over when the first dies", async () => {
  const box = await Sandbox.create();
  const other = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
  await Deno.chmod(other, 0o700);
  const second = ["--state-dir", other, "-L", box.socket];
  try {
    const a = box.spawn(["monitor", "--interval", "0.2"], { piped: true });
    await beatFrom(box, a.pid, 2);
    const argv = cliArgv(["monitor", "--interval", "0.2", ...second]);
    const b = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    box.track(b.pid);
    const standby = await waitFor(async () => {
      const beat = await readJson<Beat>(`${other}/heartbeat.json`);
      return beat?.pid === b.pid && beat.standby ? beat : undefined;
    }, { timeoutMs: 15_000, what: "the second monitor standing by" });
    assert.match(standby.standby!, new RegExp(`pid ${a.pid} .*state dir ${box.dir}`));
    // `status` of the standby says so (unhealthy: it watches nothing), in text and JSON.
    const status = await runCli(["monitor", "status", ...second]);
    assert.equal(status.code, 1, status.stdout);
    assert.match(status.stdout, /Problem: monitor stands by, watching nothing: .*pid \d+/);
    const json = JSON.parse((await runCli(["monitor", "status", "--json", ...second])).stdout);
    assert.match(json.monitor.standby, new RegExp(`pid ${a.pid}`));
    await addShellAgent(box.socket, "watched");
    await waitFor(() => transitionsIn(box.dir).some((e) => e.agent === "watched"), {
      timeoutMs: 10_000,
      what: "the owner recording the new agent",
    });
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(transitionsIn(other), [], "the standby monitor records nothing");

    // The owner is killed (no clean release): the standby takes over.
    signal(a.pid, "SIGKILL");
    await a.status;
    const t0 = performance.now();
    await waitFor(async () => {
      const beat = await readJson<Beat>(`${other}/heartbeat.json`);
      return beat?.pid === b.pid && !beat.standby && beat.agents >= 1;
    }, { timeoutMs: 15_000, what: "the standby taking over" });
    const takeoverMs = performance.now() - t0;
    await waitFor(() => transitionsIn(other).some((e) => e.agent === "watched"), {
      timeoutMs: 10_000,
      what: "the new owner watching the agent",
    });
    // A third monitor started now stands by for the second; a clean stop hands over at once.
    const c = box.spawn(["monitor", "--interval", "0.2"], { piped: true });
    await waitFor(async () => {
      const beat = await beat3(box);
      return beat?.pid === c.pid && beat.standby?.includes(`pid ${b.pid}`);
    }, { timeoutMs: 15_000, what: "the third monitor standing by" });
    const t1 = performance.now();
    signal(b.pid, "SIGTERM");
    await b.status;
    await waitFor(async () => {
      const beat = await beat3(box);
      return beat?.pid === c.pid && !beat.standby && beat.agents >= 1;
    }, { timeoutMs: 15_000, what: "the hand-over after a clean stop" });
    const handoverMs = performance.now() - t1;
    console.log(
      `    standby while the owner lives; takeover ${takeoverMs.toFixed(0)} ms after SIGKILL, ` +
        `${handoverMs.toFixed(0)} ms after a clean stop`,
    );
    await stopChild(c);
  } finally {
    await box.cleanup();
    await Deno.remove(other, { recursive: true }).catch(() => {});
  }
});

function beat3(box: Sandbox) {
  return readJson<Beat>(`${box.dir}/heartbeat.json`);
}

/** Deletes the state dir, or moves it aside and puts an empty one in its place. */
async function deleteOrReplace(dir: string, how: "deleted" | "replaced"): Promise<void> {
  if (how === "deleted") await Deno.remove(dir, { recursive: true });
  else {
    await Deno.rename(dir, `${dir}.old`);
    await Deno.mkdir(dir, { mode: 0o700 });
  }
}

/** The child's output once it exits; SIGKILL and an error if it has not within 10 s. */
async function exitWithin(
  child: Deno.ChildProcess,
  who: string,
  how: "deleted" | "replaced",
): Promise<Deno.CommandOutput> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return await Promise.race([
    child.output(),
    new Promise<never>((_, reject) =>
      timer = setTimeout(() => {
        signal(child.pid, "SIGKILL");
        reject(new Error(`${who} did not exit within 10 s of the state dir being ${how}`));
      }, 10_000)
    ),
  ]).finally(() => clearTimeout(timer));
}

Deno.test("the state dir deleted or replaced under a running monitor: it says so and exits", async () => {
  for (const how of ["deleted", "replaced"] as const) {
    const box = await Sandbox.create();
    try {
      const monitor = box.spawn(["monitor", "--interval", "0.2"], { piped: true });
      await beatFrom(box, monitor.pid, 2);
      const t0 = performance.now();
      await deleteOrReplace(box.dir, how);
      const status = await exitWithin(monitor, `The monitor`, how);
      const ms = performance.now() - t0;
      const stderr = new TextDecoder().decode(status.stderr);
      console.log(
        `    state dir ${how}: monitor exited ${ms.toFixed(0)} ms later, code ${status.code}`,
      );
      assert.equal(status.code, 1);
      assert.match(stderr, new RegExp(`tmux-orc: State dir was ${how}.*; exiting`));
      if (how === "replaced") await Deno.remove(`${box.dir}.old`, { recursive: true });
    } finally {
      await box.cleanup();
    }
  }
});

Deno.test("the state dir deleted or replaced under a running supervisor: it stops its monitor and exits", async () => {
  for (const how of ["deleted", "replaced"] as const) {
    const box = await Sandbox.create();
    try {
      const supervisor = box.spawn(["supervise", ...FAST], { piped: true });
      const first = await waitFor(async () => {
        const beat = await box.heartbeat();
        return beat && beat.cycle >= 2 ? beat : undefined;
      }, { timeoutMs: 20_000, what: "the supervised monitor's heartbeat" });
      const monitorPid = first.pid;
      box.track(monitorPid);
      const t0 = performance.now();
      await deleteOrReplace(box.dir, how);
      const status = await exitWithin(supervisor, `The supervisor`, how);
      const ms = performance.now() - t0;
      const stderr = new TextDecoder().decode(status.stderr);
      console.log(
        `    state dir ${how}: supervisor exited ${ms.toFixed(0)} ms later, code ${status.code}, ` +
          `monitor ${pidAlive(monitorPid) ? "STILL RUNNING" : "gone"}`,
      );
      assert.equal(status.code, 1);
      assert.match(stderr, new RegExp(`tmux-orc: State dir was ${how}.*; exiting`));
      assert.equal(pidAlive(monitorPid), false, "the monitor outlived its supervisor");
      if (how === "replaced") {
        // Nothing of the old daemons was written into the new dir.
        assert.deepEqual([...Deno.readDirSync(box.dir)].map((e) => e.name), []);
        await Deno.remove(`${box.dir}.old`, { recursive: true });
      }
    } finally {
      await box.cleanup();
    }
  }
});

async function childrenOf(pid: number): Promise<number[]> {
  const out = await new Deno.Command("ps", { args: ["-o", "pid=", "--ppid", String(pid)] })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.trim()).filter(Boolean)
    .map(Number);
}

Deno.test("a catastrophic profile pattern: refused at load; forced in, cycles stay bounded and SIGTERM works", async () => {
  const box = await Sandbox.create();
  try {
    await Deno.writeTextFile(
      `${box.dir}/profiles.json`,
      JSON.stringify({ claude: { busy: ["...", "^(a+)+$"] } }),
    );
    const refused = await box.cli(["monitor", "--once"]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr.trim(),
      /^tmux-orc: Invalid profiles file: .*busy\[\d+\] could take exponential time .*nested quantifiers/,
    );

    // Past the check (test switch): 40 'a' and a '!' would take forever to match (2^40 paths;
    // short enough that detection's line bound keeps the '!').
    const line = "a".repeat(40) + "!";
    const made = await outsideTmux(box.socket, [
      "new-window",
      "-P",
      "-F",
      "#{pane_id}",
      "--",
      "sh",
      "-c",
      `printf '%s\\n' '${line}'; exec cat`,
    ]);
    assert.equal(made.code, 0, made.stderr);
    const pane = made.stdout.trim();
    const reg = await box.cli(
      ["agent", "register", pane, "--name", "slow", "--profile", "claude"],
      {
        TMUX_ORC_TEST_ALLOW_UNSAFE_PATTERNS: "1",
      },
    );
    assert.equal(reg.code, 0, reg.stderr);
    await addShellAgent(box.socket, "other");
    const monitor = box.spawn(["monitor", "--interval", "0.2"], {
      piped: true,
      env: { TMUX_ORC_TEST_ALLOW_UNSAFE_PATTERNS: "1" },
    });
    try {
      const first = await beatFrom(box, monitor.pid, 1, 20_000);
      const later = await beatFrom(box, monitor.pid, first.cycle + 3, 20_000);
      const cycleMs = (later as Beat & { cycleMs: number }).cycleMs;
      assert.ok(later.agents >= 2, `both agents watched: ${later.agents}`);
      // The other agent is still classified (the slow one goes last and times out alone).
      await waitFor(() => transitionsIn(box.dir).some((e) => e.agent === "other"), {
        timeoutMs: 10_000,
        what: "the other agent classified",
      });
      // New output on the slow pane: the next cycle is stuck in the pattern; SIGTERM then.
      const typed = await outsideTmux(box.socket, ["send-keys", "-t", pane, "-l", line]);
      assert.equal(typed.code, 0, typed.stderr);
      await outsideTmux(box.socket, ["send-keys", "-t", pane, "Enter"]);
      await new Promise((r) => setTimeout(r, 700));
      const children = await childrenOf(monitor.pid);
      for (const pid of children) box.track(pid);
      assert.ok(children.length >= 2, "the detection child and the tmux client run");
      const t0 = performance.now();
      signal(monitor.pid, "SIGTERM");
      const status = await monitor.status;
      const exitMs = performance.now() - t0;
      console.log(
        `    catastrophic pattern: last cycle ${cycleMs.toFixed(0)} ms (budget 2000), ` +
          `SIGTERM obeyed in ${exitMs.toFixed(0)} ms, exit ${status.code}, ` +
          `${children.length} child processes (detection, tmux client), none left`,
      );
      assert.equal(status.code, 0);
      assert.ok(exitMs < 1000, `exit took ${exitMs} ms`);
      await new Promise((r) => setTimeout(r, 600));
      assert.deepEqual(children.filter(pidAlive), [], "no detection child left running");
      const log = new TextDecoder().decode((await monitor.output()).stderr);
      assert.match(log, /Detection for %\d+ \(profile claude\) ran past the cycle's 2000 ms/);
    } catch (error) {
      await withLog(monitor, error);
    }
  } finally {
    await box.cleanup();
  }
});
