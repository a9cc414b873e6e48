/**
 * The systemd unit that runs `tmux-orc supervise`: a pure renderer (argv and settings in, unit
 * text out) with systemd's own quoting rules, and where the unit file lives.
 *
 * @module
 */

import { join } from "node:path";

/** The unit's name. */
export const UNIT_NAME = "tmux-orc.service";

/** Seconds systemd waits before restarting the supervisor. */
export const RESTART_SEC = 5;

/** The window (seconds) and count of starts after which systemd stops restarting. */
export const START_LIMIT = { intervalSec: 600, burst: 20 } as const;

/** Seconds `TimeoutStopSec` adds to the supervisor's own stop timeout. */
export const STOP_MARGIN_SEC = 10;

/** Whether the unit is a user unit (`systemctl --user`) or a system unit. */
export type UnitScope = "user" | "system";

/** What {@linkcode renderServiceUnit} needs besides the command. */
export interface ServiceUnitOptions {
  /** User or system unit: decides `WantedBy=`. */
  scope: UnitScope;
  /** The supervisor's SIGTERM-to-SIGKILL grace in seconds (`--stop-timeout`, default 3). */
  stopTimeoutSec: number;
  /** Variables for `Environment=` lines, in order. */
  environment?: Record<string, string>;
  /** System units: run as this user (`User=`). */
  runAs?: string;
  /** System units: have systemd create `/var/lib/tmux-orc` (`StateDirectory=`), mode 0700. */
  stateDirectory?: boolean;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

function refuseControl(what: string, value: string): void {
  if (CONTROL.test(value)) {
    throw new Error(
      `Cannot put a control character in a systemd unit: ${what} ${JSON.stringify(value)}`,
    );
  }
}

/**
 * Quotes one `ExecStart=` argument by systemd's rules: plain words stay bare, anything else goes
 * in double quotes with `\` and `"` escaped; `%` (specifiers) becomes `%%` and `$` (variable
 * expansion) becomes `$$` either way. Control characters are refused.
 */
export function quoteExecArg(arg: string): string {
  refuseControl("argument", arg);
  const escaped = arg.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(arg.replaceAll("%", "").replaceAll("$", "")) && arg !== "") {
    return escaped;
  }
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** Renders an `ExecStart=` command line (the first word must be an absolute path). */
export function renderExecStart(argv: readonly string[]): string {
  if (argv.length === 0 || !argv[0].startsWith("/")) {
    throw new Error(`ExecStart needs an absolute program path: ${argv[0] ?? "(none)"}`);
  }
  return argv.map(quoteExecArg).join(" ");
}

/**
 * Renders one `Environment=` assignment, double-quoted with `\` and `"` escaped and `%` doubled
 * (systemd expands specifiers there but not variables, so `$` stays as it is).
 */
export function renderEnvironment(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`Invalid environment variable name: ${name}`);
  }
  refuseControl(`value of ${name}:`, value);
  const escaped = `${name}=${value}`.replaceAll("\\", "\\\\").replaceAll('"', '\\"')
    .replaceAll("%", "%%");
  return `"${escaped}"`;
}

/** `TimeoutStopSec` for a supervisor stop timeout: larger than it, so the supervisor stops its child. */
export function timeoutStopSec(stopTimeoutSec: number): number {
  return Math.ceil(stopTimeoutSec) + STOP_MARGIN_SEC;
}

/**
 * Renders the unit: `Restart=always` with a pause, a start limit in `[Unit]` (where systemd reads
 * it), `KillMode=mixed` (SIGTERM to the supervisor, which stops its monitor; SIGKILL to anything
 * left after `TimeoutStopSec`), and the install target for the scope.
 */
export function renderServiceUnit(command: readonly string[], options: ServiceUnitOptions): string {
  const lines = [
    "# Written by `tmux-orc service install`: run it again to change the flags.",
    "[Unit]",
    "Description=tmux-orc supervisor: keeps AI coding agents in tmux working",
    `StartLimitIntervalSec=${START_LIMIT.intervalSec}`,
    `StartLimitBurst=${START_LIMIT.burst}`,
    "",
    "[Service]",
    "Type=exec",
    `ExecStart=${renderExecStart(command)}`,
  ];
  for (const [name, value] of Object.entries(options.environment ?? {})) {
    lines.push(`Environment=${renderEnvironment(name, value)}`);
  }
  if (options.runAs !== undefined) {
    if (options.scope !== "system") throw new Error("User= only applies to system units");
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(options.runAs)) {
      throw new Error(`Invalid user name: ${options.runAs}`);
    }
    lines.push(`User=${options.runAs}`);
  }
  if (options.stateDirectory) {
    lines.push("StateDirectory=tmux-orc", "StateDirectoryMode=0700");
  }
  lines.push(
    "Restart=always",
    `RestartSec=${RESTART_SEC}`,
    "KillMode=mixed",
    `TimeoutStopSec=${timeoutStopSec(options.stopTimeoutSec)}`,
    "UMask=0077",
    "NoNewPrivileges=yes",
    "SyslogIdentifier=tmux-orc",
    "",
    "[Install]",
    `WantedBy=${options.scope === "user" ? "default.target" : "multi-user.target"}`,
    "",
  );
  return lines.join("\n");
}

/**
 * Where the unit file goes: `$XDG_CONFIG_HOME/systemd/user` (default `~/.config/systemd/user`) for
 * user units, `/etc/systemd/system` for system units.
 */
export function unitFilePath(
  scope: UnitScope,
  env: (name: string) => string | undefined,
): string {
  if (scope === "system") return join("/etc/systemd/system", UNIT_NAME);
  const config = env("XDG_CONFIG_HOME");
  if (config && config.startsWith("/")) return join(config, "systemd", "user", UNIT_NAME);
  const home = env("HOME");
  if (!home) throw new Error("Cannot find the user unit directory: HOME is not set");
  return join(home, ".config", "systemd", "user", UNIT_NAME);
}

/** The `systemctl` argv prefix for a scope: `["systemctl", "--user"]` or `["systemctl"]`. */
export function systemctlArgv(scope: UnitScope, ...args: string[]): string[] {
  return scope === "user" ? ["systemctl", "--user", ...args] : ["systemctl", ...args];
}
