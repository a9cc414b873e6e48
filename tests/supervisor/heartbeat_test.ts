/**
 * The heartbeat protocol's line codec, both ends: what the monitor writes is what the
 * supervisor reads; anything else on stdout is not a beat; a garbled beat still proves life.
 */
import assert from "node:assert/strict";
import {
  beatWriteError,
  decodeHeartbeatLine,
  HEARTBEAT_PREFIX,
  type HeartbeatLine,
} from "../../src/lifecycle/heartbeat.ts";

Deno.test("heartbeat line: encoded by the monitor, decoded by the supervisor", () => {
  const beat: HeartbeatLine = { cycle: 7, ms: 12.5, writeError: "No space left on device" };
  const decoded = decodeHeartbeatLine(HEARTBEAT_PREFIX + JSON.stringify(beat));
  assert.deepEqual(decoded, beat);
  assert.equal(beatWriteError(decoded!), "No space left on device");
  assert.equal(beatWriteError({ cycle: 8, idle: true, writeError: null }), null);
  assert.equal(beatWriteError({ writeError: 42 }), null, "only a string is an error");
});

Deno.test("heartbeat line: other output is no beat; a garbled beat is an empty one", () => {
  assert.equal(decodeHeartbeatLine("Monitor started"), undefined);
  assert.equal(decodeHeartbeatLine(" " + HEARTBEAT_PREFIX + "{}"), undefined);
  assert.deepEqual(decodeHeartbeatLine(HEARTBEAT_PREFIX + "{not json"), {});
});
