/**
 * Bad input, property-based (fast-check): CLI arguments and the control-mode parser never crash or
 * hang, and give a clear error where one is due.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { COMMANDS } from "../../src/cli/commands/mod.ts";
import { parseCommandLine } from "../../src/cli/parse.ts";
import { parseSeconds } from "../../src/cli/values.ts";
import { UsageError } from "../../src/state/errors.ts";
import { ControlParser } from "../../src/tmux/control_parser.ts";

const words = fc.oneof(
  fc.constantFrom(
    "monitor",
    "supervise",
    "start",
    "stop",
    "status",
    "logs",
    "--interval",
    "--once",
    "-L",
    "-S",
    "--state-dir",
    "--",
    "-",
    "-n",
    "--json",
    "--help",
    "--cooldown",
    "=",
    "--interval=5",
  ),
  fc.string(),
  fc.string({ unit: "binary" }),
);

Deno.test("property: any argv parses to a command or a one-line UsageError, never anything else", () => {
  fc.assert(
    fc.property(fc.array(words, { maxLength: 8 }), (argv) => {
      try {
        const parsed = parseCommandLine(argv, COMMANDS);
        assert.ok(Array.isArray(parsed.args));
      } catch (error) {
        assert.ok(error instanceof UsageError, `unexpected ${error}`);
        assert.ok(!error.message.includes("\n"), "one line");
        assert.match(error.message, /^[A-Z]/, "sentence case");
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("property: a duration is accepted only when it is a number within bounds", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.double().map(String), fc.integer().map(String)), (raw) => {
      try {
        const value = parseSeconds("--interval", raw, { min: 0.05, max: 3600 });
        assert.ok(value >= 0.05 && value <= 3600 && Number.isFinite(value));
      } catch (error) {
        assert.ok(error instanceof UsageError);
        assert.match(
          error.message,
          /^Invalid value for --interval: expected seconds from 0.05 to 3600, got '/,
        );
      }
    }),
    { numRuns: 3000 },
  );
});

function feedInChunks(text: string, cuts: number[]) {
  const parser = new ControlParser();
  const events = [];
  let last = 0;
  for (const cut of [...cuts.map((c) => c % (text.length + 1))].sort((a, b) => a - b)) {
    events.push(...parser.push(text.slice(last, cut)));
    last = cut;
  }
  events.push(...parser.push(text.slice(last)));
  return events;
}

Deno.test("property: the control-mode parser survives random bytes, escapes and giant lines", () => {
  const junk = fc.oneof(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.constantFrom(
      "%begin 1 2 1\n",
      "%end 1 2 1\n",
      "%error 1 2 1\n",
      "%output %1 \\033[2J\n",
      "\x1b[31m",
      "\r\n",
      "%exit\n",
    ),
    fc.nat({ max: 100_000 }).map((n) => "x".repeat(n) + "\n"),
  );
  fc.assert(
    fc.property(
      fc.array(junk, { maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (parts, cuts) => {
        const text = parts.join("");
        const t0 = performance.now();
        const events = feedInChunks(text, cuts);
        assert.ok(Array.isArray(events));
        assert.ok(performance.now() - t0 < 2000, "no pathological slowness");
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("property: well-formed replies parse the same whatever the chunking", () => {
  const line = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, " "));
  const block = fc.tuple(fc.nat({ max: 1000 }), fc.array(line, { maxLength: 5 }), fc.boolean()).map(
    ([n, lines, ok]) =>
      `%begin 1700000000 ${n} 1\n${lines.map((l) => l + "\n").join("")}%${
        ok ? "end" : "error"
      } 1700000000 ${n} 1\n`,
  );
  fc.assert(
    fc.property(
      fc.array(block, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (blocks, cuts) => {
        const text = blocks.join("");
        assert.deepEqual(feedInChunks(text, cuts), feedInChunks(text, []));
        const replies = feedInChunks(text, []).filter((e) => e.kind === "reply");
        assert.equal(replies.length, blocks.length);
      },
    ),
    { numRuns: 500 },
  );
});
