import assert from "node:assert/strict";
import fc from "fast-check";
import {
  formatHookValue,
  type HookEvent,
  hookEventFrom,
  MAX_HOOK_VALUE,
  parseHookValue,
} from "../../src/hooks/event.ts";

const AT = Date.UTC(2026, 11, 2, 1, 0, 0);

Deno.test("hook value: a Claude notification keeps its type and message, sanitised", () => {
  const event = hookEventFrom("claude", "Notification", {
    hook_event_name: "Notification",
    notification_type: "permission_prompt",
    message: "Claude needs your\x1b]52;c;AAAA\x07 permission\u202e to use 'Bash'",
    session_id: "secret-session",
    transcript_path: "/home/u/.claude/x.jsonl",
  }, AT);
  assert.deepEqual(event, {
    cli: "claude",
    event: "Notification",
    at: AT,
    type: "permission_prompt",
    message: "Claude needs your ]52;c;AAAA permission to use \u2019Bash\u2019",
  });
  const value = formatHookValue(event);
  assert.ok(value.startsWith(`{"at":${AT},`), value);
  assert.ok(!value.includes("secret-session") && !value.includes("'"));
  assert.deepEqual(parseHookValue(value), event);
});

Deno.test("hook value: tool name, failure type, Codex type from the payload", () => {
  assert.equal(hookEventFrom("claude", "PreToolUse", { tool_name: "Bash" }, AT).tool, "Bash");
  assert.equal(
    hookEventFrom("claude", "StopFailure", { error: "rate_limit" }, AT).type,
    "rate_limit",
  );
  assert.equal(hookEventFrom("claude", "SessionEnd", { reason: "logout" }, AT).type, "logout");
  const codex = hookEventFrom("codex", "notify", { type: "agent-turn-complete" }, AT);
  assert.equal(codex.event, "agent-turn-complete");
  assert.equal(hookEventFrom("claude", "Stop", "not json", AT).event, "Stop");
  assert.equal(hookEventFrom("claude", "Stop", [1, 2], AT).type, undefined);
});

Deno.test("hook value: foreign, old-format and malformed values are ignored", () => {
  for (
    const text of ["", "x", "{", "[]", "null", '{"v":2,"event":"Stop","at":1}', '{"v":1,"at":1}']
  ) {
    assert.equal(parseHookValue(text), undefined, text);
  }
  assert.equal(parseHookValue('{"v":1,"event":"Stop","at":-5}'), undefined);
  assert.equal(parseHookValue('{"v":1,"event":"Stop","at":5,"cli":"evil"}')?.cli, "");
});

Deno.test("hook value: property: any payload gives a short, safe value that parses back", () => {
  const text = fc.string({ unit: "binary", maxLength: 400 });
  fc.assert(
    fc.property(text, text, text, text, (event, type, tool, message) => {
      const parsed = hookEventFrom("gemini", event, {
        notification_type: type,
        tool_name: tool,
        message,
      }, AT);
      const value = formatHookValue(parsed);
      assert.ok(value.length <= MAX_HOOK_VALUE, `${value.length}`);
      // deno-lint-ignore no-control-regex
      assert.ok(!/[\x00-\x1f\x7f-\x9f'\u202a-\u202e]/.test(value), value);
      const back = parseHookValue(value) as HookEvent;
      assert.equal(back.at, AT);
      assert.equal(back.event, parsed.event);
      assert.equal(back.type, parsed.type);
      assert.equal(back.tool, parsed.tool);
    }),
    { numRuns: 300 },
  );
});
