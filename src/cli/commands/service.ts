/**
 * `tmux-orc service install|uninstall|status`: a systemd unit that runs `tmux-orc supervise`, so
 * the supervisor itself starts at boot (or login) and comes back when it dies.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { errorMessage, UsageError, UserError } from "../../state/errors.ts";
import { writeFileAtomic } from "../../state/atomic.ts";
import { selfCommand } from "../../lifecycle/self_exec.ts";
import {
  renderServiceUnit,
  systemctlArgv,
  UNIT_NAME,
  unitFilePath,
  type UnitScope,
} from "../../ship/systemd.ts";
import { switchOption, text } from "../options.ts";
import { type CommandContext, type CommandSpec, defineCommand } from "../spec.ts";
import { MONITOR_TABLE, monitorArgs } from "./monitor_options.ts";
import { checkSupervisorValues, superviseArgs, SUPERVISOR_TABLE } from "./supervise_options.ts";

/** Where a system unit keeps state when no `--state-dir` is given (systemd's `StateDirectory=`). */
export const SYSTEM_STATE_DIR = "/var/lib/tmux-orc";

const USER_OPTION = {
  user: switchOption({
    flag: "user",
    help: "A user unit (systemctl --user) instead of a system unit",
  }),
};

function scopeOf(options: { user: boolean }): UnitScope {
  return options.user ? "user" : "system";
}

function unitPath(scope: UnitScope): string {
  try {
    return unitFilePath(scope, (name) => Deno.env.get(name));
  } catch (error) {
    throw new UserError(errorMessage(error));
  }
}

/** The full `ExecStart=` argv and environment for the options given to `service install`. */
export function serviceCommandLine(
  ctx: Pick<CommandContext, "values" | "global">,
  options: { scope: UnitScope; self?: string[] },
): { argv: string[]; environment: Record<string, string>; stateDirectory: boolean } {
  const values = ctx.values;
  const scope = options.scope;
  const argv = [...(options.self ?? selfCommand()), "supervise"];
  if (ctx.global.server.socketName !== undefined) argv.push("-L", ctx.global.server.socketName);
  if (ctx.global.server.socketPath !== undefined) {
    argv.push("-S", resolve(ctx.global.server.socketPath));
  }
  argv.push(...monitorArgs(values), ...superviseArgs(values));
  const environment: Record<string, string> = {};
  let stateDirectory = false;
  if (ctx.global.stateDirFlag !== undefined) {
    environment.TMUX_ORC_STATE_DIR = resolve(ctx.global.stateDirFlag);
  } else if (scope === "system") {
    environment.TMUX_ORC_STATE_DIR = SYSTEM_STATE_DIR;
    stateDirectory = true;
  }
  if (ctx.global.configFlag !== undefined) argv.push("--config", resolve(ctx.global.configFlag));
  return { argv, environment, stateDirectory };
}

async function runSystemctl(
  argv: string[],
  options: { inherit?: boolean } = {},
): Promise<{ code: number; output: string }> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: options.inherit ? "inherit" : "piped",
      stderr: options.inherit ? "inherit" : "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UserError(
        "Cannot run systemctl: it is not installed or not on PATH (is this a systemd system?)",
      );
    }
    throw error;
  }
  const dec = new TextDecoder();
  const output = options.inherit
    ? ""
    : `${dec.decode(out.stdout)}${dec.decode(out.stderr)}`.trim().split("\n")[0] ?? "";
  return { code: out.code, output };
}

async function writeUnit(path: string, text: string): Promise<void> {
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    // chmod before the rename: never a chmod by path on the final name (a link planted there).
    await writeFileAtomic(path, text, { mode: 0o644 });
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new UserError(
        `Cannot write ${path}: permission denied (run as root, or use --user for a user unit)`,
      );
    }
    throw new UserError(`Cannot write ${path}: ${errorMessage(error)}`);
  }
}

/** `service`: the group; names its subcommands. */
export const serviceCommand: CommandSpec = {
  path: ["service"],
  summary: "Run the supervisor under systemd (install, uninstall, status)",
  options: {},
  run() {
    return Promise.reject(
      new UsageError(
        "Missing subcommand: install, uninstall or status (see 'tmux-orc service --help')",
      ),
    );
  },
};

/** `service install`. */
export const serviceInstallCommand = defineCommand({
  path: ["service", "install"],
  summary: "Write a systemd unit that runs 'tmux-orc supervise' with the given flags",
  description:
    "The unit runs this program by absolute path (the binary itself, or deno with this script),\n" +
    "restarts it always, and stops it with SIGTERM so the supervisor stops its monitor first.\n" +
    "--user: ~/.config/systemd/user/tmux-orc.service; else /etc/systemd/system/tmux-orc.service.",
  options: {
    ...USER_OPTION,
    print: switchOption({ flag: "print", help: "Print the unit instead of writing it" }),
    enable: switchOption({
      flag: "enable",
      help: "Then run systemctl daemon-reload and enable --now",
    }),
    runAs: text({
      flag: "run-as",
      valueName: "USER",
      help: "System unit: run the supervisor as this user (User=)",
    }),
    ...MONITOR_TABLE,
    ...SUPERVISOR_TABLE,
  },
  async run(ctx, options) {
    checkSupervisorValues(options);
    const scope = scopeOf(options);
    const runAs = options.runAs;
    if (runAs !== undefined && scope === "user") {
      throw new UsageError("Invalid option: --run-as is for system units, not with --user");
    }
    const line = serviceCommandLine(ctx, { scope });
    let unit: string;
    try {
      unit = renderServiceUnit(line.argv, {
        scope,
        stopTimeoutSec: options.stopTimeoutMs / 1000,
        environment: line.environment,
        runAs,
        stateDirectory: line.stateDirectory,
      });
    } catch (error) {
      throw new UserError(`Cannot write the unit: ${errorMessage(error)}`);
    }
    if (options.print) {
      ctx.out(unit.trimEnd());
      return 0;
    }
    const path = unitPath(scope);
    await writeUnit(path, unit);
    ctx.out(`✓ Wrote ${path}`);
    if (line.argv[0].includes("/_npx/")) {
      ctx.out(
        `Note: the unit runs deno from npx's cache (${
          line.argv[0]
        }), which may be cleaned; the compiled binary or a permanently installed deno is safer`,
      );
    }
    const systemctl = (...args: string[]) => systemctlArgv(scope, ...args);
    if (options.enable) {
      for (const argv of [systemctl("daemon-reload"), systemctl("enable", "--now", UNIT_NAME)]) {
        const result = await runSystemctl(argv);
        if (result.code !== 0) {
          throw new UserError(
            `Cannot enable the service: ${argv.join(" ")} failed: ${
              result.output || `exit ${result.code}`
            }`,
          );
        }
      }
      ctx.out(`✓ Enabled and started ${UNIT_NAME}`);
    } else {
      ctx.out(`Start it: ${systemctl("daemon-reload").join(" ")}`);
      ctx.out(`          ${systemctl("enable", "--now", UNIT_NAME).join(" ")}`);
    }
    ctx.out(`Logs: journalctl ${scope === "user" ? "--user " : ""}-u ${UNIT_NAME} -f`);
    if (scope === "user") {
      ctx.out("To keep it running while you are logged out: loginctl enable-linger $USER");
    }
    return 0;
  },
});

/** `service uninstall`. */
export const serviceUninstallCommand = defineCommand({
  path: ["service", "uninstall"],
  summary: "Stop and disable the systemd unit and remove its file",
  options: { ...USER_OPTION },
  async run(ctx, options) {
    const scope = scopeOf(options);
    const path = unitPath(scope);
    try {
      await Deno.lstat(path);
    } catch {
      ctx.out(`Nothing to uninstall: no unit at ${path}`);
      return 0;
    }
    const disable = systemctlArgv(scope, "disable", "--now", UNIT_NAME);
    let systemctlWorks = true;
    try {
      const result = await runSystemctl(disable);
      if (result.code !== 0) {
        systemctlWorks = false;
        ctx.out(`Note: ${disable.join(" ")} failed: ${result.output || `exit ${result.code}`}`);
      } else ctx.out(`✓ Stopped and disabled ${UNIT_NAME}`);
    } catch (error) {
      systemctlWorks = false;
      ctx.out(`Note: ${errorMessage(error)}; removing the unit file only`);
    }
    try {
      await Deno.remove(path);
    } catch (error) {
      if (error instanceof Deno.errors.PermissionDenied) {
        throw new UserError(`Cannot remove ${path}: permission denied (run as root)`);
      }
      throw new UserError(`Cannot remove ${path}: ${errorMessage(error)}`);
    }
    ctx.out(`✓ Removed ${path}`);
    if (systemctlWorks) await runSystemctl(systemctlArgv(scope, "daemon-reload"));
    return 0;
  },
});

/** `service status`. */
export const serviceStatusCommand = defineCommand({
  path: ["service", "status"],
  summary: "Show systemd's view of the unit (systemctl status; exit code as systemctl's)",
  options: { ...USER_OPTION },
  async run(_ctx, options) {
    const argv = systemctlArgv(scopeOf(options), "status", "--no-pager", UNIT_NAME);
    const result = await runSystemctl(argv, { inherit: true });
    return result.code;
  },
});
