/**
 * Live end-to-end runs: the REAL monitor (`main.ts monitor`, a private state dir) watching the
 * REAL CLIs in panes of one private tmux server. Each scenario opens its CLI, drives it into its
 * state, and then `agents --json` is polled until the monitor reports that state for the pane;
 * the time from "the screen shows it" to "`agents --json` shows it" is the detection latency.
 *
 * @module
 */

import { cliArgv, runCli, signal } from "../../helpers/mod.ts";
import { RealServer } from "./pane.ts";
import type { CliSuite, Scenario } from "./scenario.ts";

/** Monitor flags for live runs: half-second cycles, idle after 2 s of quiet. */
export const LIVE_MONITOR_FLAGS: readonly string[] = ["--interval", "0.5", "--idle-after", "2"];

/** The outcome of one scenario. */
export interface LiveResult {
  /** Scenario name. */
  scenario: string;
  /** The state wanted. */
  state: string;
  /** The variant, if any. */
  variant: string;
  /** Whether the monitor reported the wanted state (and the suite's profile). */
  ok: boolean;
  /** The last state the monitor reported for the pane (`-` when none). */
  seen: string;
  /** Its detail. */
  detail: string;
  /** The profile the monitor identified. */
  profile: string;
  /** From the screen showing the state to `agents --json` showing it (ms). */
  latencyMs?: number;
  /** What went wrong (driving, timing out…). */
  error?: string;
}

/** Options for {@linkcode runLiveSuite}. */
export interface LiveOptions {
  /** Run only scenarios with these names. */
  only?: readonly string[];
  /**
   * Scenarios run at once.
   * @default 2
   */
  concurrency?: number;
  /** Extra monitor flags. */
  monitorFlags?: readonly string[];
}

interface AgentRow {
  pane_id: string;
  state: string;
  detail: string;
  profile: string;
}

async function agentsJson(global: string[]): Promise<AgentRow[]> {
  const r = await runCli(["agents", "--json", "--all", ...global]);
  if (r.code !== 0) return [];
  try {
    return JSON.parse(r.stdout) as AgentRow[];
  } catch {
    return [];
  }
}

async function runScenario(
  suite: CliSuite,
  scenario: Scenario,
  server: RealServer,
  global: string[],
): Promise<LiveResult> {
  const result: LiveResult = {
    scenario: scenario.name,
    state: scenario.state,
    variant: scenario.variant ?? "",
    ok: false,
    seen: "-",
    detail: "",
    profile: "-",
  };
  let session;
  try {
    session = await suite.open(scenario, { server });
    await scenario.drive(session);
    const driven = performance.now();
    const deadline = driven + (scenario.detectWithinMs ?? 10_000);
    for (;;) {
      const row = (await agentsJson(global)).find((a) => a.pane_id === session!.pane.paneId);
      if (row) {
        result.seen = row.state;
        result.detail = row.detail;
        result.profile = row.profile;
        if (row.state === scenario.state && row.profile === suite.profile) {
          result.ok = true;
          result.latencyMs = Math.round(performance.now() - driven);
          break;
        }
      }
      if (performance.now() > deadline) {
        result.error = `not reported within ${scenario.detectWithinMs ?? 10_000} ms`;
        result.error += `; screen:\n${await session.pane.capture().catch(() => "?")}`;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await session?.close().catch(() => {});
  }
  return result;
}

/** Formats results as a Markdown table. */
export function formatLiveTable(suite: CliSuite, results: readonly LiveResult[]): string {
  const rows = results.map((r) =>
    `| ${suite.cli} ${suite.version} | ${r.state} | ${r.variant || r.scenario} | ` +
    `${r.ok ? "right" : `WRONG (${r.seen}: ${r.detail})`} | ` +
    `${r.latencyMs === undefined ? "-" : `${(r.latencyMs / 1000).toFixed(2)} s`} |`
  );
  return [
    "| CLI | state | variant | result | latency |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/**
 * Runs every scenario of `suite` against the real monitor and returns one result each (it never
 * throws for a wrong verdict: the caller asserts). Prints the table.
 */
export async function runLiveSuite(
  suite: CliSuite,
  options: LiveOptions = {},
): Promise<LiveResult[]> {
  const scenarios = suite.scenarios.filter((s) => !options.only || options.only.includes(s.name));
  const stateDir = await Deno.makeTempDir({ prefix: "tmux-orc-live-" });
  await Deno.chmod(stateDir, 0o700);
  const server = RealServer.create();
  let monitor: Deno.ChildProcess | undefined;
  try {
    // A plain pane starts the server, so the monitor connects at once.
    await server.openPane({ argv: ["cat"], env: { PATH: "/usr/bin:/bin", HOME: stateDir } });
    const global = ["--state-dir", stateDir, "-L", server.socket];
    const argv = cliArgv([
      "monitor",
      ...LIVE_MONITOR_FLAGS,
      ...(options.monitorFlags ?? []),
      ...global,
    ]);
    monitor = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const results: LiveResult[] = new Array(scenarios.length);
    let next = 0;
    const worker = async () => {
      while (next < scenarios.length) {
        const i = next++;
        results[i] = await runScenario(suite, scenarios[i], server, global);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
    console.log(`\n${formatLiveTable(suite, results)}\n`);
    for (const r of results) {
      if (r.error) console.log(`${suite.cli}/${r.scenario}: ${r.error}`);
    }
    return results;
  } finally {
    if (monitor) {
      signal(monitor.pid, "SIGTERM");
      const timer = setTimeout(() => signal(monitor!.pid, "SIGKILL"), 3000);
      try {
        await monitor.stdin.close();
      } catch { /* closed */ }
      await monitor.status;
      clearTimeout(timer);
    }
    await server.kill();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  }
}
