/**
 * `tmux-orc monitor`: the monitor in the foreground, unsupervised (or as the supervisor's child).
 *
 * @module
 */

import { log, shutdownLogging } from "../../log/mod.ts";
import { runMonitorDaemon } from "../../lifecycle/monitor_process.ts";
import { DEFAULT_MONITOR_OPTIONS, Monitor, type MonitorOptions } from "../../monitor/monitor.ts";
import { Ownership } from "../../monitor/ownership.ts";
import { ProcessDetector } from "../../monitor/detector.ts";
import { runDetectChild } from "../../monitor/detect_child.ts";
import { selfCommand } from "../../lifecycle/self_exec.ts";
import { readProfilesFile } from "../../monitor/profiles_file.ts";
import { UserError } from "../../state/errors.ts";
import { openStore } from "../../store/store.ts";
import { ControlClient } from "../../tmux/control_client.ts";
import { PaneWatchFeed } from "../../monitor/change_feed.ts";
import { systemClock } from "../../util/clock.ts";
import {
  logStartRefusal,
  privateUmask,
  setupProcessLogging,
  terminationController,
} from "../process_setup.ts";
import { defineCommand } from "../spec.ts";
import { switchOption } from "../options.ts";
import { safeJson } from "../../util/safe_text.ts";
import { parseChannels } from "../../channels/parse.ts";
import { DAEMON_TABLE, METRICS_TABLE, MONITOR_TABLE, monitorSettings } from "./monitor_options.ts";
import { MonitorMetrics } from "../../metrics/monitor_metrics.ts";
import {
  formatAddress,
  type MetricsServer,
  parseListenAddress,
  serveMetrics,
} from "../../metrics/server.ts";

/** The hidden switch of a supervised child: heartbeats on stdout, exit with the parent. */
export const SUPERVISED_CHILD = {
  supervisedChild: switchOption({
    flag: "supervised-child",
    help: "Run as the supervisor's child",
    hidden: true,
  }),
};

/** The hidden switch that runs the monitor's detection child (see `monitor/detector.ts`). */
const DETECT_CHILD = {
  detectChild: switchOption({
    flag: "detect-child",
    help: "Run the monitor's detection child (JSON lines on stdin and stdout)",
    hidden: true,
  }),
};

/**
 * When an early cycle's panes are looked at again: after the same second, and once the quiet
 * times that make an agent idle or its input stuck have passed.
 */
function quietFollowUps(settings: MonitorOptions): number[] {
  const idle = settings.idleAfterMs ?? DEFAULT_MONITOR_OPTIONS.idleAfterMs;
  const stuck = settings.stuckAfterMs ?? idle;
  return [...new Set([1100, idle + 250, stuck + 250])];
}

/** `monitor`. */
export const monitorCommand = defineCommand({
  path: ["monitor"],
  summary: "Run the monitor in the foreground, unsupervised",
  description:
    "Watches every agent pane (registered with 'tmux-orc agent register', or detected by its\n" +
    "process), classifies it, acts on stuck input (and crashes, with --restart-crashed) and tells\n" +
    "its PM. See docs/agents.md.",
  options: {
    ...MONITOR_TABLE,
    once: switchOption({ flag: "once", help: "Run one cycle, print its result, exit" }),
    json: switchOption({ flag: "json", help: "With --once: print the result as JSON" }),
    ...METRICS_TABLE,
    ...SUPERVISED_CHILD,
    ...DAEMON_TABLE,
    ...DETECT_CHILD,
  },
  // The detection child is started without --config: the parent has read the file.
  configSections: (values) => values[DETECT_CHILD.detectChild.flag] ? [] : ["monitor"],
  async run(ctx, options) {
    if (options.detectChild) return await runDetectChild();
    const settings = monitorSettings(options);
    const paths = await ctx.statePaths();
    privateUmask();
    const profiles = readProfilesFile(paths.profiles);
    const config = await ctx.config();
    const channels = config ? await parseChannels(config) : undefined;
    const { supervisedChild: supervised, once, json, daemon } = options;
    await setupProcessLogging(paths, {
      name: "monitor",
      stderrLevel: daemon ? false : supervised || once ? "warning" : "info",
    });
    for (const warning of config?.warnings ?? []) log("monitor").warning(warning);
    const { stop, unhook } = terminationController();
    const logger = log("monitor");
    let server: MetricsServer | undefined;
    const feed = options.subscribe && !once ? new PaneWatchFeed({ logger }) : undefined;
    try {
      return await runMonitorDaemon({
        paths,
        intervalMs: options.intervalMs,
        once,
        supervised,
        clock: systemClock,
        logger,
        stop,
        metricsAddress: () => server && formatAddress(server.address),
        changes: feed,
        early: { followUpsMs: quietFollowUps(settings) },
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
          let metrics: MonitorMetrics | undefined;
          if (options.metricsListen !== undefined) {
            metrics = new MonitorMetrics({
              clock: systemClock,
              intervalMs: options.intervalMs,
              buildInfo: !supervised,
            });
            server = startMetrics(options.metricsListen, metrics, logger, supervised);
          }
          const tmux = new ControlClient(ctx.global.server, {
            onNotification: feed && ((notification) => feed.notification(notification)),
            onEvent: feed && ((event) => feed.clientEvent(event)),
          });
          feed?.connect(tmux);
          return new Monitor({
            metrics,
            tmux,
            clock: systemClock,
            logger,
            store,
            profiles,
            options: settings,
            ownership: new Ownership({ stateDir: paths.dir }),
            channels,
            detector: new ProcessDetector(profiles, {
              command: [...selfCommand(), "monitor", `--${DETECT_CHILD.detectChild.flag}`],
              logger,
            }),
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
      await server?.close();
      unhook();
      await shutdownLogging();
    }
  },
});

/** Serves `metrics` at `listen` and says where (a supervised child's endpoint is internal). */
function startMetrics(
  listen: string,
  metrics: MonitorMetrics,
  logger: ReturnType<typeof log>,
  supervised: boolean,
): MetricsServer {
  const server = serveMetrics(parseListenAddress(listen), metrics);
  const where = formatAddress(server.address);
  if (supervised) logger.debug("Metrics for the supervisor on {where}", { where });
  else logger.info("Metrics on http://{where}/metrics", { where });
  if (!server.address.loopback) {
    logger.warn("Metrics are served on {where}: whoever can reach it can read agent names", {
      where,
    });
  }
  return server;
}
