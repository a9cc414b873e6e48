/**
 * Real CLIs in real panes: a private tmux server (`-L tmux-orc-real-<random>`, `-f /dev/null`,
 * never the default server) whose panes run a CLI with exactly the environment given, plus the
 * screen reading and typing the scenarios need. `kill()` ends the server and every process that
 * ran in its panes (found by session id in `/proc`, so children that ignore SIGHUP go too).
 *
 * @module
 */

import { shellQuote } from "../../../src/tmux/commands.ts";
import { killTmuxServer, pidAlive, signal } from "../../helpers/mod.ts";

/** The pane facts a fixture records. */
export interface PaneFacts {
  /** `pane_current_command`. */
  currentCommand: string;
  /** `pane_pid`. */
  panePid: number;
  /** `pane_width`. */
  width: number;
  /** `pane_height`. */
  height: number;
  /** `pane_dead`. */
  dead: boolean;
  /** `pane_dead_status`, when dead. */
  deadStatus?: number;
  /** `pane_title` (CLIs set it; Codex shows a spinner there while it works). */
  title: string;
}

/** Options for {@linkcode RealServer.openPane}. */
export interface OpenPaneOptions {
  /** The CLI's argv. */
  argv: string[];
  /** The pane's whole environment (PATH and HOME included); `TERM` is added when missing. */
  env: Record<string, string>;
  /** Working directory. */
  cwd?: string;
  /**
   * Run the CLI from an interactive `bash` (as a user would: when it exits, the shell is back)
   * instead of as the pane's own process (when it exits, the pane stays, dead).
   * @default false
   */
  shell?: boolean;
  /** Window name. */
  window?: string;
  /**
   * Keep the `TMUX` and `TMUX_PANE` that tmux gives the pane (as in real use: an agent's hooks
   * find their pane by them); otherwise the environment is exactly `env`.
   * @default false
   */
  tmuxEnv?: boolean;
}

async function tmuxCall(socket: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", {
    args: ["-u", "-L", socket, "-f", "/dev/null", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (out.code !== 0) {
    throw new Error(`Tmux failed: ${args.join(" ")}: ${dec.decode(out.stderr).trim()}`);
  }
  return dec.decode(out.stdout);
}

function envArgv(env: Record<string, string>, tmuxEnv = false): string[] {
  const full = { TERM: "xterm-256color", ...env };
  const pairs = Object.entries(full).map(([k, v]) => `${k}=${v}`);
  if (!tmuxEnv) return ["env", "-i", ...pairs];
  const keep = 'exec env -i TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" "$@"';
  return ["sh", "-c", keep, "sh", ...pairs];
}

/** Process ids whose session id is `sid` (the pane's process and all it started). */
function sessionMembers(sid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[3]) === sid) found.push(Number(entry.name));
    } catch { /* gone */ }
  }
  return found;
}

/** A private tmux server for real CLIs. */
export class RealServer {
  /** The `-L` socket name. */
  readonly socket: string;
  #panes = new Set<number>();
  #width: number;
  #height: number;
  #started = false;

  private constructor(socket: string, width: number, height: number) {
    this.socket = socket;
    this.#width = width;
    this.#height = height;
  }

  /** A server (started with the first pane) with panes of `width` × `height`. */
  static create(options: { width?: number; height?: number } = {}): RealServer {
    const socket = `tmux-orc-real-${crypto.randomUUID().slice(0, 8)}`;
    return new RealServer(socket, options.width ?? 120, options.height ?? 40);
  }

  /** Runs a tmux command on this server; throws on failure, returns stdout. */
  tmux(args: string[]): Promise<string> {
    return tmuxCall(this.socket, args);
  }

  /** Opens a window running the CLI; resolves with its pane. */
  async openPane(options: OpenPaneOptions): Promise<RealPane> {
    const cwd = options.cwd ?? options.env.HOME ?? "/";
    const command = options.shell
      ? [...envArgv(options.env, options.tmuxEnv), "bash", "--norc", "--noprofile", "-i"]
      : [...envArgv(options.env, options.tmuxEnv), ...options.argv];
    const place = this.#started
      ? ["new-window", "-d", "-t", "=real:"]
      : ["new-session", "-d", "-s", "real", "-x", `${this.#width}`, "-y", `${this.#height}`];
    const name = options.window ? ["-n", options.window] : [];
    const out = await this.tmux([
      ...place,
      ...name,
      "-c",
      cwd,
      "-P",
      "-F",
      "#{pane_id} #{pane_pid}",
      "--",
      ...command,
    ]);
    if (!this.#started) {
      this.#started = true;
      await this.tmux(["set-option", "-g", "remain-on-exit", "on"]);
      await this.tmux(["set-option", "-g", "history-limit", "5000"]);
      // (No `window-size manual`: with it tmux 3.3a dies on the next new-window. Detached, new
      // windows keep the session's -x/-y size anyway.)
    }
    const [paneId, pid] = out.trim().split(" ");
    this.#panes.add(Number(pid));
    const pane = new RealPane(this, paneId, Number(pid));
    if (options.shell) {
      await pane.waitForScreen(/[$#]\s*$/m, { timeoutMs: 10_000, what: "the shell prompt" });
      await pane.sendText(options.argv.map(shellQuote).join(" "));
      await pane.sendKeys("Enter");
    }
    return pane;
  }

  /** Kills the processes of one pane (TERM, then KILL) and the pane itself. */
  async closePane(pane: RealPane): Promise<void> {
    await this.#killSession(pane.panePid);
    this.#panes.delete(pane.panePid);
    await this.tmux(["kill-pane", "-t", pane.paneId]).catch(() => {});
  }

  async #killSession(sid: number): Promise<void> {
    for (const sig of ["SIGTERM", "SIGKILL"] as const) {
      const members = sessionMembers(sid);
      if (members.length === 0) return;
      for (const pid of members) signal(pid, sig);
      for (let i = 0; i < 50 && members.some(pidAlive); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  /** Kills every pane's processes, then the server. Idempotent. */
  async kill(): Promise<void> {
    for (const sid of this.#panes) await this.#killSession(sid);
    this.#panes.clear();
    await killTmuxServer(this.socket);
  }
}

/** One pane of a {@linkcode RealServer}. */
export class RealPane {
  /** Its server. */
  readonly server: RealServer;
  /** `%N`. */
  readonly paneId: string;
  /** The pane's first process (the session leader of everything the CLI starts). */
  readonly panePid: number;
  #ownsServer = false;

  constructor(server: RealServer, paneId: string, panePid: number) {
    this.server = server;
    this.paneId = paneId;
    this.panePid = panePid;
  }

  /**
   * Starts a CLI in a pane of its own server (see {@linkcode RealServer.openPane}); `close()`
   * kills that server.
   */
  static async start(
    options: OpenPaneOptions & { width?: number; height?: number },
  ): Promise<RealPane> {
    const server = RealServer.create(options);
    try {
      const pane = await server.openPane(options);
      pane.#ownsServer = true;
      return pane;
    } catch (error) {
      await server.kill();
      throw error;
    }
  }

  /** The screen as the monitor reads it: `capture-pane -p -J`. */
  async capture(): Promise<string> {
    return await this.server.tmux(["capture-pane", "-p", "-J", "-t", this.paneId]);
  }

  /** Types `text` literally (no key names interpreted). */
  async sendText(text: string): Promise<void> {
    await this.server.tmux(["send-keys", "-t", this.paneId, "-l", "--", text]);
  }

  /** Presses keys by tmux name: `Enter`, `Escape`, `C-c`, `Down`… */
  async sendKeys(...keys: string[]): Promise<void> {
    await this.server.tmux(["send-keys", "-t", this.paneId, "--", ...keys]);
  }

  /** Pastes `text` as a bracketed paste (what a terminal does for a multi-line paste). */
  async paste(text: string): Promise<void> {
    const name = `real-${crypto.randomUUID().slice(0, 8)}`;
    await this.server.tmux(["set-buffer", "-b", name, "--", text]);
    await this.server.tmux(["paste-buffer", "-p", "-d", "-b", name, "-t", this.paneId]);
  }

  /**
   * Polls the screen until `match` (a RegExp tested on the screen, or a predicate) holds; returns
   * that screen. Throws after `timeoutMs` with `what` and the last screen.
   */
  async waitForScreen(
    match: RegExp | ((screen: string) => boolean),
    options: { timeoutMs?: number; what?: string; everyMs?: number } = {},
  ): Promise<string> {
    const test = typeof match === "function" ? match : (s: string) => match.test(s);
    const deadline = performance.now() + (options.timeoutMs ?? 30_000);
    let screen = "";
    for (;;) {
      screen = await this.capture().catch(() => screen);
      if (test(screen)) return screen;
      if (performance.now() > deadline) {
        throw new Error(
          `Timed out waiting for ${options.what ?? String(match)} in ${this.paneId}; screen:\n` +
            screen,
        );
      }
      await new Promise((r) => setTimeout(r, options.everyMs ?? 100));
    }
  }

  /** The pane's facts, as a fixture records them. */
  async facts(): Promise<PaneFacts> {
    const out = await this.server.tmux([
      "display-message",
      "-p",
      "-t",
      this.paneId,
      "#{pane_current_command}\t#{pane_pid}\t#{pane_width}\t#{pane_height}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_title}",
    ]);
    const [command, pid, width, height, dead, status, ...title] = out.replace(/\n$/, "")
      .split("\t");
    const facts: PaneFacts = {
      currentCommand: command,
      panePid: Number(pid),
      width: Number(width),
      height: Number(height),
      dead: dead === "1",
      title: title.join("\t"),
    };
    if (dead === "1" && status !== "") facts.deadStatus = Number(status);
    return facts;
  }

  /** Closes the pane (its processes first); kills the server too when the pane started it. */
  async close(): Promise<void> {
    await this.server.closePane(this);
    if (this.#ownsServer) await this.server.kill();
  }
}

/** A private HOME (0700) for one CLI run. */
export interface PrivateHome {
  /** Its path. */
  dir: string;
  /** Removes it. */
  cleanup(): Promise<void>;
}

/** Creates a private HOME under the system temp dir. */
export async function makePrivateHome(prefix = "tmux-orc-real-home-"): Promise<PrivateHome> {
  const dir = await Deno.makeTempDir({ prefix });
  await Deno.chmod(dir, 0o700);
  return { dir, cleanup: () => Deno.remove(dir, { recursive: true }).catch(() => {}) };
}
