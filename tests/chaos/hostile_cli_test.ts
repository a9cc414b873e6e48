/**
 * Careless command lines: an empty value (an unset variable in a script) is refused for every
 * option — it never falls back to the default state dir and acts on the user's real daemon — and
 * a value full of newlines and escapes comes back in one inert error line.
 */
import assert from "node:assert/strict";
import { COMMANDS } from "../../src/cli/commands/mod.ts";
import { parseCommandLine } from "../../src/cli/parse.ts";
import { GLOBAL_OPTIONS } from "../../src/cli/spec.ts";
import { UsageError } from "../../src/state/errors.ts";
import { pidAlive, runCli } from "../helpers/mod.ts";
import { FAST, Sandbox } from "../helpers/sandbox.ts";

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0], pattern);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(stderr.trimEnd(), /[\x00-\x1f\x7f-\x9f]/, "no raw control character");
}

Deno.test("an empty --state-dir never reaches the daemon the default state dir names", async () => {
  const box = await Sandbox.create();
  // The "real" daemon: the one the default state dir (here: $TMUX_ORC_STATE_DIR) names.
  const env = { TMUX_ORC_STATE_DIR: box.dir };
  try {
    const start = await box.cli(["monitor", "start", "--supervised", ...FAST]);
    assert.equal(start.code, 0, start.stderr);
    const supervisor = (await box.pidOf("supervisor"))!;
    const monitor = (await box.pidOf("monitor"))!;
    let refused = 0;
    for (
      const args of [
        ["monitor", "stop", "--state-dir", ""],
        ["monitor", "stop", "--state-dir="],
        ["monitor", "stop", "--state-dir", " "],
        ["monitor", "status", "--state-dir", ""],
        ["monitor", "stop", "-L", ""],
        ["events", "--since", ""],
        ["events", "--agent", ""],
        ["agents", "--state-dir", ""],
      ]
    ) {
      const r = await runCli(args, { env });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assertOneLine(
        r.stderr,
        /^tmux-orc: Invalid value for --[a-z-]+: expected non-empty text, got ' ?'$/,
      );
      assert.equal(r.stdout, "");
      refused++;
    }
    assert.ok(pidAlive(supervisor) && pidAlive(monitor), "the real daemon is untouched");
    const status = await runCli(["monitor", "status", "--json"], { env });
    assert.equal(JSON.parse(status.stdout).monitor.pid, monitor);
    console.log(`    ${refused} empty values refused; supervisor and monitor still running`);
  } finally {
    await box.cli(["monitor", "stop"]);
    await box.cleanup();
  }
});

Deno.test("every string option of every command refuses an empty value", () => {
  let checked = 0;
  for (const command of COMMANDS) {
    const options = { ...GLOBAL_OPTIONS, ...command.options };
    for (const [name, spec] of Object.entries(options)) {
      if (spec.type !== "string") continue;
      const args = Array.from({ length: command.args?.min ?? 0 }, () => "x");
      assert.throws(
        () => parseCommandLine([...command.path, ...args, `--${name}`, ""], COMMANDS),
        (error) =>
          error instanceof UsageError &&
          error.message === `Invalid value for --${name}: expected non-empty text, got ''`,
        `tmux-orc ${command.path.join(" ")} --${name} ""`,
      );
      checked++;
    }
  }
  assert.ok(checked > 30, `only ${checked} options checked`);
  console.log(`    ${checked} (command, option) pairs refuse ""`);
});

Deno.test("events --since with newlines and escapes: one inert error line", async () => {
  const box = await Sandbox.create({ tmux: false });
  try {
    const r = await box.cli(["events", "--since", "1h\n\x1b[2J\x1b]0;owned\x07\rforged line"]);
    assert.equal(r.code, 2);
    assertOneLine(r.stderr, /^tmux-orc: Invalid value for --since: .*\\n\\x1b\[2J\\x1b\]0;owned/);
  } finally {
    await box.cleanup();
  }
});
