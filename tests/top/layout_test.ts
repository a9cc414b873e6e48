// deno-lint-ignore-file no-control-regex -- these tests read the escape sequences top writes
/**
 * `top`'s frame: exact size, columns that fit the width, sanitised pane text, colours and
 * NO_COLOR, the selection, the filter, events and the empty states.
 */
import assert from "node:assert/strict";
import { type FrameInput, renderFrame } from "../../src/top/layout.ts";
import { plain } from "../../src/top/style.ts";
import { initialView } from "../../src/top/view.ts";
import { cellWidth } from "../../src/top/width.ts";
import type { EventRecord } from "../../src/store/store.ts";
import { agent } from "./helpers.ts";
import { clearSecrets, registerSecret } from "../../src/config/redact.ts";

const NOW = 1_800_000_000_000;

const AGENTS = [
  agent({ paneId: "%1", name: "backend", state: "active", detail: "esc to interrupt" }),
  agent({
    paneId: "%2",
    name: "evil\u202Etxt.sh",
    state: "waiting",
    since: NOW - 5000,
    detail: "proceed?\x1b]52;c;AAAA\x07\x9b2J",
    lastNotified: NOW - 3000,
  }),
  agent({
    paneId: "%3",
    name: "日本語",
    role: "pm",
    state: "rate_limited",
    resetAt: NOW + 30 * 60_000,
  }),
];

const EVENTS: EventRecord[] = [
  {
    id: 1,
    ts: NOW - 9000,
    kind: "transition",
    agent: "backend",
    paneId: "%1",
    fromState: "idle",
    toState: "active",
    detail: "screen changed",
  },
  {
    id: 2,
    ts: NOW - 2000,
    kind: "notification",
    agent: "evil\u202Etxt.sh",
    paneId: "%2",
    toState: "waiting",
    delivery: "delivered",
    detail: "pm told\x1b[31m",
  },
];

function frame(overrides: Partial<FrameInput> = {}) {
  return renderFrame({
    agents: AGENTS,
    events: EVENTS,
    nowMs: NOW,
    view: initialView(),
    size: { columns: 100, rows: 20 },
    color: true,
    clock: "12:00:00",
    ...overrides,
  });
}

/** Every escape sequence left in a line is an SGR code `top` wrote itself. */
function onlySgr(line: string): boolean {
  return !/[\x00-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(line) &&
    line.replace(/\x1b\[[0-9;]*m/g, "").indexOf("\x1b") === -1;
}

Deno.test("layout: exactly rows lines of exactly columns cells, at several sizes", () => {
  for (const [columns, rows] of [[100, 20], [80, 24], [40, 10], [200, 50], [20, 6]]) {
    const { lines } = frame({ size: { columns, rows } });
    assert.equal(lines.length, rows, `${columns}x${rows}`);
    for (const line of lines) assert.equal(cellWidth(plain(line)), columns, `${columns}x${rows}`);
  }
});

Deno.test("layout: header, columns, state symbols, durations, notices and events", () => {
  const text = frame({ size: { columns: 140, rows: 20 } }).lines.map(plain);
  assert.match(text[0], /^tmux-orc top {2}monitor ✗ not running \(no heartbeat\) +12:00:00$/);
  assert.match(text[1], /^unsupervised +$/);
  assert.match(text[2], /^3 agents {2}● 1 active {2}◆ 1 waiting {2}◔ 1 rate_limited +$/);
  assert.match(text[3], /^ {2}NAME +TARGET +PROFILE +STATE +FOR +NOTIFIED +DETAIL/);
  assert.match(text[4], /^> backend +main:1\.0 +claude +● active +1m +- +esc to interrupt/);
  assert.match(
    text[5],
    /^ {2}evil<U\+202E>txt\.sh +main:1\.0 +claude +◆ waiting +5s +3s ago +proceed\?\\x1b\]52;c;AAAA\\x07<U\+009B>2J/,
  );
  assert.match(text[6], /^ {2}日本語 \[pm\] .*◔ rate_limited +1m +- +resets in 30m +$/);
  const rule = text.findIndex((l) => l.startsWith("── events "));
  assert.ok(rule > 6);
  assert.match(
    text[rule + 1],
    /^ {2}\d\d:\d\d:\d\d {2}transition {4}backend +idle → active {2}screen changed/,
  );
  assert.match(
    text[rule + 2],
    /notification {2}evil<U\+202E>txt\.sh +delivered \(waiting\) {2}pm told\\x1b\[31m/,
  );
  assert.match(
    text.at(-1)!,
    /^↑↓\/jk select · Enter jump · e press Enter · s send · \/ filter · q quit/,
  );
});

Deno.test("layout: pane text cannot reach the terminal raw (escapes, C1, bidi)", () => {
  for (const line of frame().lines) assert.ok(onlySgr(line), JSON.stringify(line));
  for (const line of frame({ color: false }).lines) assert.ok(onlySgr(line), JSON.stringify(line));
});

Deno.test("layout: colours for states; NO_COLOR leaves only bold, dim and reverse", () => {
  const colored = frame().lines.join("\n");
  assert.match(colored, /\x1b\[1;7;32m● active/, "selected: reverse too");
  assert.match(colored, /\x1b\[1;33m◆ waiting/);
  assert.match(colored, /\x1b\[1;35m◔ rate_limited/);
  const mono = frame({ color: false }).lines.join("\n");
  const codes = [...mono.matchAll(/\x1b\[([0-9;]*)m/g)].flatMap((m) => m[1].split(";"));
  assert.ok(codes.length > 0);
  for (const code of codes) assert.ok(["", "0", "1", "2", "7"].includes(code), `code ${code}`);
  assert.equal(plain(mono), plain(colored), "the same text either way");
});

Deno.test("layout: the selection moves the marker and reverse video", () => {
  const view = { ...initialView(), selected: "%2" };
  const { lines } = frame({ view });
  assert.match(plain(lines[5]), /^> evil/);
  assert.match(plain(lines[4]), /^ {2}backend/);
  assert.ok(lines[5].includes("\x1b[7m") || lines[5].includes(";7"), "reverse video");
  assert.ok(!lines[4].includes(";7m") && !lines[4].includes("[7m"));
});

Deno.test("layout: narrow terminals drop NOTIFIED, then PROFILE, then TARGET, then FOR", () => {
  const header = (columns: number) => plain(frame({ size: { columns, rows: 20 } }).lines[3]);
  assert.match(header(140), /NAME +TARGET +PROFILE +STATE +FOR +NOTIFIED +DETAIL/);
  assert.match(header(30), /^ {2}NAME +STATE +$/);
  const order = ["NOTIFIED", "PROFILE", "TARGET", "FOR"];
  let dropped = 0;
  for (let columns = 140; columns >= 30; columns--) {
    const text = header(columns);
    const gone = order.map((name) => !new RegExp(`\\b${name}\\b`).test(text));
    const n = gone.filter(Boolean).length;
    assert.deepEqual(gone, order.map((_, i) => i < n), `at ${columns}: ${text}`);
    assert.ok(n >= dropped, "a narrower screen never shows more columns");
    dropped = n;
  }
  assert.equal(dropped, 4);
});

Deno.test("layout: a filter hides rows and says how many are shown; no match says so", () => {
  const filtered = frame({ view: { ...initialView(), filter: "rate" } }).lines.map(plain);
  assert.ok(filtered.some((l) => l.includes("日本語")));
  const rows = filtered.slice(4, filtered.findIndex((l) => l.startsWith("── events")));
  assert.deepEqual(rows.filter((l) => l.trim() !== "").length, 1, rows.join("\n"));
  assert.match(filtered.at(-1)!, /filter "rate": 1\/3/);
  const typing = frame({
    view: { ...initialView(), mode: { kind: "filter", draft: "zzz", before: "" } },
  }).lines.map(plain);
  assert.match(typing[4], /No agent matches "zzz" \(Esc clears the filter\)/);
  assert.match(typing.at(-1)!, /^filter: zzz█ {3}0\/3 shown · Enter apply · Esc cancel/);
});

Deno.test("layout: the message line, notices, and the empty store", () => {
  const typing = frame({
    view: {
      ...initialView(),
      mode: { kind: "message", draft: "run the tests", paneId: "%2", name: "evil\u202Etxt.sh" },
    },
  }).lines.map(plain);
  assert.match(
    typing.at(-1)!,
    /^message to evil<U\+202E>txt\.sh \(%2\): run the tests█ {3}Enter send/,
  );
  const notice = frame({
    view: { ...initialView(), notice: { text: "✓ Delivered to %2", tone: "ok", atMs: NOW - 1000 } },
  }).lines;
  assert.match(plain(notice.at(-1)!), /^✓ Delivered to %2/);
  assert.match(notice.at(-1)!, /\x1b\[1;32m✓ Delivered/);
  const old = frame({
    view: { ...initialView(), notice: { text: "✓ old", tone: "ok", atMs: NOW - 60_000 } },
  }).lines.map(plain);
  assert.match(old.at(-1)!, /^↑↓/, "a notice fades after 15 s");
  const empty = frame({
    agents: [],
    events: [],
    storeProblem: "No store yet: the monitor has not run with state dir /x",
  })
    .lines.map(plain);
  assert.match(empty[2], /0 agents/);
  assert.match(empty[4], /^ {2}No store yet: the monitor has not run with state dir \/x/);
  assert.ok(empty.some((l) => l.startsWith("  No events yet")));
});

Deno.test("layout: a long list scrolls to keep the selection visible and says where it is", () => {
  const many = Array.from(
    { length: 40 },
    (_, i) => agent({ paneId: `%${i + 1}`, name: `agent-${String(i + 1).padStart(2, "0")}` }),
  );
  const { lines, scroll } = frame({ agents: many, view: { ...initialView(), selected: "%30" } });
  assert.ok(scroll > 0);
  const text = lines.map(plain);
  assert.ok(text.some((l) => l.startsWith("> agent-30")));
  assert.ok(text.some((l) => / \d+-30 of 40 agents ──$/.test(l)), text.join("\n"));
});

Deno.test("layout: a secret this process resolved never reaches the screen", () => {
  registerSecret("hunter2-webhook-token");
  try {
    const leaky = [
      agent({ paneId: "%7", name: "ops", detail: "posted to https://x/hunter2-webhook-token" }),
    ];
    const text = frame({ agents: leaky, events: [] }).lines.map(plain).join("\n");
    assert.doesNotMatch(text, /hunter2/);
    assert.match(text, /posted to https:\/\/x\/\[redacted\]/);
  } finally {
    clearSecrets();
  }
});
