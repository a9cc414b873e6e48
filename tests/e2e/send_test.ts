/**
 * End to end: `tmux-orc send` and `agent register` against fake agents in real panes of a private
 * tmux server — swallowed Enters, hostile text, and names with spaces, quotes and unicode.
 */
import assert from "node:assert/strict";
import { runCli, waitFor } from "../helpers/mod.ts";
import { Team } from "./team.ts";

const HOSTILE =
  `a; b && c $(whoami) \`id\` 'single' "double" \\ C-c Enter %1 #{pane_id} ünïcödé 日本語 ✓ ;`;

Deno.test("e2e send: literal text, a swallowed Enter, bad targets, shells refused", async () => {
  const team = await Team.create();
  try {
    const agent = await team.agent();
    await team.register(agent.paneId, ["--profile", "claude"]);

    const plain = await team.box.cli(["send", agent.paneId, HOSTILE]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stdout,
      /^✓ Delivered to %\d+ \(main:\d+\.0\) \(verified, 1 Enter press\)$/m,
    );
    await waitFor(async () => (await agent.messages()).length === 1, {
      timeoutMs: 5000,
      what: "the first message",
    });
    assert.deepEqual(await agent.messages(), [HOSTILE], "arrived literally");

    // The agent swallows the next Enter: send presses it again.
    await agent.command({ swallowEnter: 1 });
    await new Promise((r) => setTimeout(r, 300)); // the fake agent reads its control file every 0.1 s
    const words = await team.box.cli(["send", agent.paneId, "second", "message"]);
    assert.equal(words.code, 0, words.stderr);
    assert.match(words.stdout, /verified, 2 Enter presses/);
    await waitFor(async () => (await agent.messages()).length === 2, {
      timeoutMs: 5000,
      what: "the second message",
    });
    assert.deepEqual((await agent.messages())[1], "second message");

    // Every Enter swallowed: exit 1, one clear line.
    await agent.command({ swallowEnter: 10 });
    await new Promise((r) => setTimeout(r, 300));
    const stuck = await team.box.cli(["send", agent.paneId, "never sent"]);
    assert.equal(stuck.code, 1);
    assert.match(
      stuck.stderr,
      /^tmux-orc: Delivery failed: Text still in the input box after 3 Enter presses: %\d+ \(main:\d+\.0\)\n$/,
    );

    for (const target of ["%999", "main:99.0", "nosuch:0.0"]) {
      const r = await team.box.cli(["send", target, "hi"]);
      assert.equal(r.code, 1, target);
      assert.equal(r.stderr, `tmux-orc: Pane not found: ${target}\n`);
    }
    const shell = await team.shellWindow();
    const refused = await team.box.cli(["send", shell, "rm -rf /tmp/x"]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^tmux-orc: Refusing to type into a shell \(bash is in the foreground/,
    );
    const noServer = await runCli([
      "send",
      "%0",
      "hi",
      "--state-dir",
      team.box.dir,
      "-L",
      `${team.box.socket}-none`,
    ]);
    assert.equal(noServer.code, 1);
    assert.match(noServer.stderr, /^tmux-orc: No tmux server is running/);
  } finally {
    await team.cleanup();
  }
});

Deno.test("e2e names: session, window and agent names with spaces, quotes and unicode", async () => {
  const team = await Team.create();
  try {
    const session = `my "team" it's ✓`;
    const window = `win 'ü' "x" $(y)`;
    const name = `bäcк "end" 'one' ;`;
    const pm = await team.agent({ session, window: "the pm ✓" });
    const agent = await team.agent({ session, window });
    const index = await team.tmux(["display-message", "-p", "-t", agent.paneId, "#{window_index}"]);
    const target = `${session}:${index}.0`;
    await team.register(`${session}:the pm ✓.0`, ["--role", "pm"]);
    await team.register(target, ["--name", name, "--profile", "claude"]);
    const options = await team.tmux([
      "show-options",
      "-p",
      "-v",
      "-t",
      agent.paneId,
      "@tmux-orc-name",
    ]);
    assert.equal(options, name);

    const once = await team.box.cli(["monitor", "--once", "--idle-after", "1"]);
    assert.equal(once.code, 0, once.stderr);
    const listed = (await team.agents()).find((a) => a.pane_id === agent.paneId);
    assert.ok(listed, "the agent is listed");
    assert.equal(listed.name, name);
    assert.equal(listed.target, target);
    assert.equal(listed.pm_pane, pm.paneId);

    const sent = await team.box.cli(["send", target, "héllo ✓"]);
    assert.equal(sent.code, 0, sent.stderr);
    await waitFor(async () => (await agent.messages()).length === 1, {
      timeoutMs: 5000,
      what: "the message",
    });
    assert.deepEqual(await agent.messages(), ["héllo ✓"]);

    await new Promise((r) => setTimeout(r, 1100)); // quiet for idle-after: a second cycle sees idle
    const second = await team.box.cli(["monitor", "--once", "--idle-after", "1"]);
    assert.equal(second.code, 0, second.stderr);
    const table = await team.box.cli(["agents"]);
    assert.equal(table.code, 0);
    assert.ok(table.stdout.includes(name), table.stdout);
    const events = await team.box.cli(["events", "--agent", name]);
    assert.equal(events.code, 0, events.stderr);
    assert.match(events.stdout, /transition +bäcк "end" .one. ; \(%\d+\) +unknown → /);

    const un = await team.box.cli(["agent", "unregister", target]);
    assert.equal(un.code, 0, un.stderr);
    const after = await team.tmux(["show-options", "-p", "-t", agent.paneId]);
    assert.doesNotMatch(after, /@tmux-orc/);
  } finally {
    await team.cleanup();
  }
});
