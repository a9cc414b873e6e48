/**
 * `deno task smoke`: builds the bundle, then drives it end to end with a temporary state dir and a
 * private tmux server: `monitor start --supervised` → `monitor status --json` (both running) →
 * `monitor stop` → `monitor status` exits 3 and no process of the run is left. Prints one line
 * per step and a closing `smoke: N passed, N failed` line; exits non-zero on failure.
 *
 * Usage: `deno task smoke [--bundle PATH]` (with `--bundle`, tests that file instead of building).
 *
 * @module
 */

import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PERMISSION_FLAGS } from "../src/permissions.ts";
import { buildBundle } from "./bundle.ts";
import { buildCommit, BuildError, DENO, DIST, run, runScript } from "./build_common.ts";

/** A failed smoke step. */
class StepFailure extends Error {}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(needle) && alive(Number(entry.name))) pids.push(Number(entry.name));
    } catch { /* gone */ }
  }
  return pids;
}

async function waitUntil(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return probe();
}

/** Runs the smoke test against `bundle`; resolves with the exit code. */
export async function smokeBundle(bundle: string): Promise<number> {
  const tmp = await Deno.makeTempDir({ prefix: "tmux-orc-smoke-" });
  const stateDir = join(tmp, "state dir");
  const socket = `tmux-orc-smoke-${crypto.randomUUID().slice(0, 8)}`;
  const env = { TMUX: "", TMUX_ORC_STATE_DIR: "" };
  const started = new Set<number>();
  let socketPath: string | undefined;
  let passed = 0;
  let failed = 0;
  const cli = (...args: string[]) =>
    run([
      DENO,
      "run",
      "--no-prompt",
      ...PERMISSION_FLAGS,
      bundle,
      ...args,
      "--state-dir",
      stateDir,
      "-L",
      socket,
    ], { env, timeoutMs: 90_000 });
  const step = async (name: string, body: () => Promise<void>) => {
    try {
      await body();
      passed++;
      console.log(`smoke: ok   ${name}`);
    } catch (error) {
      failed++;
      console.log(`smoke: FAIL ${name}: ${(error as Error).message}`);
      throw new StepFailure(name);
    }
  };
  const expectCode = (what: string, result: { code: number; stderr: string }, code: number) => {
    if (result.code !== code) {
      throw new Error(
        `${what} exited ${result.code}, expected ${code}: ${result.stderr.trim().split("\n")[0]}`,
      );
    }
  };
  try {
    await Deno.mkdir(stateDir, { mode: 0o700 });
    await step("private tmux server", async () => {
      const tmux = await run(
        ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "smoke"],
        { env },
      );
      expectCode("tmux new-session", tmux, 0);
      const where = await run(["tmux", "-L", socket, "display-message", "-p", "#{socket_path}"], {
        env,
      });
      socketPath = where.stdout.trim() || undefined;
    });
    await step("monitor start --supervised", async () => {
      const start = await cli("monitor", "start", "--supervised", "--interval", "0.5");
      expectCode("monitor start", start, 0);
    });
    await step("monitor status --json: supervisor and monitor running", async () => {
      const status = await cli("monitor", "status", "--json");
      const report = JSON.parse(status.stdout || "{}");
      for (const pid of [report.supervisor?.pid, report.monitor?.pid]) {
        if (typeof pid === "number") started.add(pid);
      }
      expectCode("monitor status", status, 0);
      if (report.supervisor?.running !== true || report.monitor?.running !== true) {
        throw new Error(
          `supervisor.running=${report.supervisor?.running}, monitor.running=${report.monitor?.running}`,
        );
      }
    });
    await step("monitor stop", async () => {
      expectCode("monitor stop", await cli("monitor", "stop"), 0);
    });
    await step("monitor status exits 3", async () => {
      expectCode("monitor status", await cli("monitor", "status"), 3);
    });
    await step("no process left", async () => {
      const gone = await waitUntil(
        () =>
          [...started].every((pid) => !alive(pid)) && processesMentioning(stateDir).length === 0,
        5000,
      );
      if (!gone) {
        const left = [
          ...new Set([...[...started].filter(alive), ...processesMentioning(stateDir)]),
        ];
        throw new Error(`still running: pids ${left.join(", ")}`);
      }
    });
  } catch (error) {
    if (!(error instanceof StepFailure)) {
      failed++;
      console.log(`smoke: FAIL ${(error as Error).message}`);
    }
  } finally {
    let leftovers: number[] = [];
    try {
      leftovers = processesMentioning(stateDir);
    } catch { /* /proc unreadable: the recorded pids still get killed */ }
    for (const pid of new Set([...started, ...leftovers])) {
      if (!alive(pid)) continue;
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
    await run(["tmux", "-L", socket, "kill-server"], { env }).catch(() => {});
    if (socketPath) await Deno.remove(socketPath).catch(() => {});
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  console.log(failed === 0 ? `smoke: PASS (${bundle})` : `smoke: FAIL (${bundle})`);
  console.log(`smoke: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

/** Parses the arguments, builds the bundle unless one is given, and runs the smoke test. */
export async function smokeMain(args: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...args], options: { bundle: { type: "string" } } }).values;
  } catch (error) {
    throw new BuildError(`Invalid arguments: ${(error as Error).message.split("\n")[0]}`);
  }
  let bundle: string;
  if (values.bundle) {
    bundle = resolve(values.bundle);
  } else {
    bundle = join(DIST, "tmux-orc.js");
    const commit = await buildCommit();
    await buildBundle(bundle, { commit });
    console.log(`smoke: built ${bundle} (commit ${commit})`);
  }
  return await smokeBundle(bundle);
}

if (import.meta.main) await runScript(() => smokeMain(Deno.args));
