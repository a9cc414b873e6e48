/**
 * Benchmark: detection on screens with one very long line (a 20 000-character run), per built-in
 * pattern and end to end (`analyzeScreen`, `identifyProfile`). Prints a table; asserts nothing.
 *
 * Run: `deno run -A scripts/bench_detect_long_lines.ts [--length N]`
 *
 * @module
 */

import { analyzeScreen } from "../src/agents/detect.ts";
import { identifyProfile, loadProfiles } from "../src/agents/profiles.ts";

const lengthArg = Deno.args.indexOf("--length");
const N = lengthArg >= 0 ? Number(Deno.args[lengthArg + 1]) : 20_000;
const PROFILES = loadProfiles();

/** Long lines that make backtracking patterns work hardest: runs, then a character that fails. */
const LINES: Record<string, string> = {
  spaces: `${" ".repeat(N)}x`,
  "border+spaces": `│ > ${" ".repeat(N)}x`,
  rules: `${"─".repeat(N)}x`,
  letters: "a".repeat(N),
  words: "limit reached ".repeat(Math.ceil(N / 14)).slice(0, N),
  digits: `(${"1".repeat(N)}`,
  "api errors": "API Error ".repeat(Math.ceil(N / 10)).slice(0, N),
  borders: `${"│".repeat(N)}x`,
};

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

const slow: { where: string; pattern: string; line: string; ms: number }[] = [];
for (const [name, profile] of PROFILES) {
  const lists: [string, readonly RegExp[]][] = [
    ["signature", profile.signature],
    ["busy", profile.busy],
    ["waiting", profile.waiting],
    ["rateLimit", profile.rateLimit],
    ["rateLimitWarning", profile.rateLimitWarning],
    ["apiError", profile.apiError],
    ["userEcho", profile.userEcho],
    ["placeholders", profile.placeholders],
  ];
  profile.prompts.forEach((p, i) => {
    const res = [p.top, p.first, p.continuation, p.bottom].filter((re) => re !== undefined);
    lists.push([`prompts[${i}]`, res as RegExp[]]);
  });
  for (const [field, patterns] of lists) {
    patterns.forEach((re, i) => {
      for (const [lineName, line] of Object.entries(LINES)) {
        const ms = time(() => re.test(line));
        if (ms >= 20) {
          slow.push({ where: `${name}.${field}[${i}]`, pattern: re.source, line: lineName, ms });
        }
      }
    });
  }
}

console.log(`Line length ${N}. Patterns taking ≥ 20 ms on one line (raw RegExp.test, no cap):`);
if (slow.length === 0) console.log("  none");
for (const s of slow) {
  console.log(
    `  ${s.ms.toFixed(0).padStart(6)} ms  ${s.where.padEnd(28)} ${
      s.line.padEnd(14)
    } /${s.pattern}/`,
  );
}

console.log("\nEnd to end, one screen = 10 normal lines + the long line + an input box:");
console.log("  line            profile   analyzeScreen ms   identifyProfile(node) ms");
const RULE = "─".repeat(80);
for (const [lineName, line] of Object.entries(LINES)) {
  for (const [name, profile] of PROFILES) {
    const screen = [
      ...Array.from({ length: 10 }, (_, i) => `● line ${i}`),
      line,
      RULE,
      "> ",
      RULE,
      "  ? for shortcuts",
    ].join("\n");
    const a = time(() => analyzeScreen(screen, profile));
    const id = time(() =>
      identifyProfile({ profile: "", currentCommand: "node" }, { profiles: PROFILES, screen })
    );
    if (name === "claude" || a > 5 || id > 5) {
      console.log(
        `  ${lineName.padEnd(15)} ${name.padEnd(9)} ${a.toFixed(1).padStart(13)}   ${
          id.toFixed(1).padStart(20)
        }`,
      );
    }
  }
}
