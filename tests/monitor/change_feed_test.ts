/**
 * The change feed (pane watch notifications → changed panes, the fallback to polling said once)
 * and the daemon loop's early cycles, on the injected clock: a change wakes the loop for a
 * change-only cycle of those panes within the debounce, the periodic cycle stays, and without a
 * change source the loop only polls.
 */
import assert from "node:assert/strict";
import { configure, getLogger, type LogRecord, reset } from "@logtape/logtape";
import { runMonitorDaemon } from "../../src/lifecycle/monitor_process.ts";
import {
  type ChangeSource,
  type PaneChanges,
  PaneWatchFeed,
} from "../../src/monitor/change_feed.ts";
import type { CycleOptions, CycleResult, Monitor } from "../../src/monitor/monitor.ts";
import { ensureStateDir } from "../../src/state/paths.ts";
import { parseNotification } from "../../src/tmux/control_parser.ts";
import { PANE_WATCH_FIELDS, PANE_WATCH_NAME } from "../../src/tmux/pane_watch.ts";
import { TmuxCommandError } from "../../src/tmux/types.ts";
import { ManualClock } from "../../src/util/clock.ts";

function value(panes: Record<string, number>, generation = ""): string {
  return Object.entries(panes).map(([id, activity]) => {
    const fields = [id, String(activity)];
    while (fields.length < PANE_WATCH_FIELDS.length) fields.push("0");
    return fields.join(" ") + ";";
  }).join("") + `gen=${generation}`;
}

function changed(name: string, text: string) {
  return parseNotification(`%subscription-changed ${name} $0 - - - : ${text}`);
}

async function withLogs(run: (records: LogRecord[]) => Promise<void>): Promise<void> {
  const records: LogRecord[] = [];
  await configure({
    sinks: { mem: (r) => records.push(r) },
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      { category: ["test"], lowestLevel: "debug", sinks: ["mem"] },
    ],
    reset: true,
  });
  try {
    await run(records);
  } finally {
    await reset();
  }
}

Deno.test("change feed: the first value is the baseline, then the changed panes; a bad value is all", async () => {
  await withLogs(async () => {
    const feed = new PaneWatchFeed({ logger: getLogger(["test"]) });
    const got: PaneChanges[] = [];
    feed.listen((c) => got.push(c));
    const subscribed: string[] = [];
    feed.connect({
      subscribe: (s) => {
        subscribed.push(s.name);
        return Promise.resolve();
      },
    });
    assert.equal(await feed.start(), true);
    assert.deepEqual(subscribed, [PANE_WATCH_NAME]);
    assert.equal(feed.live, false, "not live before the first value");
    feed.notification(changed(PANE_WATCH_NAME, value({ "%1": 1, "%2": 1 })));
    assert.equal(feed.live, true);
    assert.deepEqual(got, []);
    feed.notification(changed(PANE_WATCH_NAME, value({ "%1": 2, "%2": 1, "%3": 1 })));
    feed.notification(changed("someone-else", value({})));
    feed.notification(parseNotification("%window-add @4"));
    assert.deepEqual(got, [["%1", "%3"]]);
    feed.clientEvent({ kind: "disconnected", reason: "test" });
    assert.equal(feed.live, false, "not live while disconnected");
    // After the reconnect, the first value is compared with the last one before it.
    feed.clientEvent({ kind: "connected", pid: 1 });
    feed.notification(changed(PANE_WATCH_NAME, value({ "%1": 2, "%3": 1 })));
    assert.deepEqual(got.at(-1), ["%2"]);
    // A registration or a hook event: the generation counter moved, no pane named.
    const before = got.length;
    feed.notification(changed(PANE_WATCH_NAME, value({ "%1": 2, "%3": 1 }, "1")));
    assert.deepEqual(got.slice(before), ["all"]);
    feed.notification(changed(PANE_WATCH_NAME, value({ "%1": 3, "%3": 1 }, "1")));
    assert.deepEqual(got.at(-1), ["%1"]);
    feed.notification(changed(PANE_WATCH_NAME, "%1 broken"));
    assert.equal(got.at(-1), "all");
  });
});

Deno.test("change feed: tmux refusing the subscription means polling, said once", async () => {
  await withLogs(async (records) => {
    const feed = new PaneWatchFeed({ logger: getLogger(["test"]) });
    feed.connect({
      subscribe: () => Promise.reject(new TmuxCommandError("unknown flag -B")),
    });
    assert.equal(await feed.start(), false);
    feed.clientEvent({ kind: "subscribe-failed", name: PANE_WATCH_NAME, reason: "again" });
    assert.equal(feed.live, false);
    const warnings = records.filter((r) => r.level === "warning");
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0].message.join("")), /polling only/);
  });
});

function result(n: number, clock: ManualClock): CycleResult {
  return {
    cycle: n,
    at: clock.wall(),
    durationMs: 5,
    tmux: true,
    panes: 0,
    agents: 0,
    states: {},
    captured: 0,
    transitions: 0,
    notifications: 0,
    actions: 0,
  };
}

/** A change source the test fires by hand. */
class HandSource implements ChangeSource {
  listener: ((c: PaneChanges) => void) | undefined;
  live = true;
  start(): Promise<boolean> {
    return Promise.resolve(true);
  }
  listen(listener: (c: PaneChanges) => void): void {
    this.listener = listener;
  }
}

async function runLoop(
  options: { changes?: ChangeSource; script: (at: number, clock: ManualClock) => void },
): Promise<{ at: number; options: CycleOptions }[]> {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
  try {
    await Deno.chmod(dir, 0o700);
    const paths = await ensureStateDir(dir);
    const clock = new ManualClock({ monotonic: 0 });
    const cycles: { at: number; options: CycleOptions }[] = [];
    const monitor = {
      cycle(cycleOptions: CycleOptions = {}): Promise<CycleResult> {
        cycles.push({ at: clock.monotonic(), options: cycleOptions });
        clock.advance(5);
        return Promise.resolve(result(cycles.length, clock));
      },
      close: () => Promise.resolve(),
    };
    const stop = new AbortController();
    await runMonitorDaemon({
      paths,
      intervalMs: 30_000,
      once: false,
      supervised: false,
      createMonitor: () => monitor as unknown as Monitor,
      clock,
      // Time moves in 10 ms steps so that the script can fire changes between them.
      sleep: async (ms, signal) => {
        for (let waited = 0; waited < ms && !signal?.aborted; waited += 10) {
          clock.advance(Math.min(10, ms - waited));
          options.script(clock.monotonic(), clock);
          await Promise.resolve();
        }
        if (clock.monotonic() >= 65_000) stop.abort();
      },
      logger: getLogger(["tmux-orc", "test"]),
      stop,
      changes: options.changes,
      early: { debounceMs: 150, minGapMs: 250, followUpsMs: [1100] },
    });
    return cycles;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

Deno.test("daemon: a change wakes an early change-only cycle after the debounce; the periodic cycle stays", async () => {
  const source = new HandSource();
  const fired = new Set<number>();
  const cycles = await runLoop({
    changes: source,
    script: (at) => {
      if (at >= 10_000 && !fired.has(1)) fired.add(1) && source.listener?.(["%7"]);
      if (at >= 20_000 && !fired.has(2)) fired.add(2) && source.listener?.("all");
    },
  });
  const full = cycles.filter((c) => c.options.panes === undefined && c.at % 30_000 === 0);
  assert.deepEqual(full.map((c) => c.at), [0, 30_000, 60_000], "the periodic cycles");
  const early = cycles.filter((c) => c.options.panes !== undefined);
  assert.deepEqual(
    early.map((c) => [c.at, [...c.options.panes!]]),
    [[10_155, ["%7"]], [11_260, ["%7"]]],
    "one early cycle 150 ms after the change (at 10 005), one follow-up 1.1 s after it ended",
  );
  const all = cycles.filter((c) => c.options.panes === undefined && c.at % 30_000 !== 0);
  assert.deepEqual(
    all.map((c) => c.at),
    [20_155, 21_260],
    "'all': an early cycle of every pane, and its follow-up",
  );
  assert.ok(cycles.every((c) => c.options.watched === true), "told that tmux reports changes");
});

Deno.test("daemon: without a change source, only the periodic cycles", async () => {
  const cycles = await runLoop({ script: () => {} });
  assert.deepEqual(cycles.map((c) => c.at), [0, 30_000, 60_000]);
  assert.ok(cycles.every((c) => c.options.watched === false && c.options.panes === undefined));
});
