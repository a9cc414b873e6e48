/**
 * `tmux-orc supervise`: the supervisor in the foreground (what systemd or a container runs).
 *
 * @module
 */

import { log, shutdownLogging } from "../../log/mod.ts";
import { runSupervisorProcess } from "../../lifecycle/supervisor_process.ts";
import { selfCommand } from "../../lifecycle/self_exec.ts";
import { systemClock } from "../../util/clock.ts";
import {
  logStartRefusal,
  privateUmask,
  setupProcessLogging,
  terminationController,
} from "../process_setup.ts";
import { defineCommand } from "../spec.ts";
import { DAEMON_TABLE, globalArgs, MONITOR_TABLE, monitorArgs } from "./monitor_options.ts";
import { SUPERVISED_CHILD } from "./monitor.ts";
import { checkSupervisorValues, settingsInSeconds, SUPERVISOR_TABLE } from "./supervise_options.ts";

/** `supervise`. */
export const superviseCommand = defineCommand({
  path: ["supervise"],
  summary: "Run the supervisor in the foreground: it starts the monitor and heals it",
  description:
    "Restarts the monitor at once when it dies (with exponential backoff), kills and replaces it\n" +
    "when its heartbeat goes stale, cools off after too many failures, and never gives up.",
  options: { ...MONITOR_TABLE, ...SUPERVISOR_TABLE, ...DAEMON_TABLE },
  async run(ctx, options) {
    checkSupervisorValues(options);
    const paths = await ctx.statePaths();
    privateUmask();
    const daemon = options.daemon;
    await setupProcessLogging(paths, { name: "supervisor", stderrLevel: daemon ? false : "info" });
    for (const warning of (await ctx.config())?.warnings ?? []) log("supervisor").warning(warning);
    const { stop, unhook } = terminationController();
    try {
      return await runSupervisorProcess({
        paths,
        childArgv: [
          ...selfCommand(),
          "monitor",
          ...globalArgs(ctx.global, paths.dir),
          ...monitorArgs(ctx.values),
          `--${SUPERVISED_CHILD.supervisedChild.flag}`,
        ],
        policy: options,
        checkIntervalMs: options.checkIntervalMs,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs,
        stopTimeoutMs: options.stopTimeoutMs,
        settings: settingsInSeconds(options),
        clock: systemClock,
        logger: log("supervisor"),
        stop: stop.signal,
        echoChildStderr: !daemon,
      });
    } catch (error) {
      if (daemon) logStartRefusal("supervisor", error);
      throw error;
    } finally {
      unhook();
      await shutdownLogging();
    }
  },
  configSections: () => ["monitor", "supervise"],
});
