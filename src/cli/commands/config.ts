/**
 * `tmux-orc config check`, `config path`, `config example`: the config file for an operator.
 *
 * @module
 */

import { defaultConfigPath } from "../../config/mod.ts";
import { UsageError, UserError } from "../../state/errors.ts";
import { safeText } from "../../util/safe_text.ts";
import { checkConfigFile } from "../config_file.ts";
import { configExample } from "../config_example.ts";
import { type CommandSpec, defineCommand } from "../spec.ts";

/** `config`. */
export const configCommand: CommandSpec = {
  path: ["config"],
  summary: "Check the config file, show its path, print an example (check, path, example)",
  options: {},
  run() {
    return Promise.reject(
      new UsageError("Missing subcommand: check, path or example (see 'tmux-orc config --help')"),
    );
  },
};

function warn(line: string): void {
  try {
    Deno.stderr.writeSync(new TextEncoder().encode(`tmux-orc: Warning: ${safeText(line)}\n`));
  } catch { /* nowhere to report */ }
}

/** `config check`. */
export const configCheckCommand = defineCommand({
  path: ["config", "check"],
  summary:
    "Validate the config file: 'ok: PATH' and exit 0, or one line naming the problem, exit 1",
  description:
    "Checks every section ([monitor], [supervise], [[channels]]), every key and every secret\n" +
    "(env: variables set, file: secrets private). No config file is fine: the defaults apply.",
  options: {},
  async run(ctx) {
    const config = await ctx.config();
    if (!config) {
      ctx.out(`No config file: ${defaultConfigPath() ?? "(no HOME)"} (the defaults apply)`);
      return 0;
    }
    await checkConfigFile(config);
    for (const line of config.warnings) warn(line);
    ctx.out(`ok: ${config.path}`);
    return 0;
  },
});

/** `config path`. */
export const configPathCommand = defineCommand({
  path: ["config", "path"],
  summary: "Print the config file commands would read",
  options: {},
  async run(ctx) {
    const path = ctx.global.configFlag ?? defaultConfigPath();
    if (path === undefined) {
      throw new UserError("No config file path: neither XDG_CONFIG_HOME nor HOME is set");
    }
    let exists = true;
    try {
      await Deno.lstat(path);
    } catch {
      exists = false;
    }
    ctx.out(exists ? path : `${path} (does not exist: the defaults apply)`);
    return 0;
  },
});

/** `config example`. */
export const configExampleCommand = defineCommand({
  path: ["config", "example"],
  summary: "Print a commented example config file (every option at its default)",
  options: {},
  run(ctx) {
    for (const line of configExample()) ctx.out(line);
    return Promise.resolve(0);
  },
});
