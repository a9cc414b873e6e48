/**
 * The config file through the real CLI: every bad file is one line naming the file, line and key
 * with exit 1 (from `config check` and from a daemon refusing to start); flags win over the file;
 * the supervised monitor child runs with the same effective options.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pidAlive, runCli, tempStateDir, waitFor } from "../helpers/mod.ts";
import { Sandbox } from "../helpers/sandbox.ts";

function assertOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0], /^tmux-orc: Bad config file /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /\bat .*\.ts:\d+|Stack backtrace|Uncaught/);
}

async function writeConfig(dir: string, name: string, text: string, mode = 0o600) {
  const path = join(dir, name);
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
  return path;
}

/** name, file text (or a setup returning the path), the error line's expected tail. */
const BAD: [string, (dir: string) => Promise<string>, (path: string) => RegExp][] = [
  [
    "syntax error",
    (d) => writeConfig(d, "syntax.toml", "[monitor]\ninterval = 2\nidle_after = [1,\n"),
    (p) => new RegExp(`${p}:\\d+:\\d+: invalid TOML: `),
  ],
  [
    "unknown key",
    (d) => writeConfig(d, "unknown.toml", "# c\n[monitor]\nintervl = 2\n"),
    (p) => new RegExp(`${p}:3: monitor\\.intervl: unknown key \\(did you mean 'interval'\\?\\)$`),
  ],
  [
    "unknown section",
    (d) => writeConfig(d, "section.toml", "[monitor]\ninterval = 2\n\n[supervisor]\n"),
    (p) => new RegExp(`${p}:4: supervisor: unknown key \\(did you mean 'supervise'\\?\\)$`),
  ],
  [
    "wrong type",
    (d) => writeConfig(d, "type.toml", '[monitor]\nnotify = "no"\n'),
    (p) => new RegExp(`${p}:2: monitor\\.notify: expected true or false, got a string$`),
  ],
  [
    "out-of-range value",
    (d) => writeConfig(d, "range.toml", "[supervise]\nheartbeat_timeout = 0.5\n"),
    (p) =>
      new RegExp(
        `${p}:2: supervise\\.heartbeat_timeout: expected seconds from 1 to 86400, got '0.5'$`,
      ),
  ],
  [
    "missing --config file",
    (d) => Promise.resolve(join(d, "missing.toml")),
    (p) => new RegExp(`${p}: no such file$`),
  ],
  [
    "symlinked config",
    async (d) => {
      const real = await writeConfig(d, "real.toml", "[monitor]\ninterval = 2\n");
      await Deno.symlink(real, join(d, "link.toml"));
      return join(d, "link.toml");
    },
    (p) => new RegExp(`${p}: refusing a symlink`),
  ],
  [
    "group-writable config",
    (d) => writeConfig(d, "open.toml", "[monitor]\ninterval = 2\n", 0o664),
    (p) => new RegExp(`${p}: mode 0664 is too open: run chmod go-w on it$`),
  ],
];

for (const [name, setup, pattern] of BAD) {
  Deno.test(`bad config (${name}): config check and monitor --once → exit 1, one line`, async () => {
    const { dir, cleanup } = await tempStateDir();
    try {
      const path = await setup(dir);
      for (const command of [["config", "check"], ["monitor", "--once"]]) {
        const r = await runCli([...command, "--config", path, "--state-dir", dir]);
        assert.equal(r.code, 1, `${command.join(" ")}: ${r.stderr}`);
        assertOneLine(r.stderr, pattern(path));
        assert.equal(r.stdout, "");
      }
    } finally {
      await cleanup();
    }
  });
}

Deno.test("config check: ok for a good file, found at the default path too", async () => {
  const { dir, cleanup } = await tempStateDir();
  try {
    await Deno.mkdir(join(dir, "tmux-orc"));
    const path = await writeConfig(
      join(dir, "tmux-orc"),
      "config.toml",
      "[monitor]\ninterval = 2\nnotify = false\n[supervise]\nmax_restarts = 3\n",
    );
    const env = { XDG_CONFIG_HOME: dir };
    const r = await runCli(["config", "check"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `ok: ${path}\n`);
    assert.equal(r.stderr, "");
    const where = await runCli(["config", "path"], { env });
    assert.equal(where.stdout, `${path}\n`);
    await Deno.remove(path);
    const none = await runCli(["config", "check"], { env });
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^No config file: .*config\.toml \(the defaults apply\)\n$/);
  } finally {
    await cleanup();
  }
});

Deno.test("a bad flag is a usage error (exit 2) even when the file is bad too", async () => {
  const { dir, cleanup } = await tempStateDir();
  try {
    const path = await writeConfig(dir, "bad.toml", "[monitor]\ninterval = 0\n");
    const r = await runCli(["monitor", "--once", "--interval", "0", "--config", path]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^tmux-orc: Invalid value for --interval: /);
  } finally {
    await cleanup();
  }
});

function cmdline(pid: number): string[] {
  return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").filter((a) => a !== "");
}

function valueAfter(argv: string[], flag: string): string | undefined {
  // The last: deno run has a --config of its own before the script.
  const i = argv.lastIndexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
}

Deno.test("monitor start --supervised: flags win, the file fills in, the child gets both", async () => {
  const box = await Sandbox.create();
  try {
    const path = await writeConfig(
      box.dir,
      "config.toml",
      "[monitor]\ninterval = 7\nnotify_cooldown = 42\nnotify = false\n" +
        "[supervise]\ncheck_interval = 0.3\nheartbeat_timeout = 2\nstop_timeout = 1\n",
    );
    const r = await box.cli([
      "monitor",
      "start",
      "--supervised",
      "--config",
      path,
      "--interval",
      "0.2",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Check interval: 0\.2 seconds$/m);
    const monitorPid = await box.pidOf("monitor");
    const supervisorPid = await box.pidOf("supervisor");
    assert.ok(monitorPid && supervisorPid);
    const child = cmdline(monitorPid);
    assert.equal(valueAfter(child, "--interval"), "0.2", child.join(" "));
    assert.equal(valueAfter(child, "--notify-cooldown"), "42", child.join(" "));
    assert.ok(child.includes("--no-notify"), child.join(" "));
    assert.equal(valueAfter(child, "--config"), path);
    const supervisor = cmdline(supervisorPid);
    assert.equal(valueAfter(supervisor, "--check-interval"), "0.3", supervisor.join(" "));
    const status = await waitFor(async () => {
      const s = await box.cli(["monitor", "status", "--json"]);
      const report = JSON.parse(s.stdout);
      return report.monitor.interval_s !== null ? report : undefined;
    }, { timeoutMs: 10_000, everyMs: 100, what: "a monitor heartbeat" });
    assert.equal(status.monitor.interval_s, 0.2);
    const stop = await box.cli(["monitor", "stop"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(!pidAlive(monitorPid) && !pidAlive(supervisorPid));
  } finally {
    await box.cleanup();
  }
});
