/**
 * Benchmark: detection against very long lines (pane text is untrusted; `capture-pane -J` joins
 * wrapped lines). Prints tables; asserts nothing.
 *
 * 1. Each built-in pattern on its own (`RegExp.test`, no bounding), at three line lengths: the
 *    growth from one length to the next shows linear (×2), quadratic (×4) or cubic (×8) cost.
 * 2. End to end, as the monitor runs it (`analyzeScreen`, `identifyProfile` for a `node` pane),
 *    on a screen with one long line, at `--length N` (default 20 000).
 *
 * Run: `deno run -A scripts/bench_detect_long_lines.ts [--length N] [--profiles a,b] [--no-raw]`
 *
 * @module
 */

import { analyzeScreen } from "../src/agents/detect.ts";
import { type AgentProfile, identifyProfile, loadProfiles } from "../src/agents/profiles.ts";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}
const N = Number(arg("--length") ?? 20_000);
const ALL = loadProfiles();
const only = arg("--profiles")?.split(",");
const PROFILES = new Map([...ALL].filter(([name]) => !only || only.includes(name)));

/** Long lines that make backtracking patterns work hardest: runs, then a character that fails. */
function lines(n: number): Record<string, string> {
  return {
    spaces: `${" ".repeat(n)}x`,
    "box + spaces": `│ > ${" ".repeat(n)}x`,
    rules: `${"─".repeat(n)}x`,
    letters: "a".repeat(n),
    words: "limit reached ".repeat(Math.ceil(n / 14)).slice(0, n),
    digits: `(${"1".repeat(n)}`,
    borders: `${"│".repeat(n)}x`,
  };
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function patternsOf(profile: AgentProfile): [string, RegExp][] {
  const named: [string, RegExp][] = [];
  const lists = {
    signature: profile.signature,
    busy: profile.busy,
    waiting: profile.waiting,
    rateLimit: profile.rateLimit,
    rateLimitWarning: profile.rateLimitWarning,
    apiError: profile.apiError,
    userEcho: profile.userEcho,
    placeholders: profile.placeholders,
  };
  for (const [field, list] of Object.entries(lists)) {
    list.forEach((re, i) => named.push([`${field}[${i}]`, re]));
  }
  profile.prompts.forEach((p, i) => {
    for (const key of ["top", "first", "continuation", "bottom"] as const) {
      const re = p[key];
      if (re) named.push([`prompts[${i}].${key}`, re]);
    }
  });
  return named;
}

if (!Deno.args.includes("--no-raw")) {
  const sizes = [500, 1000, 2000];
  console.log(
    `1. Built-in patterns alone on one unbounded line (ms at ${sizes.join(" / ")} chars;` +
      " shown when ≥ 2 ms at 2000):",
  );
  let shown = 0;
  for (const [name, profile] of PROFILES) {
    for (const [field, re] of patternsOf(profile)) {
      for (const lineName of Object.keys(lines(1))) {
        const ms = sizes.map((n) => time(() => re.test(lines(n)[lineName])));
        if (ms[2] < 2) continue;
        shown++;
        const growth = ms[2] / Math.max(ms[1], 0.001);
        console.log(
          `  ${ms.map((m) => m.toFixed(1).padStart(8)).join(" ")}  ×${
            growth.toFixed(1).padEnd(5)
          }` +
            ` ${`${name}.${field}`.padEnd(28)} ${lineName.padEnd(13)} /${re.source}/`,
        );
      }
    }
  }
  if (shown === 0) console.log("  none");
}

console.log(`\n2. End to end on a screen with one ${N}-character line (ms):`);
console.log("  line           profile   analyzeScreen   identifyProfile(node)");
const RULE = "─".repeat(80);
for (const [lineName, line] of Object.entries(lines(N))) {
  for (const [name, profile] of PROFILES) {
    const screen = [
      ...Array.from({ length: 10 }, (_, i) => `● line ${i}`),
      line,
      RULE,
      "> ",
      RULE,
      "  ? for shortcuts",
    ].join("\n");
    const a = time(() => analyzeScreen(screen, profile, { width: 120 }));
    const id = time(() =>
      identifyProfile({ profile: "", currentCommand: "node" }, { profiles: ALL, screen })
    );
    console.log(
      `  ${lineName.padEnd(14)} ${name.padEnd(9)} ${a.toFixed(1).padStart(13)}   ${
        id.toFixed(1).padStart(21)
      }`,
    );
  }
}

// 3. The worst screen for the bounded lines: every line a box line with the longest blank runs
// that are kept (8), no closing border, as long as a line is kept (2000).
const worstLine = `│ > ${"        x".repeat(222)}`;
const worst = Array.from({ length: 60 }, () => worstLine).join("\n");
console.log(`\n3. A screen of 60 such ${worstLine.length}-character lines (ms):`);
for (const [name, profile] of PROFILES) {
  const a = time(() => analyzeScreen(worst, profile, { width: 120 }));
  const id = time(() =>
    identifyProfile({ profile: "", currentCommand: "node" }, { profiles: ALL, screen: worst })
  );
  console.log(
    `  ${name.padEnd(9)} analyzeScreen ${a.toFixed(1)}   identifyProfile(node) ${id.toFixed(1)}`,
  );
}
