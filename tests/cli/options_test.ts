/**
 * The typed option tables: defaults come from the library, values are typed (a misspelt key does
 * not compile), bad values are the same one-line errors as before, and the argv forwarded to a
 * child parses back to the same values.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { COMMANDS } from "../../src/cli/commands/mod.ts";
import {
  metricsArgs,
  MONITOR_TABLE,
  monitorArgs,
  monitorSettings,
} from "../../src/cli/commands/monitor_options.ts";
import {
  settingsInSeconds,
  superviseArgs,
  SUPERVISOR_TABLE,
} from "../../src/cli/commands/supervise_options.ts";
import {
  count,
  forwardArgs,
  helpLine,
  optionSpecs,
  readOptions,
  seconds,
  switchOption,
  text,
} from "../../src/cli/options.ts";
import { parseCommandLine } from "../../src/cli/parse.ts";
import { DEFAULT_IDLE_AFTER_MS, DEFAULT_UNKNOWN_AFTER_MS } from "../../src/agents/detect.ts";
import { DEFAULT_RESTART_POLICY } from "../../src/lifecycle/restart_policy.ts";
import { DEFAULT_SUPERVISOR_TIMING } from "../../src/lifecycle/supervisor.ts";
import { DEFAULT_MONITOR_OPTIONS } from "../../src/monitor/monitor.ts";
import { UsageError } from "../../src/state/errors.ts";

const TABLE = {
  waitMs: seconds({ flag: "wait", min: 0.5, max: 600, default: 30_000, help: "Wait" }),
  limitMs: seconds({ flag: "limit", min: 1, max: 10, help: "Limit" }),
  lines: count({ flag: "lines", short: "n", min: 0, max: 100, default: 20, help: "Lines" }),
  notify: switchOption({ flag: "no-notify", negates: true, help: "Quiet" }),
  json: switchOption({ flag: "json", help: "JSON" }),
  note: text({
    flag: "note",
    check: (t) => t.includes("!") ? "no shouting" : undefined,
    help: "N",
  }),
};

Deno.test("options: absent values are the defaults (ms), typed; present ones are parsed", () => {
  const absent = readOptions(TABLE, {});
  assert.deepEqual(absent, {
    waitMs: 30_000,
    limitMs: undefined,
    lines: 20,
    notify: true,
    json: false,
    note: undefined,
  });
  const given = readOptions(TABLE, {
    wait: "2.5",
    limit: "3",
    lines: "7",
    "no-notify": true,
    json: true,
    note: "hi",
  });
  assert.deepEqual(given, {
    waitMs: 2500,
    limitMs: 3000,
    lines: 7,
    notify: false,
    json: true,
    note: "hi",
  });
  const waitMs: number = given.waitMs; // a default makes the type `number`, not `number | undefined`
  assert.equal(waitMs, 2500);
  // @ts-expect-error a misspelt key is a type error, not a silent fallback
  assert.equal(given.waitMS, undefined);
});

Deno.test("options: a bad value is one UsageError line naming the flag", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ wait: "0.1" }, /^Invalid value for --wait: expected seconds from 0.5 to 600, got '0.1'$/],
    [
      { lines: "2.5" },
      /^Invalid value for --lines: expected a whole number from 0 to 100, got '2.5'$/,
    ],
    [{ note: "hey!" }, /^Invalid value for --note: no shouting$/],
    [{ wait: "\x1b[2J" }, /got '\\x1b\[2J'$/],
  ];
  for (const [values, message] of cases) {
    assert.throws(() => readOptions(TABLE, values), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("options: the parse spec and --help line come from the entry", () => {
  assert.deepEqual(optionSpecs(TABLE).lines, {
    type: "string",
    short: "n",
    valueName: "N",
    description: "Lines (default 20)",
  });
  assert.deepEqual(optionSpecs(TABLE)["no-notify"], { type: "boolean", description: "Quiet" });
  assert.equal(helpLine(TABLE.waitMs), "Wait (default 30)");
  assert.equal(helpLine(TABLE.limitMs), "Limit");
});

Deno.test("options: every default is the library's own", () => {
  const monitor = readOptions(MONITOR_TABLE, {});
  assert.equal(monitor.idleAfterMs, DEFAULT_IDLE_AFTER_MS);
  assert.equal(monitor.unknownAfterMs, DEFAULT_UNKNOWN_AFTER_MS);
  assert.equal(DEFAULT_MONITOR_OPTIONS.unknownAfterMs, DEFAULT_UNKNOWN_AFTER_MS);
  assert.equal(DEFAULT_MONITOR_OPTIONS.idleAfterMs, DEFAULT_IDLE_AFTER_MS);
  assert.equal(monitor.captureConcurrency, DEFAULT_MONITOR_OPTIONS.captureConcurrency);
  assert.equal(monitor.notifyCooldownMs, DEFAULT_MONITOR_OPTIONS.notifyCooldownMs);
  assert.equal(monitor.maxHoldMs, DEFAULT_MONITOR_OPTIONS.maxHoldMs);
  const supervisor = readOptions(SUPERVISOR_TABLE, {});
  for (
    const key of Object.keys(DEFAULT_RESTART_POLICY) as (keyof typeof DEFAULT_RESTART_POLICY)[]
  ) {
    assert.equal(supervisor[key], DEFAULT_RESTART_POLICY[key], key);
  }
  for (const key of ["checkIntervalMs", "heartbeatTimeoutMs", "stopTimeoutMs"] as const) {
    assert.equal(supervisor[key], DEFAULT_SUPERVISOR_TIMING[key], key);
  }
  assert.deepEqual(settingsInSeconds({ ...supervisor, intervalMs: 10_000 }), {
    interval_s: 10,
    check_interval_s: 10,
    heartbeat_timeout_s: 30,
    backoff_initial_s: 1,
    backoff_max_s: 60,
    max_restarts: 5,
    cooldown_s: 300,
    min_uptime_s: 60,
    stop_timeout_s: 3,
  });
});

Deno.test("options: monitorSettings holds only the monitor's own settings", () => {
  const { values } = parseCommandLine(
    ["monitor", "--once", "--json", "--resume-message", "go on", "--no-notify"],
    COMMANDS,
  );
  const settings = monitorSettings(readOptions(MONITOR_TABLE, values));
  assert.deepEqual(settings, {
    idleAfterMs: DEFAULT_IDLE_AFTER_MS,
    unknownAfterMs: DEFAULT_MONITOR_OPTIONS.unknownAfterMs,
    notifyUnknownAfterMs: DEFAULT_MONITOR_OPTIONS.notifyUnknownAfterMs,
    notifyCooldownMs: DEFAULT_MONITOR_OPTIONS.notifyCooldownMs,
    maxHoldMs: DEFAULT_MONITOR_OPTIONS.maxHoldMs,
    autoDetect: true,
    submitStuck: true,
    resumeAfterLimit: true,
    resumeMessage: "go on",
    restartCrashed: false,
    notify: false,
    statusLine: true,
    captureConcurrency: DEFAULT_MONITOR_OPTIONS.captureConcurrency,
  });
});

Deno.test("options: --metrics-listen is the process's own, never forwarded as a monitor option", () => {
  const { values } = parseCommandLine(
    ["supervise", "--metrics-listen", "0.0.0.0:9479", "--no-status-line"],
    COMMANDS,
  );
  // The supervisor listens itself and gives its monitor 127.0.0.1:0 (supervise.ts).
  assert.deepEqual(monitorArgs(values), ["--no-status-line"]);
  assert.deepEqual(metricsArgs(values), ["--metrics-listen", "0.0.0.0:9479"]);
});

Deno.test("options: forwarded argv is the options as given", () => {
  const { values } = parseCommandLine(
    [
      "supervise",
      "--interval",
      "5",
      "--resume-message=-keep going",
      "--no-auto-detect",
      "--max-restarts",
      "3",
      "--state-dir",
      "/x",
    ],
    COMMANDS,
  );
  assert.deepEqual(monitorArgs(values), [
    "--interval",
    "5",
    "--no-auto-detect",
    "--resume-message=-keep going",
  ]);
  assert.deepEqual(superviseArgs(values), ["--max-restarts", "3"]);
  assert.deepEqual(forwardArgs(TABLE, { json: false, lines: "3" }), ["--lines", "3"]);
});

Deno.test("options: what the supervisor forwards parses back to the same values (property)", () => {
  const seconds = fc.constantFrom("0.05", "1", "2.5", "10", "3600");
  const message = fc.stringMatching(/^-?[a-z][a-z -]{0,20}$/).filter((t) => t.trim() !== "");
  fc.assert(
    fc.property(
      fc.record({
        interval: seconds,
        "idle-after": seconds,
        "no-notify": fc.constant(true),
        "resume-message": message,
        "capture-concurrency": fc.integer({ min: 1, max: 1024 }).map(String),
      }, { requiredKeys: [] }),
      (given) => {
        const argv = ["monitor", ...forwardArgs(MONITOR_TABLE, given)];
        const reparsed = parseCommandLine(argv, COMMANDS).values;
        assert.deepEqual(readOptions(MONITOR_TABLE, reparsed), readOptions(MONITOR_TABLE, given));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("parse: refusals are found from the tokens, one line each", () => {
  const cases: [string[], string][] = [
    [["monitor", "--bogus"], "Unknown option: --bogus (see 'tmux-orc monitor --help')"],
    [["monitor", "-x"], "Unknown option: -x (see 'tmux-orc monitor --help')"],
    [["--bogus"], "Unknown option: --bogus (see 'tmux-orc --help')"],
    [["supervise", "--interval"], "Missing value for option: --interval"],
    [["monitor", "--state-dir", "--once"], "Missing value for option: --state-dir"],
    [["monitor", "-L"], "Missing value for option: --socket-name"],
    [["monitor", "-L", "-x"], "Missing value for option: --socket-name"],
    [
      ["monitor", "--once=yes"],
      "Option '--once' does not take an argument (see 'tmux-orc monitor --help')",
    ],
    [["monitor", "--\x1b[2J"], "Unknown option: --\\x1b[2J (see 'tmux-orc monitor --help')"],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseCommandLine(argv, COMMANDS), (e: unknown) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.equal(e.message, message);
      return true;
    });
  }
  const ok = parseCommandLine(["monitor", "--interval", "-1"], COMMANDS);
  assert.equal(ok.values.interval, "-1");
});
