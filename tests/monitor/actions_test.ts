/**
 * Restart helpers and the saved monitor state.
 */
import assert from "node:assert/strict";
import { RestartThrottle, splitCommandLine } from "../../src/actions/restart.ts";
import { parseSavedState, restoreObservation, serializeState } from "../../src/monitor/persist.ts";

Deno.test("splitCommandLine: quotes and escapes without any expansion", () => {
  assert.deepEqual(splitCommandLine(`claude --continue`), ["claude", "--continue"]);
  assert.deepEqual(
    splitCommandLine(`run 'a b' "c \\"d\\" $HOME" e\\ f $(x) \`y\` *`),
    ["run", "a b", `c "d" $HOME`, "e f", "$(x)", "`y`", "*"],
  );
  assert.deepEqual(splitCommandLine(`x '' "" y`), ["x", "", "", "y"]);
  for (const bad of [`'open`, `"open`, `trail\\`, "   ", `'' x`]) {
    assert.throws(() => splitCommandLine(bad), Error, bad);
  }
});

Deno.test("RestartThrottle: minimum interval and a cap per window", () => {
  const t = new RestartThrottle({ minIntervalMs: 10, maxPerWindow: 2, windowMs: 100 });
  assert.deepEqual(t.check("%1", 0), { ok: true });
  t.record("%1", 0);
  assert.equal(t.check("%1", 5).ok, false);
  assert.equal(t.check("%1", 10).ok, true);
  t.record("%1", 10);
  const capped = t.check("%1", 50);
  assert.equal(capped.ok, false);
  assert.equal(t.check("%2", 50).ok, true, "per pane");
  assert.equal(t.check("%1", 101).ok, true, "the window slides");
});

Deno.test("saved state: round trip, garbage ignored, monotonic time rebuilt", () => {
  const observation = {
    paneId: "%1",
    state: "idle" as const,
    since: 1000,
    lastChangeMono: 123,
    lastChangeWall: 900,
    screenHash: "abc",
    inputText: "",
    detail: "input prompt empty",
  };
  const json = serializeState({
    version: 1,
    panes: [{
      paneId: "%1",
      pid: 42,
      observation,
      stuck: { text: "x", entered: true, told: false },
    }],
    policy: { held: [], limits: [] },
  });
  const parsed = parseSavedState(json)!;
  assert.equal(parsed.panes[0].observation.state, "idle");
  assert.deepEqual(parsed.panes[0].stuck, { text: "x", entered: true, told: false });
  const restored = restoreObservation(parsed.panes[0].observation, {
    monoNow: 50_000,
    wallNow: 10_900,
  });
  assert.equal(restored.lastChangeMono, 40_000);
  for (const bad of [undefined, "", "{", "[]", `{"version":2,"panes":[]}`]) {
    assert.equal(parseSavedState(bad), undefined, String(bad));
  }
  const partial = parseSavedState(`{"version":1,"panes":[{"paneId":"%1"}],"policy":7}`)!;
  assert.deepEqual(partial, { version: 1, panes: [], policy: { held: [], limits: [] } });
});
