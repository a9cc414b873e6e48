/**
 * The pane watch: `%subscription-changed` parsing, the watch value's records and diff (pure), and
 * the real thing on a private tmux 3.3 server: one subscription over panes of every session,
 * woken by output, a hook event and a registration (the generation counter they bump), a new and
 * a closed pane, never by the monitor's own status options nor a pane option alone, and set up
 * again after a reconnect.
 */
import assert from "node:assert/strict";
import { ControlClient } from "../../src/tmux/control_client.ts";
import {
  type ControlNotification,
  parseNotification,
  parseSubscriptionChange,
} from "../../src/tmux/control_parser.ts";
import {
  changedPanes,
  PANE_WATCH_FIELDS,
  PANE_WATCH_FORMAT,
  PANE_WATCH_NAME,
  type PaneWatchValue,
  parsePaneWatch,
} from "../../src/tmux/pane_watch.ts";
import {
  HOOK_OPTIONS,
  REGISTRATION_OPTIONS,
  STATUS_OPTIONS,
  WATCH_GENERATION_BUMP,
  WATCH_OPTIONS,
} from "../../src/registration.ts";
import { setIfNewerArgs } from "../../src/hooks/record.ts";
import { randomServerName, startTestServer } from "./test_server.ts";

Deno.test("parseSubscriptionChange: fields, a value with ' : ' in it, reserved args, other notifications", () => {
  const pane = parseSubscriptionChange(
    parseNotification("%subscription-changed w $1 @2 3 %4 : a : b"),
  );
  assert.deepEqual(pane, {
    name: "w",
    sessionId: "$1",
    windowId: "@2",
    windowIndex: "3",
    paneId: "%4",
    value: "a : b",
  });
  const session = parseSubscriptionChange(
    parseNotification("%subscription-changed w $0 - - - future args : "),
  );
  assert.equal(session?.paneId, "-");
  assert.equal(session?.value, "");
  assert.equal(parseSubscriptionChange(parseNotification("%output %1 x : y")), undefined);
  assert.equal(parseSubscriptionChange(parseNotification("%subscription-changed w")), undefined);
});

function record(id: string, activity: number, dead = 0): string {
  return `${id} ${activity} ${dead};`;
}

Deno.test("parsePaneWatch and changedPanes: changed, new and gone panes, the generation; bad values", () => {
  assert.equal(PANE_WATCH_FIELDS.length, 3);
  const before = parsePaneWatch(record("%1", 100) + record("%2", 100) + "gen=")!;
  assert.deepEqual([...before.panes.keys()], ["%1", "%2"]);
  assert.equal(before.generation, "");
  const after = parsePaneWatch(record("%1", 101) + record("%3", 5, 1) + "gen=7")!;
  assert.equal(after.generation, "7");
  assert.deepEqual(changedPanes(before.panes, after.panes).sort(), ["%1", "%2", "%3"]);
  assert.deepEqual(changedPanes(after.panes, after.panes), []);
  const dead = parsePaneWatch(record("%1", 101, 1) + record("%3", 5, 1) + "gen=7")!;
  assert.deepEqual(changedPanes(after.panes, dead.panes), ["%1"], "a pane that died");
  assert.deepEqual([...parsePaneWatch("gen=")!.panes.keys()], []);
  assert.equal(parsePaneWatch("%1 100;gen="), undefined, "too few fields");
  assert.equal(parsePaneWatch(record("%1", 100)), undefined, "cut short (no generation)");
  assert.equal(parsePaneWatch(record("%1", 100).slice(0, -1) + "gen="), undefined, "no ;");
  assert.equal(parsePaneWatch(record("x", 100) + "gen="), undefined, "not a pane id");
});

Deno.test("pane watch format: the generation counter, no pane option, never the status options", () => {
  assert.ok(PANE_WATCH_FORMAT.includes(`#{q:${WATCH_OPTIONS.generation}}`));
  // Each pane option is looked up for every pane every second: the counter replaces them.
  for (const option of [...Object.values(REGISTRATION_OPTIONS), HOOK_OPTIONS.event]) {
    assert.ok(!PANE_WATCH_FORMAT.includes(option), option);
  }
  for (const option of Object.values(STATUS_OPTIONS)) {
    assert.ok(!PANE_WATCH_FORMAT.includes(option), `${option} would wake every cycle`);
  }
});

/** Collects the watch's changes from a client's notifications. */
function watcher() {
  let last: PaneWatchValue | undefined;
  const changes: string[][] = [];
  let values = 0;
  return {
    changes,
    get values() {
      return values;
    },
    onNotification(notification: ControlNotification) {
      const change = parseSubscriptionChange(notification);
      if (change?.name !== PANE_WATCH_NAME) return;
      values++;
      const value = parsePaneWatch(change.value);
      assert.ok(value, `a value that parses: ${change.value}`);
      if (last) {
        const generation = value.generation === last.generation ? [] : ["generation"];
        changes.push([...changedPanes(last.panes, value.panes), ...generation].sort());
      }
      last = value;
    },
    panes: () => [...(last?.panes.keys() ?? [])].sort(),
  };
}

/** Runs tmux with `args` as they are: a `;` argument separates commands (as for `tmux-orc hook`). */
async function tmuxCommands(socketName: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("tmux", {
    args: ["-L", socketName, "-f", "/dev/null", ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

async function until(what: string, check: () => boolean, timeoutMs = 4000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("pane watch on real tmux: every session's panes; output, options and panes wake it; status options do not; kept across a reconnect", async () => {
  const t = await startTestServer();
  const watch = watcher();
  const client = new ControlClient(t.server, {
    onNotification: (n) => watch.onNotification(n),
    minBackoffMs: 10,
  });
  try {
    const other = (await t.tmux([
      "new-session",
      "-d",
      "-s",
      "other",
      "-P",
      "-F",
      "#{pane_id}",
      "--",
      "cat",
      "-",
    ])).trim();
    const [attached] = await client.run(["display-message", "-p", "#{session_name}"]);
    const [base] = (await t.tmux(["list-panes", "-t", "=base", "-F", "#{pane_id}"])).trim()
      .split("\n");
    const far = attached === "base" ? other : base;
    await client.subscribe({ name: PANE_WATCH_NAME, format: PANE_WATCH_FORMAT });
    await until("the first value", () => watch.values >= 1);
    assert.deepEqual(watch.panes(), [base, other].sort(), "panes of both sessions");

    const expectChange = async (what: string, act: () => Promise<unknown>, panes: string[]) => {
      const before = watch.changes.length;
      const t0 = performance.now();
      await act();
      await until(what, () => watch.changes.length > before);
      const ms = performance.now() - t0;
      assert.deepEqual(watch.changes[before], panes.sort(), what);
      assert.ok(ms < 2500, `${what}: reported after ${ms.toFixed(0)} ms (tmux checks each second)`);
    };
    // The command `tmux-orc hook` runs (record.ts): the pane option and the counter.
    await expectChange(
      "a hook event in the other session",
      () =>
        tmuxCommands(
          t.name,
          setIfNewerArgs(far, { cli: "claude", event: "Notification", at: Date.now() }),
        ),
      ["generation"],
    );
    assert.match(
      (await t.tmux(["show-options", "-pv", "-t", far, HOOK_OPTIONS.event])).trim(),
      /Notification/,
      "the hook event itself was recorded",
    );
    // What `tmux-orc agent register` does: the options, then the counter.
    await expectChange(
      "a registration",
      () =>
        tmuxCommands(t.name, [
          "set-option",
          "-p",
          "-t",
          far,
          REGISTRATION_OPTIONS.role,
          "agent",
          ";",
          ...WATCH_GENERATION_BUMP,
        ]),
      ["generation"],
    );
    await expectChange(
      "output",
      () => t.tmux(["send-keys", "-t", far, "-l", "hello"]),
      [far],
    );
    // The monitor's own status options: no change reported (the loop would wake itself).
    const quiet = watch.changes.length;
    await t.tmux(["set-option", "-p", "-t", far, STATUS_OPTIONS.state, "idle"]);
    await t.tmux(["set-option", "-g", STATUS_OPTIONS.summary, "1 idle"]);
    // Nor a pane option set by hand (seen at the monitor's next periodic cycle instead).
    await t.tmux(["set-option", "-p", "-t", far, REGISTRATION_OPTIONS.name, "by-hand"]);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    assert.equal(watch.changes.length, quiet, "status or pane options woke the watch");

    // A reconnect (its session killed): subscribed again; changes made meanwhile are reported.
    const survivor = far === other ? other : base;
    const gone = far === other ? base : other;
    const valuesBefore = watch.values;
    await t.tmux(["kill-session", "-t", `=${attached}`]);
    await until("the reconnect", () => {
      client.run(["display-message", "-p", "x"]).catch(() => {});
      return watch.values > valuesBefore;
    }, 8000);
    assert.ok(
      watch.changes.some((c) => c.includes(gone)),
      "the killed session's pane was reported gone",
    );
    await expectChange(
      "output after the reconnect",
      () => t.tmux(["send-keys", "-t", survivor, "-l", "again"]),
      [survivor],
    );
  } finally {
    await client.close();
    await t.kill();
  }
});

Deno.test("pane watch: subscribed before any server runs, it is added once one answers", async () => {
  const name = randomServerName();
  const watch = watcher();
  const client = new ControlClient({ socketName: name }, {
    onNotification: (n) => watch.onNotification(n),
    minBackoffMs: 10,
    maxBackoffMs: 20,
  });
  let t: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    await client.subscribe({ name: PANE_WATCH_NAME, format: PANE_WATCH_FORMAT });
    t = await startTestServer({ name });
    await until("a connection", () => {
      client.run(["display-message", "-p", "x"]).catch(() => {});
      return client.connected;
    });
    await until("the first value", () => watch.values >= 1);
    assert.equal(watch.panes().length, 1);
  } finally {
    await client.close();
    await t?.kill();
  }
});
