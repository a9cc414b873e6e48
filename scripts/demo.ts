/**
 * `deno task demo`: a team of fake agents on a PRIVATE tmux server (`tmux -L tmux-orc-demo`,
 * never your own), watched by the supervised monitor.
 *
 * - `deno task demo` starts it: a session `demo` with a PM window and one window per agent, each a
 *   fake Claude-Code-like agent (`scripts/fake_agent/`) registered with
 *   `tmux-orc agent register`, put into a different state (idle, busy, waiting on a prompt, stuck
 *   input, rate-limited, API error, exited → crashed); then `monitor start --supervised`.
 * - `deno task demo agents|events|status|logs [ARGS]` runs that tmux-orc command on the demo.
 * - `deno task demo --stop` stops the monitor, kills the demo tmux server and removes its files.
 *
 * Needs only tmux and Deno (e.g. `npx -y deno@2.9.6 task demo`).
 *
 * @module
 */

import { checkoutCommand } from "./checkout_cli.ts";
import { type FakeAgentCommand, fakeAgentCommandLine, sendControl } from "./fake_agent/mod.ts";

const SOCKET = "tmux-orc-demo";
const SESSION = "demo";
const STATE_DIR = `${Deno.env.get("TMPDIR") || "/tmp"}/tmux-orc-demo-${Deno.uid() ?? "user"}`;
const INTERVAL_S = 2;
const IDLE_AFTER_S = 5;

/** One fake agent of the demo team. */
interface DemoAgent {
  name: string;
  /** What the agent is told through its control file once it runs. */
  commands: FakeAgentCommand[];
  /** What the monitor should report. */
  expect: string;
}

function resetLabel(hoursAhead: number): string {
  const h = (new Date().getUTCHours() + hoursAhead) % 24;
  return `${h % 12 || 12}${h < 12 ? "am" : "pm"} (UTC)`;
}

const AGENTS: DemoAgent[] = [
  { name: "frontend", commands: [], expect: "idle" },
  { name: "backend", commands: [{ state: "active" }], expect: "active" },
  { name: "migrations", commands: [{ state: "waiting" }], expect: "waiting" },
  {
    name: "docs",
    commands: [{ swallowEnter: 1 }, { state: "stuck", text: "please update the changelog" }],
    expect: "stuck_input",
  },
  {
    name: "tests",
    commands: [{ state: "rate_limited", resets: resetLabel(3) }],
    expect: "rate_limited",
  },
  { name: "infra", commands: [{ state: "error" }], expect: "error" },
  { name: "scratch", commands: [{ exit: 1 }], expect: "crashed" },
];

function cleanEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.TMUX;
  delete env.TMUX_PANE;
  return env;
}

async function tmux(args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const out = await new Deno.Command("tmux", {
    args: ["-L", SOCKET, "-f", "/dev/null", ...args],
    env: cleanEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { ok: out.success, out: dec.decode(out.stdout), err: dec.decode(out.stderr).trim() };
}

async function mustTmux(args: string[]): Promise<string> {
  const r = await tmux(args);
  if (!r.ok) throw new Error(`tmux ${args[0]} failed: ${r.err}`);
  return r.out.trim();
}

/** The argv that runs the tmux-orc CLI from this checkout on the demo (as the supervisor would). */
function cliArgv(args: string[]): string[] {
  return [...checkoutCommand(), ...args, "--state-dir", STATE_DIR, "-L", SOCKET];
}

async function cli(
  args: string[],
  options: { quiet?: boolean; interactive?: boolean } = {},
): Promise<number> {
  const argv = cliArgv(args);
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: cleanEnv(),
    stdin: options.interactive ? "inherit" : "null",
    stdout: options.quiet ? "null" : "inherit",
    stderr: "inherit",
  }).output();
  return out.code;
}

function agentCommand(name: string, busyMs: number): string {
  return fakeAgentCommandLine({
    log: `${STATE_DIR}/fake/${name}.log.jsonl`,
    control: `${STATE_DIR}/fake/${name}.control.jsonl`,
    busyMs,
  });
}

async function serverRunning(): Promise<boolean> {
  return (await tmux(["list-sessions"])).ok;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function start(): Promise<number> {
  try {
    await new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" }).output();
  } catch {
    console.error("demo: tmux is not installed (apt-get install tmux)");
    return 1;
  }
  if (await serverRunning()) {
    console.error(
      `demo: a demo is already running on tmux -L ${SOCKET}; stop it first: deno task demo --stop`,
    );
    return 1;
  }
  await Deno.remove(STATE_DIR, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${STATE_DIR}/fake`, { recursive: true, mode: 0o700 });
  await Deno.chmod(STATE_DIR, 0o700);

  console.log(
    `Starting a private tmux server (tmux -L ${SOCKET}) with a PM and ${AGENTS.length} fake agents…`,
  );
  const shell = ["bash", "--norc", "--noprofile"];
  const pm = await mustTmux([
    "new-session",
    "-d",
    "-s",
    SESSION,
    "-n",
    "pm",
    "-x",
    "150",
    "-y",
    "40",
    "-P",
    "-F",
    "#{pane_id}",
    "--",
    ...shell,
  ]);
  const panes = new Map<string, string>([["pm", pm]]);
  for (const agent of AGENTS) {
    const id = await mustTmux([
      "new-window",
      "-d",
      "-t",
      `${SESSION}:`,
      "-n",
      agent.name,
      "-P",
      "-F",
      "#{pane_id}",
      "--",
      ...shell,
    ]);
    panes.set(agent.name, id);
  }
  for (const [name, id] of panes) {
    await mustTmux([
      "send-keys",
      "-t",
      id,
      "-l",
      "--",
      agentCommand(name, name === "pm" ? 400 : 1500),
    ]);
    await mustTmux(["send-keys", "-t", id, "Enter"]);
  }

  // Register: the PM, then each agent (its PM is the session's pm pane).
  if (
    await cli(["agent", "register", pm, "--role", "pm", "--name", "pm", "--profile", "claude"]) !==
      0
  ) {
    return 1;
  }
  for (const agent of AGENTS) {
    const code = await cli([
      "agent",
      "register",
      panes.get(agent.name)!,
      "--name",
      agent.name,
      "--profile",
      "claude",
      "--command",
      agentCommand(agent.name, 1500),
    ]);
    if (code !== 0) return 1;
  }

  // Wait until every fake agent runs (its pane's foreground is deno), then set the states.
  const deadline = performance.now() + 30_000;
  while (true) {
    const out = await mustTmux([
      "list-panes",
      "-s",
      "-t",
      SESSION,
      "-F",
      "#{pane_current_command}",
    ]);
    const running = out.split("\n").filter((c) => c === "deno").length;
    if (running === panes.size) break;
    if (performance.now() > deadline) {
      console.error(`demo: only ${running} of ${panes.size} fake agents started within 30 s`);
      return 1;
    }
    await sleep(200);
  }
  await sleep(500);
  for (const agent of AGENTS) {
    for (const command of agent.commands) {
      await sendControl(`${STATE_DIR}/fake/${agent.name}.control.jsonl`, command);
    }
  }

  console.log("Starting the supervised monitor…");
  const code = await cli([
    "monitor",
    "start",
    "--supervised",
    "--interval",
    String(INTERVAL_S),
    "--idle-after",
    String(IDLE_AFTER_S),
  ]);
  if (code !== 0) return code;

  const raw = `deno run -A main.ts COMMAND --state-dir ${STATE_DIR} -L ${SOCKET}`;
  console.log(`
The demo team (session "${SESSION}", one window per agent):
${
    AGENTS.map((a) => `  ${a.name.padEnd(11)} ${panes.get(a.name)!.padEnd(4)} → ${a.expect}`).join(
      "\n",
    )
  }
  ${"pm".padEnd(11)} ${pm.padEnd(4)} the PM: receives one message per event

Within ~${
    IDLE_AFTER_S + 2 * INTERVAL_S
  } s every agent shows its state; the PM window shows the notices it got.
"docs" has unsent input: the monitor presses Enter once (the fake agent swallows it), then tells the PM.

Attach (detach again with Ctrl-b d):   tmux -L ${SOCKET} attach -t ${SESSION}
Watch:
  deno task demo top               live full-screen view (q quits; Enter jumps to a pane)
  deno task demo agents            the agents and their states   (add --json)
  deno task demo events            transitions, notifications, actions
  deno task demo status            supervisor and monitor health (monitor status)
  deno task demo logs              the supervisor's and monitor's logs
  (the same as: ${raw})
Stop everything:                       deno task demo --stop
(Without Deno installed, run these as: npx -y deno@2.9.6 task demo …)
`);
  return 0;
}

async function stop(): Promise<number> {
  const running = await serverRunning();
  let code = 0;
  try {
    await Deno.stat(STATE_DIR);
    code = await cli(["monitor", "stop", "--timeout", "5"]);
  } catch {
    // No state dir: nothing was started.
  }
  if (running) {
    await tmux(["kill-server"]);
    console.log(`✓ Killed the demo tmux server (tmux -L ${SOCKET})`);
  } else {
    console.log(`No demo tmux server was running (tmux -L ${SOCKET})`);
  }
  // tmux leaves its socket file behind.
  const socketDir = `${Deno.env.get("TMUX_TMPDIR") || "/tmp"}/tmux-${Deno.uid()}`;
  await Deno.remove(`${socketDir}/${SOCKET}`).catch(() => {});
  await Deno.remove(STATE_DIR, { recursive: true }).catch(() => {});
  console.log(`✓ Removed ${STATE_DIR}`);
  return code;
}

const PASS_THROUGH: Record<string, string[]> = {
  top: ["top"],
  agents: ["agents"],
  events: ["events"],
  status: ["monitor", "status"],
  logs: ["monitor", "logs"],
};

if (import.meta.main) {
  const [first, ...rest] = Deno.args;
  let code: number;
  if (first === undefined) code = await start();
  else if (first === "--stop" || first === "stop") code = await stop();
  else if (first in PASS_THROUGH) {
    code = await cli([...PASS_THROUGH[first], ...rest], { interactive: first === "top" });
  } else {
    console.error(
      "Usage: deno task demo [--stop | top | agents | events | status | logs] [tmux-orc options]",
    );
    code = 2;
  }
  Deno.exit(code);
}
