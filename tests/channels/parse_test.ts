/**
 * `[[channels]]` validation: every type parsed with its defaults, secrets resolved (and
 * redacted), and each bad table refused with one line naming the file, line and key — never the
 * secret.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseChannels } from "../../src/channels/parse.ts";
import { ConfigError, parseConfigText, redact } from "../../src/config/mod.ts";

function config(text: string) {
  return parseConfigText(text, { path: "/etc/c.toml" });
}

async function refusal(text: string): Promise<string> {
  try {
    await parseChannels(config(text));
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.ok(!(error as Error).message.includes("\n"), "one line");
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

Deno.test("channels: every type parses, with defaults; a pm channel is always there", async () => {
  const channels = await parseChannels(config(`
[[channels]]
type = "webhook"
name = "hook"
url = "http://127.0.0.1:9/hook"
secret = "hmac-key-1"
states = ["crashed"]
agents = ["back*"]
sessions = ["prod-?"]
min_duration = "10m"

[[channels]]
type = "slack"
url = "https://hooks.slack.com/services/T/B/x"
escalate_after = "15m"

[[channels]]
type = "discord"
url = "https://discord.com/api/webhooks/1/x"

[[channels]]
type = "teams"
url = "https://example.webhook.office.com/x"
enabled = false

[[channels]]
type = "ntfy"
url = "https://ntfy.sh/my-topic"
priority = "urgent"

[[channels]]
type = "exec"
command = ["/usr/bin/logger", "-t", "tmux-orc"]
timeout = 3
max_tries = 3
backoff = "1s"
backoff_max = "10s"
`));
  assert.deepEqual(channels.map((c) => `${c.name}:${c.type}:${c.enabled}`), [
    "hook:webhook:true",
    "slack:slack:true",
    "discord:discord:true",
    "teams:teams:false",
    "ntfy:ntfy:true",
    "exec:exec:true",
    "pm:pm:true",
  ]);
  const [hook, slack, , , ntfy, exec] = channels;
  assert.deepEqual([...hook.filter.states], ["crashed"]);
  assert.equal(hook.minDurationMs, 600_000);
  assert.equal(hook.secret, "hmac-key-1");
  assert.ok(hook.filter.agents[0].test("backend") && !hook.filter.agents[0].test("frontend"));
  assert.ok(hook.filter.sessions[0].test("prod-1") && !hook.filter.sessions[0].test("prod-12"));
  assert.equal(slack.escalateAfterMs, 900_000);
  // An escalation channel hears about every state but active by default; a direct one less.
  assert.deepEqual([...slack.filter.states].sort(), [
    "crashed",
    "error",
    "idle",
    "rate_limited",
    "stuck_input",
    "unknown",
    "waiting",
  ]);
  assert.deepEqual([...channels[2].filter.states].sort(), [
    "crashed",
    "error",
    "rate_limited",
    "unknown",
    "waiting",
  ]);
  assert.equal(slack.resolved, true);
  assert.equal(ntfy.priority, "urgent");
  assert.deepEqual(channels.map((c) => c.digestOver), [0, 5, 5, 5, 5, 0, 0]);
  assert.deepEqual(exec.command, ["/usr/bin/logger", "-t", "tmux-orc"]);
  assert.deepEqual(exec.retry, { maxTries: 3, backoffMs: 1000, backoffMaxMs: 10_000 });
  assert.equal(exec.timeoutMs, 3000);
  assert.equal(slack.timeoutMs, 10_000);
});

Deno.test("channels: no [[channels]] is just the default pm channel; pm can be turned off", async () => {
  assert.deepEqual((await parseChannels(config(""))).map((c) => [c.type, c.enabled]), [[
    "pm",
    true,
  ]]);
  const off = await parseChannels(config('[[channels]]\ntype = "pm"\nenabled = false\n'));
  assert.deepEqual(off.map((c) => [c.type, c.enabled]), [["pm", false]]);
});

Deno.test("channels: bad tables are one line with file, line and key", async () => {
  const cases: [string, RegExp][] = [
    [
      '[[channels]]\ntype = "pager"\n',
      /^Bad config file \/etc\/c\.toml:2: channels\[0\]\.type: unknown channel type "pager"/,
    ],
    ['[[channels]]\nname = "x"\n', /c\.toml:1: channels\[0\]\.type: missing/],
    ['[[channels]]\ntype = "slack"\n', /channels\[0\]\.url: missing/],
    [
      '[[channels]]\ntype = "slack"\nurl = "ftp://x/y"\n',
      /c\.toml:3: channels\[0\]\.url: expected an http/,
    ],
    [
      '[[channels]]\ntype = "slack"\nurl = "https://x/y"\nescalate_afer = "5m"\n',
      /c\.toml:4: channels\[0\]\.escalate_afer: unknown key/,
    ],
    [
      '[[channels]]\ntype = "ntfy"\nurl = "https://x/y"\nmin_duration = -10\n',
      /min_duration: expected seconds or a duration/,
    ],
    [
      '[[channels]]\ntype = "ntfy"\nurl = "https://x/y"\nmin_duration = "10 minutes"\n',
      /min_duration: "10 minutes" is not a duration/,
    ],
    [
      '[[channels]]\ntype = "ntfy"\nurl = "https://x/y"\nstates = ["sleeping"]\n',
      /states: unknown state "sleeping"/,
    ],
    [
      '[[channels]]\ntype = "ntfy"\nurl = "https://x/y"\npriority = "loud"\n',
      /priority: expected one of/,
    ],
    [
      '[[channels]]\ntype = "exec"\ncommand = "notify-send hi"\n',
      /command: expected a list of strings/,
    ],
    ['[[channels]]\ntype = "exec"\ncommand = []\n', /command: missing/],
    [
      '[[channels]]\ntype = "exec"\ncommand = ["x"]\nmax_tries = 0\n',
      /max_tries: expected a whole number from 1/,
    ],
    [
      '[[channels]]\ntype = "exec"\ncommand = ["x"]\nbackoff = "10s"\nbackoff_max = "1s"\n',
      /backoff_max: expected at least as long as backoff/,
    ],
    ['[[channels]]\ntype = "pm"\nescalate_after = "1m"\n', /escalate_after: unknown key/],
    [
      '[[channels]]\ntype = "exec"\ncommand = ["x"]\n[[channels]]\ntype = "exec"\ncommand = ["y"]\n',
      /c\.toml:4: channels\[1\]\.name: another channel is named "exec"/,
    ],
    [
      '[[channels]]\ntype = "exec"\nname = "bad name!"\ncommand = ["x"]\n',
      /name: expected letters/,
    ],
    ["channels = 3\n", /channels: expected \[\[channels\]\] tables/],
  ];
  for (const [text, pattern] of cases) {
    const message = await refusal(text);
    assert.match(message, pattern, text);
  }
});

Deno.test("channels: secrets from env and 0600 files; refusals never show the secret", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "slack-url");
    await Deno.writeTextFile(file, "https://hooks.slack.com/services/T0/B0/filesecret123\n");
    await Deno.chmod(file, 0o600);
    Deno.env.set("TMUX_ORC_TEST_NTFY_TOKEN", "tk_envsecret456");
    const channels = await parseChannels(config(`
[[channels]]
type = "slack"
url = "file:${file}"
[[channels]]
type = "ntfy"
url = "http://127.0.0.1:1/topic"
token = "env:TMUX_ORC_TEST_NTFY_TOKEN"
`));
    assert.equal(channels[0].url, "https://hooks.slack.com/services/T0/B0/filesecret123");
    assert.equal(channels[1].token, "tk_envsecret456");
    assert.equal(
      redact("POST https://hooks.slack.com/services/T0/B0/filesecret123 with tk_envsecret456"),
      "POST [redacted] with [redacted]",
    );
    await Deno.chmod(file, 0o644);
    const loose = await refusal(`[[channels]]\ntype = "slack"\nurl = "file:${file}"\n`);
    assert.match(loose, /c\.toml:3: channels\[0\]\.url: /);
    assert.ok(!loose.includes("filesecret123"), loose);
    const notUrl = await refusal(
      '[[channels]]\ntype = "webhook"\nurl = "env:TMUX_ORC_TEST_NTFY_TOKEN"\n',
    );
    assert.match(notUrl, /url: expected an http/);
    assert.ok(!notUrl.includes("tk_envsecret456"), notUrl);
    const unset = await refusal(
      '[[channels]]\ntype = "slack"\nurl = "env:TMUX_ORC_TEST_UNSET_X"\n',
    );
    assert.match(unset, /c\.toml:3: channels\[0\]\.url: .*TMUX_ORC_TEST_UNSET_X/);
  } finally {
    Deno.env.delete("TMUX_ORC_TEST_NTFY_TOKEN");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's channel examples are a valid config file", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## Notification channels"));
  const block = section.match(/```toml\n([\s\S]*?)```/);
  assert.ok(block, "a toml block in the Notification channels section");
  const names = [
    "TMUX_ORC_HOOK_URL",
    "TMUX_ORC_HOOK_TOKEN",
    "TMUX_ORC_HOOK_HMAC",
    "TMUX_ORC_SLACK_URL",
    "TMUX_ORC_DISCORD_URL",
    "TMUX_ORC_TEAMS_URL",
    "TMUX_ORC_NTFY_TOKEN",
  ];
  for (const name of names) Deno.env.set(name, `https://example.invalid/${name.toLowerCase()}`);
  try {
    const channels = await parseChannels(config(block[1]));
    assert.deepEqual(channels.map((c) => c.type), [
      "webhook",
      "slack",
      "discord",
      "teams",
      "ntfy",
      "exec",
      "pm",
    ]);
  } finally {
    for (const name of names) Deno.env.delete(name);
  }
});
