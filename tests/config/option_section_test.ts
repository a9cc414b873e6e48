/**
 * `[monitor]` and `[supervise]` read through the option tables: keys, types and bounds are the
 * tables' own, flags win, and `config example` (uncommented) is a valid file of the defaults.
 */
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/mod.ts";
import { configKey, mergeValues, sectionValues } from "../../src/config/option_section.ts";
import { MONITOR_TABLE } from "../../src/cli/commands/monitor_options.ts";
import { SUPERVISOR_TABLE } from "../../src/cli/commands/supervise_options.ts";
import { type OptionEntry, readOptions } from "../../src/cli/options.ts";
import { checkConfigFile, valuesWithConfig } from "../../src/cli/config_file.ts";
import { configExample } from "../../src/cli/config_example.ts";
import { parseCommandLine } from "../../src/cli/parse.ts";
import { COMMANDS } from "../../src/cli/commands/mod.ts";
import { serviceCommandLine } from "../../src/cli/commands/service.ts";
import { resolve } from "node:path";

function config(text: string) {
  return parseConfigText(text, { path: "/c.toml" });
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

Deno.test("config keys: the flag in snake_case, a negating switch named positively", () => {
  assert.equal(configKey(MONITOR_TABLE.idleAfterMs), "idle_after");
  assert.equal(configKey(MONITOR_TABLE.notify), "notify");
  assert.equal(configKey(MONITOR_TABLE.autoDetect), "auto_detect");
  assert.equal(configKey(SUPERVISOR_TABLE.maxRestarts), "max_restarts");
});

Deno.test("[monitor] values become the flags' values", () => {
  const c = config(
    '[monitor]\ninterval = 2.5\nnotify = false\nrestart_crashed = true\nresume_message = "go"\n' +
      "auto_detect = true\nidle_after = 30\n",
  );
  assert.deepEqual(sectionValues(c, "monitor", MONITOR_TABLE), {
    interval: "2.5",
    "no-notify": true,
    "restart-crashed": true,
    "resume-message": "go",
    "idle-after": "30",
  });
  const options = readOptions(MONITOR_TABLE, sectionValues(c, "monitor", MONITOR_TABLE));
  assert.equal(options.intervalMs, 2500);
  assert.equal(options.notify, false);
  assert.equal(options.autoDetect, true);
  assert.equal(sectionValues(config(""), "monitor", MONITOR_TABLE).interval, undefined);
});

Deno.test("[monitor] refusals: one line with file, line, key and the table's bounds", () => {
  const cases: [string, string][] = [
    [
      "[monitor]\ninterval = 0\n",
      "/c.toml:2: monitor.interval: expected seconds from 0.05 to 3600, got '0'",
    ],
    [
      '[monitor]\ninterval = "5"\n',
      "/c.toml:2: monitor.interval: expected seconds (a number), got a string",
    ],
    [
      "[monitor]\n\nnotify = 1\n",
      "/c.toml:3: monitor.notify: expected true or false, got an integer",
    ],
    [
      "[monitor]\nidle-after = 3\n",
      "/c.toml:2: monitor.idle-after: unknown key (did you mean 'idle_after'?)",
    ],
    ["[monitor]\ncapture_concurrency = 3\n", "/c.toml:2: monitor.capture_concurrency: unknown key"],
    [
      '[monitor]\nresume_message = "a\\u0007b"\n',
      "/c.toml:2: monitor.resume_message: expected one line of text without control characters",
    ],
    ["monitor = [1]\n", "/c.toml:1: monitor: expected a table, got an array"],
  ];
  for (const [text, expected] of cases) {
    assert.equal(
      errorOf(() => sectionValues(config(text), "monitor", MONITOR_TABLE)),
      `Bad config file ${expected}`,
      text,
    );
  }
  assert.equal(
    errorOf(() =>
      sectionValues(config("[supervise]\nmax_restarts = 2.5\n"), "supervise", SUPERVISOR_TABLE)
    ),
    "Bad config file /c.toml:2: supervise.max_restarts: expected a whole number, got a number",
  );
});

Deno.test("the whole file: unknown sections and the supervisor's cross-check", async () => {
  await assert.rejects(
    () => checkConfigFile(config("[monitr]\ninterval = 3\n")),
    { message: "Bad config file /c.toml:1: monitr: unknown key (did you mean 'monitor'?)" },
  );
  await assert.rejects(
    () => checkConfigFile(config("[supervise]\nbackoff_initial = 10\nbackoff_max = 5\n")),
    {
      message:
        "Bad config file /c.toml:3: supervise.backoff_max: must not be less than backoff_initial",
    },
  );
  await assert.rejects(
    () => checkConfigFile(config("channels = 3\n")),
    /c\.toml:1: channels: expected \[\[channels\]\] tables/,
  );
  await checkConfigFile(config("[monitor]\ninterval = 3\n[[channels]]\ntype = 'pm'\n"));
});

Deno.test("flags win over the file; the file fills in the rest", async () => {
  const c = config(
    "[monitor]\ninterval = 7\nnotify_cooldown = 42\n[supervise]\ncheck_interval = 3\n",
  );
  const { values } = parseCommandLine(["supervise", "--interval", "4"], COMMANDS);
  const merged = await valuesWithConfig(c, values, ["monitor", "supervise"]);
  assert.equal(merged.interval, "4");
  assert.equal(merged["notify-cooldown"], "42");
  assert.equal(merged["check-interval"], "3");
  const lone = await valuesWithConfig(c, values, ["monitor"]);
  assert.equal(lone["check-interval"], undefined);
  assert.deepEqual(mergeValues({ a: "1", b: true }, { a: undefined, b: "x" }), { a: "1", b: "x" });
});

Deno.test("config example, uncommented, is a valid file that sets every option to its default", async () => {
  const lines = configExample();
  const text = lines.map((l) => l.replace(/^# ([a-z_]+ = )/, "$1")).join("\n");
  const c = config(text);
  await checkConfigFile(c);
  const monitor = readOptions(MONITOR_TABLE, sectionValues(c, "monitor", MONITOR_TABLE));
  const defaults = readOptions(MONITOR_TABLE, {});
  assert.deepEqual({ ...monitor, resumeMessage: undefined }, defaults);
  assert.ok(monitor.resumeMessage && monitor.resumeMessage.length > 0);
  assert.deepEqual(
    readOptions(SUPERVISOR_TABLE, sectionValues(c, "supervise", SUPERVISOR_TABLE)),
    readOptions(SUPERVISOR_TABLE, {}),
  );
  // Every visible option of both tables is in the example.
  const entries: OptionEntry[] = [
    ...Object.values(MONITOR_TABLE),
    ...Object.values(SUPERVISOR_TABLE),
  ];
  for (const entry of entries) {
    if (entry.hidden) continue;
    assert.ok(text.includes(`\n${configKey(entry)} = `), configKey(entry));
  }
});

Deno.test("service install forwards --config (absolute) so the unit's supervisor reads that file", () => {
  const line = serviceCommandLine(
    { values: {}, global: { server: {}, configFlag: "rel/config.toml" } },
    { scope: "user", self: ["/bin/tmux-orc"] },
  );
  assert.deepEqual(line.argv.slice(0, 2), ["/bin/tmux-orc", "supervise"]);
  assert.deepEqual(line.argv.slice(-2), ["--config", resolve("rel/config.toml")]);
});

Deno.test("the README's Configuration example is a valid config file", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## Configuration"));
  const block = section.match(/```toml\n([\s\S]*?)```/);
  assert.ok(block, "a toml block in the Configuration section");
  const c = config(block[1]);
  await checkConfigFile(c);
  assert.equal(
    readOptions(MONITOR_TABLE, sectionValues(c, "monitor", MONITOR_TABLE)).intervalMs,
    5000,
  );
});
