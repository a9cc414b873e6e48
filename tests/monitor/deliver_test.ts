/**
 * Reliable delivery against a fake agent pane and a manual clock (no sleeps).
 */
import assert from "node:assert/strict";
import { loadProfiles } from "../../src/agents/profiles.ts";
import { cleanMessage, deliver, type DeliverOptions } from "../../src/notify/deliver.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { FakeTmux } from "./fake_tmux.ts";

const CLAUDE = loadProfiles().get("claude")!;

function setup() {
  const clock = new ManualClock();
  const tmux = new FakeTmux(clock);
  const pane = tmux.add({ paneId: "%3", role: "agent" }, { app: true });
  const options: DeliverOptions = {
    profile: CLAUDE,
    clock,
    sleep: (ms) => {
      clock.advance(Math.max(ms, 1));
      return Promise.resolve();
    },
  };
  return { clock, tmux, pane, app: pane.app!, options };
}

Deno.test("deliver: typed literally, one Enter, verified", async () => {
  const { tmux, app, options } = setup();
  const text = `a; b $(whoami) \`id\` 'q' "dq" C-c Enter ünïcödé 日本語 ✓`;
  const report = await deliver(tmux, "%3", text, options);
  assert.equal(report.status, "delivered");
  assert.equal(report.verified, true);
  assert.equal(report.enters, 1);
  assert.equal(report.method, "literal");
  assert.deepEqual(app.received, [text]);
  const sends = tmux.callsOf("send-keys");
  assert.deepEqual(sends[0], ["send-keys", "-l", "-t", "%3", "--", text]);
  assert.deepEqual(sends[1], ["send-keys", "-t", "%3", "Enter"]);
});

Deno.test("deliver: a swallowed Enter is pressed again", async () => {
  const { tmux, app, options } = setup();
  app.swallow = 2;
  const report = await deliver(tmux, "%3", "hello PM", options);
  assert.equal(report.status, "delivered");
  assert.equal(report.enters, 3);
  assert.deepEqual(app.received, ["hello PM"]);
});

Deno.test("deliver: every Enter swallowed → failed, bounded in time, text typed once", async () => {
  const { tmux, app, options, clock } = setup();
  app.swallow = 100;
  const t0 = clock.monotonic();
  const report = await deliver(tmux, "%3", "hello PM", { ...options, timeoutMs: 2000 });
  assert.equal(report.status, "failed");
  assert.match(report.reason!, /^Text still in the input box after 3 Enter presses$/);
  assert.ok(clock.monotonic() - t0 <= 2100, `took ${clock.monotonic() - t0} ms`);
  assert.equal(tmux.callsOf("send-keys").filter((c) => c.includes("-l")).length, 1);
  assert.deepEqual(app.received, []);
});

Deno.test("deliver: no input box (a permission dialog) → nothing typed", async () => {
  const { tmux, app, options } = setup();
  app.dialog = true;
  const report = await deliver(tmux, "%3", "1", options);
  assert.equal(report.status, "failed");
  assert.equal(report.reason, "No input box visible");
  assert.equal(report.untouched, true);
  assert.deepEqual(tmux.callsOf("send-keys"), []);
  assert.equal(app.dialog, true, "the prompt was not answered");
});

Deno.test("deliver: multi-line text is pasted; control characters are dropped", async () => {
  const { tmux, options } = setup();
  const report = await deliver(tmux, "%3", "line one\r\nline two\x03\x1b[A", options);
  assert.equal(report.method, "paste");
  assert.deepEqual(tmux.callsOf("set-buffer")[0].slice(-1), ["line one\nline two[A"]);
  assert.ok(tmux.callsOf("paste-buffer")[0].includes("-p"), "bracketed paste");
  assert.equal(cleanMessage("a\tb\u0007c\u009b"), "a  bc");
});

Deno.test("deliver: without a profile, typed and sent unverified", async () => {
  const { tmux, app, options } = setup();
  const report = await deliver(tmux, "%3", "ls", { ...options, profile: undefined });
  assert.equal(report.status, "delivered");
  assert.equal(report.verified, false);
  assert.deepEqual(app.received, ["ls"]);
  assert.deepEqual(tmux.callsOf("capture-pane"), []);
});

Deno.test("deliver: an empty message or a missing pane fails with a reason", async () => {
  const { tmux, options } = setup();
  const empty = await deliver(tmux, "%3", " \x07 \n", options);
  assert.equal(empty.status, "failed");
  assert.equal(empty.reason, "Message is empty");
  const gone = await deliver(tmux, "%9", "hi", options);
  assert.equal(gone.status, "failed");
  assert.equal(gone.reason, "Cannot read the pane");
});
