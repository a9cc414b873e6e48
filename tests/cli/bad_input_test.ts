/**
 * Bad input gets one clear line on stderr and a non-zero exit — never a stack trace.
 */
import assert from "node:assert/strict";
import { runCli, tempStateDir } from "../helpers/mod.ts";

function assertOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0], /^tmux-orc: [A-Z]/, "sentence case after the program name");
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /\bat .*\.ts:\d+|Stack backtrace|Uncaught/);
}

const cases: [string[], RegExp][] = [
  [["frobnicate"], /^tmux-orc: Unknown command: frobnicate/],
  [["monitor", "frob"], /Unknown command: monitor frob/],
  [["monitor", "--bogus"], /Unknown option: --bogus/],
  [["supervise", "--interval"], /Missing value for option: --interval/],
  [["monitor", "--interval", "0"], /Invalid value for --interval: .* got '0'/],
  [["monitor", "--interval", "-1"], /Invalid value for --interval: .* got '-1'/],
  [["monitor", "--interval", "abc"], /Invalid value for --interval: .* got 'abc'/],
  [["monitor", "--interval", "1e9"], /Invalid value for --interval/],
  [["supervise", "--heartbeat-timeout", "NaN"], /Invalid value for --heartbeat-timeout/],
  [["supervise", "--max-restarts", "2.5"], /Invalid value for --max-restarts/],
  [
    ["supervise", "--backoff-initial", "10", "--backoff-max", "5"],
    /--backoff-max: must not be less/,
  ],
  [["monitor", "stop", "--timeout", "-3"], /Invalid value for --timeout/],
  [["monitor", "logs", "-n", "x"], /Invalid value for --lines/],
  [["monitor", "status", "extra"], /Unexpected argument: extra/],
  [
    ["monitor", "start", "--max-restarts", "3", "--cooldown", "60"],
    /^tmux-orc: Invalid option: --max-restarts, --cooldown need --supervised/,
  ],
  [["monitor", "--unknown-after", "0"], /Invalid value for --unknown-after: .* got '0'/],
  [["supervise", "--notify-unknown-after", "x"], /Invalid value for --notify-unknown-after/],
  [["capture"], /Missing argument: TARGET/],
  [["capture", "%1", "--out", ""], /Invalid value for --out: expected non-empty text/],
  [["capture", "%1", "--out", "  "], /Invalid value for --out: expected non-empty text/],
  [["capture", "%1", "--out", "dir/"], /Invalid value for --out: expected a file name/],
  [
    ["supervise", "--metrics-listen", ":9479"],
    /Invalid value for --metrics-listen: give the address to listen on: 127\.0\.0\.1:9479/,
  ],
  [["monitor", "--metrics-listen", "example.com:9479"], /--metrics-listen: expected an IP/],
  [["monitor", "start", "--metrics-listen", "99999"], /--metrics-listen: port must be 0 to/],
];

for (const [args, pattern] of cases) {
  Deno.test(`bad input: tmux-orc ${args.join(" ")} → exit 2, one line`, async () => {
    const { dir, cleanup } = await tempStateDir();
    try {
      const r = await runCli([...args, "--state-dir", dir]);
      assert.equal(r.code, 2, r.stderr);
      assertOneLine(r.stderr, pattern);
      assert.equal(r.stdout, "");
    } finally {
      await cleanup();
    }
  });
}

Deno.test("a state dir that is a file is refused with a clear error", async () => {
  const file = await Deno.makeTempFile();
  try {
    const r = await runCli(["monitor", "--once", "--state-dir", file]);
    assert.equal(r.code, 1);
    assertOneLine(r.stderr, /State dir is not a directory: /);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a state dir that cannot be created is refused with a clear error", async () => {
  const file = await Deno.makeTempFile();
  try {
    const r = await runCli(["monitor", "--once", "--state-dir", `${file}/state`]);
    assert.equal(r.code, 1);
    assertOneLine(r.stderr, /Cannot (create|use) state dir: /);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a group- or world-writable state dir is refused", async () => {
  const { dir, cleanup } = await tempStateDir();
  try {
    await Deno.chmod(dir, 0o777);
    const r = await runCli(["monitor", "--once", "--state-dir", dir]);
    assert.equal(r.code, 1);
    assertOneLine(r.stderr, /State dir is group- or world-writable: .*chmod 700/);
  } finally {
    await cleanup();
  }
});

Deno.test("a new state dir is created with mode 0700, its files 0600", async () => {
  const { dir, cleanup } = await tempStateDir();
  try {
    const state = `${dir}/nested/state`;
    const r = await runCli([
      "monitor",
      "--once",
      "--state-dir",
      state,
      "-L",
      `tmux-orc-test-none-${crypto.randomUUID()}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await Deno.stat(state)).mode! & 0o777, 0o700);
    for await (const entry of Deno.readDir(state)) {
      const mode = (await Deno.stat(`${state}/${entry.name}`)).mode! & 0o777;
      assert.equal(mode, entry.isDirectory ? 0o700 : 0o600, entry.name);
    }
  } finally {
    await cleanup();
  }
});

Deno.test("--help and --version work on every command path", async () => {
  for (
    const args of [["--help"], ["monitor", "--help"], ["supervise", "-h"], [
      "monitor",
      "status",
      "--help",
    ]]
  ) {
    const r = await runCli(args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: tmux-orc/);
  }
  const v = await runCli(["--version"]);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^tmux-orc \d+\.\d+\.\d+ \(commit \S+/);
});
