/**
 * No resolved secret reaches a log line: the JSON file sink redacts the message and every property
 * (and the line stays valid JSON, whatever the secret holds).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { log, logFilePath, setupLogging, shutdownLogging } from "../../src/log/mod.ts";
import { clearSecrets, registerSecret } from "../../src/config/mod.ts";

Deno.test("log lines redact registered secrets in the message and the properties", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-log-" });
  clearSecrets();
  try {
    const url = "https://hooks.example.com/services/T1/B2/zzzSECRETzzz";
    const quoted = 'tok"en\\with-escapes';
    registerSecret(url);
    registerSecret(quoted);
    await setupLogging({ logDir: dir, name: "monitor", stderrLevel: false });
    log("outbox").warning("Delivery to {url} failed: {detail}", {
      url,
      detail: `HTTP 500 from ${url}`,
      nested: { headers: { authorization: `Bearer ${quoted}` }, list: [quoted] },
    });
    log("outbox").info(`plain text with ${quoted} and https://u:pw@h.example/?token=abc`);
    await shutdownLogging();
    const text = await Deno.readTextFile(logFilePath(dir, "monitor"));
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    const records = lines.map((line) => JSON.parse(line));
    assert.doesNotMatch(text, /zzzSECRETzzz|tok\\?"en|pw@|token=abc/);
    assert.equal(records[0].message, "Delivery to [redacted] failed: HTTP 500 from [redacted]");
    assert.equal(records[0].properties.url, "[redacted]");
    assert.equal(records[0].properties.nested.headers.authorization, "Bearer [redacted]");
    assert.deepEqual(records[0].properties.nested.list, ["[redacted]"]);
    assert.equal(
      records[1].message,
      "plain text with [redacted] and https://[redacted]@h.example/?token=[redacted]",
    );
  } finally {
    clearSecrets();
    await shutdownLogging();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stderr log lines redact secrets too, inside errors and quoted values", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-log-" });
  try {
    const script = join(dir, "log.ts");
    const src = (path: string) =>
      JSON.stringify(new URL(`../../src/${path}`, import.meta.url).href);
    await Deno.writeTextFile(
      script,
      `import { log, setupLogging, shutdownLogging } from ${src("log/mod.ts")};
import { registerSecret } from ${src("config/mod.ts")};
const secret = 'quo"ted\\\\secret-value';
registerSecret(secret);
await setupLogging({ logDir: ${JSON.stringify(dir)}, name: "m", stderrLevel: "info" });
log("x").error("Send failed: {error} {header}", {
  error: new Error("POST with " + secret + " refused"),
  header: { authorization: secret },
});
await shutdownLogging();
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-prompt",
        "--config",
        fileURLToPath(new URL("../../deno.json", import.meta.url)),
        script,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, /Send failed: .*POST with \[redacted\] refused/);
    assert.match(stderr, /authorization: "?'?\[redacted\]/);
    assert.doesNotMatch(stderr, /secret-value/);
    const file = await Deno.readTextFile(logFilePath(dir, "m"));
    assert.doesNotMatch(file, /secret-value/);
    assert.match(file, /\[redacted\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
