import assert from "node:assert/strict";
import fc from "fast-check";
import { CONTROL_SESSION_NAME, ControlClient } from "../../src/tmux/control_client.ts";
import {
  listPanes,
  PANE_FORMAT,
  paneChangeKey,
  paneNeedsCapture,
  parsePaneRecords,
  splitEscapedRecords,
} from "../../src/tmux/panes.ts";
import { SubprocessClient } from "../../src/tmux/subprocess_client.ts";
import {
  type PaneRecord,
  type TmuxClient,
  type TmuxServer,
  TmuxUnavailableError,
} from "../../src/tmux/types.ts";
import {
  defaultSocketPath,
  exists,
  killTestServer,
  randomServerName,
  waitFor,
  withTestServer,
} from "./test_server.ts";

/** tmux 3.3's `q:` modifier (format_quote_shell), for building synthetic output. */
function q(value: string): string {
  return value.replace(/[|&;<>()$`\\"'*?[# =%]/g, (c) => `\\${c}`);
}

const SAMPLE: PaneRecord = {
  paneId: "%12",
  pid: 4242,
  dead: false,
  currentCommand: "node",
  currentPath: "/home/u/my project; x",
  title: "✳ Claude Code \"quoted\" 'single'",
  windowActivity: 1700000000,
  historySize: 1234,
  cursorX: 5,
  cursorY: 20,
  width: 200,
  height: 50,
  inMode: false,
  sessionName: "my session ; %end 1 2 1",
  sessionId: "$3",
  windowId: "@7",
  windowIndex: 2,
  windowName: "win\\tname #1",
  paneIndex: 0,
  role: "agent",
  name: "backend dev",
  profile: "claude",
  command: "claude --model x\n--flag 'y' $(z)",
  pm: "%1",
  hook: '{"at":1764640000000,"v":1,"cli":"claude","event":"Stop"}',
};

/** Renders a record as tmux would print it with PANE_FORMAT (raw newlines split lines). */
function render(pane: PaneRecord): string[] {
  const values = [
    pane.paneId,
    String(pane.pid),
    pane.dead ? "1" : "0",
    pane.deadStatus === undefined ? "" : String(pane.deadStatus),
    pane.currentCommand,
    pane.currentPath,
    pane.title,
    String(pane.windowActivity),
    String(pane.historySize),
    String(pane.cursorX),
    String(pane.cursorY),
    String(pane.width),
    String(pane.height),
    pane.inMode ? "1" : "0",
    pane.sessionName,
    pane.sessionId,
    pane.windowId,
    String(pane.windowIndex),
    pane.windowName,
    String(pane.paneIndex),
    pane.role,
    pane.name,
    pane.profile,
    pane.command,
    pane.pm,
    pane.hook ?? "",
  ];
  return (values.map(q).join(" ") + " ;").split("\n");
}

Deno.test("panes: format asks for every field with q:", () => {
  assert.equal(PANE_FORMAT.split(" ").length, 27);
  assert.ok(PANE_FORMAT.endsWith(" ;"));
  assert.ok(PANE_FORMAT.includes("#{q:@tmux-orc-pm}"));
  assert.ok(PANE_FORMAT.includes("#{q:@tmux-orc-hook}"));
  assert.ok(PANE_FORMAT.split(" ").slice(0, 26).every((f) => /^#\{q:[@\w-]+\}$/.test(f)));
});

Deno.test("panes: parse a sample with separators, newlines and quotes in values", () => {
  const dead: PaneRecord = { ...SAMPLE, paneId: "%13", dead: true, deadStatus: 3, title: "" };
  const lines = [...render(SAMPLE), ...render(dead)];
  assert.ok(lines.length > 2, "a newline in a value splits the output line");
  assert.deepEqual(parsePaneRecords(lines), [SAMPLE, dead]);
  assert.deepEqual(parsePaneRecords([]), []);
});

Deno.test("panes: property: any string values survive the encoding", () => {
  const str = fc.string({ unit: "binary", maxLength: 20 }).filter((s) => !s.includes("\0"));
  const tricky = fc.string({
    unit: fc.constantFrom(..." ;\\\n\t'\"%#$`é💥".split("")),
    maxLength: 20,
  });
  const text = fc.oneof(str, tricky);
  fc.assert(
    fc.property(fc.array(fc.tuple(text, text, text, text, text), { maxLength: 5 }), (rows) => {
      const panes = rows.map(([a, b, c, d, e], i): PaneRecord => ({
        ...SAMPLE,
        paneId: `%${i}`,
        title: a,
        sessionName: b,
        windowName: c,
        currentPath: d,
        command: e,
        hook: `${e}${a}`,
      }));
      assert.deepEqual(parsePaneRecords(panes.flatMap(render)), panes);
    }),
    { numRuns: 500 },
  );
});

Deno.test("panes: malformed output throws", () => {
  const good = render(SAMPLE);
  assert.throws(() => parsePaneRecords(["%1 2 ;"]), /expected 26 fields, got 2/);
  assert.throws(() => parsePaneRecords([good.join("\n").slice(0, -2)]), /unterminated/);
  assert.throws(() => splitEscapedRecords(["a b\\"]), /trailing backslash/);
  assert.throws(() => splitEscapedRecords(["a ;x"]), /no newline/);
  assert.throws(
    () => parsePaneRecords(render({ ...SAMPLE, paneId: "12" })),
    /bad pane id/,
  );
});

Deno.test("panes: paneChangeKey and paneNeedsCapture", () => {
  const base = SAMPLE;
  const key = paneChangeKey(base);
  assert.equal(paneChangeKey({ ...base }), key);
  for (
    const changed of [
      { windowActivity: base.windowActivity + 1 },
      { historySize: base.historySize + 1 },
      { cursorX: base.cursorX + 1 },
      { cursorY: 0 },
      { width: 10 },
      { dead: true },
      { inMode: true },
      { title: "other" },
    ]
  ) {
    assert.notEqual(paneChangeKey({ ...base, ...changed }), key, JSON.stringify(changed));
  }
  // Identity fields do not matter.
  assert.equal(paneChangeKey({ ...base, role: "pm", sessionName: "x" }), key);

  const activityMs = base.windowActivity * 1000;
  assert.equal(paneNeedsCapture(base, undefined), true);
  // Captured in a later second than the last activity, same key: skip.
  assert.equal(paneNeedsCapture(base, { key, capturedAtMs: activityMs + 1500 }), false);
  // Captured in the same second as the last activity: output may have followed; capture again.
  assert.equal(paneNeedsCapture(base, { key, capturedAtMs: activityMs + 999 }), true);
  assert.equal(paneNeedsCapture(base, { key, capturedAtMs: activityMs }), true);
  // Key changed: capture.
  assert.equal(paneNeedsCapture(base, { key: "other", capturedAtMs: activityMs + 5000 }), true);
});

const CLIENTS: [string, (server: TmuxServer) => TmuxClient][] = [
  ["subprocess", (s) => new SubprocessClient(s)],
  ["control", (s) => new ControlClient(s)],
];

for (const [kind, makeClient] of CLIENTS) {
  Deno.test(`panes: listPanes over ${kind} client with nasty names`, async () => {
    await withTestServer(async (t) => {
      // tmux itself doubles backslashes and escapes control characters in session and window
      // names (and turns ":" and "." into "_"), so those go into the title and options instead.
      const session = `we ird ;'q"  é💥 %end 1 2 1 ;`;
      const window = `win 'x' "y" ; 日本 %begin 1 1 1`;
      const title = `title ; 'a' "b" \\ 💥 %begin`;
      await t.tmux(["new-session", "-d", "-s", session, "-n", window, "--", "cat", "-"]);
      const paneId = (await t.tmux(["display-message", "-p", "-t", `=${session}:`, "#{pane_id}"]))
        .trim();
      await t.tmux(["select-pane", "-t", paneId, "-T", title]);
      const command = "claude --x 'y' \"z\"\n\tsecond line ; %end 0 0 0\n#{pane_id} $HOME";
      for (
        const [key, value] of [
          ["@tmux-orc-role", "agent"],
          ["@tmux-orc-name", "name with spaces ;"],
          ["@tmux-orc-profile", "claude"],
          ["@tmux-orc-command", command],
          ["@tmux-orc-pm", "%0"],
        ]
      ) {
        await t.tmux(["set-option", "-p", "-t", paneId, "--", key, value]);
      }
      const client = makeClient(t.server);
      try {
        const panes = await listPanes(client);
        assert.deepEqual(panes.map((p) => p.sessionName).sort(), ["base", session].sort());
        const pane = panes.find((p) => p.paneId === paneId)!;
        assert.ok(pane, "pane listed");
        assert.equal(pane.sessionName, session);
        assert.equal(pane.windowName, window);
        assert.equal(pane.title, title);
        assert.equal(pane.role, "agent");
        assert.equal(pane.name, "name with spaces ;");
        assert.equal(pane.profile, "claude");
        assert.equal(pane.command, command);
        assert.equal(pane.pm, "%0");
        assert.equal(pane.currentCommand, "cat");
        assert.equal(pane.dead, false);
        assert.equal(pane.deadStatus, undefined);
        assert.equal(pane.inMode, false);
        assert.match(pane.sessionId, /^\$\d+$/);
        assert.match(pane.windowId, /^@\d+$/);
        assert.equal(pane.width, 80);
        assert.equal(pane.height, 24);
        assert.ok(pane.pid > 0);
        assert.ok(Math.abs(pane.windowActivity - Date.now() / 1000) < 60);
        const base = panes.find((p) => p.sessionName === "base")!;
        assert.equal(base.role, "");
        assert.equal(base.command, "");

        const all = await listPanes(client, { includeControlSession: true });
        const hidden = all.filter((p) => p.sessionName === CONTROL_SESSION_NAME);
        assert.equal(hidden.length, 0, "the control client creates no session");
      } finally {
        await client.close();
      }
    });
  });

  Deno.test(`panes: dead pane with exit status over ${kind} client`, async () => {
    await withTestServer(async (t) => {
      await t.tmux(["set-option", "-g", "remain-on-exit", "on"]);
      await t.tmux(["new-session", "-d", "-s", "dies", "--", "sh", "-c", "exit 3"]);
      const client = makeClient(t.server);
      try {
        const pane = await waitFor("pane dead", async () => {
          const panes = await listPanes(client);
          return panes.find((p) => p.sessionName === "dies" && p.dead);
        });
        assert.equal(pane.deadStatus, 3);
      } finally {
        await client.close();
      }
    });
  });

  Deno.test(`panes: no server -> TmuxUnavailableError over ${kind} client`, async () => {
    const name = randomServerName();
    const client = makeClient({ socketName: name });
    try {
      await assert.rejects(listPanes(client), TmuxUnavailableError);
      assert.equal(exists(defaultSocketPath(name)), false);
    } finally {
      await client.close();
      await killTestServer(name);
    }
  });
}

Deno.test("panes: output changes the change key (cursor moves)", async () => {
  await withTestServer(async (t) => {
    const client = new SubprocessClient(t.server);
    try {
      const [before] = await listPanes(client);
      await t.tmux(["send-keys", "-l", "-t", before.paneId, "--", "hello"]);
      const after = await waitFor("cursor moved", async () => {
        const [pane] = await listPanes(client);
        return pane.cursorX !== before.cursorX ? pane : undefined;
      });
      assert.notEqual(paneChangeKey(after), paneChangeKey(before));
      assert.ok(after.windowActivity >= before.windowActivity);
    } finally {
      await client.close();
    }
  });
});
