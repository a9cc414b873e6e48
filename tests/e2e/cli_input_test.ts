/**
 * Bad input to the agent commands and monitor options: one clear line on stderr, non-zero exit,
 * never a stack trace.
 */
import assert from "node:assert/strict";
import { runCli, tempStateDir } from "../helpers/mod.ts";

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0], /^tmux-orc: [A-Z]/);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /\bat .*\.ts:\d+|Stack backtrace|Uncaught/);
}

const NO_SERVER = ["-L", "tmux-orc-test-none-input"];

const cases: [string[], number, RegExp][] = [
  [["agent"], 2, /Missing subcommand: register or unregister/],
  [["agent", "register"], 2, /Missing argument: TARGET/],
  [
    ["agent", "register", "%1", "--role", "boss"],
    2,
    /Invalid value for --role: expected agent or pm, got 'boss'/,
  ],
  [
    ["agent", "register", "%1", "--name", " "],
    2,
    /Invalid value for --name: expected non-empty text/,
  ],
  [
    ["agent", "register", "%1", "--profile", "nope"],
    2,
    /Invalid value for --profile: unknown profile 'nope' \(known: claude, codex, gemini, aider\)/,
  ],
  [
    ["agent", "register", "%1", "--command", "claude 'open"],
    2,
    /Invalid value for --command: Unterminated single quote/,
  ],
  [
    ["agent", "register", "%1", ...NO_SERVER],
    1,
    /No tmux server is running \(socket name tmux-orc-test-none-input\)/,
  ],
  [["agent", "unregister", "%1", ...NO_SERVER], 1, /No tmux server is running/],
  [["send", "%1"], 2, /Missing argument: TARGET MESSAGE/],
  [["send", "%1", " "], 2, /Invalid message: it is empty/],
  [["send", "%1", "hi", "--timeout", "0"], 2, /Invalid value for --timeout/],
  [["events", "--since", "yesterday"], 2, /Invalid value for --since: Cannot parse since/],
  [
    ["events", "--kind", "nope"],
    2,
    /Invalid value for --kind: expected one of transition, notification/,
  ],
  [["events", "-n", "x"], 2, /Invalid value for --lines/],
  [["agents", "extra"], 2, /Unexpected argument: extra/],
  [["monitor", "--idle-after", "0"], 2, /Invalid value for --idle-after: .* got '0'/],
  [["monitor", "--notify-cooldown", "abc"], 2, /Invalid value for --notify-cooldown/],
  [["monitor", "--resume-message", " "], 2, /Invalid value for --resume-message/],
  [["supervise", "--max-hold", "-5"], 2, /Invalid value for --max-hold/],
  [["monitor", "start", "--idle-after", "x"], 2, /Invalid value for --idle-after/],
];

for (const [args, code, pattern] of cases) {
  Deno.test(`bad input: tmux-orc ${args.join(" ")} → exit ${code}, one line`, async () => {
    const { dir, cleanup } = await tempStateDir();
    try {
      const r = await runCli([...args, "--state-dir", dir]);
      assert.equal(r.code, code, r.stderr);
      assertOneLine(r.stderr, pattern);
      assert.equal(r.stdout, "");
    } finally {
      await cleanup();
    }
  });
}

Deno.test("a bad profiles.json is one clear line for monitor and monitor start", async () => {
  const { dir, cleanup } = await tempStateDir();
  try {
    await Deno.writeTextFile(`${dir}/profiles.json`, `{ "claude": { "busy": ["(unclosed"] } }`);
    for (const args of [["monitor", "--once"], ["monitor", "start", "--supervised"]]) {
      const r = await runCli([...args, "--state-dir", dir, ...NO_SERVER]);
      assert.equal(r.code, 1, r.stderr);
      assertOneLine(
        r.stderr,
        /^tmux-orc: Invalid profiles file: .*profiles\.json: Invalid profile "claude": busy\[0\] is not a valid regular expression/,
      );
    }
    await Deno.writeTextFile(`${dir}/profiles.json`, "{ not json");
    const r = await runCli(["monitor", "--once", "--state-dir", dir, ...NO_SERVER]);
    assertOneLine(r.stderr, /^tmux-orc: Invalid profiles file: .*profiles\.json: /);
  } finally {
    await cleanup();
  }
});

Deno.test("agents and events before the monitor ever ran: empty, exit 0", async () => {
  const { dir, cleanup } = await tempStateDir();
  try {
    const json = await runCli(["agents", "--json", "--state-dir", dir]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), []);
    const table = await runCli(["agents", "--state-dir", dir]);
    assert.match(table.stdout, /^No agents yet: the monitor has not run/);
    const events = await runCli(["events", "--json", "--state-dir", dir]);
    assert.deepEqual(JSON.parse(events.stdout), []);
  } finally {
    await cleanup();
  }
});
