import assert from "node:assert/strict";
import { join } from "node:path";
import { COMMANDS } from "../../src/cli/commands/mod.ts";
import { GLOBAL_OPTIONS } from "../../src/cli/spec.ts";
import { renderCompletions, SHELLS } from "../../src/ship/completions.ts";
import { runCli } from "../helpers/mod.ts";
import { oneLine, onPath, runArgv } from "./helpers.ts";

const OPTIONS = { argumentChoices: { completions: SHELLS } };

/** Every visible option of every command, and the globals, as `--name` and `-x`. */
function allFlags(): string[] {
  const flags = new Set<string>();
  for (const options of [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)]) {
    for (const [name, spec] of Object.entries(options)) {
      if (spec.hidden) continue;
      flags.add(`--${name}`);
      if (spec.short) flags.add(`-${spec.short}`);
    }
  }
  return [...flags];
}

async function withScript(
  shell: string,
  fn: (path: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, `tmux-orc.${shell}`);
    await Deno.writeTextFile(
      path,
      renderCompletions(shell as typeof SHELLS[number], COMMANDS, OPTIONS),
    );
    await fn(path, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the bash completion function for a command line; returns COMPREPLY. */
async function bashComplete(
  script: string,
  words: string[],
  options: { cwd: string },
): Promise<string[]> {
  const cwd = options.cwd;
  const quoted = words.map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
  const program = [
    `source '${script}'`,
    `COMP_WORDS=(${quoted})`,
    `COMP_CWORD=${words.length - 1}`,
    "_tmux_orc",
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const file = join(cwd, "complete.bash");
  await Deno.writeTextFile(file, program);
  const out = await runArgv(["bash", "--norc", "--noprofile", file], { cwd });
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stderr, "");
  return out.stdout.split("\n").filter((l) => l !== "");
}

Deno.test("bash completion passes bash -n and names every command path and option", async () => {
  await withScript("bash", async (path) => {
    const check = await runArgv(["bash", "-n", path]);
    assert.equal(check.code, 0, check.stderr);
    const text = await Deno.readTextFile(path);
    for (const command of COMMANDS) {
      assert.ok(text.includes(`'${command.path.join(" ")}'`), `path ${command.path.join(" ")}`);
    }
    for (const flag of allFlags()) {
      assert.match(text, new RegExp(`(^|[ '|(])${flag}([ '|)]|$)`, "m"), `option ${flag}`);
    }
    assert.ok(!text.includes("--supervised-child") && !text.includes("--daemon"), "hidden");
    assert.match(text, /^complete -F _tmux_orc tmux-orc$/m);
  });
});

Deno.test("bash completion completes commands, subcommands, options and values", async () => {
  await withScript("bash", async (path, dir) => {
    await Deno.mkdir(join(dir, "statedir"));
    const top = await bashComplete(path, ["tmux-orc", ""], { cwd: dir });
    for (const word of ["supervise", "monitor", "service", "completions"]) {
      assert.ok(top.includes(word), `${word} in ${top}`);
    }
    assert.deepEqual(
      (await bashComplete(path, ["tmux-orc", "monitor", ""], { cwd: dir })).sort(),
      ["logs", "start", "status", "stop"],
    );
    assert.deepEqual(
      await bashComplete(path, ["tmux-orc", "-L", "x", "service", "i"], { cwd: dir }),
      ["install"],
    );
    const startOptions = await bashComplete(path, ["tmux-orc", "monitor", "start", "--"], {
      cwd: dir,
    });
    for (const flag of ["--supervised", "--interval", "--wait", "--state-dir", "--help"]) {
      assert.ok(startOptions.includes(flag), `${flag} in ${startOptions}`);
    }
    assert.ok(!startOptions.includes("--json"), "status's option not offered for start");
    assert.deepEqual(
      (await bashComplete(path, ["tmux-orc", "completions", ""], { cwd: dir })).sort(),
      ["bash", "fish", "zsh"],
    );
    assert.deepEqual(
      await bashComplete(path, ["tmux-orc", "--state-dir", "state"], { cwd: dir }),
      ["statedir"],
    );
    assert.deepEqual(
      await bashComplete(path, ["tmux-orc", "monitor", "--interval", ""], { cwd: dir }),
      [],
    );
  });
});

const hasZsh = onPath("zsh");
Deno.test({
  name: hasZsh ? "zsh completion passes zsh -n" : "SKIPPED: zsh -n (zsh is not installed)",
  ignore: !hasZsh,
  async fn() {
    await withScript("zsh", async (path) => {
      const check = await runArgv(["zsh", "-n", path]);
      assert.equal(check.code, 0, check.stderr);
      const text = await Deno.readTextFile(path);
      assert.match(text, /^#compdef tmux-orc$/m);
      for (const flag of allFlags()) assert.ok(text.includes(flag), flag);
    });
  },
});

const hasFish = onPath("fish");
Deno.test({
  name: hasFish
    ? "fish completion passes fish --no-execute and completes subcommands"
    : "SKIPPED: fish completion (fish is not installed)",
  ignore: !hasFish,
  async fn() {
    await withScript("fish", async (path) => {
      const check = await runArgv(["fish", "--no-execute", path]);
      assert.equal(check.code, 0, check.stderr);
      const probe = `${path}.probe.fish`;
      await Deno.writeTextFile(
        probe,
        `source '${path}'\ncomplete --do-complete 'tmux-orc monitor '\n`,
      );
      const out = await runArgv(["fish", "--no-config", probe]);
      assert.equal(out.code, 0, out.stderr);
      const words = out.stdout.split("\n").map((l) => l.split("\t")[0]).filter((w) => w);
      assert.deepEqual(words.sort(), ["logs", "start", "status", "stop"]);
    });
  },
});

Deno.test("tmux-orc completions prints the generated script; a bad shell is one line", async () => {
  const bash = await runCli(["completions", "bash"]);
  assert.equal(bash.code, 0, bash.stderr);
  assert.equal(
    bash.stdout,
    `${renderCompletions("bash", COMMANDS, OPTIONS).trimEnd()}\n`,
  );
  const bad = await runCli(["completions", "tcsh"]);
  assert.equal(bad.code, 2);
  assert.match(oneLine(bad.stderr), /^tmux-orc: Unknown shell: tcsh/);
});
