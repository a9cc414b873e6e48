/**
 * The status-line options' logic: the summary's words and order, writes only for changed values,
 * a failing tmux never rejects (logged once), and clear() unsets what was set. The real wiring
 * (a running monitor, a real tmux server) is proven in tests/e2e/status_line_test.ts.
 */
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import type { AgentState } from "../../src/agents/types.ts";
import { StatusLine, summaryText } from "../../src/monitor/status_line.ts";
import { type TmuxClient, TmuxCommandError } from "../../src/tmux/types.ts";

/** Records every command; fails them all while `failing`. */
class RecordingTmux implements TmuxClient {
  calls: string[][] = [];
  failing = false;
  run(args: readonly string[]): Promise<string[]> {
    this.calls.push([...args]);
    return this.failing
      ? Promise.reject(new TmuxCommandError("server exited unexpectedly"))
      : Promise.resolve([]);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("summary: attention first, short words, ⚠ or ✓, empty without agents", () => {
  assert.equal(
    summaryText(["active", "waiting", "rate_limited", "waiting", "active", "active"]),
    "⚠ 2 waiting · 1 limited · 3 active",
  );
  assert.equal(summaryText(["active", "active"]), "✓ 2 active");
  assert.equal(summaryText(["idle", "active", "rate_limited"]), "✓ 1 limited · 1 idle · 1 active");
  assert.equal(
    summaryText(["crashed", "stuck_input", "error", "unknown", "waiting"]),
    "⚠ 1 waiting · 1 stuck · 1 crashed · 1 error · 1 unknown",
  );
  assert.equal(summaryText([]), "");
});

Deno.test("status line: only changed values are written; a vanished pane is unset; clear() unsets all", async () => {
  const tmux = new RecordingTmux();
  const status = new StatusLine(tmux, getLogger(["test"]));
  const panes = (states: Record<string, AgentState>) =>
    Object.entries(states).map(([paneId, state]) => ({ paneId, state }));
  assert.equal(await status.update(panes({ "%1": "active", "%2": "waiting" })), 3);
  assert.deepEqual(tmux.calls.sort(), [
    ["set-option", "-g", "--", "@tmux-orc-summary", "⚠ 1 waiting · 1 active"],
    ["set-option", "-p", "-t", "%1", "--", "@tmux-orc-state", "active"],
    ["set-option", "-p", "-t", "%2", "--", "@tmux-orc-state", "waiting"],
  ]);
  tmux.calls = [];
  // Unchanged: no tmux command at all, cycle after cycle.
  for (let i = 0; i < 5; i++) {
    assert.equal(await status.update(panes({ "%1": "active", "%2": "waiting" })), 0);
  }
  assert.deepEqual(tmux.calls, []);
  // %2 answered its prompt: its state and the summary change; %1 is left alone.
  assert.equal(await status.update(panes({ "%1": "active", "%2": "active" })), 2);
  assert.deepEqual(tmux.calls.sort(), [
    ["set-option", "-g", "--", "@tmux-orc-summary", "✓ 2 active"],
    ["set-option", "-p", "-t", "%2", "--", "@tmux-orc-state", "active"],
  ]);
  tmux.calls = [];
  // %1 is gone: its option is unset (once).
  await status.update(panes({ "%2": "active" }));
  await status.update(panes({ "%2": "active" }));
  assert.deepEqual(tmux.calls.sort(), [
    ["set-option", "-g", "--", "@tmux-orc-summary", "✓ 1 active"],
    ["set-option", "-p", "-u", "-t", "%1", "--", "@tmux-orc-state"],
  ]);
  tmux.calls = [];
  await status.clear();
  assert.deepEqual(tmux.calls.sort(), [
    ["set-option", "-g", "-u", "@tmux-orc-summary"],
    ["set-option", "-p", "-u", "-t", "%2", "--", "@tmux-orc-state"],
  ]);
});

Deno.test("status line: a failing tmux never rejects, and what failed is written again next time", async () => {
  const tmux = new RecordingTmux();
  const status = new StatusLine(tmux, getLogger(["test"]));
  tmux.failing = true;
  assert.equal(await status.update([{ paneId: "%1", state: "waiting" }]), 2);
  assert.equal(await status.update([{ paneId: "%1", state: "waiting" }]), 2, "retried");
  tmux.failing = false;
  tmux.calls = [];
  assert.equal(await status.update([{ paneId: "%1", state: "waiting" }]), 2);
  assert.equal(await status.update([{ paneId: "%1", state: "waiting" }]), 0, "then written");
  tmux.failing = true;
  await status.clear(); // never rejects either
});

Deno.test("status line: after forget() (a new tmux server) everything is written again", async () => {
  const tmux = new RecordingTmux();
  const status = new StatusLine(tmux, getLogger(["test"]));
  const panes = [{ paneId: "%0", state: "idle" as const }];
  assert.equal(await status.update(panes), 2);
  assert.equal(await status.update(panes), 0);
  status.forget();
  assert.equal(await status.update(panes), 2);
});
