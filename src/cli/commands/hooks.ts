/**
 * `tmux-orc hooks install` (write the agent CLI's own hook configuration) and `tmux-orc hook`
 * (what that configuration runs). `hook` normally starts straight from `main.ts` without loading
 * the CLI (`src/hooks/record.ts`); the spec here gives it `--help` and completions, and runs the
 * same code when it is reached the long way (e.g. after a global option).
 *
 * @module
 */

import { join, resolve } from "node:path";
import { HOOK_CLIS, type HookCli } from "../../hooks/event.ts";
import { codexNotifyLine, settingsFragment } from "../../hooks/install.ts";
import { applyHooks, configPath, type InstallTarget } from "../../hooks/install_files.ts";
import { hookMain } from "../../hooks/record.ts";
import { currentSelfExecEnv, selfCommand, type SelfExecEnv } from "../../lifecycle/self_exec.ts";
import { UsageError } from "../../state/errors.ts";
import { switchOption, text } from "../options.ts";
import { defineCommand } from "../spec.ts";

/** The options of `hooks install`. */
export const HOOKS_INSTALL_TABLE = {
  claude: switchOption({ flag: "claude", help: "Claude Code: hooks in settings.json" }),
  codex: switchOption({ flag: "codex", help: "Codex CLI: notify in config.toml" }),
  gemini: switchOption({ flag: "gemini", help: "Gemini CLI: hooks in settings.json" }),
  user: switchOption({
    flag: "user",
    help: "The CLI's per-user file (~/.claude, ~/.codex, ~/.gemini; the default)",
  }),
  project: text({
    flag: "project",
    valueName: "DIR",
    help: "The project's file instead: DIR/.claude/settings.json, DIR/.codex/config.toml…",
  }),
  print: switchOption({ flag: "print", help: "Print the fragment it would write; write nothing" }),
  uninstall: switchOption({ flag: "uninstall", help: "Remove tmux-orc's entries (only those)" }),
};

/**
 * The argv prefix our hooks run: this program. Under `deno run`:
 *
 * - `DENO_DIR` pinned to this deno's cache: the agent may run with another HOME (a sandbox, a
 *   test's private HOME), and deno would fetch and compile the program again on its first hook;
 * - `--no-config` instead of `--config deno.json`: `hook`'s module graph (`src/hooks/record.ts`)
 *   has no npm import, and resolving deno.json's npm packages costs ~45 ms a run (measured).
 */
export function hookProgram(env: SelfExecEnv = currentSelfExecEnv()): string[] {
  const self = selfCommand(env);
  if (env.standalone) return self;
  const home = Deno.env.get("HOME") ?? "/";
  const cache = Deno.env.get("XDG_CACHE_HOME") || join(home, ".cache");
  const denoDir = Deno.env.get("DENO_DIR") || join(cache, "deno");
  const config = self.indexOf("--config");
  const argv = config < 0
    ? self
    : [...self.slice(0, config), "--no-config", ...self.slice(config + 2)];
  return ["/usr/bin/env", `DENO_DIR=${denoDir}`, ...argv];
}

function chosenCli(options: { claude: boolean; codex: boolean; gemini: boolean }): HookCli {
  const chosen = HOOK_CLIS.filter((cli) => options[cli]);
  if (chosen.length !== 1) {
    throw new UsageError("Choose one CLI: --claude, --codex or --gemini");
  }
  return chosen[0];
}

/** `hooks install`. */
export const hooksInstallCommand = defineCommand({
  path: ["hooks", "install"],
  summary: "Make an agent CLI report its events to tmux-orc through its own hooks",
  description:
    "Merges tmux-orc's hook entries into the CLI's configuration (a backup of the old file is\n" +
    "kept beside it; nothing else in the file changes). The hooks run `tmux-orc hook EVENT`,\n" +
    "which records the event on the agent's tmux pane for the monitor; restart the CLI after.",
  options: HOOKS_INSTALL_TABLE,
  async run(ctx, options) {
    const cli = chosenCli(options);
    if (options.user && options.project !== undefined) {
      throw new UsageError("Choose one of --user and --project");
    }
    if (options.print && options.uninstall) {
      throw new UsageError("Choose one of --print and --uninstall");
    }
    const self = hookProgram();
    if (options.print) {
      ctx.out(
        cli === "codex"
          ? codexNotifyLine(self)
          : JSON.stringify(settingsFragment(cli, self), null, 2),
      );
      return 0;
    }
    const target: InstallTarget = options.project === undefined
      ? { cli, scope: "user" }
      : { cli, scope: "project", projectDir: resolve(options.project) };
    const path = configPath(target);
    const result = await applyHooks(target, { self, install: !options.uninstall, path });
    const what = options.uninstall ? "removed from" : "installed in";
    if (result.status === "unchanged") {
      ctx.out(
        options.uninstall
          ? `No tmux-orc hooks in ${result.path}`
          : `tmux-orc hooks already installed in ${result.path}`,
      );
    } else {
      ctx.out(`✓ tmux-orc hooks ${what} ${result.path}`);
      if (result.backup) ctx.out(`  backup of the old file: ${result.backup}`);
    }
    return 0;
  },
});

/** `hook`. */
export const hookCommand = defineCommand({
  path: ["hook"],
  summary: "Record an agent CLI's hook event on its tmux pane (run by the CLI's hooks)",
  argsUsage: "EVENT [PAYLOAD]",
  args: { min: 1, max: 2 },
  description:
    "Run by the hooks `hooks install` writes. Reads the event's JSON on stdin (or PAYLOAD,\n" +
    "Codex's way), finds its pane from $TMUX_PANE and sets the pane option @tmux-orc-hook.\n" +
    "Always exits 0 and prints nothing; a failure goes to <state-dir>/logs/hook.jsonl.",
  options: {
    cli: text({
      flag: "cli",
      valueName: "NAME",
      help: "Which CLI's hook this is: claude, codex or gemini",
    }),
  },
  async run(ctx, options) {
    return await hookMain([...(options.cli ? ["--cli", options.cli] : []), ...ctx.args]);
  },
});
