/**
 * `tmux-orc top`: a live full-screen view of the agents, the monitor's and supervisor's health
 * and the latest events (see `src/top/`). Reads the store, the heartbeat and `supervisor.json`
 * read-only; acts on panes only when a key asks (jump, Enter, send).
 *
 * @module
 */

import { readProfilesFile } from "../../monitor/profiles_file.ts";
import { SubprocessClient } from "../../tmux/subprocess_client.ts";
import { tmuxActions } from "../../top/actions.ts";
import { runTop } from "../../top/app.ts";
import { TopSource } from "../../top/source.ts";
import { colorWanted } from "../../top/style.ts";
import { ConsoleTerminal } from "../../top/terminal.ts";
import { terminationController } from "../process_setup.ts";
import { seconds, switchOption } from "../options.ts";
import { defineCommand } from "../spec.ts";

/** `top`. */
export const topCommand = defineCommand({
  path: ["top"],
  summary: "A live full-screen view of the agents, the monitor's health and the latest events",
  description:
    "Keys: ↑/↓ or j/k select, Enter jumps to the pane (inside tmux; outside it prints the\n" +
    "attach command), e presses Enter in it, s types a message into it (the reliable send\n" +
    "path), / filters (Enter keeps, Esc clears), q or Ctrl-C quits. NO_COLOR turns colours off.",
  options: {
    intervalMs: seconds({
      flag: "interval",
      min: 0.1,
      max: 60,
      default: 1000,
      help: "Refresh every this many seconds",
    }),
    all: switchOption({ flag: "all", short: "a", help: "Include agents no longer present" }),
  },
  async run(ctx, { intervalMs, all }) {
    const paths = await ctx.statePaths({ create: false });
    const terminal = new ConsoleTerminal();
    const profiles = readProfilesFile(paths.profiles);
    const tmux = new SubprocessClient(ctx.global.server, { noStartServer: true });
    const source = new TopSource(paths, { all });
    const { stop, unhook } = terminationController();
    try {
      const result = await runTop({
        source,
        terminal,
        actions: tmuxActions(tmux, ctx.global.server, {
          tmuxEnv: Deno.env.get("TMUX"),
          profiles,
        }),
        intervalMs,
        color: colorWanted(),
        signal: stop.signal,
      });
      if (result.reason === "attach" && result.command) ctx.out(`To attach: ${result.command}`);
      return 0;
    } finally {
      unhook();
      source.close();
      await tmux.close();
    }
  },
});
