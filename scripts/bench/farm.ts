/**
 * The benchmark's pane farm: a PRIVATE tmux server (`tmux -L tmux-orc-bench-<random>`) full of
 * light fake agent panes. Each pane runs `sleep 1000000` (argv, no shell); the bench draws
 * Claude-Code-like screens by writing straight to each pane's terminal (`#{pane_tty}`), so 1,000
 * agents cost 1,000 sleeping processes and nothing else.
 *
 * Windows are created and panes registered as agents (`@tmux-orc-role agent`,
 * `@tmux-orc-profile claude`, `@tmux-orc-name`) in bulk over one control-mode connection, with the
 * commands pipelined. The server is started with `-f /dev/null` (no user configuration) and
 * `status off`, `default-size`, `scroll-on-clear off` (screen redraws do not grow the history) and
 * `automatic-rename off`.
 *
 * @module
 */

import { UserError } from "../../src/state/errors.ts";
import { ControlClient } from "../../src/tmux/control_client.ts";
import { errorMessage } from "../../src/tmux/subprocess_client.ts";
import { socketArgs, type TmuxServer } from "../../src/tmux/types.ts";
import {
  type FakeScreen,
  idleScreen,
  SCREEN_HEIGHT,
  SCREEN_WIDTH,
  screenBytes,
  screenForStep,
} from "../fake_agent/screens.ts";
import { type Progress, silentProgress } from "./progress.ts";
import { setPaneOption } from "../../src/tmux/commands.ts";

/** One fake agent pane. */
export interface FarmPane {
  /** `%N`. */
  paneId: string;
  /** The pane's terminal, e.g. `/dev/pts/12`. */
  tty: string;
  /** Its `@tmux-orc-name`, e.g. `agent-0042`. */
  name: string;
  /** Position in the farm (0-based). */
  index: number;
  /** Bursts of output drawn so far by {@linkcode PaneFarm.advance}. */
  step: number;
}

/** Options for {@linkcode PaneFarm.start}. */
export interface PaneFarmOptions {
  /** Windows (one pane each) per session (default 100). */
  windowsPerSession?: number;
  /** Pane width (default {@linkcode SCREEN_WIDTH}). */
  width?: number;
  /** Pane height (default {@linkcode SCREEN_HEIGHT}). */
  height?: number;
  /** The tmux binary (default `tmux`). */
  tmuxPath?: string;
  /** Socket name (default `tmux-orc-bench-<random>`). */
  socketName?: string;
  /** Progress reporting (default none). */
  progress?: Progress;
}

/** The command every drawn fake agent pane runs (two words, so tmux execs it without a shell). */
export const DRAWN_PANE_ARGV: readonly string[] = ["sleep", "1000000"];

/** Commands sent before waiting for their replies, while building the farm. */
const PIPELINE_BATCH = 250;

const PANE_FORMAT = "#{pane_id} #{pane_tty}";

/** Returns a fresh private socket name for a bench server: `tmux-orc-bench-<random>`. */
export function benchSocketName(): string {
  return `tmux-orc-bench-${crypto.randomUUID().slice(0, 8)}`;
}

function parsePaneLine(line: string | undefined, what: string): { paneId: string; tty: string } {
  const match = /^(%\d+) (\/dev\/\S+)$/.exec(line ?? "");
  if (!match) throw new Error(`Unexpected reply from tmux for ${what}: ${line}`);
  return { paneId: match[1], tty: match[2] };
}

/** A private tmux server of fake agent panes. Always {@linkcode PaneFarm.kill} it (in `finally`). */
export class PaneFarm {
  readonly #socketName: string;
  readonly #tmuxPath: string;
  readonly #windowsPerSession: number;
  readonly #width: number;
  readonly #height: number;
  readonly #progress: Progress;
  readonly #control: ControlClient;
  readonly #panes: FarmPane[] = [];
  #serverPid = 0;
  #killing: Promise<void> | undefined;

  private constructor(socketName: string, options: PaneFarmOptions) {
    this.#socketName = socketName;
    this.#tmuxPath = options.tmuxPath ?? "tmux";
    this.#windowsPerSession = options.windowsPerSession ?? 100;
    this.#width = options.width ?? SCREEN_WIDTH;
    this.#height = options.height ?? SCREEN_HEIGHT;
    this.#progress = options.progress ?? silentProgress;
    this.#control = new ControlClient({ socketName }, {
      tmuxPath: this.#tmuxPath,
      timeoutMs: 30_000,
    });
  }

  /**
   * Starts the private server with its first agent pane (agent 0). On failure the server is
   * killed before the error propagates.
   */
  static async start(options: PaneFarmOptions = {}): Promise<PaneFarm> {
    const farm = new PaneFarm(options.socketName ?? benchSocketName(), options);
    try {
      await farm.#startServer();
    } catch (error) {
      await farm.kill();
      throw error;
    }
    return farm;
  }

  /** The server's `-L` socket name. */
  get socketName(): string {
    return this.#socketName;
  }

  /** The server, for tmux clients. */
  get server(): TmuxServer {
    return { socketName: this.#socketName };
  }

  /** Pid of the tmux server process. */
  get serverPid(): number {
    return this.#serverPid;
  }

  /** The panes, in creation order. */
  get panes(): readonly FarmPane[] {
    return this.#panes;
  }

  /** Pane width in columns. */
  get width(): number {
    return this.#width;
  }

  /** Runs a tmux command over the farm's own control connection (setup, not measured). */
  run(args: readonly string[]): Promise<string[]> {
    return this.#control.run(args);
  }

  async #startServer(): Promise<void> {
    const name = this.#paneName(0);
    const args = [
      "-u",
      ...socketArgs(this.server),
      "-f",
      "/dev/null",
      "start-server",
      ";",
      ...["set-option", "-g", "default-size", `${this.#width}x${this.#height}`, ";"],
      ...["set-option", "-g", "status", "off", ";"],
      ...["set-option", "-g", "history-limit", "200", ";"],
      ...["set-option", "-gw", "scroll-on-clear", "off", ";"],
      ...["set-option", "-gw", "automatic-rename", "off", ";"],
      ...this.#newSessionArgs(0, name),
    ];
    const out = await new Deno.Command(this.#tmuxPath, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    if (!out.success) {
      throw new Error(`Cannot start the bench tmux server: ${decoder.decode(out.stderr).trim()}`);
    }
    const first = parsePaneLine(decoder.decode(out.stdout).trim(), "new-session");
    const pid = await this.#control.run(["display-message", "-p", "#{pid}"]);
    this.#serverPid = Number(pid[0]);
    await this.#register([{ ...first, name, index: 0, step: 0 }]);
  }

  #paneName(index: number): string {
    return `agent-${String(index).padStart(4, "0")}`;
  }

  #sessionName(index: number): string {
    return `bench-${String(Math.floor(index / this.#windowsPerSession)).padStart(3, "0")}`;
  }

  #newSessionArgs(index: number, name: string): string[] {
    return [
      "new-session",
      "-d",
      "-s",
      this.#sessionName(index),
      "-n",
      name,
      "-x",
      String(this.#width),
      "-y",
      String(this.#height),
      "-P",
      "-F",
      PANE_FORMAT,
      "--",
      ...DRAWN_PANE_ARGV,
    ];
  }

  /** A window named `name` in the session of agent `index`, running {@linkcode DRAWN_PANE_ARGV}. */
  #newWindowArgs(index: number, name: string): string[] {
    return [
      "new-window",
      "-d",
      "-t",
      `${this.#sessionName(index)}:`,
      "-n",
      name,
      "-P",
      "-F",
      PANE_FORMAT,
      "--",
      ...DRAWN_PANE_ARGV,
    ];
  }

  /**
   * Adds panes until the farm has `count`: windows created in bulk (pipelined), registered as
   * agents, and each shown an idle screen; resolves once tmux has drawn every screen.
   */
  async grow(count: number): Promise<void> {
    const added: FarmPane[] = [];
    const start = this.#panes.length;
    for (let from = start; from < count; from += PIPELINE_BATCH) {
      const to = Math.min(count, from + PIPELINE_BATCH);
      const replies: Promise<string[]>[] = [];
      for (let i = from; i < to; i++) {
        const name = this.#paneName(i);
        const args = i % this.#windowsPerSession === 0
          ? this.#newSessionArgs(i, name)
          : this.#newWindowArgs(i, name);
        replies.push(this.#control.run(args));
      }
      const lines = await Promise.all(replies);
      lines.forEach((reply, k) => {
        const index = from + k;
        const pane = parsePaneLine(reply[0], "new-window");
        added.push({ ...pane, name: this.#paneName(index), index, step: 0 });
      });
      this.#progress.update(`creating panes ${to}/${count}`);
    }
    await this.#register(added);
  }

  /** Registers one pane (role, profile, name), pipelined over the control connection. */
  #registerPane(pane: FarmPane, role: "agent" | "pm"): Promise<unknown> {
    return Promise.all([
      setPaneOption(this.#control, pane.paneId, "@tmux-orc-role", role),
      setPaneOption(this.#control, pane.paneId, "@tmux-orc-profile", "claude"),
      setPaneOption(this.#control, pane.paneId, "@tmux-orc-name", pane.name),
    ]);
  }

  async #register(panes: FarmPane[]): Promise<void> {
    for (let from = 0; from < panes.length; from += PIPELINE_BATCH) {
      const batch = panes.slice(from, from + PIPELINE_BATCH);
      await Promise.all(batch.map((pane) => this.#registerPane(pane, "agent")));
      this.#progress.update(`registering agents ${from + batch.length}/${panes.length}`);
    }
    this.#panes.push(...panes);
    let drawn = 0;
    for (const pane of panes) {
      await this.draw(pane, idleScreen(pane.name, pane.index, { width: this.#width }));
      drawn++;
      if (drawn % 100 === 0) this.#progress.update(`drawing idle screens ${drawn}/${panes.length}`);
    }
    await this.#waitForCursor(panes, idleScreen("", 0));
  }

  /**
   * Adds a PM pane (`@tmux-orc-role pm`, name `pm`) as a window of the first session, so every
   * agent of that session reports to it; agents of other sessions get `@tmux-orc-pm` naming it.
   * The pane runs {@linkcode DRAWN_PANE_ARGV} like the agents; whoever drives the farm draws its
   * screen and reads what is typed into it (see `scripts/fake_agent/fake_pm.ts`). It is not in
   * {@linkcode PaneFarm.panes}.
   */
  async addPm(): Promise<FarmPane> {
    const name = "pm";
    const reply = await this.#control.run(this.#newWindowArgs(0, name));
    const pane: FarmPane = { ...parsePaneLine(reply[0], "new-window"), name, index: -1, step: 0 };
    await Promise.all([
      this.#registerPane(pane, "pm"),
      ...this.#panes.filter((p) => p.index >= this.#windowsPerSession).map((p) =>
        setPaneOption(this.#control, p.paneId, "@tmux-orc-pm", pane.paneId)
      ),
    ]);
    return pane;
  }

  /**
   * Gives a pane its next burst of output: it starts working (odd steps) or finishes and is back
   * at its prompt (even steps); either way its screen changes.
   */
  advance(pane: FarmPane): Promise<void> {
    pane.step++;
    return this.draw(pane, screenForStep(pane.name, pane.index, pane.step, { width: this.#width }));
  }

  /** Writes a screen to a pane's terminal, as the agent's own output would be. */
  async draw(pane: FarmPane, screen: FakeScreen): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(pane.tty, { write: true });
    } catch (error) {
      if (
        error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ) {
        throw new UserError(
          `Cannot write to a pane's terminal (the bench needs full permissions: deno run -A, as deno task bench does): ${pane.tty}`,
          { cause: error },
        );
      }
      throw new Error(`Cannot open a pane's terminal: ${pane.tty}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    try {
      const bytes = screenBytes(screen);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    } finally {
      file.close();
    }
  }

  /** Waits (up to 30 s) until tmux shows every pane's cursor where `screen` leaves it. */
  async #waitForCursor(panes: readonly FarmPane[], screen: FakeScreen): Promise<void> {
    const want = new Set(panes.map((pane) => pane.paneId));
    const deadline = performance.now() + 30_000;
    for (;;) {
      const lines = await this.#control.run([
        "list-panes",
        "-a",
        "-F",
        "#{pane_id} #{cursor_x} #{cursor_y}",
      ]);
      let pending = 0;
      for (const line of lines) {
        const [id, x, y] = line.split(" ");
        if (!want.has(id)) continue;
        if (Number(x) !== screen.cursorX || Number(y) !== screen.cursorY) pending++;
      }
      if (pending === 0) return;
      if (performance.now() > deadline) {
        throw new Error(`Tmux did not draw the fake screens in time: ${pending} panes pending`);
      }
      this.#progress.update(`waiting for tmux to draw ${pending} screens`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Closes the farm's connection and kills its private server. Idempotent; never throws. */
  kill(): Promise<void> {
    this.#killing ??= (async () => {
      const command = new Deno.Command(this.#tmuxPath, {
        args: ["-u", ...socketArgs(this.server), "kill-server"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      });
      try {
        await command.output();
      } catch { /* tmux is gone */ }
      await this.#control.close().catch(() => {});
      const dir = Deno.env.get("TMUX_TMPDIR") || "/tmp";
      await Deno.remove(`${dir}/tmux-${Deno.uid()}/${this.#socketName}`).catch(() => {});
    })();
    return this.#killing;
  }
}
