/**
 * The command-line entry point: parse, dispatch, and turn every failure into one clear line on
 * stderr with a non-zero exit code — never a stack trace.
 *
 * @module
 */

import { ensureStateDir, resolveStateDir } from "../state/paths.ts";
import { errorMessage, UserError } from "../state/errors.ts";
import { COMMIT, VERSION } from "../version.ts";
import { COMMANDS } from "./commands/mod.ts";
import { parseCommandLine, renderHelp } from "./parse.ts";
import { readOptions } from "./options.ts";
import { type CommandContext, GLOBAL_TABLE } from "./spec.ts";
import { safeText } from "../util/safe_text.ts";
import { loadConfig, type LoadedConfig, redact } from "../config/mod.ts";
import { checkChannels, valuesWithConfig } from "./config_file.ts";

/** Prints one error line to stderr, with anything a terminal would act on shown visibly. */
export function printError(message: string): void {
  try {
    Deno.stderr.writeSync(new TextEncoder().encode(`tmux-orc: ${safeText(redact(message))}\n`));
  } catch { /* nowhere to report */ }
}

/**
 * Commands that print text stored by the monitor (events, status, logs, agents, top): the config's
 * secrets are resolved first, so that one which slipped into a stored row is redacted here too.
 * Best effort: a bad config file does not stop them (`config check` says what is wrong).
 */
const PRINTS_STORED_TEXT = new Set(["events", "agents", "monitor status", "monitor logs", "top"]);

/** Runs the CLI with `args` and resolves with the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    if (args.includes("--version") || (args.length === 1 && args[0] === "-V")) {
      console.log(`tmux-orc ${VERSION} (commit ${COMMIT}, deno ${Deno.version.deno})`);
      return 0;
    }
    const parsed = parseCommandLine(args, COMMANDS);
    if (!parsed.command || parsed.values.help) {
      console.log(
        renderHelp(COMMANDS, { command: parsed.command, words: parsed.words, version: VERSION }),
      );
      return parsed.command || parsed.values.help || parsed.words.length === 0 ? 0 : 2;
    }
    const values = parsed.values;
    const global = readOptions(GLOBAL_TABLE, values);
    const stateDirFlag = global.stateDir;
    let config: Promise<LoadedConfig | undefined> | undefined;
    const loadOnce = () => config ??= loadConfig({ path: global.config });
    const ctx: CommandContext = {
      values,
      args: parsed.args,
      global: {
        stateDirFlag,
        server: { socketName: global.socketName, socketPath: global.socketPath },
        configFlag: global.config,
      },
      statePaths: (options) => ensureStateDir(resolveStateDir(stateDirFlag), options),
      // The last guard: whatever a command prints, no escape sequence or bidi control gets out raw.
      // Secrets this process resolved never reach the output either.
      out: (line) => console.log(safeText(redact(line), { keepLines: true })),
      config: loadOnce,
      withConfig: async (values, sections) => valuesWithConfig(await loadOnce(), values, sections),
    };
    if (PRINTS_STORED_TEXT.has(parsed.command.path.join(" "))) {
      // Resolving the channels' secrets registers them for redaction (a bad file elsewhere must
      // not stop that: the command still runs and redacts what it could resolve).
      await loadOnce().then((c) => c && checkChannels(c)).catch(() => {});
    }
    return await parsed.command.run(ctx);
  } catch (error) {
    if (error instanceof UserError) {
      printError(error.message);
      return error.exitCode;
    }
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      printError(`Permission denied: ${errorMessage(error)}`);
      return 1;
    }
    printError(`Unexpected error: ${errorMessage(error)}`);
    if (Deno.env.get("TMUX_ORC_DEBUG")) {
      console.error(safeText(String((error as Error)?.stack ?? error), { keepLines: true }));
    }
    return 1;
  }
}
