/**
 * The config loader: where the file is looked for, how it is read (no symlinks, not writable by
 * others), syntax errors with line and column, and `errorAt` naming the line a key is defined on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ConfigError,
  defaultConfigPath,
  didYouMean,
  loadConfig,
  parseConfigText,
  tableAt,
} from "../../src/config/mod.ts";
import { keyLines, lineOf } from "../../src/config/locate.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-config-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function env(vars: Record<string, string>) {
  return { get: (name: string) => vars[name] };
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error;
  }
  throw new Error("expected a rejection");
}

Deno.test("default path: XDG_CONFIG_HOME, else ~/.config, a relative XDG_CONFIG_HOME ignored", () => {
  assert.equal(
    defaultConfigPath(env({ XDG_CONFIG_HOME: "/x/cfg", HOME: "/home/a" })),
    "/x/cfg/tmux-orc/config.toml",
  );
  assert.equal(defaultConfigPath(env({ HOME: "/home/a" })), "/home/a/.config/tmux-orc/config.toml");
  assert.equal(
    defaultConfigPath(env({ XDG_CONFIG_HOME: "rel", HOME: "/home/a" })),
    "/home/a/.config/tmux-orc/config.toml",
  );
  assert.equal(defaultConfigPath(env({})), undefined);
});

Deno.test("a missing default file is no config; a missing --config file is an error", async () => {
  await withDir(async (dir) => {
    assert.equal(await loadConfig({ env: env({ XDG_CONFIG_HOME: dir }) }), undefined);
    const error = await rejection(loadConfig({ path: join(dir, "nope.toml") }));
    assert.equal(error.message, `Bad config file ${join(dir, "nope.toml")}: no such file`);
  });
});

Deno.test("the default file is found and parsed", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "tmux-orc"));
    const path = join(dir, "tmux-orc", "config.toml");
    await Deno.writeTextFile(path, "[monitor]\ninterval = 2.5\n", { mode: 0o600 });
    const config = await loadConfig({ env: env({ XDG_CONFIG_HOME: dir }) });
    assert.ok(config);
    assert.equal(config.path, path);
    assert.equal((config.data.monitor as Record<string, unknown>).interval, 2.5);
    assert.equal(config.mode, 0o600);
  });
});

Deno.test("a symlinked, group-writable or non-regular config file is refused", async () => {
  await withDir(async (dir) => {
    const real = join(dir, "real.toml");
    await Deno.writeTextFile(real, "", { mode: 0o600 });
    await Deno.symlink(real, join(dir, "link.toml"));
    const link = await rejection(loadConfig({ path: join(dir, "link.toml") }));
    assert.match(link.message, /^Bad config file .*link\.toml: refusing a symlink/);
    await Deno.chmod(real, 0o664);
    const writable = await rejection(loadConfig({ path: real }));
    assert.match(writable.message, /real\.toml: mode 0664 is too open: run chmod go-w on it$/);
    const directory = await rejection(loadConfig({ path: dir }));
    assert.match(directory.message, /: not a regular file$/);
  });
});

Deno.test("a syntax error names the file, line and column", () => {
  const error = (() => {
    try {
      parseConfigText('[monitor]\ninterval = 2\nidle_after = "x\n', { path: "/c.toml" });
    } catch (error) {
      return error as ConfigError;
    }
    return undefined;
  })();
  assert.ok(error instanceof ConfigError);
  assert.match(error.message, /^Bad config file \/c\.toml:3:\d+: invalid TOML: /);
  assert.equal(error.message.split("\n").length, 1);
});

Deno.test("errorAt finds the line of headers, keys, dotted keys and array-of-tables entries", () => {
  const source = [
    "# comment [monitor]", //                    1
    'title = """', //                           2
    "[not_a_table]", //                          3 (inside a string)
    '"""', //                                    4
    "[monitor]", //                              5
    "interval = 2", //                           6
    "states = [", //                             7
    '  "waiting", # x = 1', //                   8
    "]", //                                      9
    "[[channels]]", //                          10
    'type = "slack"', //                        11
    "[[channels]]", //                          12
    "type = 'webhook'", //                      13
    "filter.sessions = ['a']", //               14
    '"quoted key" = { inner = 1 }', //          15
    "[channels.extra]", //                      16
    "x = 1", //                                 17
  ].join("\n");
  const config = parseConfigText(source, { path: "/c.toml" });
  assert.equal(config.lineOf(["monitor"]), 5);
  assert.equal(config.lineOf(["monitor", "interval"]), 6);
  assert.equal(config.lineOf(["monitor", "states", 0]), 7);
  assert.equal(config.lineOf(["channels", 0, "type"]), 11);
  assert.equal(config.lineOf(["channels", 1, "type"]), 13);
  assert.equal(config.lineOf(["channels", 1]), 12);
  assert.equal(config.lineOf(["channels", 1, "filter", "sessions"]), 14);
  assert.equal(config.lineOf(["channels", 1, "quoted key", "inner"]), 15);
  assert.equal(config.lineOf(["channels", 1, "extra", "x"]), 17);
  assert.equal(config.lineOf(["nowhere"]), undefined);
  assert.equal(
    config.errorAt(["channels", 1, "quoted key", "inner"], "expected a string").message,
    'Bad config file /c.toml:15: channels[1]."quoted key".inner: expected a string',
  );
  // The scanner agrees with the parser about what is a table.
  assert.ok(!keyLines(source).some((k) => k.path[0] === "not_a_table"));
  assert.equal(lineOf(keyLines(source), ["title"]), 2);
});

Deno.test("unknown keys are errors with a did-you-mean when close", () => {
  const config = parseConfigText("[monitor]\ninterval = 1\nidle-after = 3\n", { path: "/c.toml" });
  assert.throws(
    () => tableAt(config, ["monitor"], ["interval", "idle_after"]),
    (e: Error) =>
      e.message ===
        "Bad config file /c.toml:3: monitor.idle-after: unknown key (did you mean 'idle_after'?)",
  );
  assert.equal(didYouMean("intreval", ["interval", "notify"]), "interval");
  assert.equal(didYouMean("zzz", ["interval", "notify"]), undefined);
  const notTable = parseConfigText("monitor = 3\n", { path: "/c.toml" });
  assert.throws(
    () => tableAt(notTable, ["monitor"], []),
    { message: "Bad config file /c.toml:1: monitor: expected a table, got an integer" },
  );
});
