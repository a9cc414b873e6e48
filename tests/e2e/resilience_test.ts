/**
 * End to end: look-alike panes are never touched, and a tmux server killed mid-run and started
 * again is picked up by the running monitor.
 */
import assert from "node:assert/strict";
import { fakeAgentCommandLine } from "../../scripts/fake_agent/mod.ts";
import { commandWorks, waitFor } from "../helpers/mod.ts";
import { Team } from "./team.ts";

Deno.test("e2e: look-alike windows (claude, npm-watch running sleep/node) are never touched", async () => {
  const team = await Team.create();
  try {
    const pm = await team.agent({ window: "pm" });
    await team.register(pm.paneId, ["--role", "pm", "--profile", "claude"]);
    const agent = await team.agent({ window: "real" });
    await team.register(agent.paneId, ["--profile", "claude"]);
    // A window named "claude" showing a Claude-like prompt with "unsent" text, running sleep: if
    // anything typed into it (Enter included), the terminal would echo it.
    const lookAlikes: string[] = [];
    const fakePrompt =
      `printf '%s\\n' '────────' '> please run the tests' '────────' '  ? for shortcuts'`;
    for (const window of ["claude", "npm-watch"]) {
      const pane = await team.shellWindow({ window });
      await team.tmux([
        "send-keys",
        "-t",
        pane,
        "-l",
        "--",
        `clear; ${fakePrompt}; exec sleep 1000`,
      ]);
      await team.tmux(["send-keys", "-t", pane, "Enter"]);
      lookAlikes.push(pane);
    }
    if (commandWorks(["node", "--version"])) {
      const pane = await team.shellWindow({ window: "node-watch" });
      const script =
        `console.log("webpack compiled"); console.log("> "); setInterval(() => {}, 1e6)`;
      await team.tmux(["send-keys", "-t", pane, "-l", "--", `clear; exec node -e '${script}'`]);
      await team.tmux(["send-keys", "-t", pane, "Enter"]);
      lookAlikes.push(pane);
    }
    await waitFor(async () => {
      const commands = await Promise.all(
        lookAlikes.map((p) =>
          team.tmux(["display-message", "-p", "-t", p, "#{pane_current_command}"])
        ),
      );
      return commands.every((c) => c === "sleep" || c === "node");
    }, { timeoutMs: 10_000, what: "the look-alikes to run" });
    await new Promise((r) => setTimeout(r, 200));
    const before = await Promise.all(lookAlikes.map((p) => team.capture(p)));

    team.startMonitor(); // auto-detection on (the default)
    await waitFor(async () => {
      const beat = await team.box.heartbeat();
      return beat !== undefined && beat.cycle >= 10;
    }, { timeoutMs: 15_000, what: "ten monitor cycles" });
    const after = await Promise.all(lookAlikes.map((p) => team.capture(p)));
    assert.deepEqual(after, before, "look-alike screens unchanged: no key was sent");
    const listed = (await team.agents()).map((a) => a.pane_id).sort();
    assert.deepEqual(listed, [pm.paneId, agent.paneId].sort(), "only the real agents are listed");
    const events = await team.events();
    assert.ok(events.every((e) => !lookAlikes.includes(e.pane_id ?? "")), "no event about them");
  } finally {
    await team.cleanup();
  }
});

Deno.test("e2e: the tmux server killed mid-run and started again is picked up", async () => {
  const team = await Team.create();
  try {
    const first = await team.agent({ window: "first" });
    await team.register(first.paneId, ["--name", "first", "--profile", "claude"]);
    team.startMonitor();
    await waitFor(async () => (await team.agents()).some((a) => a.name === "first" && a.present), {
      timeoutMs: 15_000,
      what: "the first agent",
    });

    await team.tmux(["kill-server"]);
    const down = await waitFor(async () => {
      const beat = await team.box.heartbeat() as { tmux?: boolean; cycle: number } | undefined;
      return beat?.tmux === false ? beat : undefined;
    }, { timeoutMs: 10_000, what: "a heartbeat saying no tmux server" });
    const gone = await waitFor(async () => {
      const list = await team.agents();
      return list.every((a) => !a.present) ? list : undefined;
    }, { timeoutMs: 5000, what: "the agents marked gone" });
    assert.equal(gone.length, 1);

    const t0 = performance.now();
    const second = await team.agent({ session: "again", window: "second" });
    await team.register(second.paneId, ["--name", "second", "--profile", "claude"]);
    const back = await waitFor(async () => {
      const list = await team.agents();
      const agent = list.find((a) => a.name === "second");
      return agent?.present && agent.state !== "unknown" ? agent : undefined;
    }, { timeoutMs: 15_000, what: "the agent on the new server" });
    console.log(
      `    new tmux server picked up ${Math.round(performance.now() - t0)} ms after it started`,
    );
    assert.equal(back.target, "again:0.0");
    const beat = await team.box.heartbeat() as { tmux?: boolean; cycle: number } | undefined;
    assert.equal(beat?.tmux, true);
    assert.ok(beat!.cycle > down.cycle);
    const status = await team.box.cli(["monitor", "status"]);
    assert.equal(status.code, 0, status.stdout);
  } finally {
    await team.cleanup();
  }
});

Deno.test("e2e: --restart-crashed respawns a crashed agent with its registered command", async () => {
  const team = await Team.create();
  try {
    const agent = await team.agent({ window: "worker" });
    // The restarted agent reads a fresh control file (the old one still says "exit").
    const command = fakeAgentCommandLine({ log: agent.log, control: `${agent.control}.2` });
    await team.register(agent.paneId, [
      "--name",
      "worker",
      "--profile",
      "claude",
      "--command",
      command,
    ]);
    const bystander = await team.shellWindow({ window: "bystander" });
    team.startMonitor(["--restart-crashed"]);
    await waitFor(async () => (await team.agents()).some((a) => a.name === "worker"), {
      timeoutMs: 15_000,
      what: "the agent",
    });
    await agent.command({ exit: 3 });
    const restart = await waitFor(async () => {
      const events = await team.events(["--kind", "restart"]);
      return events.find((e) => /restarted the crashed agent/.test(e.detail));
    }, { timeoutMs: 15_000, what: "a restart event" });
    assert.equal(restart.pane_id, agent.paneId);
    await waitFor(async () => {
      const list = await team.agents();
      const worker = list.find((a) => a.name === "worker");
      return worker?.state === "idle" || worker?.state === "active";
    }, { timeoutMs: 15_000, what: "the agent back at work" });
    assert.equal(
      await team.tmux(["display-message", "-p", "-t", agent.paneId, "#{pane_current_command}"]),
      "deno",
    );
    // The unregistered shell next to it was never respawned.
    assert.equal(
      await team.tmux(["display-message", "-p", "-t", bystander, "#{pane_current_command}"]),
      "bash",
    );
    assert.equal((await team.events(["--kind", "restart"])).length, 1);
  } finally {
    await team.cleanup();
  }
});
