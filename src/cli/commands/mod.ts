/**
 * The command list: every command the CLI knows, in the order `--help` shows them.
 *
 * @module
 */

import type { CommandSpec } from "../spec.ts";
import { monitorCommand } from "./monitor.ts";
import {
  monitorLogsCommand,
  monitorStartCommand,
  monitorStatusCommand,
  monitorStopCommand,
} from "./monitor_control.ts";
import { superviseCommand } from "./supervise.ts";
import { agentCommand, agentRegisterCommand, agentUnregisterCommand } from "./agent.ts";
import { agentsCommand } from "./agents.ts";
import { captureCommand } from "./capture.ts";
import { eventsCommand } from "./events.ts";
import { sendCommand } from "./send.ts";
import { topCommand } from "./top.ts";
import {
  serviceCommand,
  serviceInstallCommand,
  serviceStatusCommand,
  serviceUninstallCommand,
} from "./service.ts";
import { completionsCommand } from "./completions.ts";
import { notifyTestCommand } from "./notify.ts";
import {
  configCheckCommand,
  configCommand,
  configExampleCommand,
  configPathCommand,
} from "./config.ts";
import { hookCommand, hooksInstallCommand } from "./hooks.ts";

/** All commands, in `--help` order; the parser picks the longest matching path. */
export const COMMANDS: readonly CommandSpec[] = [
  superviseCommand,
  monitorCommand,
  monitorStartCommand,
  monitorStopCommand,
  monitorStatusCommand,
  monitorLogsCommand,
  agentsCommand,
  captureCommand,
  eventsCommand,
  topCommand,
  sendCommand,
  agentCommand,
  agentRegisterCommand,
  agentUnregisterCommand,
  serviceCommand,
  serviceInstallCommand,
  serviceUninstallCommand,
  serviceStatusCommand,
  configCommand,
  configCheckCommand,
  configPathCommand,
  configExampleCommand,
  notifyTestCommand,
  hooksInstallCommand,
  hookCommand,
  completionsCommand,
];
