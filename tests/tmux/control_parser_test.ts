import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type ControlEvent,
  ControlParser,
  parseControlOutput,
  parseNotification,
} from "../../src/tmux/control_parser.ts";

const TRANSCRIPT = [
  "%begin 1700000000 268 0",
  "%end 1700000000 268 0",
  "%window-add @1",
  "%sessions-changed",
  "%session-changed $1 my session name",
  "%begin 1700000001 270 1",
  "%begin 1700000001 999 1",
  "%end 1700000001 271 1",
  "%error 1700000001 269 1",
  "%exit fake",
  "",
  "  indented with spaces  ",
  "héllo wörld 💥 日本語",
  "%end",
  "%end 1700000001 270 1",
  "%begin 1700000002 272 1",
  "parse error: unknown command: bogus",
  "%error 1700000002 272 1",
  "%output %3 hello\\015\\012world",
  "%exit server exited",
  "",
].join("\n");

const EXPECTED: ControlEvent[] = [
  { kind: "reply", number: 268, time: 1700000000, flags: 0, ok: true, lines: [] },
  { kind: "notification", name: "window-add", args: ["@1"], raw: "%window-add @1" },
  { kind: "notification", name: "sessions-changed", args: [], raw: "%sessions-changed" },
  {
    kind: "notification",
    name: "session-changed",
    args: ["$1", "my session name"],
    raw: "%session-changed $1 my session name",
  },
  {
    kind: "reply",
    number: 270,
    time: 1700000001,
    flags: 1,
    ok: true,
    lines: [
      "%begin 1700000001 999 1",
      "%end 1700000001 271 1",
      "%error 1700000001 269 1",
      "%exit fake",
      "",
      "  indented with spaces  ",
      "héllo wörld 💥 日本語",
      "%end",
    ],
  },
  {
    kind: "reply",
    number: 272,
    time: 1700000002,
    flags: 1,
    ok: false,
    lines: ["parse error: unknown command: bogus"],
  },
  {
    kind: "notification",
    name: "output",
    args: ["%3", "hello\\015\\012world"],
    raw: "%output %3 hello\\015\\012world",
  },
  {
    kind: "notification",
    name: "exit",
    args: ["server exited"],
    raw: "%exit server exited",
  },
];

function feed(chunks: readonly string[]): ControlEvent[] {
  const parser = new ControlParser();
  const events: ControlEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

Deno.test("control parser: whole transcript in one chunk", () => {
  assert.deepEqual(parseControlOutput(TRANSCRIPT), EXPECTED);
});

Deno.test("control parser: one character (UTF-16 unit) at a time", () => {
  assert.deepEqual(feed(TRANSCRIPT.split("")), EXPECTED);
});

Deno.test("control parser: random split points give the same events", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: TRANSCRIPT.length }), { maxLength: 40 }),
      (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(TRANSCRIPT.slice(last, p));
          last = p;
        }
        chunks.push(TRANSCRIPT.slice(last));
        assert.deepEqual(feed(chunks), EXPECTED);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("control parser: events come out as soon as their last line is complete", () => {
  const parser = new ControlParser();
  assert.deepEqual(parser.push("%begin 1 5 1\nout"), []);
  assert.equal(parser.inBlock, true);
  assert.deepEqual(parser.push("put\n%end 1 5"), []);
  assert.deepEqual(parser.push(" 1\n%sessions-"), [
    { kind: "reply", number: 5, time: 1, flags: 1, ok: true, lines: ["output"] },
  ]);
  assert.equal(parser.inBlock, false);
  assert.deepEqual(parser.push("changed"), []);
  assert.deepEqual(parser.end(), [
    { kind: "notification", name: "sessions-changed", args: [], raw: "%sessions-changed" },
  ]);
});

Deno.test("control parser: block ends only on the same time, number and flags", () => {
  const events = parseControlOutput(
    [
      "%begin 100 7 1",
      "%end 100 8 1", // other number
      "%end 101 7 1", // other time
      "%end 100 7 0", // other flags
      "%end 100 7 1 ", // trailing space
      "%end  100 7 1", // double space
      "%error 100 7 1",
    ].join("\n") + "\n",
  );
  assert.deepEqual(events, [{
    kind: "reply",
    number: 7,
    time: 100,
    flags: 1,
    ok: false,
    lines: ["%end 100 8 1", "%end 101 7 1", "%end 100 7 0", "%end 100 7 1 ", "%end  100 7 1"],
  }]);
});

Deno.test("control parser: blank lines inside a block are kept, outside are dropped", () => {
  const events = parseControlOutput("\n\n%begin 1 1 1\n\n\nx\n\n%end 1 1 1\n\n");
  assert.deepEqual(events, [
    { kind: "reply", number: 1, time: 1, flags: 1, ok: true, lines: ["", "", "x", ""] },
  ]);
});

Deno.test("control parser: malformed %begin is a notification, stray text is text", () => {
  assert.deepEqual(parseControlOutput("%begin x y z\nhello\n"), [
    { kind: "notification", name: "begin", args: ["x", "y", "z"], raw: "%begin x y z" },
    { kind: "text", line: "hello" },
  ]);
});

Deno.test("control parser: an unfinished block at EOF is dropped", () => {
  const parser = new ControlParser();
  assert.deepEqual(parser.push("%begin 1 2 1\npartial output\n"), []);
  assert.deepEqual(parser.end(), []);
  assert.equal(parser.inBlock, false);
});

Deno.test("control parser: unicode split inside a surrogate pair and CR kept", () => {
  const text = "%begin 9 9 1\n💥\r\n%end 9 9 1\n";
  const i = text.indexOf("💥") + 1; // between the two UTF-16 units
  assert.deepEqual(feed([text.slice(0, i), text.slice(i)]), [
    { kind: "reply", number: 9, time: 9, flags: 1, ok: true, lines: ["💥\r"] },
  ]);
});

Deno.test("control parser: notification argument splitting", () => {
  assert.deepEqual(parseNotification("%exit"), {
    kind: "notification",
    name: "exit",
    args: [],
    raw: "%exit",
  });
  assert.deepEqual(
    parseNotification("%layout-change @1 abcd,80x24,0,0,0 abcd,80x24,0,0,0 *").args,
    [
      "@1",
      "abcd,80x24,0,0,0",
      "abcd,80x24,0,0,0",
      "*",
    ],
  );
  assert.deepEqual(parseNotification("%client-session-changed /dev/pts/1 $2 a b  c").args, [
    "/dev/pts/1",
    "$2",
    "a b  c",
  ]);
  assert.deepEqual(parseNotification("%window-renamed @4 name with  spaces").args, [
    "@4",
    "name with  spaces",
  ]);
  assert.deepEqual(parseNotification("%output %1 ").args, ["%1", ""]);
});
