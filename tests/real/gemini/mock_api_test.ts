/** The Gemini mock API speaks the wire format the CLI's `@google/genai` reads. */
import assert from "node:assert/strict";
import { googleError, quotaFailure, startGeminiMock } from "./mock_api.ts";

const STREAM = "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse";

function post(url: string, body: unknown = {}): Promise<Response> {
  return fetch(url, { method: "POST", body: JSON.stringify(body) });
}

/** The `data:` payloads of an SSE body. */
function frames(text: string): Record<string, unknown>[] {
  return text.split("\n\n").filter((f) => f.startsWith("data: ")).map((f) =>
    JSON.parse(f.slice(6))
  );
}

Deno.test("gemini mock: text streams in frames, the last one finished, slowly when asked", async () => {
  const api = await startGeminiMock([{ text: "abcdefgh", chunks: 4, delayMs: 60 }]);
  try {
    const started = performance.now();
    const res = await post(api.url + STREAM, { contents: [] });
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const got = frames(await res.text());
    assert.ok(performance.now() - started >= 200, "frames were not spaced");
    // deno-lint-ignore no-explicit-any
    const parts = got.map((f: any) => f.candidates[0].content.parts[0].text);
    assert.deepEqual(parts, ["ab", "cd", "ef", "gh"]);
    // deno-lint-ignore no-explicit-any
    assert.deepEqual(got.map((f: any) => f.candidates[0].finishReason ?? null), [
      null,
      null,
      null,
      "STOP",
    ]);
    assert.equal(api.mock.turns, 1);
    assert.deepEqual(api.unexpected(), []);
  } finally {
    await api.close();
  }
});

Deno.test("gemini mock: function calls, repeated errors, then the fallback reply", async () => {
  const error = googleError(429, "RESOURCE_EXHAUSTED", "quota", [quotaFailure("PerDay")]);
  const api = await startGeminiMock([
    { calls: [{ name: "run_shell_command", args: { command: "ls" } }] },
    { status: 429, body: error, times: 2 },
  ]);
  try {
    const call = frames(await (await post(api.url + STREAM)).text());
    // deno-lint-ignore no-explicit-any
    assert.deepEqual((call[0] as any).candidates[0].content.parts[0].functionCall, {
      name: "run_shell_command",
      args: { command: "ls" },
    });
    for (let i = 0; i < 2; i++) {
      const res = await post(api.url + STREAM);
      assert.equal(res.status, 429);
      assert.deepEqual(await res.json(), error);
    }
    const after = frames(await (await post(api.url + STREAM)).text());
    // deno-lint-ignore no-explicit-any
    assert.equal((after[0] as any).candidates[0].content.parts[0].text, "Done.");
    assert.equal(api.mock.turns, 4);
  } finally {
    await api.close();
  }
});

Deno.test("gemini mock: calls beyond the model API are reported", async () => {
  const api = await startGeminiMock();
  try {
    const counted = await post(api.url + "/v1beta/models/gemini-2.5-pro:countTokens");
    assert.deepEqual(await counted.json(), { totalTokens: 120 });
    const stray = await fetch(api.url + "/v1/clearcut/log", { method: "POST", body: "{}" });
    assert.equal(stray.status, 404);
    await stray.body?.cancel();
    await fetch(api.url + STREAM, {
      method: "POST",
      body: "{}",
      headers: { "x-gemini-api-privileged-user-id": "abc" },
    }).then((r) => r.text());
    assert.deepEqual(api.unexpected(), [
      "POST /v1/clearcut/log",
      "/v1beta/models/gemini-2.5-pro:streamGenerateContent with an installation id (usage statistics are on)",
    ]);
  } finally {
    await api.close();
  }
});
