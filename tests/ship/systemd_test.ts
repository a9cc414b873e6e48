import assert from "node:assert/strict";
import { join } from "node:path";
import {
  quoteExecArg,
  renderEnvironment,
  renderExecStart,
  renderServiceUnit,
  START_LIMIT,
  timeoutStopSec,
  unitFilePath,
} from "../../src/ship/systemd.ts";
import { runCli } from "../helpers/mod.ts";
import { oneLine, onPath, runArgv } from "./helpers.ts";

/** Splits an ExecStart value the way systemd does (quotes, C escapes, `%%`, `$$`). */
function systemdSplit(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const unescape = (s: string) => s.replaceAll("%%", "%").replaceAll("$$", "$");
  while (i < line.length) {
    if (line[i] === " ") {
      i++;
      continue;
    }
    let word = "";
    if (line[i] === '"') {
      i++;
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error(`unbalanced quotes in ${line}`);
        if (line[i] === "\\") i++;
        word += line[i++];
      }
      i++;
    } else {
      while (i < line.length && line[i] !== " ") {
        if (line[i] === '"' || line[i] === "\\") throw new Error(`bare ${line[i]} in ${line}`);
        word += line[i++];
      }
    }
    words.push(unescape(word));
  }
  return words;
}

function section(unit: string, name: string): string {
  const start = unit.indexOf(`[${name}]`);
  assert.ok(start >= 0, `no [${name}] section`);
  const next = unit.indexOf("\n[", start + 1);
  return unit.slice(start, next < 0 ? undefined : next);
}

const AWKWARD = [
  "/opt/tmux orc/bin/tmux-orc",
  "supervise",
  "--state-dir",
  "/home/a b/state $HOME %h",
  'quote"s',
  "back\\slash",
  "it's",
  "",
  "plain-word_1.2:3,4=5+6@7",
];

Deno.test("quoteExecArg leaves plain words bare and quotes the rest", () => {
  assert.equal(quoteExecArg("supervise"), "supervise");
  assert.equal(quoteExecArg("--interval"), "--interval");
  assert.equal(quoteExecArg("/tmp/a b"), '"/tmp/a b"');
  assert.equal(quoteExecArg("50%"), "50%%");
  assert.equal(quoteExecArg("$HOME"), "$$HOME");
  assert.equal(quoteExecArg('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(quoteExecArg(""), '""');
  assert.throws(() => quoteExecArg("a\nb"), /control character/);
});

Deno.test("ExecStart splits back into the same argv by systemd's rules", () => {
  const line = renderExecStart(AWKWARD);
  assert.deepEqual(systemdSplit(line), AWKWARD);
  assert.throws(() => renderExecStart(["tmux-orc", "supervise"]), /absolute/);
});

Deno.test("Environment= quotes spaces and escapes quotes, backslashes and specifiers", () => {
  assert.equal(
    renderEnvironment("TMUX_ORC_STATE_DIR", '/srv/a b/"x"\\%h$y'),
    '"TMUX_ORC_STATE_DIR=/srv/a b/\\"x\\"\\\\%%h$y"',
  );
  assert.throws(() => renderEnvironment("BAD-NAME", "x"), /Invalid environment variable/);
});

Deno.test("user unit: restart policy, start limit in [Unit], mixed kill mode, default.target", () => {
  const unit = renderServiceUnit(["/usr/local/bin/tmux-orc", "supervise", "--interval", "5"], {
    scope: "user",
    stopTimeoutSec: 3,
    environment: { TMUX_ORC_STATE_DIR: "/home/me/my state" },
  });
  const unitSection = section(unit, "Unit");
  const service = section(unit, "Service");
  assert.match(unitSection, new RegExp(`^StartLimitIntervalSec=${START_LIMIT.intervalSec}$`, "m"));
  assert.match(unitSection, new RegExp(`^StartLimitBurst=${START_LIMIT.burst}$`, "m"));
  assert.doesNotMatch(service, /StartLimit/);
  assert.match(service, /^ExecStart=\/usr\/local\/bin\/tmux-orc supervise --interval 5$/m);
  assert.match(service, /^Restart=always$/m);
  assert.match(service, /^RestartSec=5$/m);
  assert.match(service, /^KillMode=mixed$/m);
  assert.match(service, /^TimeoutStopSec=13$/m);
  assert.match(service, /^Environment="TMUX_ORC_STATE_DIR=\/home\/me\/my state"$/m);
  assert.doesNotMatch(service, /^User=/m);
  assert.match(section(unit, "Install"), /^WantedBy=default\.target$/m);
});

Deno.test("system unit: multi-user.target, User=, StateDirectory=", () => {
  const unit = renderServiceUnit(["/usr/bin/tmux-orc", "supervise"], {
    scope: "system",
    stopTimeoutSec: 30.5,
    runAs: "agents",
    stateDirectory: true,
    environment: { TMUX_ORC_STATE_DIR: "/var/lib/tmux-orc" },
  });
  assert.match(unit, /^WantedBy=multi-user\.target$/m);
  assert.match(unit, /^User=agents$/m);
  assert.match(unit, /^StateDirectory=tmux-orc$/m);
  assert.match(unit, /^StateDirectoryMode=0700$/m);
  assert.ok(timeoutStopSec(30.5) > 30.5);
  assert.match(unit, /^TimeoutStopSec=41$/m);
  assert.throws(
    () => renderServiceUnit(["/x"], { scope: "user", stopTimeoutSec: 3, runAs: "a" }),
    /system units/,
  );
});

Deno.test("unit file paths: XDG_CONFIG_HOME, ~/.config, /etc", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(
    unitFilePath("user", env({ XDG_CONFIG_HOME: "/x/cfg", HOME: "/home/me" })),
    "/x/cfg/systemd/user/tmux-orc.service",
  );
  assert.equal(
    unitFilePath("user", env({ HOME: "/home/me" })),
    "/home/me/.config/systemd/user/tmux-orc.service",
  );
  assert.equal(unitFilePath("system", env({})), "/etc/systemd/system/tmux-orc.service");
  assert.throws(() => unitFilePath("user", env({})), /HOME/);
});

const hasAnalyze = onPath("systemd-analyze");

Deno.test({
  name: hasAnalyze
    ? "systemd-analyze verify accepts the rendered units (state dir with spaces)"
    : "SKIPPED: systemd-analyze verify (systemd-analyze is not installed)",
  ignore: !hasAnalyze,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      for (const scope of ["user", "system"] as const) {
        const stateDir = join(dir, "state dir with spaces");
        const unit = renderServiceUnit(
          [Deno.execPath(), "run", "/opt/my app/main.ts", "supervise", "-S", "/tmp/s $x %h"],
          {
            scope,
            stopTimeoutSec: 3,
            environment: { TMUX_ORC_STATE_DIR: stateDir },
            stateDirectory: scope === "system",
          },
        );
        const path = join(dir, "tmux-orc.service");
        await Deno.writeTextFile(path, unit);
        const out = await runArgv(["systemd-analyze", "verify", path]);
        assert.equal(out.code, 0, `${scope} unit:\n${unit}\n${out.stderr}`);
        assert.doesNotMatch(out.stderr, /tmux-orc\.service:\d+:/, out.stderr);
      }
      // The check can fail: a unit with broken quoting is refused.
      const bad = join(dir, "tmux-orc.service");
      await Deno.writeTextFile(bad, `[Service]\nExecStart=${Deno.execPath()} "unbalanced\n`);
      assert.notEqual((await runArgv(["systemd-analyze", "verify", bad])).code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("service install --print shows the unit for the given flags and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await runCli(
      [
        "service",
        "install",
        "--user",
        "--print",
        "--state-dir",
        join(dir, "my state"),
        "-L",
        "agents",
        "--interval",
        "2",
        "--stop-timeout",
        "20",
        "--metrics-listen",
        "0.0.0.0:9479",
      ],
      { env: { XDG_CONFIG_HOME: dir } },
    );
    assert.equal(out.code, 0, out.stderr);
    const exec = out.stdout.match(/^ExecStart=(.*)$/m)?.[1];
    assert.ok(exec, out.stdout);
    const argv = systemdSplit(exec);
    assert.equal(argv[0], Deno.execPath());
    assert.deepEqual(argv.slice(argv.indexOf("supervise")), [
      "supervise",
      "-L",
      "agents",
      "--interval",
      "2",
      "--stop-timeout",
      "20",
      "--metrics-listen",
      "0.0.0.0:9479",
    ]);
    assert.ok(argv.includes("--allow-run"), "deno run gets the permission flags");
    assert.ok(argv.includes("--allow-net"), "and net, for the metrics endpoint");
    assert.match(out.stdout, /^TimeoutStopSec=30$/m);
    assert.ok(out.stdout.includes(`Environment="TMUX_ORC_STATE_DIR=${dir}/my state"`));
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("service install --user writes the unit atomically; uninstall removes it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = { XDG_CONFIG_HOME: dir, PATH: join(dir, "no-bin") };
    const install = await runCli(["service", "install", "--user", "--interval", "3"], { env });
    assert.equal(install.code, 0, install.stderr);
    const unitDir = join(dir, "systemd", "user");
    assert.deepEqual([...Deno.readDirSync(unitDir)].map((e) => e.name), ["tmux-orc.service"]);
    const path = join(unitDir, "tmux-orc.service");
    const text = await Deno.readTextFile(path);
    assert.match(text, /^ExecStart=.* supervise --interval 3$/m);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o644);
    assert.match(install.stdout, /systemctl --user enable --now tmux-orc\.service/);

    const uninstall = await runCli(["service", "uninstall", "--user"], { env });
    assert.equal(uninstall.code, 0, uninstall.stderr);
    assert.match(uninstall.stdout, /systemctl/);
    assert.deepEqual([...Deno.readDirSync(unitDir)], []);
    const again = await runCli(["service", "uninstall", "--user"], { env });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Nothing to uninstall/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("service status without systemctl, and bad service flags: one line, non-zero", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const status = await runCli(["service", "status", "--user"], {
      env: { PATH: join(dir, "no-bin") },
    });
    assert.equal(status.code, 1);
    assert.match(oneLine(status.stderr), /^tmux-orc: Cannot run systemctl: it is not installed/);

    const bad = await runCli(["service", "install", "--print", "--interval", "-1"]);
    assert.equal(bad.code, 2);
    assert.match(oneLine(bad.stderr), /Invalid value for --interval/);

    const runAs = await runCli(["service", "install", "--user", "--print", "--run-as", "x"]);
    assert.equal(runAs.code, 2);
    assert.match(oneLine(runAs.stderr), /--run-as is for system units/);

    const group = await runCli(["service"]);
    assert.equal(group.code, 2);
    assert.match(oneLine(group.stderr), /Missing subcommand/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
