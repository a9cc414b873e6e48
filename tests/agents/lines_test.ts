import assert from "node:assert/strict";
import {
  boundLine,
  content,
  MAX_BLANK_RUN,
  MAX_DIGIT_RUN,
  MAX_MATCH_LINE,
  screenLines,
  splitFullRows,
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

Deno.test("lines: rows that capture-pane -J joined after a full-width rule or box row are split again", () => {
  const rule = "─".repeat(40);
  // A rule filling a 40-cell pane, marked wrapped by tmux, joined with the prompt below it.
  assert.deepEqual(splitFullRows(`${rule}> fix it`, 40), [rule, "> fix it"]);
  // A box drawn at full width: every row joined into one line.
  const top = `╭${"─".repeat(38)}╮`;
  const mid = `│ > hello${" ".repeat(30)}│`;
  const bottom = `╰${"─".repeat(38)}╯`;
  assert.deepEqual(splitFullRows(top + mid + bottom, 40), [top, mid, bottom]);
  // Text that really wrapped stays joined; so does a rule longer than the given width.
  const prose = "word ".repeat(8).trimEnd() + " and the sentence goes on";
  assert.deepEqual(splitFullRows(prose, 40), [prose]);
  assert.deepEqual(splitFullRows("─".repeat(100), 40), ["─".repeat(100)]);
  // Wide characters take two cells.
  const wide = "界".repeat(19) + "─";
  assert.deepEqual(splitFullRows(`${wide}>`, 39), [wide, ">"]);
  assert.deepEqual(screenLines(`a\n${rule}>\n${rule}`, { width: 40 }), ["a", rule, ">", rule]);
  assert.deepEqual(screenLines(`a\n${rule}>`), ["a", `${rule}>`], "no width: as captured");
});

Deno.test("lines: detection finds the input box of a screen -J joined at full width", () => {
  const claude = loadProfiles().get("claude")!;
  const rule = "─".repeat(120);
  const joined = ["> hello", "", "● Hi!", "", `${rule}>`, `${rule}  ? for shortcuts`].join("\n");
  assert.equal(analyzeScreen(joined, claude).inputBox, undefined, "as captured: no box");
  assert.equal(analyzeScreen(joined, claude, { width: 120 }).inputBox?.text, "");
});
