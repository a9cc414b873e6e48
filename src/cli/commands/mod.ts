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

/** All commands. */
export const COMMANDS: readonly CommandSpec[] = [
  superviseCommand,
  monitorCommand,
  monitorStartCommand,
  monitorStopCommand,
  monitorStatusCommand,
  monitorLogsCommand,
];
