/**
 * The outbox worker against real HTTP servers on 127.0.0.1 (and a real program for `exec`):
 * each type's wire format, retries on 503 and on 429 with `Retry-After`, dead letters (after the
 * last try, or at once for an answer that will not change), a hanging channel that holds up
 * nothing else, and secrets that never reach the outbox or the events.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { getLogger } from "@logtape/logtape";
import { parseChannels } from "../../src/channels/parse.ts";
import type { Channel, Notice } from "../../src/channels/types.ts";
import { parseConfigText } from "../../src/config/mod.ts";
import { OutboxWorker, type OutboxWorkerDeps } from "../../src/outbox/worker.ts";
import { outboxProblems, outboxStatus } from "../../src/outbox/status.ts";
import { enqueueNotice, getNotice, listNotices } from "../../src/store/outbox.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { pidAlive, waitFor } from "../helpers/mod.ts";
import { TestServer } from "./http_server.ts";

const logger = getLogger(["tmux-orc-test", "outbox"]);

function notice(id: string, over: Partial<Notice> = {}): Notice {
  return {
    id,
    event: "escalation",
    channel: "x",
    host: "box1",
    agent: "backend",
    pane_id: "%3",
    session: "prod",
    state: "waiting",
    detail: "Allow edit to <main.ts>? @everyone *bold*",
    since: "2026-01-01T03:00:00.000Z",
    duration_s: 900,
    pm: "%1",
    pm_state: "rate_limited",
    reason: "its PM (%1) is rate-limited",
    text:
      "[tmux-orc] backend (%3) on box1 has been waiting on a prompt for 15m: <main.ts>? @everyone",
    created_at: "2026-01-01T03:15:00.000Z",
    ...over,
  };
}

async function channels(toml: string): Promise<Channel[]> {
  return (await parseChannels(parseConfigText(toml, { path: "/t/c.toml" }))).filter((c) =>
    c.type !== "pm"
  );
}

/** A store in a temp dir, a worker over it, and cleanup. */
async function rig(
  list: Channel[],
  options: { perChannel?: number; onOutcome?: OutboxWorkerDeps["onOutcome"] } = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-outbox-" });
  const store = openStore(`${dir}/db`);
  const worker = new OutboxWorker({
    access: (fn) => fn(store),
    channels: list,
    logger,
    pollMs: 20,
    perChannel: options.perChannel,
    onOutcome: options.onOutcome,
  });
  const add = (channel: string, n: Notice) =>
    enqueueNotice(store, { id: n.id, channel, createdAt: Date.now(), notice: { ...n, channel } });
  return {
    dir,
    store,
    worker,
    add,
    async cleanup() {
      await worker.close(500);
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function status(store: Store, id: string) {
  return getNotice(store, id)?.status;
}

Deno.test("outbox: every channel type's wire format, delivered once and recorded", async () => {
  const server = new TestServer();
  const dir = await Deno.makeTempDir();
  const script = `${dir}/page.sh`;
  await Deno.writeTextFile(
    script,
    '#!/bin/sh\ncat > "$1"\nprintf %s "$TMUX_ORC_NOTICE_ID" > "$1.id"\n',
  );
  await Deno.chmod(script, 0o700);
  const list = await channels(`
[[channels]]
type = "webhook"
url = "${server.url("/hook")}"
secret = "hmac-secret-1"
token = "bearer-token-1"
[[channels]]
type = "slack"
url = "${server.url("/slack")}"
[[channels]]
type = "discord"
url = "${server.url("/discord")}"
[[channels]]
type = "teams"
url = "${server.url("/teams")}"
[[channels]]
type = "ntfy"
url = "${server.url("/my-topic")}"
token = "tk_ntfy_1"
[[channels]]
type = "exec"
command = ["${script}", "${dir}/out.json"]
`);
  const r = await rig(list);
  try {
    for (const c of list) r.add(c.name, notice(`id-${c.name}`));
    r.worker.pass();
    await r.worker.settled();
    for (const c of list) assert.equal(status(r.store, `id-${c.name}`), "delivered", c.name);
    const by = (path: string) => {
      const found = server.received.filter((q) => q.path === path);
      assert.equal(found.length, 1, path);
      return found[0];
    };
    const hook = by("/hook");
    const body = JSON.parse(hook.body);
    for (const key of ["id", "host", "agent", "pane_id", "session", "state", "detail", "since"]) {
      assert.ok(key in body, key);
    }
    assert.equal(body.id, "id-webhook");
    assert.equal(hook.headers.get("idempotency-key"), "id-webhook");
    assert.equal(hook.headers.get("authorization"), "Bearer bearer-token-1");
    const expected = `sha256=${
      createHmac("sha256", "hmac-secret-1").update(hook.body).digest("hex")
    }`;
    assert.equal(hook.headers.get("x-tmux-orc-signature"), expected);
    const slack = JSON.parse(by("/slack").body);
    assert.match(slack.text, /&lt;main\.ts&gt;/);
    assert.equal(slack.blocks[0].type, "section");
    const discord = JSON.parse(by("/discord").body);
    assert.deepEqual(discord.allowed_mentions, { parse: [] });
    assert.match(discord.content, /waiting on a prompt/);
    const teams = JSON.parse(by("/teams").body);
    assert.equal(teams.attachments[0].contentType, "application/vnd.microsoft.card.adaptive");
    assert.equal(teams.attachments[0].content.type, "AdaptiveCard");
    const ntfy = by("/my-topic");
    assert.equal(ntfy.headers.get("title"), "tmux-orc: backend is waiting on a prompt");
    assert.equal(ntfy.headers.get("priority"), "high");
    assert.equal(ntfy.headers.get("tags"), "warning");
    assert.equal(ntfy.headers.get("authorization"), "Bearer tk_ntfy_1");
    assert.match(ntfy.body, /^\[tmux-orc\] backend/);
    const exec = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
    assert.equal(exec.id, "id-exec");
    assert.equal(await Deno.readTextFile(`${dir}/out.json.id`), "id-exec");
    const events = r.store.listEvents({ kinds: ["notification"] });
    assert.equal(events.length, list.length);
    assert.ok(events.every((e) => e.delivery === "delivered" && e.extra?.attempts === 1));
    // Another pass: nothing is sent again.
    r.worker.pass();
    await r.worker.settled();
    assert.equal(server.received.length, 5);
  } finally {
    await r.cleanup();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("outbox: 503 is retried with backoff until delivered, same id every try", async () => {
  const server = new TestServer();
  server.respond = (_, i) => i < 2 ? { status: 503 } : { status: 200 };
  const list = await channels(
    `[[channels]]\ntype = "webhook"\nurl = "${server.url()}"\nbackoff = "50ms"\n`,
  );
  const outcomes: string[] = [];
  const r = await rig(list, {
    onOutcome: (o) => outcomes.push(`${o.channel}/${o.state}/${o.outcome}`),
  });
  try {
    r.add("webhook", notice("n1"));
    r.worker.start();
    await waitFor(() => status(r.store, "n1") === "delivered", { timeoutMs: 5000 });
    assert.equal(server.received.length, 3);
    // What the metrics' notifications counter hears: two retries, then the delivery.
    const state = notice("n1").state;
    assert.deepEqual(outcomes, [
      `webhook/${state}/retry`,
      `webhook/${state}/retry`,
      `webhook/${state}/delivered`,
    ]);
    assert.deepEqual(server.received.map((q) => q.headers.get("idempotency-key")), [
      "n1",
      "n1",
      "n1",
    ]);
    assert.equal(getNotice(r.store, "n1")?.attempts, 3);
    const gaps = [1, 2].map((i) => server.received[i].at - server.received[i - 1].at);
    assert.ok(gaps[0] >= 35 && gaps[1] >= 70, `backoff doubles: ${gaps}`);
    const events = r.store.listEvents({ kinds: ["notification"] });
    assert.deepEqual(events.map((e) => e.delivery), ["delivered"]);
  } finally {
    await r.cleanup();
    await server.close();
  }
});

Deno.test("outbox: 429 with Retry-After waits as long as asked", async () => {
  const server = new TestServer();
  server.respond = (_, i) =>
    i === 0 ? { status: 429, headers: { "Retry-After": "1" } } : { status: 204 };
  const list = await channels(
    `[[channels]]\ntype = "slack"\nurl = "${server.url()}"\nbackoff = "10ms"\n`,
  );
  const r = await rig(list);
  try {
    r.add("slack", notice("n429"));
    r.worker.start();
    await waitFor(() => status(r.store, "n429") === "delivered", { timeoutMs: 5000 });
    assert.equal(server.received.length, 2);
    const gap = server.received[1].at - server.received[0].at;
    assert.ok(gap >= 950, `retried after ${gap} ms, asked 1000`);
  } finally {
    await r.cleanup();
    await server.close();
  }
});

Deno.test("outbox: dead letter after the last try, at once on 404; in events and status", async () => {
  const server = new TestServer();
  server.respond = (q) =>
    q.path === "/gone" ? { status: 404, body: "no_service" } : { status: 503 };
  const list = await channels(`
[[channels]]
type = "discord"
name = "down"
url = "${server.url("/down")}"
backoff = "10ms"
max_tries = 3
[[channels]]
type = "slack"
name = "revoked"
url = "${server.url("/gone")}"
`);
  const r = await rig(list);
  try {
    r.add("down", notice("d1"));
    r.add("revoked", notice("d2"));
    r.add("removed", notice("d3"));
    r.worker.start();
    await waitFor(() => ["d1", "d2", "d3"].every((id) => status(r.store, id) === "dead"), {
      timeoutMs: 5000,
    });
    assert.equal(server.received.filter((q) => q.path === "/down").length, 3);
    assert.equal(server.received.filter((q) => q.path === "/gone").length, 1);
    const rows = new Map(listNotices(r.store).map((row) => [row.id, row]));
    assert.match(rows.get("d1")!.lastError!, /HTTP 503.*after 3 tries/);
    assert.match(rows.get("d2")!.lastError!, /HTTP 404.*no_service.*not retried/);
    assert.match(rows.get("d3")!.lastError!, /disabled or no longer configured/);
    const dead = r.store.listEvents({ kinds: ["notification"] });
    assert.equal(dead.length, 3);
    assert.ok(dead.every((e) => e.delivery === "failed" && e.extra?.dead_letter === true));
    assert.ok(dead.every((e) => /dead letter/.test(e.detail)));
    const summary = outboxStatus(`${r.dir}/db`, Date.now());
    assert.equal(summary?.dead_24h, 3);
    assert.equal(summary?.pending, 0);
    const problems = outboxProblems(summary!);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^3 notices could not be delivered in the last 24 h/);
  } finally {
    await r.cleanup();
    await server.close();
  }
});

Deno.test("outbox: a hanging channel holds up neither the caller nor the other channels", async () => {
  const server = new TestServer();
  server.respond = (q) => q.path === "/hang" ? "hang" : { status: 200 };
  const list = await channels(`
[[channels]]
type = "webhook"
name = "hang"
url = "${server.url("/hang")}"
timeout = "400ms"
backoff = "10s"
[[channels]]
type = "webhook"
name = "fast"
url = "${server.url("/fast")}"
`);
  const r = await rig(list, { perChannel: 1 });
  try {
    for (let i = 0; i < 3; i++) r.add("hang", notice(`h${i}`));
    r.add("fast", notice("f1"));
    r.worker.pass(); // returns at once: the tries run apart
    assert.equal(r.worker.inFlight, 2, "one per channel (perChannel = 1)");
    await waitFor(() => status(r.store, "f1") === "delivered", { timeoutMs: 2000 });
    assert.equal(status(r.store, "h0"), "pending");
    assert.equal(r.worker.inFlight, 1, "the hanging try is still in flight");
    await waitFor(() => getNotice(r.store, "h0")?.attempts === 1, { timeoutMs: 3000 });
    const row = getNotice(r.store, "h0")!;
    assert.match(row.lastError!, /No answer within 0.4 s/);
    assert.ok(row.nextAt > Date.now() + 5000, "next try after the backoff");
  } finally {
    await r.cleanup();
    await server.close();
  }
});

Deno.test("outbox: exec runs argv without a shell and is killed by pid on timeout", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/slow.sh`;
  await Deno.writeTextFile(script, `#!/bin/sh\necho $$ > "${dir}/pid"\nexec sleep 30\n`);
  await Deno.chmod(script, 0o700);
  const list = await channels(`
[[channels]]
type = "exec"
name = "slow"
command = ["${script}"]
timeout = "300ms"
max_tries = 1
[[channels]]
type = "exec"
name = "literal"
command = ["/bin/echo", "$(touch ${dir}/pwned); *"]
[[channels]]
type = "exec"
name = "missing"
command = ["/nonexistent/notifier"]
`);
  const r = await rig(list);
  try {
    r.add("slow", notice("e1"));
    r.add("literal", notice("e2"));
    r.add("missing", notice("e3"));
    r.worker.pass();
    await r.worker.settled();
    const pid = Number(await Deno.readTextFile(`${dir}/pid`));
    assert.ok(!pidAlive(pid), "the program was killed");
    assert.equal(status(r.store, "e1"), "dead");
    assert.match(getNotice(r.store, "e1")!.lastError!, /did not finish within 0.3 s/);
    assert.equal(status(r.store, "e2"), "delivered");
    assert.ok(!(await Deno.stat(`${dir}/pwned`).then(() => true, () => false)), "no shell");
    assert.equal(status(r.store, "e3"), "dead");
    assert.match(getNotice(r.store, "e3")!.lastError!, /Cannot run \/nonexistent\/notifier/);
  } finally {
    await r.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("outbox: a secret URL never reaches the outbox, the events or the error", async () => {
  const server = new TestServer();
  // A receiver that echoes the request path in its error, as some webhook services do.
  server.respond = (q) => ({ status: 404, body: `no webhook at ${server.url(q.path)}` });
  const secretPath = "/services/T0SECRET/B0SECRET/xoxb-verysecret-123";
  Deno.env.set("TMUX_ORC_TEST_SLACK_URL", server.url(secretPath));
  try {
    const list = await channels(
      '[[channels]]\ntype = "slack"\nurl = "env:TMUX_ORC_TEST_SLACK_URL"\n',
    );
    const r = await rig(list);
    try {
      r.add("slack", notice("s1"));
      r.worker.start();
      await waitFor(() => status(r.store, "s1") === "dead", { timeoutMs: 5000 });
      assert.equal(server.received[0].path, secretPath, "the secret URL was used");
      const row = getNotice(r.store, "s1")!;
      assert.match(row.lastError!, /HTTP 404.*no webhook at \[redacted\]/);
      const events = JSON.stringify(r.store.listEvents({}));
      for (const text of [row.lastError!, events, JSON.stringify(listNotices(r.store))]) {
        assert.ok(!text.includes("verysecret"), text);
        assert.ok(!text.includes("T0SECRET"), text);
      }
    } finally {
      await r.cleanup();
    }
  } finally {
    Deno.env.delete("TMUX_ORC_TEST_SLACK_URL");
    await server.close();
  }
});
