/**
 * Secrets: `env:NAME`, `file:/path` (refused unless a private regular file), literals (a warning
 * in a readable config file); every resolved secret is redacted, and no error line carries one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  clearSecrets,
  ConfigError,
  parseConfigText,
  redact,
  redactDeep,
  registerSecret,
  resolveSecret,
} from "../../src/config/mod.ts";

const SOURCE = '[[channels]]\ntype = "webhook"\nurl = "x"\n';

function configIn(dir: string, mode = 0o600) {
  return parseConfigText(SOURCE, { path: join(dir, "config.toml"), mode });
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-secret-" });
  clearSecrets();
  try {
    await fn(dir);
  } finally {
    clearSecrets();
    await Deno.remove(dir, { recursive: true });
  }
}

const KEY = ["channels", 0, "url"];

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.message.split("\n").length, 1);
    return error.message;
  }
  throw new Error("expected a refusal");
}

Deno.test("env: reads the variable; an unset one names the variable, not a value", async () => {
  await withDir(async (dir) => {
    const config = configIn(dir);
    const env = {
      get: (n: string) => (n === "HOOK_URL" ? "https://h.example/s3cr3t-path-123" : undefined),
    };
    assert.equal(
      await resolveSecret("env:HOOK_URL", { config, keyPath: KEY, env }),
      "https://h.example/s3cr3t-path-123",
    );
    assert.equal(
      await refusal(resolveSecret("env:MISSING", { config, keyPath: KEY, env })),
      `Bad config file ${dir}/config.toml:3: channels[0].url: environment variable MISSING is not set`,
    );
    assert.match(
      await refusal(resolveSecret("env:not a name", { config, keyPath: KEY, env })),
      /channels\[0\]\.url: expected env:NAME with a variable name/,
    );
    assert.match(
      await refusal(resolveSecret(42, { config, keyPath: KEY, env })),
      /channels\[0\]\.url: expected text .* got an integer$/,
    );
  });
});

Deno.test("file: reads a 0600 file (one trailing newline dropped)", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "token");
    await Deno.writeTextFile(path, "tok-from-file-9876\n", { mode: 0o600 });
    await Deno.chmod(path, 0o600);
    const secret = await resolveSecret(`file:${path}`, { config: configIn(dir), keyPath: KEY });
    assert.equal(secret, "tok-from-file-9876");
    assert.equal(redact("token=tok-from-file-9876 sent"), "token=[redacted] sent");
    await Deno.chmod(path, 0o400);
    assert.equal(
      await resolveSecret(`file:${path}`, { config: configIn(dir), keyPath: KEY }),
      "tok-from-file-9876",
    );
  });
});

Deno.test("file: refuses 0644, a symlink, a directory, a missing file, a relative path", async () => {
  await withDir(async (dir) => {
    const config = configIn(dir);
    const path = join(dir, "token");
    await Deno.writeTextFile(path, "do-not-show-me-4711");
    await Deno.chmod(path, 0o644);
    const open = await refusal(resolveSecret(`file:${path}`, { config, keyPath: KEY }));
    assert.equal(
      open,
      `Bad config file ${dir}/config.toml:3: channels[0].url: secret file ${path}: mode 0644 is too open: run chmod 600 on it`,
    );
    await Deno.chmod(path, 0o600);
    await Deno.symlink(path, join(dir, "link"));
    assert.match(
      await refusal(resolveSecret(`file:${dir}/link`, { config, keyPath: KEY })),
      /secret file .*\/link: refusing a symlink/,
    );
    assert.match(
      await refusal(resolveSecret(`file:${dir}`, { config, keyPath: KEY })),
      /: not a regular file$/,
    );
    assert.match(
      await refusal(resolveSecret(`file:${dir}/nope`, { config, keyPath: KEY })),
      /secret file .*\/nope: no such file$/,
    );
    assert.match(
      await refusal(resolveSecret("file:token", { config, keyPath: KEY })),
      /expected file: with an absolute path/,
    );
    await Deno.writeTextFile(join(dir, "empty"), "\n", { mode: 0o600 });
    assert.match(
      await refusal(resolveSecret(`file:${dir}/empty`, { config, keyPath: KEY })),
      /: empty$/,
    );
  });
});

Deno.test({
  name: "file: an unreadable secret file is one line",
  // root reads a mode-000 file; the check is proven as any other user.
  ignore: Deno.uid() === 0,
}, async () => {
  await withDir(async (dir) => {
    const path = join(dir, "token");
    await Deno.writeTextFile(path, "unreadable-secret", { mode: 0o600 });
    await Deno.chmod(path, 0o000);
    assert.match(
      await refusal(resolveSecret(`file:${path}`, { config: configIn(dir), keyPath: KEY })),
      /secret file .*: cannot read: /,
    );
  });
});

Deno.test("a literal secret warns only when the config file is readable by others", async () => {
  await withDir(async (dir) => {
    const private600 = configIn(dir, 0o600);
    assert.equal(
      await resolveSecret("literal-secret-1", { config: private600, keyPath: KEY }),
      "literal-secret-1",
    );
    assert.deepEqual(private600.warnings, []);
    const readable = configIn(dir, 0o644);
    await resolveSecret("literal-secret-2", { config: readable, keyPath: KEY });
    assert.equal(readable.warnings.length, 1);
    assert.match(
      readable.warnings[0],
      /^Config file .*config\.toml:3: channels\[0\]\.url: a secret written in a file others can read/,
    );
    assert.doesNotMatch(readable.warnings[0], /literal-secret-2/);
    assert.equal(redact("a literal-secret-2 b"), "a [redacted] b");
  });
});

Deno.test("redact: registered secrets, their JSON form, URL parts, userinfo and token params", () => {
  clearSecrets();
  try {
    registerSecret("https://hooks.example.com/services/T0/B0/abcdefXYZ");
    registerSecret('pa"ss\\word');
    assert.equal(
      redact("POST https://hooks.example.com/services/T0/B0/abcdefXYZ failed"),
      "POST [redacted] failed",
    );
    assert.equal(redact("path /services/T0/B0/abcdefXYZ"), "path [redacted]");
    assert.equal(redact(JSON.stringify({ p: 'pa"ss\\word' })), '{"p":"[redacted]"}');
    assert.equal(
      redact("see https://bob:hunter2@example.com/x?token=abc123&q=1&api_key=zz"),
      "see https://[redacted]@example.com/x?token=[redacted]&q=1&api_key=[redacted]",
    );
    assert.equal(redact("nothing here"), "nothing here");
    assert.deepEqual(redactDeep({ a: ['pa"ss\\word', 3], b: { c: "ok" } }), {
      a: ["[redacted]", 3],
      b: { c: "ok" },
    });
    // Too short to be a secret: ordinary text is left alone.
    registerSecret("ab");
    assert.equal(redact("abc"), "abc");
  } finally {
    clearSecrets();
  }
});
