/**
 * Test helpers: run the CLI as a real process with exactly the permissions `deno compile` embeds,
 * private tmux servers, temporary state dirs, and bounded polling.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { currentSelfExecEnv, selfCommand } from "../../src/supervisor/self_exec.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** main.ts. */
export const MAIN: string = `${ROOT}main.ts`;

/**
 * The argv that runs the CLI the way the compiled binary would be permitted to run: the same
 * `deno run` command line the supervisor uses to start its monitor.
 */
export function cliArgv(args: readonly string[]): string[] {
  const env = {
    ...currentSelfExecEnv(),
    standalone: false,
    mainModule: new URL("../../main.ts", import.meta.url).href,
  };
  return [...selfCommand(env), ...args];
}

/** The outcome of a CLI run. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs the CLI to completion. */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): Promise<CliResult> {
  const argv = cliArgv(args);
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Starts the CLI as a long-running child with piped output. */
export function spawnCli(
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): Deno.ChildProcess {
  const argv = cliArgv(args);
  return new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).spawn();
}

/** Polls `probe` every `everyMs` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: { timeoutMs: number; everyMs?: number; what?: string },
): Promise<NonNullable<T>> {
  const deadline = performance.now() + options.timeoutMs;
  while (true) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) {
      throw new Error(
        `Timed out after ${options.timeoutMs} ms waiting for ${options.what ?? "a condition"}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.everyMs ?? 25));
  }
}

/** A temporary state dir (mode 0700), removed by the returned function. */
export async function tempStateDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
  await Deno.chmod(dir, 0o700);
  return { dir, cleanup: () => Deno.remove(dir, { recursive: true }).catch(() => {}) };
}

/** Whether `argv` (e.g. `["tmux", "-V"]`) runs and exits 0: a program tests can skip without. */
export function commandWorks(argv: readonly string[]): boolean {
  try {
    return new Deno.Command(argv[0], { args: argv.slice(1), stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** A private tmux server name for one test. */
export function privateSocketName(): string {
  return `tmux-orc-test-${crypto.randomUUID().slice(0, 8)}`;
}

/** Runs a tmux command against a private server. */
export async function tmux(
  socket: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("tmux", {
    args: ["-L", socket, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Kills a private tmux server (ignoring one that is not running), then any process still holding
 * that socket name — tmux 3.3 can leave a server half-exited when `kill-server` races a control
 * client whose owner was SIGKILLed — and removes the socket file.
 */
export async function killTmuxServer(socket: string): Promise<void> {
  await tmux(socket, ["kill-server"]);
  const ps = await new Deno.Command("ps", {
    args: ["-eo", "pid=,args="],
    stdout: "piped",
    stderr: "null",
  }).output();
  for (const line of new TextDecoder().decode(ps.stdout).split("\n")) {
    const match = line.trim().match(/^(\d+)\s+(.*)$/);
    if (!match) continue;
    const words = match[2].split(/\s+/);
    const at = words.indexOf("-L");
    if (words[0].endsWith("tmux") && at >= 0 && words[at + 1] === socket) {
      signal(Number(match[1]), "SIGKILL");
    }
  }
  await Deno.remove(`${Deno.env.get("TMUX_TMPDIR") || "/tmp"}/tmux-${Deno.uid()}/${socket}`).catch(
    () => {},
  );
}

/** Whether a pid is alive (and not a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch {
    return false;
  }
}

/** Sends a signal, ignoring a process that is gone. */
export function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* gone */ }
}

/** Reads a JSON file, or undefined. */
export async function readJson<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return undefined;
  }
}
