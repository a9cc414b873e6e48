/**
 * `tmux-orc notify test [CHANNEL]` and `tmux-orc config check` on channels, as real processes
 * against a real HTTP server on 127.0.0.1: a result line per channel, exit 1 when one failed,
 * one clear line for a bad channel table, and no secret in any output.
 */
import assert from "node:assert/strict";
import { runCli, tempStateDir } from "../helpers/mod.ts";
import { TestServer } from "./http_server.ts";

async function withConfig(
  toml: string,
  fn: (args: (more: string[]) => string[]) => Promise<void>,
): Promise<void> {
  const { dir, cleanup } = await tempStateDir();
  try {
    const path = `${dir}/config.toml`;
    await Deno.writeTextFile(path, toml);
    await Deno.chmod(path, 0o600);
    await fn((more) => [...more, "--config", path, "--state-dir", dir]);
  } finally {
    await cleanup();
  }
}

Deno.test("notify test: one line per channel; exit 1 when any failed; a named channel alone", async () => {
  const server = new TestServer();
  server.respond = (q) => q.path === "/bad" ? { status: 500 } : { status: 200 };
  const env = { TMUX_ORC_TEST_TOKEN: "tok-supersecret-42" };
  try {
    await withConfig(
      `
[[channels]]
type = "ntfy"
name = "phone"
url = "${server.url("/alerts")}"
token = "env:TMUX_ORC_TEST_TOKEN"
[[channels]]
type = "webhook"
name = "broken"
url = "${server.url("/bad")}"
[[channels]]
type = "slack"
name = "off"
enabled = false
url = "${server.url("/off")}"
`,
      async (args) => {
        const all = await runCli(args(["notify", "test"]), { env });
        assert.equal(all.code, 1, all.stderr);
        const lines = all.stdout.trim().split("\n");
        assert.equal(lines.length, 2, all.stdout);
        assert.match(lines[0], /^✓ phone \(ntfy\): delivered in \d+ ms, HTTP 200$/);
        assert.match(lines[1], /^✗ broken \(webhook\): HTTP 500 Internal Server Error \(\d+ ms\)$/);
        const ntfy = server.received.find((q) => q.path === "/alerts")!;
        assert.equal(ntfy.headers.get("tags"), "test_tube");
        assert.equal(ntfy.headers.get("authorization"), "Bearer tok-supersecret-42");
        assert.match(ntfy.body, /Test notice from .* through channel phone \(ntfy\)/);
        assert.ok(!server.received.some((q) => q.path === "/off"), "disabled: not tested");

        const one = await runCli(args(["notify", "test", "phone", "--json"]), { env });
        assert.equal(one.code, 0, one.stderr);
        const json = JSON.parse(one.stdout);
        assert.deepEqual(json.map((r: { channel: string; ok: boolean }) => [r.channel, r.ok]), [[
          "phone",
          true,
        ]]);
        const named = await runCli(args(["notify", "test", "off"]), { env });
        assert.equal(named.code, 0, "a disabled channel can be tested by name");

        const unknown = await runCli(args(["notify", "test", "nope"]), { env });
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /Unknown channel: nope \(channels: phone, broken, off\)/);
        for (const r of [all, one, named, unknown]) {
          assert.ok(!(r.stdout + r.stderr).includes("supersecret"), r.stdout + r.stderr);
        }
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("config check and notify test refuse a bad channel table in one line, no secret", async () => {
  const env = { TMUX_ORC_TEST_URL: "https://hooks.example/T/B/xyzzy-secret-99" };
  await withConfig(
    `
[[channels]]
type = "discord"
url = "env:TMUX_ORC_TEST_URL"
[[channels]]
type = "slack"
url = "env:TMUX_ORC_TEST_URL"
escalate_afer = "10m"
`,
    async (args) => {
      for (const command of [["config", "check"], ["notify", "test"], ["monitor", "--once"]]) {
        const r = await runCli(args(command), { env });
        assert.notEqual(r.code, 0, command.join(" "));
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(
          lines[0],
          /^tmux-orc: Bad config file .*config\.toml:8: channels\[1\]\.escalate_afer: unknown key/,
        );
        assert.ok(!(r.stdout + r.stderr).includes("xyzzy"), r.stderr);
      }
    },
  );
  const none = await tempStateDir();
  try {
    const r = await runCli(["notify", "test", "--state-dir", none.dir], {
      env: { XDG_CONFIG_HOME: none.dir },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No config file/);
  } finally {
    await none.cleanup();
  }
});
