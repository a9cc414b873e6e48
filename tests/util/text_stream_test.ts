import assert from "node:assert/strict";
import { decodedText } from "../../src/util/text_stream.ts";

async function collect(stream: ReadableStream<string>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const text of stream) chunks.push(text);
  return chunks;
}

/** A byte stream (BYOB-capable, like a Deno pipe) that answers each read with the next part. */
function byteStream(parts: Uint8Array[], onCancel?: (reason: unknown) => void) {
  let next = 0;
  const views: number[] = [];
  const stream = new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest!;
      views.push(request.view!.byteLength);
      if (next === parts.length) {
        controller.close();
        request.respond(0);
        return;
      }
      const view = request.view as Uint8Array;
      view.set(parts[next++]);
      request.respond(parts[next - 1].length);
    },
    cancel: onCancel,
  });
  return { stream, views };
}

Deno.test("decodedText: a real pipe's text, whole, with a multi-byte character split across writes", async () => {
  const child = new Deno.Command("cat", { stdin: "piped", stdout: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  const text = decodedText(child.stdout);
  const reading = collect(text);
  const bytes = new TextEncoder().encode("héllo wörld ✓\n".repeat(500));
  for (let i = 0; i < bytes.length; i += 7) {
    await writer.write(bytes.subarray(i, Math.min(bytes.length, i + 7)));
  }
  await writer.close();
  const chunks = await reading;
  await child.status;
  assert.equal(chunks.join(""), "héllo wörld ✓\n".repeat(500));
  assert.ok(chunks.every((c) => c !== "" && !c.includes("\uFFFD")), "a chunk broke a character");
});

Deno.test("decodedText: reads into the one buffer; a lone lead byte waits for its continuation", async () => {
  const [a, b] = [new Uint8Array([0x61, 0xe2, 0x9c]), new Uint8Array([0x93, 0x62])]; // a✓b
  const source = byteStream([a, b]);
  assert.deepEqual(await collect(decodedText(source.stream, { bufferSize: 16 })), ["a", "✓b"]);
  // Two parts and EOF, each read into the whole 16-byte buffer (taken back after each read).
  assert.deepEqual(source.views, [16, 16, 16]);
});

Deno.test("decodedText: an unfinished character at EOF is flushed as a replacement", async () => {
  const source = byteStream([new Uint8Array([0x61, 0xe2])]);
  assert.deepEqual(await collect(decodedText(source.stream)), ["a", "\uFFFD"]);
});

Deno.test("decodedText: cancelling the text cancels the pipe", async () => {
  let cancelled: unknown;
  const source = byteStream([new TextEncoder().encode("x")], (reason) => cancelled = reason);
  const reader = decodedText(source.stream).getReader();
  assert.deepEqual(await reader.read(), { value: "x", done: false });
  await reader.cancel("stop");
  assert.equal(cancelled, "stop");
});

Deno.test("decodedText: a stream that is not a byte stream is decoded all the same", async () => {
  const parts = [new Uint8Array([0xc3]), new Uint8Array([0xa9, 0x21])]; // é!
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
  assert.equal((await collect(decodedText(stream))).join(""), "é!");
});
