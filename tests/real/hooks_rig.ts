/**
 * What the hooks live tests share: a private tmux server with the REAL monitor on it (its store
 * read as `agents --json` reads it), and the timing of one event: when the screen shows it, when
 * the hook's event reaches the pane, when the monitor reports the state.
 *
 * @module
 */

import { join } from "node:path";
import { openStore, type Store } from "../../src/store/store.ts";
import { type HookEvent, parseHookValue } from "../../src/hooks/event.ts";
import { cliArgv, runCli, signal } from "../helpers/mod.ts";
import { type RealPane, RealServer } from "./harness/mod.ts";

/**
 * The monitor's `--interval` (`TMUX_ORC_HOOKS_INTERVAL`, default 30): the monitor's tmux
 * subscription (`src/tmux/pane_watch.ts`) wakes it when a pane's `@tmux-orc-hook` or screen
 * changes, so the periodic cycle is only the safety net.
 */
export const INTERVAL = Deno.env.get("TMUX_ORC_HOOKS_INTERVAL") ?? "30";

/** This deno's cache: the hook must not download the program again under a private HOME. */
export function denoDir(): string {
  const home = Deno.env.get("HOME") ?? "/";
  return Deno.env.get("DENO_DIR") ||
    join(Deno.env.get("XDG_CACHE_HOME") || join(home, ".cache"), "deno");
}

export interface Rig {
  server: RealServer;
  stateDir: string;
  agents: (paneId: string) => { state: string; detail: string } | undefined;
  close: () => Promise<void>;
}

export async function startRig(
  profiles?: unknown,
  options: { idleAfter?: string } = {},
): Promise<Rig> {
  const stateDir = await Deno.makeTempDir({ prefix: "tmux-orc-hooks-live-" });
  await Deno.chmod(stateDir, 0o700);
  if (profiles) await Deno.writeTextFile(`${stateDir}/profiles.json`, JSON.stringify(profiles));
  const server = RealServer.create();
  await server.openPane({ argv: ["cat"], env: { PATH: "/usr/bin:/bin", HOME: stateDir } });
  const argv = cliArgv([
    "monitor",
    "--interval",
    INTERVAL,
    "--idle-after",
    options.idleAfter ?? "2",
    "--no-submit-stuck",
    "--state-dir",
    stateDir,
    "-L",
    server.socket,
  ]);
  const monitor = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let store: Store | undefined;
  return {
    server,
    stateDir,
    agents: (paneId) => {
      try {
        store ??= openStore(`${stateDir}/tmux-orc.db`, { readonly: true });
        const row = store.listAgents({ includeGone: true }).find((a) => a.paneId === paneId);
        return row && { state: row.state, detail: row.detail };
      } catch {
        try {
          store?.close();
        } catch { /* closed */ }
        store = undefined;
        return undefined;
      }
    },
    close: async () => {
      try {
        store?.close();
      } catch { /* closed */ }
      signal(monitor.pid, "SIGTERM");
      const timer = setTimeout(() => signal(monitor.pid, "SIGKILL"), 3000);
      await monitor.stdin.close().catch(() => {});
      await monitor.status;
      clearTimeout(timer);
      await server.kill();
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    },
  };
}

/** Runs `tmux-orc hooks install ARGS` with `home` as HOME (this deno's cache kept). */
export async function installHooks(home: string, args: string[]): Promise<void> {
  const result = await runCli(["hooks", "install", ...args], {
    env: { HOME: home, PATH: Deno.env.get("PATH") ?? "", DENO_DIR: denoDir() },
  });
  if (result.code !== 0) throw new Error(`hooks install failed: ${result.stderr}`);
}

/** When each fact was first seen (performance.now() ms). */
export interface Timing {
  screenAt: number;
  hookAt?: number;
  seenAt: number;
  /** The pane's last hook event, as `Notification ToolPermission`. */
  event: string;
  /** The monitor's detail when it reported the state. */
  detail: string;
}

/**
 * Polls every 20 ms until the screen matched, the monitor reports `state` and (when `hook` is
 * given) the pane holds an event `hook` accepts. Throws with what was missing after `timeoutMs`.
 */
export async function watch(
  rig: Rig,
  pane: RealPane,
  want: {
    screen: RegExp;
    state: string;
    hook?: (event: HookEvent) => boolean;
    timeoutMs?: number;
  },
): Promise<Timing> {
  let screenAt: number | undefined;
  let hookAt: number | undefined;
  let seenAt: number | undefined;
  let detail = "";
  let event = "";
  const deadline = performance.now() + (want.timeoutMs ?? 30_000);
  const done = () =>
    screenAt !== undefined && seenAt !== undefined && (!want.hook || hookAt !== undefined);
  while (performance.now() < deadline && !done()) {
    const now = performance.now();
    if (screenAt === undefined && want.screen.test(await pane.capture())) screenAt = now;
    const value = await rig.server.tmux([
      "show-options",
      "-pqv",
      "-t",
      pane.paneId,
      "@tmux-orc-hook",
    ]);
    const hook = parseHookValue(value.trim());
    if (hook) event = `${hook.event}${hook.type ? ` ${hook.type}` : ""}`;
    if (hookAt === undefined && hook && want.hook?.(hook)) hookAt = now;
    const row = rig.agents(pane.paneId);
    if (seenAt === undefined && row?.state === want.state) {
      seenAt = now;
      detail = row.detail;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  if (screenAt === undefined) {
    throw new Error(`The screen never showed it:\n${await pane.capture()}`);
  }
  if (want.hook && hookAt === undefined) {
    throw new Error(`No such hook event (last: ${event || "none"})`);
  }
  if (seenAt === undefined) {
    throw new Error(
      `The monitor never said ${want.state}: ${JSON.stringify(rig.agents(pane.paneId))}`,
    );
  }
  return { screenAt, hookAt, seenAt, event, detail };
}

/** The median of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
