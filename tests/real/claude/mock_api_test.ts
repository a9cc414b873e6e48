/** The mock Anthropic API on the wire: SSE frames, tool calls, scripted errors, the request log. */

import assert from "node:assert/strict";
import { startAnthropicMock } from "./mock_api.ts";

interface Frame {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): Frame[] {
  return text.trim().split("\n\n").map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? "";
    const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "{}");
    return { event, data };
  });
}

const MAIN = { model: "claude-x", stream: true, tools: [{ name: "Bash" }], messages: [] };

async function post(url: string, body: unknown): Promise<Response> {
  return await fetch(`${url}/v1/messages?beta=true`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

Deno.test("claude mock: a scripted reply queue, tool calls, errors with headers, then the default", async () => {
  const mock = await startAnthropicMock([
    { kind: "text", text: "Hello there, world.", chunk: 5 },
    { kind: "tool_use", name: "Bash", input: { command: "ls" }, text: "Listing." },
    {
      kind: "error",
      status: 429,
      type: "rate_limit_error",
      message: "Rate limited",
      headers: { "anthropic-ratelimit-unified-status": "rejected" },
      times: 2,
    },
  ]);
  try {
    const text = parseSse(await (await post(mock.server.url, MAIN)).text());
    assert.deepEqual(text.map((f) => f.event), [
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const streamed = text.filter((f) => f.event === "content_block_delta")
      .map((f) => (f.data.delta as { text: string }).text).join("");
    assert.equal(streamed, "Hello there, world.");

    const tool = parseSse(await (await post(mock.server.url, MAIN)).text());
    const start = tool.find((f) =>
      f.event === "content_block_start" &&
      (f.data.content_block as { type: string }).type === "tool_use"
    );
    assert.equal((start?.data.content_block as { name: string }).name, "Bash");
    const json = tool.find((f) =>
      (f.data.delta as { type?: string } | undefined)?.type === "input_json_delta"
    );
    assert.deepEqual(
      JSON.parse((json?.data.delta as { partial_json: string }).partial_json),
      { command: "ls" },
    );
    assert.equal(
      (tool.find((f) => f.event === "message_delta")?.data.delta as { stop_reason: string })
        .stop_reason,
      "tool_use",
    );

    for (let i = 0; i < 2; i++) {
      const res = await post(mock.server.url, MAIN);
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("anthropic-ratelimit-unified-status"), "rejected");
      const body = await res.json();
      assert.equal(body.error.type, "rate_limit_error");
    }
    const after = parseSse(await (await post(mock.server.url, MAIN)).text());
    assert.ok(after.some((f) => JSON.stringify(f.data).includes("Done.")));

    // A side request (no tools) never takes from the queue.
    mock.push({ kind: "text", text: "queued" });
    const side = await post(mock.server.url, { ...MAIN, tools: [] });
    assert.ok(!(await side.text()).includes("queued"));
    assert.equal(mock.mainRequests, 5);

    const other = await fetch(`${mock.server.url}/api/hello`);
    assert.equal(other.status, 404);
    await other.body?.cancel();
    assert.deepEqual(mock.unexpected(), [{ method: "GET", path: "/api/hello" }]);
  } finally {
    await mock.close();
  }
});
