/**
 * The outbox end to end, with the real CLI, a real monitor process, a private tmux server and a
 * real HTTP server on 127.0.0.1: a crashed agent's notice is tried during an outage (503), the
 * monitor is killed with SIGKILL, the receiver recovers, and after a restart the notice is
 * delivered exactly once. A channel whose webhook is revoked (404) ends as a dead letter that
 * `events` and `monitor status` show. The channel's secret URL is in none of the logs, events or
 * status.
 */
import assert from "node:assert/strict";
import { listNotices } from "../../src/store/outbox.ts";
import { openStore } from "../../src/store/store.ts";
import { pidAlive, tmux, waitFor } from "../helpers/mod.ts";
import { Sandbox } from "../helpers/sandbox.ts";
import { TestServer } from "./http_server.ts";

const SECRET = "hooksecret-7f3a9c";

function rows(dbPath: string) {
  try {
    const store = openStore(dbPath, { readonly: true });
    try {
      return listNotices(store);
    } finally {
      store.close();
    }
  } catch {
    return [];
  }
}

Deno.test("outbox e2e: kill -9 during an outage, then delivered exactly once after restart", async () => {
  const server = new TestServer();
  let outage = true;
  server.respond = (q) =>
    q.path.includes("revoked")
      ? { status: 404 }
      : outage
      ? { status: 503, body: `upstream down for ${q.path}` }
      : { status: 200 };
  const box = await Sandbox.create();
  try {
    await tmux(box.socket, ["set-option", "-g", "remain-on-exit", "on"]);
    const pane = (await tmux(box.socket, [
      "new-window",
      "-d",
      "-P",
      "-F",
      "#{pane_id}",
      "exit 3",
    ])).stdout.trim();
    const reg = await box.cli([
      "agent",
      "register",
      pane,
      "--name",
      "victim",
      "--profile",
      "claude",
    ]);
    assert.equal(reg.code, 0, reg.stderr);
    const config = `${box.dir}/config.toml`;
    await Deno.writeTextFile(
      config,
      `
[[channels]]
type = "webhook"
name = "oncall"
url = "env:TMUX_ORC_TEST_HOOK"
states = ["crashed"]
backoff = "200ms"
backoff_max = "400ms"
max_tries = 1000

[[channels]]
type = "slack"
name = "revoked"
url = "${server.url("/revoked")}"
states = ["crashed"]
`,
    );
    await Deno.chmod(config, 0o600);
    const env = { TMUX_ORC_TEST_HOOK: server.url(`/hook/${SECRET}`) };
    const args = ["monitor", "--interval", "0.2", "--config", config];
    const db = `${box.dir}/tmux-orc.db`;

    const first = box.spawn(args, { env });
    await waitFor(() => server.received.filter((q) => q.path.startsWith("/hook")).length >= 2, {
      timeoutMs: 20_000,
      what: "tries during the outage",
    });
    const during = rows(db).find((r) => r.channel === "oncall");
    assert.equal(during?.status, "pending");
    assert.ok((during?.attempts ?? 0) >= 1, "tries were counted in the store");
    Deno.kill(first.pid, "SIGKILL");
    await first.status;
    assert.ok(!pidAlive(first.pid));

    outage = false;
    const triesBefore = server.received.filter((q) => q.path.startsWith("/hook")).length;
    box.spawn(args, { env });
    await waitFor(() => rows(db).find((r) => r.channel === "oncall")?.status === "delivered", {
      timeoutMs: 20_000,
      what: "delivery after the restart",
    });
    // A few more cycles: nothing more arrives.
    const cycles = (await box.heartbeat())?.cycle ?? 0;
    await waitFor(async () => ((await box.heartbeat())?.cycle ?? 0) >= cycles + 5, {
      timeoutMs: 10_000,
    });
    const hooks = server.received.filter((q) => q.path.startsWith("/hook"));
    assert.equal(hooks.length, triesBefore + 1, "exactly one try after the restart");
    const ids = new Set(hooks.map((q) => q.headers.get("idempotency-key")));
    assert.equal(ids.size, 1, "every try carried the same id");
    assert.equal(JSON.parse(hooks.at(-1)!.body).id, [...ids][0]);
    assert.equal(JSON.parse(hooks.at(-1)!.body).agent, "victim");
    const oncallRows = rows(db).filter((r) => r.channel === "oncall");
    assert.equal(oncallRows.length, 1, "the restarted monitor planned no second notice");

    const events = JSON.parse(
      (await box.cli(["events", "--json", "--kind", "notification"])).stdout,
    );
    const delivered = events.filter((e: { extra: { channel?: string } | null; delivery: string }) =>
      e.extra?.channel === "oncall" && e.delivery === "delivered"
    );
    assert.equal(delivered.length, 1);
    const dead = events.filter((e: { extra: { dead_letter?: boolean } | null }) =>
      e.extra?.dead_letter
    );
    assert.equal(dead.length, 1);
    assert.match(dead[0].detail, /^revoked: dead letter: HTTP 404/);
    const listed = await box.cli(["events", "--kind", "notification"]);
    assert.match(listed.stdout, /victim .*delivered via oncall \(crashed\)/);
    assert.match(
      listed.stdout,
      /failed via revoked \(dead letter\) \(crashed\) +revoked: dead letter/,
    );
    const status = await box.cli(["monitor", "status", "--json"]);
    const report = JSON.parse(status.stdout);
    assert.equal(report.outbox.dead_24h, 1);
    assert.equal(report.outbox.pending, 0);
    assert.ok(
      report.problems.some((p: string) => /1 notice could not be delivered/.test(p)),
      status.stdout,
    );
    const text = await box.cli(["monitor", "status"]);
    assert.match(text.stdout, /Outbox: 0 notices pending, 1 dead letters in the last 24 h/);

    const logs = await Deno.readTextFile(`${box.dir}/logs/monitor.jsonl`);
    assert.match(logs, /try \d+ of notice/, "the failed tries were logged");
    assert.match(
      logs,
      /upstream down for \[redacted\]/,
      "the receiver's echo of the URL is redacted",
    );
    for (
      const [what, seen] of [["logs", logs], ["events", JSON.stringify(events)], [
        "status",
        status.stdout,
      ]]
    ) {
      assert.ok(!seen.includes(SECRET), `the secret is in the ${what}`);
    }
  } finally {
    await box.cleanup();
    await server.close();
  }
});

Deno.test("outbox e2e: monitor --once delivers what its cycle planned before it exits", async () => {
  const server = new TestServer();
  const box = await Sandbox.create();
  try {
    await tmux(box.socket, ["set-option", "-g", "remain-on-exit", "on"]);
    const pane = (await tmux(box.socket, ["new-window", "-d", "-P", "-F", "#{pane_id}", "exit 1"]))
      .stdout.trim();
    assert.equal((await box.cli(["agent", "register", pane, "--name", "w1"])).code, 0);
    const config = `${box.dir}/config.toml`;
    await Deno.writeTextFile(
      config,
      `[[channels]]\ntype = "discord"\nurl = "${server.url("/d")}"\nstates = ["crashed"]\n`,
    );
    await Deno.chmod(config, 0o600);
    await waitFor(async () => {
      const r = await box.cli(["monitor", "--once", "--config", config]);
      assert.equal(r.code, 0, r.stderr);
      return server.received.length > 0;
    }, { timeoutMs: 20_000, what: "the notice" });
    assert.equal(server.received.length, 1);
    assert.match(JSON.parse(server.received[0].body).content, /w1 \(%\d+\) on .* crashed/);
    assert.equal(rows(`${box.dir}/tmux-orc.db`)[0].status, "delivered");
  } finally {
    await box.cleanup();
    await server.close();
  }
});
