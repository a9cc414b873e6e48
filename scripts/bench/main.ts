/**
 * `deno task bench`: times full monitor cycles for 10, 100 and 1,000 fake agents on a private
 * tmux server, for the replaced system's strategies and ours side by side. `deno task soak`
 * (`--soak`) runs the real monitor process for a while and measures it from outside. See
 * `docs/performance.md`; `--help` lists the options.
 *
 * The harness is a development tool: it lives outside `src/`, so the shipped program (bundle and
 * binary) does not carry it.
 *
 * @module
 */

import { join } from "node:path";
import { errorMessage, UserError } from "../../src/state/errors.ts";
import { terminationController } from "../../src/cli/process_setup.ts";
import { type BenchCommand, benchHelp, parseBenchArgs } from "./args.ts";
import { stderrProgress } from "./progress.ts";
import { benchJson, checkBudgets, checkIdleBudget, renderBenchText } from "./report.ts";
import { BenchAbortedError, runBench } from "./run.ts";
import { runSoak } from "./soak.ts";
import { renderMemoryTable, renderSoakText, soakCorrectnessFailed } from "./soak_report.ts";
import { renderBenchSvg } from "./svg.ts";

async function hostInfo(): Promise<Record<string, unknown>> {
  let tmux = "unknown";
  try {
    const out = await new Deno.Command("tmux", { args: ["-V"], stdout: "piped", stderr: "null" })
      .output();
    tmux = new TextDecoder().decode(out.stdout).trim();
  } catch { /* not found: the bench fails later with a clear error */ }
  let kernel = "unknown";
  try {
    kernel = Deno.osRelease();
  } catch { /* not permitted */ }
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    kernel,
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    tmux,
  };
}

async function soak(
  command: Extract<BenchCommand, { kind: "soak" }>,
  stop: AbortController,
): Promise<number> {
  const progress = stderrProgress({ prefix: "soak" });
  const run = await runSoak({ ...command.options, progress, signal: stop.signal });
  if (stop.signal.aborted) return 130;
  await Deno.mkdir(command.out, { recursive: true });
  const doc = { kind: "tmux-orc-soak", version: 1, host: await hostInfo(), ...run };
  await Deno.writeTextFile(join(command.out, "soak.json"), JSON.stringify(doc, null, 2) + "\n");
  console.log(command.json ? JSON.stringify(doc, null, 2) : renderSoakText(run));
  // Lost events and duplicate notifications are bugs: fail. (Resource budgets are figures.)
  return soakCorrectnessFailed(run) ? 1 : 0;
}

/** `--soak-memory`: one soak per agent count, then the memory table. */
async function soakMemory(
  command: Extract<BenchCommand, { kind: "soak-memory" }>,
  stop: AbortController,
): Promise<number> {
  const runs = [];
  for (const options of command.rows) {
    const progress = stderrProgress({ prefix: `soak ${options.agents}` });
    const run = await runSoak({ ...options, progress, signal: stop.signal });
    if (stop.signal.aborted) return 130;
    if (!command.json) console.log(renderSoakText(run));
    runs.push(run);
  }
  await Deno.mkdir(command.out, { recursive: true });
  const doc = { kind: "tmux-orc-soak-memory", version: 1, host: await hostInfo(), runs };
  const path = join(command.out, "soak-memory.json");
  await Deno.writeTextFile(path, JSON.stringify(doc, null, 2) + "\n");
  console.log(command.json ? JSON.stringify(doc, null, 2) : renderMemoryTable(runs));
  if (!command.json) console.log(`Wrote ${path}`);
  return runs.some(soakCorrectnessFailed) ? 1 : 0;
}

async function bench(
  command: Extract<BenchCommand, { kind: "bench" }>,
  stop: AbortController,
): Promise<number> {
  const progress = stderrProgress({ prefix: "bench" });
  try {
    const run = await runBench({ ...command.options, progress, signal: stop.signal });
    const budgets = [
      ...checkBudgets(run.rows),
      ...(run.options.watch ? [checkIdleBudget(run.idle)] : []),
    ];
    const host = await hostInfo();
    const doc = benchJson(run, budgets, host);
    const { out } = command;
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(join(out, "bench.json"), JSON.stringify(doc, null, 2) + "\n");
    const date = run.startedAt.slice(0, 10);
    await Deno.writeTextFile(
      join(out, "bench.svg"),
      renderBenchSvg(run.rows, {
        subtitle: `${host.cpus} cores, ${host.tmux}, Deno ${host.deno}, ${date}; ` +
          `${Math.round(run.options.changeFraction * 100)}% of panes change per cycle`,
      }),
    );
    if (command.json) console.log(JSON.stringify(doc, null, 2));
    else {
      console.log(renderBenchText(run, budgets));
      console.log(`Wrote ${join(out, "bench.json")} and ${join(out, "bench.svg")}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof BenchAbortedError || stop.signal.aborted) {
      progress.done();
      console.error("bench: Benchmark interrupted; the private tmux server was killed");
      return 130;
    }
    throw error;
  }
}

/** Runs the bench or the soak with `args`; resolves with the exit code. Failures are one line. */
export async function benchMain(args: readonly string[]): Promise<number> {
  const { stop, unhook } = terminationController();
  try {
    const command = parseBenchArgs(args);
    if (command.kind === "help") {
      console.log(benchHelp());
      return 0;
    }
    if (command.kind === "soak-memory") return await soakMemory(command, stop);
    return command.kind === "soak" ? await soak(command, stop) : await bench(command, stop);
  } catch (error) {
    if (error instanceof UserError) {
      console.error(`bench: ${error.message}`);
      return error.exitCode;
    }
    console.error(`bench: Unexpected error: ${errorMessage(error)}`);
    if (Deno.env.get("TMUX_ORC_DEBUG")) console.error(error);
    return 1;
  } finally {
    unhook();
  }
}

if (import.meta.main) Deno.exit(await benchMain(Deno.args));
