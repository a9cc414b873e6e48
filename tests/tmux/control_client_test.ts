import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CONTROL_SESSION_NAME,
  ControlClient,
  type ControlClientEvent,
  formatTmuxCommand,
  pickAttachSession,
  quoteTmuxArgument,
} from "../../src/tmux/control_client.ts";
import { TmuxCommandError, TmuxUnavailableError } from "../../src/tmux/types.ts";
import { ManualClock } from "../../src/util/clock.ts";
import {
  defaultSocketPath,
  exists,
  killTestServer,
  randomServerName,
  startTestServer,
  tmuxRaw,
  waitFor,
  withTestServer,
} from "./test_server.ts";

/** Strings that break naive quoting. */
const NASTY = [
  "",
  " ",
  "plain",
  "two words",
  "a;b",
  ";",
  "\\;",
  "# not a comment",
  "#{session_name}",
  "##",
  "$HOME",
  "${HOME}",
  "$(whoami)",
  "`whoami`",
  "~",
  "~root/x",
  "{",
  "}",
  "{ }",
  "'",
  "''",
  "'single'",
  '"',
  '"double"',
  "\\",
  "\\\\",
  "back\\slash",
  "\\n",
  "\\'",
  '\\"',
  "line1\nline2",
  "\n",
  "\n\n",
  "trailing\n",
  "\ttab\t",
  "cr\rlf\r\n",
  "\x1b[31mred\x1b[0m",
  "\x01\x02\x7f",
  "é ü ß 日本語 💥 👨‍👩‍👧",
  "\u0085\u2028\u2029",
  "%begin 1 2 1",
  "%end 1700000000 5 1",
  "%if 1",
  "-t",
  "--",
  "A=b",
  "if-shell",
  "'\"\\$;#{}~`\n\t",
];

/** Decodes tmux 3.3's show-buffer escaping (strvis with VIS_OCTAL|VIS_CSTYLE|VIS_TAB). */
function unvis(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const out: number[] = [];
  const cstyle: Record<string, number> = {
    n: 10,
    t: 9,
    r: 13,
    a: 7,
    b: 8,
    f: 12,
    v: 11,
    s: 32,
    E: 27,
    e: 27,
  };
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x5c) {
      out.push(bytes[i]);
      continue;
    }
    const next = String.fromCharCode(bytes[++i]);
    if (/[0-7]/.test(next) && /^[0-7]{3}$/.test(String.fromCharCode(...bytes.slice(i, i + 3)))) {
      out.push(parseInt(String.fromCharCode(...bytes.slice(i, i + 3)), 8));
      i += 2;
    } else if (next === "0") {
      out.push(0);
    } else if (next in cstyle) {
      out.push(cstyle[next]);
    } else {
      out.push(bytes[i]);
    }
  }
  return new TextDecoder().decode(new Uint8Array(out));
}

async function roundTrip(client: ControlClient, text: string, dir: string): Promise<void> {
  await client.run(["delete-buffer", "-b", "x"]).catch(() => {});
  await client.run(["set-buffer", "-b", "x", "--", text]);
  if (text === "") {
    // tmux does not keep empty buffers.
    await assert.rejects(client.run(["show-buffer", "-b", "x"]), TmuxCommandError);
  } else {
    // 1. show-buffer (tmux 3.3 escapes its output with strvis, except newlines: decode it).
    const shown = await client.run(["show-buffer", "-b", "x"]);
    assert.equal(unvis(shown.join("\n")), text, "show-buffer");
    // 2. save-buffer writes the exact bytes.
    const file = `${dir}/buffer`;
    await client.run(["save-buffer", "-b", "x", file]);
    assert.equal(await Deno.readTextFile(file), text, "save-buffer");
  }
  // 3. A user option printed by display-message comes back raw.
  await client.run(["set-option", "-g", "--", "@tmux-orc-test", text]);
  const printed = await client.run(["display-message", "-p", "#{@tmux-orc-test}"]);
  assert.equal(printed.join("\n"), text, "display-message");
}

Deno.test("control client: quoteTmuxArgument scheme", () => {
  assert.equal(quoteTmuxArgument(""), "''");
  assert.equal(quoteTmuxArgument("a b"), "'a b'");
  assert.equal(quoteTmuxArgument("it's"), `'it'"'"'s'`);
  assert.equal(quoteTmuxArgument("a\nb\tc"), `'a'"\\012"'b'"\\011"'c'`);
  assert.equal(quoteTmuxArgument("$x ~ \\ # ; {}"), "'$x ~ \\ # ; {}'");
  assert.equal(formatTmuxCommand(["set-buffer", "--", ""]), "'set-buffer' '--' ''");
  assert.throws(() => quoteTmuxArgument("a\0b"), TypeError);
  assert.throws(() => formatTmuxCommand([]), TypeError);
  for (const s of NASTY) {
    const q = quoteTmuxArgument(s);
    assert.ok(!q.includes("\n") && !q.includes("\r"), `no raw line breaks in ${q}`);
  }
});

Deno.test("control client: nasty strings round-trip exactly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
  await withTestServer(async (t) => {
    const client = new ControlClient(t.server);
    try {
      for (const text of NASTY) await roundTrip(client, text, dir);
      await roundTrip(client, "x".repeat(20000) + "\n'\"$\n".repeat(2000), dir);
    } finally {
      await client.close();
    }
  }).finally(() => Deno.remove(dir, { recursive: true }));
});

Deno.test("control client: random strings round-trip exactly (property)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
  await withTestServer(async (t) => {
    const client = new ControlClient(t.server);
    const tricky = fc.constantFrom(
      ..."'\"\\$~#;{}`()%= \t\n\r\x1b\x7fé💥日".split(""),
      "$(",
      "#{",
      "${",
      "\\n",
    );
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 30 }),
      fc.string({ unit: tricky, maxLength: 30 }),
      fc.string({ unit: fc.oneof(tricky, fc.string({ maxLength: 1 })), maxLength: 30 }),
    ).filter((s) => !s.includes("\0") && s.isWellFormed());
    try {
      await fc.assert(
        fc.asyncProperty(text, async (s) => {
          await roundTrip(client, s, dir);
        }),
        { numRuns: 300 },
      );
    } finally {
      await client.close();
    }
  }).finally(() => Deno.remove(dir, { recursive: true }));
});

Deno.test("control client: no session of its own, no-output flag, concurrency and errors", async () => {
  await withTestServer(async (t) => {
    const events: ControlClientEvent[] = [];
    const client = new ControlClient(t.server, { onEvent: (e) => events.push(e) });
    try {
      const [info] = await client.run(["display-message", "-p", "#{session_name}|#{client_flags}"]);
      const [session, flags] = info.split("|");
      assert.equal(session, "base", "attached to the existing session");
      assert.ok(flags.split(",").includes("no-output"), flags);
      assert.ok(flags.split(",").includes("ignore-size"), flags);
      assert.ok(flags.split(",").includes("control-mode"), flags);
      assert.deepEqual(await client.run(["list-sessions", "-F", "#{session_name}"]), ["base"]);
      // No option of the user's session was changed.
      assert.deepEqual(
        await client.run(["show-options", "-t", "base", "destroy-unattached"]),
        [],
      );
      assert.equal(events[0].kind, "connected");

      // Many commands in flight: each gets its own reply, in order.
      const replies = await Promise.all(
        Array.from({ length: 300 }, (_, i) => client.run(["display-message", "-p", `n${i} ;`])),
      );
      replies.forEach((r, i) => assert.deepEqual(r, [`n${i} ;`]));

      await assert.rejects(
        client.run(["no-such-command"]),
        (e) => e instanceof TmuxCommandError && /unknown command: no-such-command/.test(e.message),
      );
      await assert.rejects(
        client.run(["show-buffer", "-b", "no-such-buffer"]),
        (e) => e instanceof TmuxCommandError && e.message === "no buffer no-such-buffer",
      );
      // Errors do not break the connection.
      const pid = client.pid;
      assert.deepEqual(await client.run(["display-message", "-p", "still here"]), ["still here"]);
      assert.equal(client.pid, pid);
      await assert.rejects(client.run([]), TypeError);
    } finally {
      await client.close();
    }
    assert.equal(events.at(-1)?.kind, "disconnected");
    await assert.rejects(client.run(["list-sessions"]), TmuxUnavailableError);
    await client.close(); // idempotent
    // Detaching leaves the user's session (and everything in it) alone.
    await waitFor("control client detached", async () => {
      const r = await tmuxRaw(t.name, ["list-clients", "-F", "#{client_name}"]);
      return r.code === 0 && r.stdout.trim() === "";
    });
    assert.equal((await tmuxRaw(t.name, ["has-session", "-t", "=base"])).code, 0);
  });
});

Deno.test("pickAttachSession: latest activity, lowest id on ties, never the legacy session", () => {
  assert.equal(pickAttachSession([]), undefined);
  assert.equal(pickAttachSession([`1700000009 $4 ${CONTROL_SESSION_NAME}`]), undefined);
  assert.equal(
    pickAttachSession([
      "1700000001 $0 main",
      `1700000009 $4 ${CONTROL_SESSION_NAME}`,
      "1700000005 $2 a b c",
      "1700000005 $1 work",
      "garbage",
    ]),
    "$1",
  );
});

Deno.test("control client: its session killed -> reconnects to another; none left -> unavailable", async () => {
  await withTestServer(async (t) => {
    await t.tmux(["new-session", "-d", "-s", "second"]);
    const client = new ControlClient(t.server, { minBackoffMs: 10, maxBackoffMs: 20 });
    try {
      const [first] = await client.run(["display-message", "-p", "#{session_name}"]);
      const other = first === "base" ? "second" : "base";
      await t.tmux(["kill-session", "-t", `=${first}`]);
      const [now] = await waitFor("reattached", async () => {
        try {
          return await client.run(["display-message", "-p", "#{session_name}"]);
        } catch {
          return undefined;
        }
      });
      assert.equal(now, other);
      assert.deepEqual(await client.run(["list-sessions", "-F", "#{session_name}"]), [other]);
    } finally {
      await client.close();
    }
  });
});

Deno.test("control client: close() ends the tmux client process (no zombie)", async () => {
  await withTestServer(async (t) => {
    const client = new ControlClient(t.server);
    await client.run(["list-sessions"]);
    const pid = client.pid;
    assert.ok(pid);
    assert.equal(exists(`/proc/${pid}`), true);
    await client.close();
    assert.equal(exists(`/proc/${pid}`), false, "process reaped");
  });
});

Deno.test("control client: no server -> fast TmuxUnavailableError, no server started, backoff", async () => {
  const name = randomServerName();
  const clock = new ManualClock();
  const events: ControlClientEvent[] = [];
  const client = new ControlClient({ socketName: name }, {
    clock,
    onEvent: (e) => events.push(e),
  });
  try {
    const start = performance.now();
    await assert.rejects(client.run(["list-sessions"]), TmuxUnavailableError);
    assert.ok(performance.now() - start < 1000);
    assert.deepEqual(events.map((e) => e.kind), ["reconnect-scheduled"]);
    assert.equal((events[0] as { delayMs: number }).delayMs, 100);

    // During backoff: immediate rejection, no new attempt.
    await assert.rejects(
      client.run(["list-sessions"]),
      (e) => e instanceof TmuxUnavailableError && /retrying in 100 ms/.test(e.message),
    );
    assert.equal(events.length, 1);

    clock.advance(100);
    await assert.rejects(client.run(["list-sessions"]), TmuxUnavailableError);
    assert.equal((events[1] as { delayMs: number }).delayMs, 200);
    for (let i = 0; i < 10; i++) {
      clock.advance(10_000);
      await assert.rejects(client.run(["list-sessions"]), TmuxUnavailableError);
    }
    assert.equal((events.at(-1) as { delayMs: number }).delayMs, 5000);

    assert.equal(exists(defaultSocketPath(name)), false, "no socket created");
    assert.notEqual((await tmuxRaw(name, ["list-sessions"])).code, 0, "no server running");
  } finally {
    await client.close();
    await killTestServer(name);
  }
});

Deno.test("control client: kill-server mid-use settles, then reconnects by itself", async () => {
  const t = await startTestServer();
  const events: ControlClientEvent[] = [];
  const client = new ControlClient(t.server, {
    minBackoffMs: 20,
    maxBackoffMs: 100,
    onEvent: (e) => events.push(e),
  });
  try {
    await client.run(["list-sessions"]);
    const firstPid = client.pid;
    // A command that blocks until signalled; then the server is killed under it. tmux may still
    // complete it (it finishes commands on shutdown) or the connection drops: either way it must
    // settle promptly, never hang.
    const blocked = client.run(["wait-for", "never-signalled"], { timeoutMs: 20_000 }).then(
      () => "resolved",
      (e) => (e instanceof TmuxUnavailableError ? "unavailable" : `other: ${e}`),
    );
    const start = performance.now();
    await t.kill();
    assert.match(await blocked, /^(resolved|unavailable)$/);
    assert.ok(performance.now() - start < 2000, "settled promptly");
    await waitFor("disconnected event", () => events.some((e) => e.kind === "disconnected"));
    await assert.rejects(client.run(["list-sessions"]), TmuxUnavailableError);

    // Same socket name, new server: the client finds it by itself.
    const t2 = await startTestServer({ name: t.name });
    try {
      const sessions = await waitFor(
        "reconnect",
        () => client.run(["list-sessions", "-F", "#{session_name}"]),
        { timeoutMs: 5000 },
      );
      assert.deepEqual(sessions.sort(), ["base"]);
      assert.notEqual(client.pid, firstPid);
      assert.equal(events.filter((e) => e.kind === "connected").length, 2);
    } finally {
      await client.close();
      await t2.kill();
    }
  } finally {
    await client.close();
    await t.kill();
  }
});

Deno.test("control client: server killed by SIGKILL -> pending commands reject", async () => {
  await withTestServer(async (t) => {
    const client = new ControlClient(t.server);
    try {
      await client.run(["list-sessions"]);
      const blocked = client.run(["wait-for", "never-signalled"], { timeoutMs: 20_000 });
      const start = performance.now();
      Deno.kill(t.pid, "SIGKILL");
      await assert.rejects(
        blocked,
        (e) => e instanceof TmuxUnavailableError && /connection lost/.test(e.message),
      );
      assert.ok(performance.now() - start < 2000, "rejected promptly");
      await assert.rejects(client.run(["list-sessions"]), TmuxUnavailableError);
    } finally {
      await client.close();
    }
  });
});

Deno.test("control client: stopped server -> command times out, pending fail at once", async () => {
  await withTestServer(async (t) => {
    const client = new ControlClient(t.server, { timeoutMs: 400 });
    await client.run(["list-sessions"]);
    Deno.kill(t.pid, "SIGSTOP");
    const safety = setTimeout(() => Deno.kill(t.pid, "SIGCONT"), 5000);
    try {
      const start = performance.now();
      const slow = client.run(["list-sessions"], { timeoutMs: 3000 });
      const fast = client.run(["list-sessions"], { timeoutMs: 300 });
      await assert.rejects(
        fast,
        (e) =>
          e instanceof TmuxUnavailableError &&
          e.message === "Tmux command timed out: list-sessions after 300 ms",
      );
      await assert.rejects(
        slow,
        (e) => e instanceof TmuxUnavailableError && /connection lost/.test(e.message),
      );
      const elapsed = performance.now() - start;
      assert.ok(elapsed < 1000, `both rejected after ${elapsed} ms`);
      // Reconnecting while the server is stopped fails within the connect timeout, then backs off.
      const start2 = performance.now();
      await assert.rejects(client.run(["list-sessions"]), TmuxUnavailableError);
      assert.ok(performance.now() - start2 < 1500);
      await assert.rejects(client.run(["list-sessions"]), /retrying in/);
    } finally {
      clearTimeout(safety);
      Deno.kill(t.pid, "SIGCONT");
    }
    try {
      const lines = await waitFor("reconnect after SIGCONT", () => client.run(["list-sessions"]));
      assert.ok(lines.length >= 1);
    } finally {
      await client.close();
    }
  });
});

Deno.test("control client: concurrent first calls share one connection attempt", async () => {
  await withTestServer(async (t) => {
    const events: ControlClientEvent[] = [];
    const client = new ControlClient(t.server, { onEvent: (e) => events.push(e) });
    try {
      const results = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) =>
            i % 5 === 4
              ? client.run(["no-such-command"]).then(() => "ok", (e) => e.name)
              : client.run(["display-message", "-p", `r${i}`]).then((r) => r[0]),
        ),
      );
      results.forEach((r, i) => assert.equal(r, i % 5 === 4 ? "TmuxCommandError" : `r${i}`));
      assert.deepEqual(events.map((e) => e.kind), ["connected"]);
    } finally {
      await client.close();
    }
  });
});

Deno.test("control client: close() while the server is stopped still finishes", async () => {
  await withTestServer(async (t) => {
    const client = new ControlClient(t.server);
    await client.run(["list-sessions"]);
    const pid = client.pid!;
    Deno.kill(t.pid, "SIGSTOP");
    const safety = setTimeout(() => Deno.kill(t.pid, "SIGCONT"), 5000);
    try {
      const start = performance.now();
      await client.close();
      assert.ok(performance.now() - start < 3000, "close is bounded");
      assert.equal(exists(`/proc/${pid}`), false, "tmux client reaped");
    } finally {
      clearTimeout(safety);
      Deno.kill(t.pid, "SIGCONT");
    }
  });
});

Deno.test("control client: pane output never reaches the client (no-output)", async () => {
  await withTestServer(async (t) => {
    const names: string[] = [];
    const client = new ControlClient(t.server, { onNotification: (n) => names.push(n.name) });
    try {
      await client.run(["list-sessions"]);
      const pane = (await client.run(["display-message", "-p", "-t", "=base:", "#{pane_id}"]))[0];
      await client.run(["send-keys", "-t", pane, "-l", "--", "x".repeat(500)]);
      await client.run(["send-keys", "-t", pane, "Enter"]);
      await waitFor("echo", async () => {
        const lines = await client.run(["capture-pane", "-p", "-t", pane]);
        return lines.filter((l) => l.startsWith("xxxx")).length >= 2;
      });
      await client.run(["list-sessions"]);
      assert.ok(!names.includes("output") && !names.includes("extended-output"), String(names));
    } finally {
      await client.close();
    }
  });
});
