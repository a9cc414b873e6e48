/** The harness itself: the mock server, SSE framing, real panes with an exact environment. */
import assert from "node:assert/strict";
import { pidAlive } from "../helpers/mod.ts";
import { jsonResponse, RealPane, sseResponse, startMockServer } from "./harness/mod.ts";

Deno.test("harness: the mock server listens on 127.0.0.1 only and records requests", async () => {
  const mock = await startMockServer((_req, { recorded }) =>
    jsonResponse({ echo: recorded.body, path: recorded.path })
  );
  try {
    assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${mock.url}/v1/x?y=1`, {
      method: "POST",
      body: JSON.stringify({ a: 1 }),
      headers: { "x-test": "yes" },
    });
    assert.deepEqual(await res.json(), { echo: { a: 1 }, path: "/v1/x" });
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0].search, "?y=1");
    assert.equal(mock.requests[0].headers["x-test"], "yes");
  } finally {
    await mock.close();
  }
});

Deno.test("harness: SSE frames arrive in order, spaced by the delay", async () => {
  const mock = await startMockServer((_req, { signal }) =>
    sseResponse([{ event: "a", data: { n: 1 } }, { data: "two" }], { delayMs: 150, signal })
  );
  try {
    const started = performance.now();
    const text = await (await fetch(mock.url)).text();
    const elapsed = performance.now() - started;
    assert.equal(text, 'event: a\ndata: {"n":1}\n\ndata: two\n\n');
    assert.ok(elapsed >= 280, `frames came too fast: ${elapsed} ms`);
  } finally {
    await mock.close();
  }
});

Deno.test("harness: a pane gets exactly the env given, and close() ends what it started", async () => {
  const pane = await RealPane.start({
    argv: ["bash", "--norc", "--noprofile", "-c", "env | sort; trap '' HUP; sleep 600 & wait"],
    env: { PATH: "/usr/bin:/bin", HOME: "/tmp", ONLY_THIS: "1" },
  });
  let sleeper = 0;
  try {
    const screen = await pane.waitForScreen(/ONLY_THIS=1/, { timeoutMs: 5000 });
    const names = screen.split("\n").map((l) => l.split("=")[0]).filter((n) => /^[A-Z_]+$/.test(n));
    assert.deepEqual(names.filter((n) => !["PWD", "SHLVL", "_", "OLDPWD"].includes(n)), [
      "HOME",
      "ONLY_THIS",
      "PATH",
      "TERM",
    ]);
    const facts = await pane.facts();
    assert.equal(facts.dead, false);
    const children = await new Deno.Command("pgrep", {
      args: ["-s", String(facts.panePid), "sleep"],
    })
      .output();
    sleeper = Number(new TextDecoder().decode(children.stdout).trim().split("\n")[0]);
    assert.ok(sleeper > 0 && pidAlive(sleeper));
  } finally {
    await pane.close();
  }
  assert.equal(pidAlive(sleeper), false, "the pane's child outlived close()");
});
