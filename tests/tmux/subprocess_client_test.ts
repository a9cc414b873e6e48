import assert from "node:assert/strict";
import fc from "fast-check";
import {
  escapeArgvSeparator,
  isUnavailableMessage,
  splitOutputLines,
  SubprocessClient,
} from "../../src/tmux/subprocess_client.ts";
import { TmuxCommandError, TmuxUnavailableError } from "../../src/tmux/types.ts";
import {
  defaultSocketPath,
  exists,
  killTestServer,
  randomServerName,
  tmuxRaw,
  withTestServer,
} from "./test_server.ts";

Deno.test("subprocess client: splitOutputLines and isUnavailableMessage", () => {
  assert.deepEqual(splitOutputLines(""), []);
  assert.deepEqual(splitOutputLines("\n"), [""]);
  assert.deepEqual(splitOutputLines("a\nb\n"), ["a", "b"]);
  assert.deepEqual(splitOutputLines("a\n\nb"), ["a", "", "b"]);
  assert.equal(isUnavailableMessage("no server running on /tmp/tmux-0/x"), true);
  assert.equal(
    isUnavailableMessage("error connecting to /tmp/tmux-0/x (No such file or directory)"),
    true,
  );
  assert.equal(isUnavailableMessage("server exited unexpectedly"), true);
  assert.equal(isUnavailableMessage("can't find pane: %99"), false);
});

Deno.test("subprocess client: runs commands and maps tmux errors", async () => {
  await withTestServer(async (t) => {
    const client = new SubprocessClient(t.server);
    try {
      assert.deepEqual(await client.run(["display-message", "-p", "#{session_name}"]), ["base"]);
      assert.deepEqual(await client.run(["display-message", "-p", "é 💥 \t x"]), ["é 💥 \t x"]);
      assert.deepEqual(await client.run(["set-option", "-g", "@x", "1"]), []);
      await assert.rejects(
        client.run(["display-message", "-p", "-t", "%999", "#{pane_id}", "extra"]),
        (e) => e instanceof TmuxCommandError,
      );
      await assert.rejects(
        client.run(["no-such-command"]),
        (e) => e instanceof TmuxCommandError && /unknown command: no-such-command/.test(e.message),
      );
      await assert.rejects(client.run([]), TypeError);
      await assert.rejects(client.run(["display-message", "a\0b"]), TypeError);
    } finally {
      await client.close();
    }
  });
});

Deno.test("subprocess client: no server -> TmuxUnavailableError fast, no server started", async () => {
  const name = randomServerName();
  const client = new SubprocessClient({ socketName: name });
  try {
    const start = performance.now();
    await assert.rejects(
      client.run(["list-sessions"]),
      (e) => e instanceof TmuxUnavailableError && e.message.startsWith("Tmux server unavailable: "),
    );
    await assert.rejects(client.run(["list-panes", "-a"]), TmuxUnavailableError);
    assert.ok(performance.now() - start < 1000, "should fail fast");
    assert.equal(exists(defaultSocketPath(name)), false);
    assert.notEqual((await tmuxRaw(name, ["list-sessions"])).code, 0);
  } finally {
    await client.close();
    await killTestServer(name);
  }
});

Deno.test("subprocess client: -N keeps new-session from starting a server", async () => {
  const name = randomServerName();
  const client = new SubprocessClient({ socketName: name }, { noStartServer: true });
  try {
    await assert.rejects(client.run(["new-session", "-d", "-s", "x"]), TmuxUnavailableError);
    assert.equal(exists(defaultSocketPath(name)), false);
  } finally {
    await client.close();
    await killTestServer(name);
  }
});

Deno.test("subprocess client: missing tmux binary -> TmuxUnavailableError", async () => {
  const client = new SubprocessClient({ socketName: randomServerName() }, {
    tmuxPath: "/nonexistent/tmux",
  });
  await assert.rejects(
    client.run(["list-sessions"]),
    (e) => e instanceof TmuxUnavailableError && /not found/.test(e.message),
  );
  await client.close();
  await assert.rejects(client.run(["list-sessions"]), TmuxUnavailableError);
});

Deno.test("subprocess client: stopped server -> command times out within its timeout", async () => {
  await withTestServer(async (t) => {
    const client = new SubprocessClient(t.server, { timeoutMs: 300 });
    Deno.kill(t.pid, "SIGSTOP");
    // If the client hangs, resume the server after 5 s so the test fails instead of hanging.
    const safety = setTimeout(() => Deno.kill(t.pid, "SIGCONT"), 5000);
    try {
      const start = performance.now();
      await assert.rejects(
        client.run(["list-sessions"]),
        (e) =>
          e instanceof TmuxUnavailableError &&
          e.message === "Tmux command timed out: list-sessions after 300 ms",
      );
      const elapsed = performance.now() - start;
      assert.ok(elapsed >= 290 && elapsed < 1500, `elapsed ${elapsed} ms`);
    } finally {
      clearTimeout(safety);
      Deno.kill(t.pid, "SIGCONT");
      await client.close();
    }
    // The server works again afterwards.
    const again = new SubprocessClient(t.server);
    assert.deepEqual(await again.run(["display-message", "-p", "ok"]), ["ok"]);
    await again.close();
  });
});

Deno.test("subprocess client: escapeArgvSeparator", () => {
  assert.equal(escapeArgvSeparator("a"), "a");
  assert.equal(escapeArgvSeparator(";"), "\\;");
  assert.equal(escapeArgvSeparator("a;"), "a\\;");
  assert.equal(escapeArgvSeparator("a\\;"), "a\\\\;");
  assert.equal(escapeArgvSeparator("a;b"), "a;b");
});

Deno.test("subprocess client: argv words round-trip exactly (incl. trailing ;)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
  await withTestServer(async (t) => {
    const client = new SubprocessClient(t.server);
    const check = async (text: string) => {
      await client.run(["set-option", "-g", "--", "@tmux-orc-test", text]);
      const printed = await client.run(["display-message", "-p", "#{@tmux-orc-test}"]);
      assert.equal(printed.join("\n"), text, "display-message");
      if (text === "") return;
      await client.run(["set-buffer", "-b", "x", "--", text]);
      await client.run(["save-buffer", "-b", "x", `${dir}/b`]);
      assert.equal(await Deno.readTextFile(`${dir}/b`), text, "save-buffer");
    };
    try {
      for (const text of [";", "a;", "a\\;", "\\;", ";;", "x ;", "$(id) `id` ~ #{x} '\"\n\t"]) {
        await check(text);
      }
      const tricky = fc.constantFrom(..."; \\'\"$~#{}`\n\té💥".split(""));
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ unit: tricky, maxLength: 12 }),
            fc.string({ unit: "binary", maxLength: 12 }),
          ).filter((s) => !s.includes("\0") && s.isWellFormed()),
          check,
        ),
        { numRuns: 100 },
      );
    } finally {
      await client.close();
    }
  }).finally(() => Deno.remove(dir, { recursive: true }));
});
