/**
 * Security: no shell anywhere in src/ — every external command is an argv array.
 */
import assert from "node:assert/strict";
import { ROOT } from "../helpers/mod.ts";

const SHELL_CALL = [
  /(["'`])(?:\/(?:usr\/)?bin\/)?(?:ba|z|da|k|fi)?sh\1\s*,[^\n]{0,20}?(["'`])-c\2/, // Command("sh", ["-c", …])
  /(["'`])(?:\/(?:usr\/)?bin\/)?(?:ba|z|da|k)?sh -c\b/, // "bash -c …"
  /\bexecSync\(|\bspawnSync\(|child_process/,
];

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

function codeLines(text: string): [number, string][] {
  return text.split("\n").map((line, i) => [i + 1, line] as [number, string])
    .filter(([, line]) => !/^\s*(\*|\/\/|\/\*)/.test(line));
}

Deno.test("no sh -c / bash -c / child_process in src/", async () => {
  const offenders: string[] = [];
  let files = 0;
  for await (const file of sourceFiles(`${ROOT}src`)) {
    files++;
    for (const [n, line] of codeLines(await Deno.readTextFile(file))) {
      if (SHELL_CALL.some((re) => re.test(line))) offenders.push(`${file}:${n}: ${line.trim()}`);
    }
  }
  assert.ok(files > 20, `scanned ${files} files`);
  assert.deepEqual(offenders, []);
});

Deno.test("the shell detector itself catches the forms it must", () => {
  const bad = [
    `new Deno.Command("sh", { args: ["-c", cmd] })`,
    `const argv = ["bash", "-c", script];`,
    `run("/bin/sh", ["-c", x])`,
    "spawn(`bash -c ${x}`)",
    `import { execSync } from "node:child_process";`,
  ];
  for (const line of bad) assert.ok(SHELL_CALL.some((re) => re.test(line)), line);
  const good = [
    `new Deno.Command("tmux", { args: ["-L", name, "list-panes"] })`,
    `const shells = ["bash", "zsh"];`,
  ];
  for (const line of good) assert.ok(!SHELL_CALL.some((re) => re.test(line)), line);
});
