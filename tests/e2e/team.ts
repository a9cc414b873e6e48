/**
 * End-to-end harness: a {@linkcode Sandbox} (temp state dir + PRIVATE tmux server, torn down in
 * `cleanup`) with fake agents (`scripts/fake_agent/`) running in real panes, registered
 * through the real CLI, watched by the real monitor process.
 *
 * @module
 */

import {
  type FakeAgentCommand,
  fakeAgentCommandLine,
  readMessages,
  sendControl,
} from "../../scripts/fake_agent/mod.ts";
import { tmux, waitFor } from "../helpers/mod.ts";
import { Sandbox } from "../helpers/sandbox.ts";

/** Fast monitor settings for tests. */
export const FAST_MONITOR = ["--interval", "0.3", "--idle-after", "1"];

/** One agent as `agents --json` prints it. */
export interface AgentJson {
  name: string;
  pane_id: string;
  target: string;
  profile: string;
  role: string;
  registered: boolean;
  pm_pane: string | null;
  state: string;
  since: string;
  detail: string;
  last_notified: string | null;
  present: boolean;
}

/** One event as `events --json` prints it. */
export interface EventJson {
  id: number;
  ts_ms: number;
  kind: string;
  agent: string | null;
  pane_id: string | null;
  from_state: string | null;
  to_state: string | null;
  delivery: string | null;
  detail: string;
  extra: Record<string, unknown> | null;
}

/** A fake agent in a real pane. */
export class FakeAgent {
  /** Its pane. */
  readonly paneId: string;
  /** Its message log (JSON lines). */
  readonly log: string;
  /** Its control file. */
  readonly control: string;

  constructor(paneId: string, log: string, control: string) {
    this.paneId = paneId;
    this.log = log;
    this.control = control;
  }

  /** Sends a control command (`{"state":"idle"}`…). */
  command(command: FakeAgentCommand): Promise<void> {
    return sendControl(this.control, command);
  }

  /** The messages it received (submitted with Enter). */
  messages(): Promise<string[]> {
    return readMessages(this.log);
  }
}

/** A sandbox with a team of fake agents. */
export class Team {
  /** The sandbox. */
  readonly box: Sandbox;
  #count = 0;

  private constructor(box: Sandbox) {
    this.box = box;
  }

  /** Creates the sandbox (a private tmux server with session `main`). */
  static async create(): Promise<Team> {
    return new Team(await Sandbox.create());
  }

  /** Runs tmux on the sandbox's server; throws on failure. */
  async tmux(args: string[]): Promise<string> {
    const r = await tmux(this.box.socket, args);
    if (r.code !== 0) throw new Error(`tmux ${args.join(" ")} failed: ${r.stderr.trim()}`);
    return r.stdout.replace(/\n$/, "");
  }

  /** Opens a window running a shell in `session` (created if needed); returns its pane id. */
  async shellWindow(options: { session?: string; window?: string } = {}): Promise<string> {
    const session = options.session ?? "main";
    const window = options.window ?? `w${++this.#count}`;
    const shell = ["bash", "--norc", "--noprofile"];
    const exists = (await tmux(this.box.socket, ["has-session", "-t", `=${session}`])).code === 0;
    const args = exists
      ? ["new-window", "-d", "-t", `=${session}:`, "-n", window]
      : ["new-session", "-d", "-s", session, "-n", window, "-x", "120", "-y", "40"];
    return await this.tmux([...args, "-P", "-F", "#{pane_id}", "--", ...shell]);
  }

  /** Starts a fake agent in a new window; resolves once its prompt shows. */
  async agent(
    options: { session?: string; window?: string; busyMs?: number } = {},
  ): Promise<FakeAgent> {
    const paneId = await this.shellWindow(options);
    const n = ++this.#count;
    const agent = new FakeAgent(
      paneId,
      `${this.box.dir}/fake-${n}.log.jsonl`,
      `${this.box.dir}/fake-${n}.control.jsonl`,
    );
    const command = fakeAgentCommandLine({
      log: agent.log,
      control: agent.control,
      busyMs: options.busyMs ?? 300,
    });
    await this.tmux(["send-keys", "-t", paneId, "-l", "--", command]);
    await this.tmux(["send-keys", "-t", paneId, "Enter"]);
    await waitFor(async () => {
      const screen = await this.tmux(["capture-pane", "-p", "-t", paneId]);
      return screen.includes("? for shortcuts") &&
        (await this.tmux(["display-message", "-p", "-t", paneId, "#{pane_current_command}"])) ===
          "deno";
    }, { timeoutMs: 15_000, everyMs: 50, what: `fake agent in ${paneId}` });
    return agent;
  }

  /** `tmux-orc agent register TARGET ARGS…`; throws unless it exits 0. */
  async register(target: string, args: string[] = []): Promise<void> {
    const r = await this.box.cli(["agent", "register", target, ...args]);
    if (r.code !== 0) throw new Error(`agent register failed: ${r.stderr}`);
  }

  /** Starts the monitor process (foreground mode, killed at cleanup). */
  startMonitor(args: string[] = []): Deno.ChildProcess {
    return this.box.spawn(["monitor", ...FAST_MONITOR, ...args]);
  }

  /** `agents --json`. */
  async agents(): Promise<AgentJson[]> {
    const r = await this.box.cli(["agents", "--json", "--all"]);
    if (r.code !== 0) throw new Error(`agents --json failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** `events --json ARGS…`. */
  async events(args: string[] = []): Promise<EventJson[]> {
    const r = await this.box.cli(["events", "--json", "-n", "100000", ...args]);
    if (r.code !== 0) throw new Error(`events --json failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** The visible text of a pane. */
  capture(paneId: string): Promise<string> {
    return this.tmux(["capture-pane", "-p", "-t", paneId]);
  }

  /** Tears everything down. */
  cleanup(): Promise<void> {
    return this.box.cleanup();
  }
}
