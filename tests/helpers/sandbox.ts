/**
 * A sandbox for real-process tests: a temp state dir and a private tmux server, both torn down —
 * with every process the test started — in `cleanup()`.
 *
 * @module
 */

import {
  cliArgv,
  type CliResult,
  killTmuxServer,
  pidAlive,
  privateSocketName,
  readJson,
  runCli,
  signal,
  tmux,
} from "./mod.ts";

/**
 * Short timings for real-process tests: 0.2 s cycles and checks, 2 s heartbeat timeout, 1 s stop
 * timeout.
 */
export const FAST: readonly string[] = [
  "--interval",
  "0.2",
  "--check-interval",
  "0.2",
  "--heartbeat-timeout",
  "2",
  "--stop-timeout",
  "1",
];

/** The heartbeat file, as tests read it. */
export interface BeatFile {
  pid: number;
  cycle: number;
  at: number;
}

/** A temp state dir plus a private tmux server. */
export class Sandbox {
  /** State dir. */
  readonly dir: string;
  /** Private tmux socket name. */
  readonly socket: string;
  #children: { child: Deno.ChildProcess; piped: boolean }[] = [];
  #pids = new Set<number>();

  private constructor(dir: string, socket: string) {
    this.dir = dir;
    this.socket = socket;
  }

  /** Creates the state dir and starts a private tmux server with one session. */
  static async create(options: { tmux?: boolean } = {}): Promise<Sandbox> {
    const dir = await Deno.makeTempDir({ prefix: "tmux-orc-test-" });
    await Deno.chmod(dir, 0o700);
    const box = new Sandbox(dir, privateSocketName());
    if (options.tmux !== false) {
      const r = await tmux(box.socket, [
        "new-session",
        "-d",
        "-s",
        "main",
        "-x",
        "120",
        "-y",
        "40",
      ]);
      if (r.code !== 0) throw new Error(`Cannot start tmux: ${r.stderr}`);
    }
    return box;
  }

  /** Global args addressing this sandbox. */
  get global(): string[] {
    return ["--state-dir", this.dir, "-L", this.socket];
  }

  /** Runs the CLI to completion against this sandbox. */
  cli(args: readonly string[], env?: Record<string, string>): Promise<CliResult> {
    return runCli([...args, ...this.global], { env });
  }

  /** Starts a long-running CLI process (output discarded unless `piped`). */
  spawn(
    args: readonly string[],
    options: { env?: Record<string, string>; piped?: boolean } = {},
  ): Deno.ChildProcess {
    const argv = cliArgv([...args, ...this.global]);
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: options.piped ? "piped" : "null",
      stderr: options.piped ? "piped" : "null",
      env: options.env,
    }).spawn();
    this.#children.push({ child, piped: options.piped === true });
    this.#pids.add(child.pid);
    return child;
  }

  /** Remembers a pid to kill at cleanup. */
  track(pid: number | undefined | null): void {
    if (pid) this.#pids.add(pid);
  }

  /** The heartbeat file. */
  heartbeat(): Promise<BeatFile | undefined> {
    return readJson<BeatFile>(`${this.dir}/heartbeat.json`);
  }

  /** The pid recorded in a pid file, if any. */
  async pidOf(kind: "monitor" | "supervisor"): Promise<number | undefined> {
    const pid = (await readJson<{ pid: number }>(`${this.dir}/${kind}.pid`))?.pid;
    this.track(pid);
    return pid;
  }

  /** Kills everything the test started, the tmux server, and removes the state dir. */
  async cleanup(): Promise<void> {
    for (const kind of ["monitor", "supervisor"] as const) await this.pidOf(kind);
    for (const pid of this.#pids) signal(pid, "SIGKILL");
    for (const { child, piped } of this.#children) {
      try {
        await child.status;
      } catch { /* gone */ }
      if (!piped) continue;
      for (const stream of [child.stdout, child.stderr]) {
        try {
          await stream.cancel();
        } catch { /* not piped or already consumed */ }
      }
    }
    for (const pid of this.#pids) {
      for (let i = 0; i < 100 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    }
    await killTmuxServer(this.socket);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
