/**
 * Human channels inside the monitor cycle (fake tmux, manual clock, real store, real HTTP
 * server): escalation after `escalate_after` when the PM was told, at once when the PM cannot
 * receive, the outbox written in the cycle, and a hanging channel that never holds up a cycle.
 */
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import type { ProcessTable } from "../../src/actions/pane_processes.ts";
import { parseChannels } from "../../src/channels/parse.ts";
import { parseConfigText } from "../../src/config/mod.ts";
import { Monitor } from "../../src/monitor/monitor.ts";
import { enqueueNotice, listNotices } from "../../src/store/outbox.ts";
import { openStore } from "../../src/store/store.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { waitFor } from "../helpers/mod.ts";
import { FakeTmux } from "../monitor/fake_tmux.ts";
import { TestServer } from "./http_server.ts";

const logger = getLogger(["tmux-orc-test", "outbox"]);
const noProcesses: ProcessTable = { sessionMembers: () => [], signal: () => {} };

async function rig(toml: string) {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-channels-" });
  const store = openStore(`${dir}/db`);
  const reader = openStore(`${dir}/db`, { readonly: true });
  const clock = new ManualClock();
  const tmux = new FakeTmux(clock);
  const pm = tmux.add({ paneId: "%0", role: "pm", name: "boss", windowIndex: 0 }, { app: true });
  const alpha = tmux.add(
    { paneId: "%1", role: "agent", name: "alpha", windowIndex: 1, windowName: "alpha" },
    { app: true },
  );
  const channels = await parseChannels(parseConfigText(toml, { path: `${dir}/c.toml` }));
  const monitor = new Monitor({
    tmux,
    clock,
    logger,
    processes: noProcesses,
    store,
    options: { idleAfterMs: 15_000 },
    sleep: (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    },
    processFacts: () => Promise.resolve(undefined),
    channels,
    outbox: { pollMs: 20 },
  });
  return {
    clock,
    tmux,
    pm: pm.app!,
    alpha: alpha.app!,
    monitor,
    notices: () => listNotices(reader),
    tick: (ms = 10_000) => {
      clock.advance(ms);
      return monitor.cycle();
    },
    async cleanup() {
      await monitor.close();
      reader.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("channels in the monitor: escalated 10m after the PM was told, once; resolved after", async () => {
  const server = new TestServer();
  const r = await rig(`
[[channels]]
type = "webhook"
name = "oncall"
url = "${server.url("/oncall")}"
escalate_after = "10m"
`);
  try {
    await r.tick();
    r.tmux.touch("%1", (p) => p.app!.dialog = true);
    for (let i = 0; i < 3 && r.pm.received.length === 0; i++) await r.tick();
    assert.equal(r.pm.received.length, 1, "the PM was told first");
    for (let i = 0; i < 5; i++) await r.tick(60_000);
    assert.equal(r.notices().length, 0, "not before escalate_after");
    for (let i = 0; i < 6; i++) await r.tick(60_000);
    assert.equal(r.notices().length, 1);
    await waitFor(() => r.notices()[0].status === "delivered", { timeoutMs: 3000 });
    const body = JSON.parse(server.received[0].body);
    assert.equal(body.event, "escalation");
    assert.equal(body.agent, "alpha");
    assert.equal(body.state, "waiting");
    assert.match(body.reason, /its PM \(%0\) was told 1\dm ago and nothing changed/);
    for (let i = 0; i < 3; i++) await r.tick(60_000);
    assert.equal(r.notices().length, 1, "once per episode");
    r.tmux.touch("%1", (p) => p.app!.dialog = false);
    await r.tick();
    await r.tick();
    await waitFor(() => r.notices().length === 2 && r.notices()[1].status === "delivered", {
      timeoutMs: 3000,
    });
    assert.equal(JSON.parse(server.received[1].body).event, "resolved");
  } finally {
    await r.cleanup();
    await server.close();
  }
});

Deno.test("channels in the monitor: a PM that cannot receive escalates at once; a hanging channel holds up no cycle", async () => {
  const server = new TestServer();
  server.respond = () => "hang";
  const r = await rig(`
[[channels]]
type = "slack"
url = "${server.url("/slack")}"
escalate_after = "1h"
timeout = "30s"
`);
  try {
    await r.tick();
    r.tmux.touch("%0", (p) => p.app!.dialog = true);
    await r.tick();
    r.tmux.touch("%1", (p) => p.app!.banner = ["", "  ⎿  API Error: 500 internal"]);
    await r.tick();
    await r.tick();
    await waitFor(() => server.received.length >= 1, { timeoutMs: 3000 });
    assert.match(
      JSON.parse(server.received[0].body).text,
      /alpha \(%1\) on .* has been error .* its PM \(%0\) is waiting on a prompt: API Error/,
    );
    // The request hangs; cycles still complete, one after another.
    const before = server.received.length;
    for (let i = 0; i < 5; i++) {
      const result = await r.tick();
      assert.equal(result.agents, 2);
    }
    assert.equal(server.received.length, before, "no second try while the first hangs");
    // The PM itself (no PM of its own) waits less than escalate_after: not yet.
    assert.deepEqual(r.notices().map((n) => [n.notice.agent, n.status]), [["alpha", "pending"]]);
    server.release();
    await waitFor(() => r.notices().every((n) => n.status === "delivered"), { timeoutMs: 3000 });
  } finally {
    await r.cleanup();
    await server.close();
  }
});

Deno.test("channels in the monitor: notices left for a channel no longer configured are dead letters at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-channels-" });
  try {
    const earlier = openStore(`${dir}/db`);
    const at = Date.UTC(2026, 0, 1);
    for (const channel of ["gone", "kept"]) {
      enqueueNotice(earlier, { id: `n-${channel}`, channel, createdAt: at, notice: { text: "x" } });
    }
    earlier.close();
    const toml = `[[channels]]\ntype = "webhook"\nname = "kept"\nurl = "http://127.0.0.1:9/"\n` +
      `enabled = false\n`;
    const clock = new ManualClock();
    const monitor = new Monitor({
      tmux: new FakeTmux(clock),
      clock,
      logger,
      processes: noProcesses,
      store: openStore(`${dir}/db`),
      channels: await parseChannels(parseConfigText(toml, { path: `${dir}/c.toml` })),
    });
    await monitor.close();
    const store = openStore(`${dir}/db`, { readonly: true });
    try {
      const rows = listNotices(store);
      assert.deepEqual(rows.map((r) => [r.id, r.status]), [["n-gone", "dead"], ["n-kept", "dead"]]);
      assert.match(rows[0].lastError!, /disabled or no longer configured/);
      assert.equal(store.listEvents({ kinds: ["notification"] }).length, 2);
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
