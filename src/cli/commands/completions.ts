/**
 * `tmux-orc completions bash|zsh|fish`: prints a completion script generated from the command
 * specs, so it always matches the commands and options this build has.
 *
 * @module
 */

import { UsageError } from "../../state/errors.ts";
import { renderCompletions, type Shell, SHELLS } from "../../ship/completions.ts";
import type { CommandSpec } from "../spec.ts";

function isShell(value: string): value is Shell {
  return (SHELLS as readonly string[]).includes(value);
}

/** `completions`. */
export const completionsCommand: CommandSpec = {
  path: ["completions"],
  summary: "Print a shell completion script (bash, zsh or fish)",
  argsUsage: "SHELL",
  args: { min: 1, max: 1 },
  description: "bash: tmux-orc completions bash > ~/.local/share/bash-completion/completions/" +
    "tmux-orc\n" +
    'zsh:  tmux-orc completions zsh > "${fpath[1]}/_tmux-orc"\n' +
    "fish: tmux-orc completions fish > ~/.config/fish/completions/tmux-orc.fish",
  options: {},
  async run(ctx) {
    const shell = ctx.args[0];
    if (!isShell(shell)) {
      throw new UsageError(
        `Unknown shell: ${shell} (expected one of: ${SHELLS.join(", ")})`,
      );
    }
    // Imported here, not at the top: the command list imports this module.
    const { COMMANDS } = await import("./mod.ts");
    const script = renderCompletions(shell, COMMANDS, {
      argumentChoices: { completions: SHELLS },
    });
    ctx.out(script.trimEnd());
    return 0;
  },
};
