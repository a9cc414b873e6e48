/**
 * The soak's monitor process: `tmux-orc monitor --daemon` of this checkout on the farm's private
 * server with its own state dir, started the way the supervisor starts it; its heartbeat read
 * until a cycle is reached, its log tail for error messages, stopped and removed at the end.
 *
 * @module
 */

import { join } from "node:path";
import { readHeartbeat } from "../../src/monitor/heartbeat.ts";
import { UserError } from "../../src/state/errors.ts";
import { sleep } from "../../src/util/clock.ts";
import { checkoutCommand } from "../checkout_cli.ts";
import type { PaneFarm } from "./farm.ts";

/** A monitor process started for the soak. */
export interface MonitorProcess {
  child: Deno.ChildProcess;
  /** The last 2 KB the monitor wrote to stderr. */
  stderr: () => string;
  stateDir: string;
  heartbeatPath: string;
  /** Stops the monitor (SIGTERM, then SIGKILL after 5 s); its state dir stays. */
  stop(): Promise<void>;
  /** Stops the monitor and removes its state dir. */
  remove(): Promise<void>;
}

export async function startMonitor(
  farm: PaneFarm,
  intervalS: number,
  options: { args?: string[]; v8Flags?: string } = {},
): Promise<MonitorProcess> {
  const stateDir = await Deno.makeTempDir({ prefix: "tmux-orc-soak-" });
  await Deno.chmod(stateDir, 0o700);
  const argv = [
    ...checkoutCommand(),
    "monitor",
    "--daemon",
    "-L",
    farm.socketName,
    "--state-dir",
    stateDir,
    "--interval",
    String(intervalS),
    ...options.args ?? [],
  ];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: options.v8Flags === undefined ? undefined : { DENO_V8_FLAGS: options.v8Flags },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  (async () => {
    try {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        stderr = (stderr + chunk).slice(-2048);
      }
    } catch { /* the pipe broke: keep what was read */ }
  })();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5000);
      await child.status;
      clearTimeout(timer);
    })();
    return stopped;
  };
  return {
    child,
    stderr: () => stderr,
    stateDir,
    heartbeatPath: join(stateDir, "heartbeat.json"),
    stop,
    async remove() {
      await stop();
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    },
  };
}

/** The last lines of the soak monitor's log (its state dir is removed when it stops). */
export async function logTail(monitor: MonitorProcess): Promise<string> {
  try {
    const text = await Deno.readTextFile(join(monitor.stateDir, "logs", "monitor.jsonl"));
    const lines = text.trim().split("\n").slice(-3);
    return lines.map((line) => {
      try {
        return String(JSON.parse(line).message ?? line);
      } catch {
        return line;
      }
    }).join(" | ") || monitor.stderr().trim() || "no log lines";
  } catch {
    return monitor.stderr().trim() || "no log file";
  }
}

export async function waitForCycle(
  monitor: MonitorProcess,
  cycle: number,
  options: { timeoutMs: number; signal?: AbortSignal; onBeat?: (cycle: number) => void },
): Promise<number> {
  const deadline = performance.now() + options.timeoutMs;
  let exited = false;
  monitor.child.status.then(() => exited = true);
  for (;;) {
    const beat = await readHeartbeat(monitor.heartbeatPath);
    if (beat) options.onBeat?.(beat.cycle);
    if (beat && beat.cycle >= cycle) return beat.cycle;
    if (exited) {
      const status = await monitor.child.status;
      throw new UserError(
        `The soak's monitor exited early with code ${status.code}: ${await logTail(monitor)}`,
      );
    }
    if (options.signal?.aborted) throw new Error("Soak interrupted");
    if (performance.now() > deadline) {
      throw new Error(`The soak's monitor did not reach cycle ${cycle} in time`);
    }
    await sleep(20, options.signal);
  }
}
