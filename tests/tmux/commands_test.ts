import assert from "node:assert/strict";
import {
  ALLOWED_KEYS,
  type AllowedKey,
  capturePane,
  pasteText,
  resolveTarget,
  respawnPane,
  sendKey,
  sendLiteral,
  setPaneOption,
  shellQuote,
  splitForCommandLine,
  unsetPaneOption,
} from "../../src/tmux/commands.ts";
import { CONTROL_SESSION_NAME, ControlClient } from "../../src/tmux/control_client.ts";
import { listPanes } from "../../src/tmux/panes.ts";
import { SubprocessClient } from "../../src/tmux/subprocess_client.ts";
import {
  type TmuxClient,
  TmuxCommandError,
  type TmuxRunOptions,
  type TmuxServer,
} from "../../src/tmux/types.ts";
import { type TestServer, waitFor, withTestServer } from "./test_server.ts";

/** Records argv and answers from a queue. */
class FakeClient implements TmuxClient {
  calls: string[][] = [];
  replies: (string[] | Error)[] = [];
  run(args: readonly string[], _options?: TmuxRunOptions): Promise<string[]> {
    this.calls.push([...args]);
    const reply = this.replies.shift() ?? [];
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("commands: argv shapes", async () => {
  const c = new FakeClient();
  await capturePane(c, "%1");
  await capturePane(c, "%1", { lines: 500, escapes: true });
  await sendLiteral(c, "%2", "-t C-c ; Enter");
  await sendLiteral(c, "%2", "");
  await sendKey(c, "%2", "Enter");
  await setPaneOption(c, "%3", "@tmux-orc-role", "-agent");
  await unsetPaneOption(c, "%3", "@tmux-orc-role");
  await respawnPane(c, "%4", ["claude", "--x"], { kill: true, cwd: "/w d", env: { A: "1 2" } });
  await respawnPane(c, "%4", ["/opt/my tool/bin's"]);
  assert.deepEqual(c.calls, [
    ["capture-pane", "-p", "-J", "-t", "%1"],
    ["capture-pane", "-p", "-J", "-t", "%1", "-e", "-S", "-500"],
    ["send-keys", "-l", "-t", "%2", "--", "-t C-c ; Enter"],
    ["send-keys", "-t", "%2", "Enter"],
    ["set-option", "-p", "-t", "%3", "--", "@tmux-orc-role", "-agent"],
    ["set-option", "-p", "-u", "-t", "%3", "--", "@tmux-orc-role"],
    ["respawn-pane", "-k", "-c", "/w d", "-e", "A=1 2", "-t", "%4", "--", "claude", "--x"],
    ["respawn-pane", "-t", "%4", "--", `'/opt/my tool/bin'\\''s'`],
  ]);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

Deno.test("commands: validation happens before tmux is called", async () => {
  const c = new FakeClient();
  assert.throws(() => capturePane(c, "1"), TypeError);
  assert.throws(() => capturePane(c, "%1", { lines: -1 }), RangeError);
  assert.throws(() => capturePane(c, "%1", { lines: 1.5 }), RangeError);
  await assert.rejects(sendLiteral(c, "base:0.0", "x"), TypeError);
  await assert.rejects(sendKey(c, "%1", "C-z" as AllowedKey), /Key not allowed: "C-z"/);
  await assert.rejects(sendKey(c, "%1", "Enter Enter" as AllowedKey), TypeError);
  await assert.rejects(sendKey(c, "%1", "-l" as AllowedKey), TypeError);
  await assert.rejects(setPaneOption(c, "%1", "@other", "x"), /Invalid pane option/);
  await assert.rejects(setPaneOption(c, "%1", "status", "x"), TypeError);
  await assert.rejects(unsetPaneOption(c, "%1", "@tmux-orc-"), TypeError);
  await assert.rejects(respawnPane(c, "%1", []), /Respawn command is empty/);
  await assert.rejects(respawnPane(c, "%1", ["x"], { env: { "A=B": "1" } }), TypeError);
  await assert.rejects(resolveTarget(c, ""), TypeError);
  assert.deepEqual(c.calls, []);
  assert.ok(ALLOWED_KEYS.includes("Escape") && ALLOWED_KEYS.includes("C-u"));
});

Deno.test("commands: pasteText deletes its buffer when paste fails", async () => {
  const c = new FakeClient();
  c.replies = [[], new TmuxCommandError("can't find pane: %9"), []];
  await assert.rejects(pasteText(c, "%9", "hello"), TmuxCommandError);
  assert.equal(c.calls.length, 3);
  const [set, paste, del] = c.calls;
  const buffer = set[2];
  assert.match(buffer, /^tmux-orc-paste-[0-9a-f-]{36}$/);
  assert.deepEqual(set, ["set-buffer", "-b", buffer, "--", "hello"]);
  assert.deepEqual(paste, ["paste-buffer", "-p", "-d", "-b", buffer, "-t", "%9"]);
  assert.deepEqual(del, ["delete-buffer", "-b", buffer]);
});

const CLIENTS: [string, (server: TmuxServer) => TmuxClient][] = [
  ["subprocess", (s) => new SubprocessClient(s)],
  ["control", (s) => new ControlClient(s)],
];

async function basePane(t: TestServer): Promise<string> {
  return (await t.tmux(["display-message", "-p", "-t", "=base:", "#{pane_id}"])).trim();
}

/** Polls capture-pane until `predicate` holds on the joined screen text. */
function screenMatching(
  client: TmuxClient,
  paneId: string,
  predicate: (screen: string) => boolean,
): Promise<string> {
  return waitFor(`screen of ${paneId}`, async () => {
    const screen = (await capturePane(client, paneId)).join("\n");
    return predicate(screen) ? screen : undefined;
  });
}

for (const [kind, makeClient] of CLIENTS) {
  Deno.test(`commands: sendLiteral types key names and shell syntax literally (${kind})`, async () => {
    await withTestServer(async (t) => {
      const client = makeClient(t.server);
      try {
        const pane = await basePane(t);
        const text = `a;b $(whoami) \`id\` 'sq' "dq" \\ C-c Enter Escape é 日本 💥 ~ #{pane_id} x;`;
        await sendLiteral(client, pane, text);
        const screen = await screenMatching(client, pane, (s) => s.includes("x;"));
        assert.equal(screen.split("\n")[0].trimEnd(), text);
        // C-c was not sent as a key: cat is still running.
        const [info] = await client.run(["display-message", "-p", "-t", pane, "#{pane_dead}"]);
        assert.equal(info, "0");
        assert.equal(
          (await listPanes(client)).find((p) => p.paneId === pane)?.currentCommand,
          "cat",
        );

        // sendKey Enter: cat echoes the line back.
        await sendKey(client, pane, "Enter");
        const after = await screenMatching(
          client,
          pane,
          (s) => s.split("\n").filter((l) => l.trimEnd() === text).length === 2,
        );
        assert.ok(after);
      } finally {
        await client.close();
      }
    });
  });

  Deno.test(`commands: sendKey C-u clears typed input, BSpace deletes (${kind})`, async () => {
    await withTestServer(async (t) => {
      const client = makeClient(t.server);
      try {
        const pane = await basePane(t);
        await sendLiteral(client, pane, "discard me");
        await screenMatching(client, pane, (s) => s.includes("discard me"));
        await sendKey(client, pane, "C-u");
        await sendLiteral(client, pane, "keepX");
        await sendKey(client, pane, "BSpace");
        await sendKey(client, pane, "Enter");
        // cat only sees what the line discipline delivered: "keep".
        const screen = await screenMatching(
          client,
          pane,
          (s) => s.split("\n").some((l) => l.trimEnd() === "keep"),
        );
        assert.ok(!screen.split("\n").some((l) => l.trimEnd() === "discard mekeep"));
      } finally {
        await client.close();
      }
    });
  });

  Deno.test(`commands: pasteText multi-line, buffer removed (${kind})`, async () => {
    await withTestServer(async (t) => {
      const client = makeClient(t.server);
      try {
        const pane = await basePane(t);
        await pasteText(client, pane, "first 'line' ;\nsecond $(x) line\n");
        const screen = await screenMatching(
          client,
          pane,
          (s) => s.split("\n").filter((l) => l.trimEnd() === "second $(x) line").length === 2,
        );
        assert.equal(screen.split("\n").filter((l) => l.trimEnd() === "first 'line' ;").length, 2);
        const buffers = await client.run(["list-buffers", "-F", "#{buffer_name}"]);
        assert.deepEqual(buffers.filter((b) => b.startsWith("tmux-orc-paste-")), []);
      } finally {
        await client.close();
      }
    });
  });

  Deno.test(`commands: capturePane with scrollback (${kind})`, async () => {
    await withTestServer(async (t) => {
      const client = makeClient(t.server);
      try {
        const pane = await basePane(t);
        const argv = ["sh", "-c", "seq 1 100; exec cat"];
        await respawnPane(client, pane, argv, { kill: true });
        const visible = await waitFor("seq output", async () => {
          const lines = await capturePane(client, pane);
          return lines.some((l) => l === "100") ? lines : undefined;
        });
        assert.equal(visible.length, 40);
        assert.ok(!visible.includes("1"));
        const withHistory = await capturePane(client, pane, { lines: 1000 });
        assert.equal(withHistory[0], "1");
        assert.ok(withHistory.includes("100"));
        const colored = await capturePane(client, pane, { escapes: true });
        assert.ok(colored.length >= 40);
      } finally {
        await client.close();
      }
    });
  });

  Deno.test(`commands: pane options, respawn and resolveTarget (${kind})`, async () => {
    await withTestServer(async (t) => {
      const client = makeClient(t.server);
      try {
        const pane = await basePane(t);
        await setPaneOption(client, pane, "@tmux-orc-role", "agent");
        await setPaneOption(client, pane, "@tmux-orc-command", "x 'y'\n;z");
        let record = (await listPanes(client)).find((p) => p.paneId === pane)!;
        assert.equal(record.role, "agent");
        assert.equal(record.command, "x 'y'\n;z");
        await unsetPaneOption(client, pane, "@tmux-orc-role");
        record = (await listPanes(client)).find((p) => p.paneId === pane)!;
        assert.equal(record.role, "");

        await respawnPane(client, pane, ["sh", "-c", "echo 'respawned ok'; exec cat"], {
          kill: true,
          env: { TMUX_ORC_X: "v a l" },
        });
        await screenMatching(client, pane, (s) => s.includes("respawned ok"));
        await respawnPane(client, pane, ["cat"], { kill: true });
        await waitFor("cat again", async () => {
          const p = (await listPanes(client)).find((p) => p.paneId === pane);
          return p?.currentCommand === "cat" ? p : undefined;
        });

        assert.equal(await resolveTarget(client, pane), pane);
        assert.equal(await resolveTarget(client, "base:0.0"), pane);
        assert.equal(await resolveTarget(client, "=base:0"), pane);
        await assert.rejects(
          resolveTarget(client, "no-such-session:0.0"),
          (e) => e instanceof TmuxCommandError && /Pane not found/.test(e.message),
        );
        await assert.rejects(resolveTarget(client, "%9999"), TmuxCommandError);
        // tmux 3.3 falls back to the current pane for a window that does not exist: refused.
        await assert.rejects(
          resolveTarget(client, "base:5.0"),
          (e) => e instanceof TmuxCommandError && /Pane not found/.test(e.message),
        );
        await assert.rejects(resolveTarget(client, "base:0.7"), TmuxCommandError);
        // A session left over by an old monitor's control client is never resolved to.
        await t.tmux(["new-session", "-d", "-s", CONTROL_SESSION_NAME]);
        await assert.rejects(
          resolveTarget(client, `=${CONTROL_SESSION_NAME}:`),
          /control session/,
        );
      } finally {
        await client.close();
      }
    });
  });
}

Deno.test("splitForCommandLine: pieces within the byte budget, never inside a character", () => {
  const text = "a'b\nc😀é".repeat(3000);
  const chunks = splitForCommandLine(text, 100);
  assert.equal(chunks.join(""), text);
  for (const chunk of chunks) {
    const bytes = [...chunk].reduce((n, ch) => {
      const code = ch.codePointAt(0)!;
      return n + (ch === "'" || code < 0x20 ? 8 : new TextEncoder().encode(ch).length);
    }, 0);
    assert.ok(bytes <= 100, `${bytes} bytes`);
    assert.ok(!/^[\udc00-\udfff]/.test(chunk), "no split surrogate pair");
  }
  assert.deepEqual(splitForCommandLine(""), []);
  assert.deepEqual(splitForCommandLine("short"), ["short"]);
});
