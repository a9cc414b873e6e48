/**
 * The exposition writer, the listen address rules and the request routes; hostile label values
 * are checked by the real `promtool check metrics` when it is installed.
 */
import assert from "node:assert/strict";
import { AGENT_STATES } from "../../src/agents/types.ts";
import {
  Counter,
  escapeLabelValue,
  Gauge,
  Histogram,
  MAX_LABEL_LENGTH,
  Registry,
} from "../../src/metrics/exposition.ts";
import { MonitorMetrics } from "../../src/metrics/monitor_metrics.ts";
import { handleMetricsRequest, parseListenAddress } from "../../src/metrics/server.ts";
import { ManualClock } from "../../src/util/clock.ts";
import { UsageError } from "../../src/state/errors.ts";
import { promtoolOrSkip, runPromtool } from "./promtool.ts";

const HOSTILE = [
  'quote " and backslash \\ and \\n literal',
  "new\nline and\r\ncarriage",
  "esc \x1b]52;c;AAAA\x07 and csi \x1b[2J",
  "bidi \u202Etxt.sh and zero\u200bwidth",
  "} closing brace, = equals, , comma",
  "emoji 🤖 and ünïcödé",
  "x".repeat(MAX_LABEL_LENGTH + 50),
  "",
];

Deno.test("label values: backslash, quote and newline escaped; controls visible; long values cut", () => {
  assert.equal(escapeLabelValue('a"b\\c'), 'a\\"b\\\\c');
  // safeText shows ESC as the four characters \x1b; the format then escapes that backslash.
  assert.equal(escapeLabelValue("x\x1b[2J"), "x\\\\x1b[2J");
  assert.equal(escapeLabelValue("a\nb"), "a\\\\nb");
  assert.equal(escapeLabelValue("evil\u202Etxt"), "evil<U+202E>txt");
  const long = escapeLabelValue("y".repeat(1000));
  assert.equal([...long].length, MAX_LABEL_LENGTH);
  assert.ok(long.endsWith("…"));
  for (const value of HOSTILE) {
    const escaped = escapeLabelValue(value);
    // No raw newline or control character survives, and every quote is escaped.
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(escaped, /[\x00-\x1f\x7f]/);
    assert.doesNotMatch(escaped.replace(/\\\\/g, ""), /(^|[^\\])"/);
  }
});

Deno.test("families: counters start at 0 and only go up; histogram buckets are cumulative", () => {
  const registry = new Registry();
  const counter = registry.add(new Counter("t_events_total", "Events.", ["kind"]));
  counter.inc({ kind: "a" });
  counter.inc({ kind: "a" }, 2);
  counter.inc({ kind: "b" }, 0);
  assert.throws(() => counter.inc({ kind: "a" }, -1), RangeError);
  assert.throws(() => new Counter("t_events", "no suffix"), TypeError);
  assert.throws(() => registry.add(new Gauge("t_events_total", "again")), TypeError);
  assert.throws(() => new Gauge("bad-name", "x"), TypeError);
  assert.throws(() => new Gauge("t_x", "x", ["__reserved"]), TypeError);
  const histogram = registry.add(new Histogram("t_seconds", "Time.", { buckets: [0.1, 1] }));
  for (const v of [0.05, 0.1, 0.5, 3]) histogram.observe(v);
  const text = registry.render();
  assert.match(text, /^# HELP t_events_total Events\.\n# TYPE t_events_total counter\n/);
  assert.match(text, /\nt_events_total\{kind="a"\} 3\n/);
  assert.match(text, /\nt_events_total\{kind="b"\} 0\n/);
  assert.match(text, /\nt_seconds_bucket\{le="0.1"\} 2\n/);
  assert.match(text, /\nt_seconds_bucket\{le="1"\} 3\n/);
  assert.match(text, /\nt_seconds_bucket\{le="\+Inf"\} 4\n/);
  assert.match(text, /\nt_seconds_sum 3.65\n/);
  assert.match(text, /\nt_seconds_count 4\n/);
});

function sampleMetrics(clock: ManualClock): MonitorMetrics {
  const metrics = new MonitorMetrics({ clock, intervalMs: 1000 });
  metrics.transition("waiting");
  metrics.notification({ state: "waiting", outcome: "delivered" });
  metrics.counter("tmux_orc_test_channel_total", "A channel's counter.", ["channel"])
    .inc({ channel: "slack" });
  metrics.cycle({ durationMs: 12, tmux: true, panes: 9, captured: 3, actions: 1 }, [
    ...HOSTILE.map((name, i) => ({
      name,
      session: name,
      paneId: `%${i}`,
      profile: "claude",
      role: "agent",
      state: i === 0 ? "waiting" as const : "active" as const,
      since: clock.wall() - 5000,
    })),
  ]);
  return metrics;
}

Deno.test("monitor metrics: every state present, per-agent gauges, counters, histogram, ages", () => {
  const clock = new ManualClock();
  const metrics = sampleMetrics(clock);
  clock.advance(2000);
  const text = metrics.render();
  for (const state of AGENT_STATES) {
    assert.match(text, new RegExp(`\\ntmux_orc_agents\\{state="${state}"\\} \\d+\\n`));
    assert.match(text, new RegExp(`\\ntmux_orc_transitions_total\\{state="${state}"\\} \\d+\\n`));
  }
  assert.match(text, /\ntmux_orc_agents\{state="waiting"\} 1\n/);
  assert.match(text, /\ntmux_orc_agents\{state="active"\} 7\n/);
  assert.match(text, /\ntmux_orc_transitions_total\{state="waiting"\} 1\n/);
  assert.match(
    text,
    /\ntmux_orc_notifications_total\{state="waiting",outcome="delivered",channel="pm"\} 1\n/,
  );
  assert.match(text, /\ntmux_orc_test_channel_total\{channel="slack"\} 1\n/);
  assert.match(text, /\ntmux_orc_cycle_duration_seconds_bucket\{le="0.025"\} 1\n/);
  assert.match(text, /\ntmux_orc_heartbeat_age_seconds 2\n/);
  assert.match(
    text,
    /\ntmux_orc_agent_state_duration_seconds\{name="quote \\" and backslash \\\\ and \\\\n literal",session="[^\n]*",pane_id="%0",profile="claude",role="agent",state="waiting"\} 7\n/,
  );
  assert.match(text, /\ntmux_orc_build_info\{version="[^"]+",commit="[^"]+",deno="[^"]+"\} 1\n/);
  // Health: fresh until max(3 × interval, 30 s) without a cycle.
  assert.equal(metrics.health().ok, true);
  clock.advance(29_000);
  assert.equal(metrics.health().ok, false);
  assert.equal(new MonitorMetrics({ clock, intervalMs: 1000 }).health().ok, false, "no cycle yet");
});

Deno.test("promtool check metrics accepts the output, hostile labels included", async (t) => {
  if (!promtoolOrSkip(t)) return;
  const text = sampleMetrics(new ManualClock()).render();
  const r = await runPromtool(["check", "metrics"], { stdin: text });
  // promtool lints too (it warns about names, never here): any problem is in its output.
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.stdout + r.stderr).trim(), "");
});

Deno.test("--metrics-listen: a bare port is loopback; another interface only when written out", () => {
  assert.deepEqual(parseListenAddress("9464"), {
    hostname: "127.0.0.1",
    port: 9464,
    loopback: true,
  });
  assert.deepEqual(parseListenAddress("localhost:1"), {
    hostname: "127.0.0.1",
    port: 1,
    loopback: true,
  });
  assert.deepEqual(parseListenAddress("[::1]:9464"), {
    hostname: "::1",
    port: 9464,
    loopback: true,
  });
  assert.deepEqual(parseListenAddress("0.0.0.0:9464"), {
    hostname: "0.0.0.0",
    port: 9464,
    loopback: false,
  });
  assert.deepEqual(parseListenAddress("[::]:9464"), {
    hostname: "::",
    port: 9464,
    loopback: false,
  });
  assert.deepEqual(parseListenAddress("10.1.2.3:0"), {
    hostname: "10.1.2.3",
    port: 0,
    loopback: false,
  });
  for (
    const [bad, why] of [
      [":9464", /give the address to listen on: 127\.0\.0\.1:9464 .* or 0\.0\.0\.0:9464/],
      ["example.com:9464", /expected an IP address or localhost/],
      ["256.1.1.1:80", /expected an IP address/],
      ["127.0.0.1:65536", /port must be 0 to 65535/],
      ["127.0.0.1", /expected PORT or HOST:PORT/],
      ["::1:9464", /expected PORT or HOST:PORT/],
      ["", /expected PORT or HOST:PORT/],
    ] as const
  ) {
    assert.throws(
      () => parseListenAddress(bad),
      (e: Error) => e instanceof UsageError && why.test(e.message),
      bad,
    );
  }
});

Deno.test("routes: /metrics text, /healthz 200 or 503 JSON, 404, 405", async () => {
  const clock = new ManualClock();
  const metrics = sampleMetrics(clock);
  const get = (path: string, method = "GET") =>
    handleMetricsRequest(new Request(`http://127.0.0.1${path}`, { method }), metrics);
  const m = await get("/metrics");
  assert.equal(m.status, 200);
  assert.equal(m.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.match(await m.text(), /tmux_orc_agents\{state="waiting"\} 1/);
  const h = await get("/healthz");
  assert.equal(h.status, 200);
  assert.equal((await h.json()).ok, true);
  clock.advance(60_000);
  const stale = await get("/healthz");
  assert.equal(stale.status, 503);
  assert.equal((await stale.json()).reason, "no recent cycle");
  assert.equal((await get("/nope")).status, 404);
  assert.equal((await get("/metrics", "POST")).status, 405);
});
