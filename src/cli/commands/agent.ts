/**
 * `tmux-orc agent register|unregister`: mark a pane as an agent or a PM (pane user options
 * `@tmux-orc-role`, `-name`, `-profile`, `-command`, `-pm`), or clear the marks. The monitor reads
 * them every cycle; nothing else is changed in the pane. Also the tmux helpers the one-shot agent
 * commands share.
 *
 * @module
 */

import { splitCommandLine } from "../../actions/restart.ts";
import { readProfilesFile } from "../../monitor/profiles_file.ts";
import { paneTarget } from "../../monitor/registry.ts";
import { UsageError, UserError } from "../../state/errors.ts";
import { resolveTarget, setPaneOption, unsetPaneOption } from "../../tmux/commands.ts";
import { listPanes } from "../../tmux/panes.ts";
import { SubprocessClient } from "../../tmux/subprocess_client.ts";
import {
  type PaneRecord,
  type TmuxClient,
  TmuxCommandError,
  type TmuxServer,
  TmuxUnavailableError,
} from "../../tmux/types.ts";
import { REGISTRATION_OPTIONS, WATCH_GENERATION_BUMP } from "../../registration.ts";
import { text } from "../options.ts";
import { type CommandSpec, defineCommand } from "../spec.ts";
import { safeText } from "../../util/safe_text.ts";

/** Longest agent name accepted. */
const MAX_NAME = 64;

function describeServer(server: TmuxServer): string {
  if (server.socketPath) return ` (socket ${server.socketPath})`;
  if (server.socketName) return ` (socket name ${server.socketName})`;
  return "";
}

/**
 * Runs `fn` with a one-shot tmux client for `server` (subprocess per command; never starts a
 * server), turning tmux errors into one-line {@linkcode UserError}s.
 */
export async function withTmux<T>(
  server: TmuxServer,
  fn: (tmux: TmuxClient) => Promise<T>,
): Promise<T> {
  const tmux = new SubprocessClient(server, { noStartServer: true });
  try {
    return await fn(tmux);
  } catch (error) {
    if (error instanceof TmuxUnavailableError) {
      throw new UserError(`No tmux server is running${describeServer(server)}`);
    }
    if (error instanceof TmuxCommandError) throw new UserError(error.message);
    throw error;
  } finally {
    await tmux.close();
  }
}

/** Resolves a target (`%N` or `session:window.pane`) to its pane record. */
export async function findPane(tmux: TmuxClient, target: string): Promise<PaneRecord> {
  if (target.trim() === "") throw new UsageError("Invalid target: it is empty");
  let paneId: string;
  try {
    paneId = await resolveTarget(tmux, target);
  } catch (error) {
    if (error instanceof TmuxCommandError) {
      throw new UserError(`Pane not found: ${target}`);
    }
    throw error;
  }
  const pane = (await listPanes(tmux)).find((p) => p.paneId === paneId);
  if (!pane) throw new UserError(`Pane not found: ${target}`);
  return pane;
}

function checkText(flag: string, value: string, max: number): string {
  const text = value.trim();
  // deno-lint-ignore no-control-regex
  if (text === "" || /[\u0000-\u001f\u007f-\u009f]/.test(text)) {
    throw new UsageError(
      `Invalid value for ${flag}: expected non-empty text without control characters`,
    );
  }
  if (text.length > max) {
    throw new UsageError(`Invalid value for ${flag}: longer than ${max} characters`);
  }
  return text;
}

/** `agent`: the group; names its subcommands. */
export const agentCommand: CommandSpec = {
  path: ["agent"],
  summary: "Register a pane as an agent or PM, or unregister it (register, unregister)",
  options: {},
  run() {
    return Promise.reject(
      new UsageError(
        "Missing subcommand: register or unregister (see 'tmux-orc agent --help')",
      ),
    );
  },
};

/** `agent register`. */
export const agentRegisterCommand = defineCommand({
  path: ["agent", "register"],
  summary: "Mark a pane as an agent (or the PM) for the monitor",
  argsUsage: "TARGET",
  args: { min: 1, max: 1 },
  description:
    "TARGET is a pane: %N or session:window.pane. Sets the pane options @tmux-orc-role, -name,\n" +
    "-profile, -command and -pm (options not given are cleared). An agent's PM is the pane --pm\n" +
    "names, else the pane registered with --role pm in its session.",
  options: {
    role: text({ flag: "role", valueName: "ROLE", help: "agent (default) or pm" }),
    name: text({ flag: "name", valueName: "NAME", help: "Name shown in messages and lists" }),
    profile: text({
      flag: "profile",
      valueName: "P",
      help: "Agent CLI profile: claude, codex, gemini, aider, or one from profiles.json",
    }),
    command: text({
      flag: "command",
      valueName: "CMD",
      help: "Command that starts the agent (for --restart-crashed); split into words, no shell",
    }),
    pm: text({ flag: "pm", valueName: "TARGET", help: "This agent's PM pane" }),
  },
  async run(ctx, options) {
    const target = ctx.args[0];
    const role = (options.role ?? "agent").trim().toLowerCase();
    if (role !== "agent" && role !== "pm") {
      throw new UsageError(`Invalid value for --role: expected agent or pm, got '${options.role}'`);
    }
    const rawName = options.name;
    const name = rawName === undefined ? undefined : checkText("--name", rawName, MAX_NAME);
    const rawCommand = options.command;
    let command: string | undefined;
    if (rawCommand !== undefined) {
      command = checkText("--command", rawCommand, 4000);
      try {
        splitCommandLine(command);
      } catch (error) {
        throw new UsageError(`Invalid value for --command: ${(error as Error).message}`);
      }
    }
    const profile = options.profile;
    if (profile !== undefined) {
      const paths = await ctx.statePaths({ create: false });
      const profiles = readProfilesFile(paths.profiles);
      if (!profiles.has(profile)) {
        throw new UsageError(
          `Invalid value for --profile: unknown profile '${profile}' (known: ${
            [...profiles.keys()].join(", ")
          })`,
        );
      }
    }
    const pmTarget = options.pm;
    return await withTmux(ctx.global.server, async (tmux) => {
      const pane = await findPane(tmux, target);
      let pm: PaneRecord | undefined;
      if (pmTarget !== undefined) {
        pm = await findPane(tmux, pmTarget);
        if (pm.paneId === pane.paneId) {
          throw new UsageError("Invalid value for --pm: a pane cannot be its own PM");
        }
      }
      const values: [string, string | undefined][] = [
        [REGISTRATION_OPTIONS.name, name],
        [REGISTRATION_OPTIONS.profile, profile],
        [REGISTRATION_OPTIONS.command, command],
        [REGISTRATION_OPTIONS.pm, pm?.paneId],
      ];
      for (const [key, value] of values) {
        if (value === undefined) await unsetPaneOption(tmux, pane.paneId, key);
        else await setPaneOption(tmux, pane.paneId, key, value);
      }
      // The role last: the monitor never sees a half-registered pane as registered.
      await setPaneOption(tmux, pane.paneId, REGISTRATION_OPTIONS.role, role);
      await tmux.run(WATCH_GENERATION_BUMP); // wakes the monitor's pane watch
      const details = [
        profile ? `profile ${profile}` : "",
        pm ? `PM ${pm.paneId}` : "",
        command ? "restart command set" : "",
      ].filter((d) => d !== "");
      ctx.out(safeText(
        `✓ Registered ${pane.paneId} (${paneTarget(pane)}) as ${role}${name ? ` "${name}"` : ""}${
          details.length > 0 ? `: ${details.join(", ")}` : ""
        }`,
      ));
      return 0;
    });
  },
});

/** `agent unregister`. */
export const agentUnregisterCommand: CommandSpec = {
  path: ["agent", "unregister"],
  summary: "Clear a pane's agent registration",
  argsUsage: "TARGET",
  args: { min: 1, max: 1 },
  options: {},
  run(ctx) {
    return withTmux(ctx.global.server, async (tmux) => {
      const pane = await findPane(tmux, ctx.args[0]);
      // The role first: the monitor stops treating it as registered at once.
      for (const key of Object.values(REGISTRATION_OPTIONS)) {
        await unsetPaneOption(tmux, pane.paneId, key);
      }
      await tmux.run(WATCH_GENERATION_BUMP); // wakes the monitor's pane watch
      ctx.out(safeText(`✓ Unregistered ${pane.paneId} (${paneTarget(pane)})`));
      return 0;
    });
  },
};
