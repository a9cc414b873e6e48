import assert from "node:assert/strict";
import {
  boundLine,
  content,
  MAX_BLANK_RUN,
  MAX_DIGIT_RUN,
  MAX_MATCH_LINE,
  screenLines,
} from "../../src/agents/lines.ts";
import { analyzeScreen } from "../../src/agents/detect.ts";
import { loadProfiles } from "../../src/agents/profiles.ts";

Deno.test("lines: long lines are cut, long blank and digit runs shortened, short ones kept", () => {
  assert.equal(boundLine("x".repeat(50_000)).length, MAX_MATCH_LINE);
  assert.equal(boundLine(`a${" ".repeat(MAX_BLANK_RUN)}b`), `a${" ".repeat(MAX_BLANK_RUN)}b`);
  assert.equal(boundLine(`a${" ".repeat(10_000)}b`), `a${" ".repeat(MAX_BLANK_RUN)}b`);
  assert.equal(boundLine(`│${"\t ".repeat(100)}│`), `│${"\t ".repeat(4)}│`);
  assert.equal(boundLine("9".repeat(5_000) + "%"), "9".repeat(MAX_DIGIT_RUN) + "%");
  assert.equal(boundLine("98% context left"), "98% context left");
  // A cut never leaves half of a surrogate pair.
  const emoji = "x".repeat(MAX_MATCH_LINE - 1) + "😀";
  assert.equal(boundLine(emoji), "x".repeat(MAX_MATCH_LINE - 1));
  assert.deepEqual(screenLines("\x1b[1ma\x1b[0m  \r\nb\n\n"), ["a", "b"]);
});

Deno.test("lines: content strips borders and blanks at both ends only", () => {
  assert.equal(content("│ Allow execution of: 'npm'?    │"), "Allow execution of: 'npm'?");
  assert.equal(content("┃  ● 1. Yes ┃"), "● 1. Yes");
  assert.equal(content("▌ text ▌"), "text");
  assert.equal(content("a │ b"), "a │ b");
  assert.equal(content("│││   │││"), "");
  assert.equal(content(`${"│".repeat(100_000)}x${"│ ".repeat(100_000)}`), "x");
});

Deno.test("lines: detection finds markers on a screen with very long lines", () => {
  const claude = loadProfiles().get("claude")!;
  const rule = "─".repeat(80);
  const screen = [
    `│ > ${" ".repeat(30_000)}x`,
    "9".repeat(30_000),
    "> fix it",
    "",
    "  ⎿  API Error: 500 Internal server error",
    "",
    rule,
    "> ",
    rule,
    "  ? for shortcuts",
  ].join("\n");
  const a = analyzeScreen(screen, claude);
  assert.equal(a.error, "API Error: 500 Internal server error");
  assert.equal(a.inputBox?.text, "");
});
