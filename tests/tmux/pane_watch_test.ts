/**
 * The pane watch: `%subscription-changed` parsing, the watch value's records and diff (pure), and
 * the real thing on a private tmux 3.3 server: one subscription over panes of every session,
 * woken by output, a pane option (`@tmux-orc-hook`), a registration, a new and a closed pane,
 * never by the monitor's own status options, and set up again after a reconnect.
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
  parsePaneWatch,
} from "../../src/tmux/pane_watch.ts";
import { HOOK_OPTIONS, REGISTRATION_OPTIONS, STATUS_OPTIONS } from "../../src/registration.ts";
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

function record(id: string, activity: number, hook = ""): string {
  const fields = [id, String(activity), "0", "0", "0", "80", "24", "0", "0"];
  while (fields.length < PANE_WATCH_FIELDS.length - 1) fields.push("");
  fields.push(hook);
  return fields.join(" ") + " ;";
}

Deno.test("parsePaneWatch and changedPanes: escaped text, changed, new and gone panes; bad values", () => {
  const before = parsePaneWatch(record("%1", 100) + record("%2", 100, "a\\ b\\;c"))!;
  assert.deepEqual([...before.keys()], ["%1", "%2"]);
  assert.ok(before.get("%2")!.endsWith("a b;c"));
  const after = parsePaneWatch(record("%1", 101) + record("%3", 5))!;
  assert.deepEqual(changedPanes(before, after).sort(), ["%1", "%2", "%3"]);
  assert.deepEqual(changedPanes(after, after), []);
  assert.deepEqual([...parsePaneWatch("")!.keys()], []);
  assert.equal(parsePaneWatch("%1 100 ;"), undefined, "too few fields");
  assert.equal(parsePaneWatch(record("%1", 100).slice(0, -2)), undefined, "cut short");
  assert.equal(parsePaneWatch(record("x", 100)), undefined, "not a pane id");
});

Deno.test("pane watch format: the registration and hook options, never the status options", () => {
  for (const option of [...Object.values(REGISTRATION_OPTIONS), HOOK_OPTIONS.event]) {
    assert.ok(PANE_WATCH_FORMAT.includes(`#{q:${option}}`), option);
  }
  for (const option of Object.values(STATUS_OPTIONS)) {
    assert.ok(!PANE_WATCH_FORMAT.includes(option), `${option} would wake every cycle`);
  }
});

/** Collects the watch's changes from a client's notifications. */
function watcher() {
  let last: Map<string, string> | undefined;
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
      const panes = parsePaneWatch(change.value);
      assert.ok(panes, `a value that parses: ${change.value}`);
      if (last) changes.push(changedPanes(last, panes).sort());
      last = panes;
    },
    panes: () => [...(last?.keys() ?? [])].sort(),
  };
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
    await expectChange(
      "a hook event in the other session",
      () => t.tmux(["set-option", "-p", "-t", far, HOOK_OPTIONS.event, "Notification 1"]),
      [far],
    );
    await expectChange(
      "a registration",
      () => t.tmux(["set-option", "-p", "-t", far, REGISTRATION_OPTIONS.role, "agent"]),
      [far],
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
    await new Promise((resolve) => setTimeout(resolve, 2200));
    assert.equal(watch.changes.length, quiet, "status options woke the watch");

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
