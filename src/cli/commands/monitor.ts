/**
 * `tmux-orc monitor`: the monitor in the foreground, unsupervised (or as the supervisor's child).
 *
 * @module
 */

import { log, shutdownLogging } from "../../log/mod.ts";
import { runMonitorDaemon } from "../../monitor/daemon.ts";
import { Monitor } from "../../monitor/monitor.ts";
import { readProfilesFile } from "../../monitor/profiles_file.ts";
import { UserError } from "../../state/errors.ts";
import { openStore } from "../../store/store.ts";
import { ControlClient } from "../../tmux/control_client.ts";
import { systemClock } from "../../util/clock.ts";
import {
  logStartRefusal,
  privateUmask,
  setupProcessLogging,
  terminationController,
} from "../process_setup.ts";
import type { CommandSpec } from "../spec.ts";
import { flag } from "../values.ts";
import { safeJson } from "../../util/safe_text.ts";
import {
  intervalMs,
  MONITOR_OPTIONS,
  monitorSettings,
  SUPERVISED_CHILD_FLAG,
} from "./monitor_options.ts";

/** `monitor`. */
export const monitorCommand: CommandSpec = {
  path: ["monitor"],
  summary: "Run the monitor in the foreground, unsupervised",
  description:
    "Watches every agent pane (registered with 'tmux-orc agent register', or detected by its\n" +
    "process), classifies it, acts on stuck input (and crashes, with --restart-crashed) and tells\n" +
    "its PM. See docs/agents.md.",
  options: {
    ...MONITOR_OPTIONS,
    once: { type: "boolean", description: "Run one cycle, print its result, exit" },
    json: { type: "boolean", description: "With --once: print the result as JSON" },
    [SUPERVISED_CHILD_FLAG]: {
      type: "boolean",
      description: "Run as the supervisor's child",
      hidden: true,
    },
    daemon: {
      type: "boolean",
      description: "Log to the state dir only (used by monitor start)",
      hidden: true,
    },
  },
  async run(ctx) {
    const interval = intervalMs(ctx.values);
    const settings = monitorSettings(ctx.values);
    const paths = await ctx.statePaths();
    privateUmask();
    const profiles = readProfilesFile(paths.profiles);
    const supervised = flag(ctx.values, SUPERVISED_CHILD_FLAG);
    const once = flag(ctx.values, "once");
    const json = flag(ctx.values, "json");
    const daemon = flag(ctx.values, "daemon");
    await setupProcessLogging(paths, {
      name: "monitor",
      stderrLevel: daemon ? false : supervised || once ? "warning" : "info",
    });
    const { stop, unhook } = terminationController();
    const logger = log("monitor");
    try {
      return await runMonitorDaemon({
        paths,
        intervalMs: interval,
        once,
        supervised,
        clock: systemClock,
        logger,
        stop,
        createMonitor: () => {
          let store;
          try {
            store = openStore(paths.database, {
              onEvent: (notice) =>
                notice.type === "corrupt_moved_aside"
                  ? logger.error(notice.message)
                  : logger.info(notice.message),
            });
          } catch (error) {
            throw new UserError((error as Error).message);
          }
          return new Monitor({
            tmux: new ControlClient(ctx.global.server),
            clock: systemClock,
            logger,
            store,
            profiles,
            options: settings,
          });
        },
        onCycle: (result) => {
          if (!once) return;
          if (json) ctx.out(safeJson(result));
          else {
            const states = Object.entries(result.states).filter(([, n]) => n > 0)
              .map(([state, n]) => `${n} ${state}`).join(", ");
            ctx.out(
              `Cycle ${result.cycle}: ${result.panes} panes, ${result.agents} agents${
                states ? ` (${states})` : ""
              }, ${result.captured} captures, ${result.durationMs.toFixed(1)} ms${
                result.tmux ? "" : " (no tmux server)"
              }`,
            );
          }
        },
      });
    } catch (error) {
      if (daemon) logStartRefusal("monitor", error);
      throw error;
    } finally {
      unhook();
      await shutdownLogging();
    }
  },
};
